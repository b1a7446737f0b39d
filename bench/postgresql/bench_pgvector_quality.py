"""SciFact nDCG@10 on the PostgreSQL backend against the embedded store, on the same vectors.

    .venv/bin/python bench/postgresql/bench_pgvector_quality.py [--full] [--backend torch] [--database-url ...]

Builds the embedded knowledge base from the corpus (mini by default, the full 5,183 abstracts with
``--full``), moves it into PostgreSQL with ``ragkb kb export``'s code (vectors included, so both stores search
identical vectors), and scores SEMANTIC and HYBRID on both with the train judgements (the test split is held
back, as in bench_retrieval_quality.py). Without ``--database-url`` a throw-away cluster is started.
Writes bench/results/pgvector_quality[_full].json.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.wiring import build_embedder  # noqa: E402
from app.settings import Settings  # noqa: E402
from evaluation.retrieval import build_corpus_kb, load_corpus, load_qrels, load_queries, run_queries, score_run  # noqa: E402
from ingest.chunking import ChunkingConfig  # noqa: E402
from retrieval import (  # noqa: E402
    Database,
    KnowledgeBase,
    PostgresKnowledgeBase,
    PostgresRegistry,
    export_kb,
    import_kb,
    read_header,
)
from retrieval.home import KnowledgeBaseInfo  # noqa: E402
from retrieval.store.postgres import keyword as pg_keyword  # noqa: E402

SCIFACT = ROOT.parent / "shared/eval/scifact"
# BM25's (k1, b) on the keyword side besides the default (FTS5's 1.2, 0.75): HYBRID only.
VARIANTS = [(1.2, 0.0), (0.9, 0.4), (1.5, 0.75)]
CUTS = [None, 100, 30, 10]  # postings read per query word (None: all, exact BM25)


def _embedded(corpus: Path, directory: Path, embedder: Any, chunking: ChunkingConfig) -> KnowledgeBase:
    """The corpus embedded once; later runs import the cached export instead (bench/results/, not committed)."""
    cache = ROOT / f"bench/results/{corpus.stem}_{embedder.name.replace(':', '_')}.ragkb.gz"
    if cache.exists():
        kb = KnowledgeBase(directory=directory, embedder=embedder, chunking=chunking)
        with gzip.open(cache, "rt", encoding="utf-8") as stream:
            read_header(stream)
            import_kb(kb, stream)
        return kb
    kb = build_corpus_kb(load_corpus(corpus), directory=directory, embedder=embedder, chunking=chunking)
    kb.save()
    cache.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(cache, "wt", encoding="utf-8") as stream:
        export_kb(kb, KnowledgeBaseInfo("x", "scifact", "", chunking, embedder.name, "", ""), stream)
    return kb


def _write_cost(database: Database, export: str, embedder: Any, chunking: ChunkingConfig) -> dict[str, float]:
    """Seconds to import the corpus (one transaction per document, as a sync writes) into a new knowledge base,
    with and without the triggers that keep the keyword postings (migration 4): what they cost writers."""
    seconds = {}
    for label in ("postings kept", "postings triggers disabled"):
        info = PostgresRegistry(database).create(label.replace(" ", "-"), chunking=chunking, embedder=embedder.name)
        kb = PostgresKnowledgeBase(database=database, kb_id=info.id, embedder=embedder, chunking=chunking)
        switch = "ENABLE" if label == "postings kept" else "DISABLE"  # statement triggers: on the parent table
        with database.connection() as conn:
            for event in ("insert", "delete", "update"):
                conn.execute(f"ALTER TABLE chunks {switch} TRIGGER chunks_keyword_terms_{event}")
        buffer = io.StringIO(export)
        read_header(buffer)
        start = time.perf_counter()
        import_kb(kb, buffer)
        seconds[label] = time.perf_counter() - start
    with database.connection() as conn:
        for event in ("insert", "delete", "update"):
            conn.execute(f"ALTER TABLE chunks ENABLE TRIGGER chunks_keyword_terms_{event}")
        print(f"import of {kb.count()} chunks, {label}: {seconds[label]:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    corpus = SCIFACT / ("corpus.jsonl" if args.full else "corpus_mini.jsonl")
    judgements = load_qrels(SCIFACT / "qrels" / ("train.tsv" if args.full else "train_mini.tsv"))
    texts = load_queries(SCIFACT / "queries.jsonl")
    queries = {q: texts[q] for q in judgements if q in texts}
    embedder = build_embedder(Settings(embedding_backend=args.backend))
    chunking = ChunkingConfig(strategy="none")
    cluster, url = None, args.database_url
    if url is None:
        from tests.postgres import PostgresCluster, find_postgres

        bin_dir, why = find_postgres()
        if bin_dir is None:
            raise SystemExit(why)
        cluster = PostgresCluster(bin_dir)
        url = cluster.new_database()
    try:
        with tempfile.TemporaryDirectory(prefix="ragkb-quality-") as tmp:
            embedded = _embedded(corpus, Path(tmp), embedder, chunking)
            database = Database(url)
            info = PostgresRegistry(database).create("scifact", chunking=chunking, embedder=embedder.name)
            postgres = PostgresKnowledgeBase(database=database, kb_id=info.id, embedder=embedder, chunking=chunking)
            buffer = io.StringIO()
            export_kb(embedded, KnowledgeBaseInfo("x", "scifact", "", chunking, embedder.name, "", ""), buffer)
            buffer.seek(0)
            read_header(buffer)
            import_kb(postgres, buffer)
            rows: dict[str, Any] = {"write_s": _write_cost(database, buffer.getvalue(), embedder, chunking)}
            for name, kb in (("embedded", embedded), ("postgres", postgres)):
                for search_type in ("SEMANTIC", "HYBRID"):
                    scores = score_run(run_queries(kb, queries, search_type=search_type), judgements)
                    rows[f"{name} {search_type}"] = scores.as_dict()
                    print(f"{name:9} {search_type:9} nDCG@10 {scores.as_dict()['nDCG@10']:.4f}", flush=True)
            default = pg_keyword.K1, pg_keyword.B
            for k1, b in VARIANTS:
                pg_keyword.K1, pg_keyword.B = k1, b
                scores = score_run(run_queries(postgres, queries, search_type="HYBRID"), judgements)
                rows[f"postgres HYBRID bm25 k1={k1} b={b}"] = scores.as_dict()
                print(
                    f"postgres  HYBRID    bm25 k1={k1} b={b:<25} nDCG@10 {scores.as_dict()['nDCG@10']:.4f}", flush=True
                )
            pg_keyword.K1, pg_keyword.B = default
            # The keyword side reads each word's best postings only: how far can the cut go before it shows?
            # (per_word=1000 reads every posting here; at 100k chunks 1000 is 1 % of the knowledge base.)
            per_word = pg_keyword.POSTINGS_PER_WORD
            for cut in CUTS:
                pg_keyword.POSTINGS_PER_WORD = cut
                scores = score_run(run_queries(postgres, queries, search_type="HYBRID"), judgements)
                rows[f"postgres HYBRID postings per word {cut}"] = scores.as_dict()
                print(f"postgres  HYBRID    postings per word {cut!s:<14} nDCG@10 {scores.as_dict()['nDCG@10']:.4f}",
                      flush=True)  # fmt: skip
            pg_keyword.POSTINGS_PER_WORD = per_word
            embedded.close()
            database.close()
        out = ROOT / f"bench/results/pgvector_quality{'_full' if args.full else ''}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"corpus": corpus.name, "queries": len(queries), "rows": rows}, indent=2))
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
