"""Ingestion throughput on the PostgreSQL backend with 1 and 2 ``ragkb worker`` processes.

    .venv/bin/python bench/postgresql/bench_pgvector_ingest.py [--docs 600] [--workers 1 2]
        [--embedder sentence-transformers]
        [--backend torch-bf16] [--database-url postgresql://...]

``--docs`` SciFact abstracts (one text file each) are split evenly over as many knowledge bases as there are
workers (a knowledge base runs one job at a time, so two workers speed up two knowledge bases, not one), each
with a LOCAL_FOLDER data source and a queued job. The workers are started and given time to load their model;
the clock runs from the first chunk written to the last job finished, so worker start-up is not counted.
Chunks/s = chunks written / that time. A fresh database per worker count (without ``--database-url``, a
throw-away cluster). Writes bench/results/pgvector_ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.wiring import build_embedder  # noqa: E402
from app.settings import Settings  # noqa: E402
from ingest.chunking import ChunkingConfig  # noqa: E402
from retrieval import (  # noqa: E402
    Database,
    IngestionJob,
    JobQueue,
    PostgresKnowledgeBase,
    PostgresRegistry,
)
from retrieval.embedding import Embedder  # noqa: E402
from retrieval.types import DataSource  # noqa: E402

SCIFACT = ROOT.parent / "shared/eval/scifact/corpus.jsonl"


def _write_corpus(folder: Path, docs: int, parts: int) -> list[Path]:
    """``docs`` abstracts as text files, split over ``parts`` folders."""
    folders = [folder / f"part{p}" for p in range(parts)]
    for f in folders:
        f.mkdir(parents=True)
    with SCIFACT.open(encoding="utf-8") as lines:
        for i, line in zip(range(docs), lines, strict=False):
            record = json.loads(line)
            (folders[i % parts] / f"{record['_id']}.txt").write_text(f"{record['title']}\n\n{record['text']}")
    return folders


def run(url: str, folders: list[Path], env: dict[str, str], embedder: Embedder) -> dict[str, float]:
    database = Database(url, max_size=2)
    registry, queue = PostgresRegistry(database), JobQueue(database, lease_s=30)
    workers = [subprocess.Popen([sys.executable, "-c", "from app.cli import main; main()", "worker"], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in folders]  # fmt: skip
    try:
        time.sleep(float(env.get("WARMUP_S", "30")))  # the workers load their model meanwhile
        for i, folder in enumerate(folders):
            info = registry.create(f"kb{i}", chunking=ChunkingConfig(), embedder=embedder.name)
            kb = PostgresKnowledgeBase(database=database, kb_id=info.id, embedder=embedder, chunking=ChunkingConfig())
            source = DataSource.new(
                name="docs",
                type="LOCAL_FOLDER",
                config={"description": "", "path": str(folder), "include": [], "exclude": []},
            )
            kb.catalog.put_data_source(source)
            queue.enqueue(info.id, IngestionJob.new(source.id, status="STARTING"))
        first = None
        while True:
            with database.connection() as conn:
                chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
                unfinished = conn.execute(
                    "SELECT count(*) FROM ingestion_jobs WHERE status IN ('STARTING', 'IN_PROGRESS', 'STOPPING')"
                ).fetchone()[0]
            now = time.monotonic()
            if first is None and chunks:
                first = now
            if not unfinished:
                break
            time.sleep(0.2)
        with database.connection() as conn:
            statuses = [r[0] for r in conn.execute("SELECT status FROM ingestion_jobs")]
        seconds = now - (first or now)
        return {"workers": len(folders), "chunks": chunks, "seconds": round(seconds, 1),
                "chunks_per_s": round(chunks / seconds, 1) if seconds else 0.0, "jobs": statuses}  # fmt: skip
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--embedder", default="sentence-transformers")
    parser.add_argument("--backend", default="torch-bf16")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    # The workers' embedder (not loaded here: the torch backends defer the model); the knowledge bases record it.
    embedder = build_embedder(Settings(embedder=args.embedder, embedding_backend=args.backend))
    cluster = None
    if args.database_url is None:
        from tests.postgres import PostgresCluster, find_postgres

        bin_dir, why = find_postgres()
        if bin_dir is None:
            raise SystemExit(why)
        cluster = PostgresCluster(bin_dir)
    rows = []
    try:
        for count in args.workers:
            url = args.database_url or cluster.new_database()  # type: ignore[union-attr]
            with tempfile.TemporaryDirectory(prefix="ragkb-ingest-") as tmp:
                folders = _write_corpus(Path(tmp), args.docs, count)
                env = {k: v for k, v in os.environ.items() if not k.startswith("RAGKB_")} | {
                    "RAGKB_DATABASE_URL": url, "RAGKB_EMBEDDER": args.embedder, "RAGKB_EMBEDDING_BACKEND": args.backend,
                    "RAGKB_HOME": str(Path(tmp) / "home"), "RAGKB_DATA_ROOTS": json.dumps([tmp]),
                    "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
                }  # fmt: skip
                row = run(url, folders, env, embedder)
            print(f"{count} worker(s): {row['chunks']} chunks in {row['seconds']} s = {row['chunks_per_s']} chunks/s "
                  f"{row['jobs']}", flush=True)  # fmt: skip
            rows.append(row)
    finally:
        if cluster is not None:
            cluster.stop()
    out = ROOT / "bench/results/pgvector_ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"docs": args.docs, "embedder": embedder.name, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
