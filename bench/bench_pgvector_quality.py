"""SciFact nDCG@10 on the PostgreSQL backend against the embedded store, on the same vectors.

    .venv/bin/python bench/bench_pgvector_quality.py [--full] [--backend torch] [--database-url ...]

Builds the embedded knowledge base from the corpus (mini by default, the full 5,183 abstracts with
``--full``), moves it into PostgreSQL with ``ragkb kb export``'s code (vectors included, so both stores search
identical vectors), and scores SEMANTIC and HYBRID on both with the train judgements (the test split is held
back, as in bench_retrieval_quality.py). Without ``--database-url`` a throw-away cluster is started.
Writes bench/results/pgvector_quality[_full].json.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.wiring import build_embedder  # noqa: E402
from app.settings import Settings  # noqa: E402
from evaluation.retrieval import build_corpus_kb, load_corpus, load_qrels, load_queries, run_queries, score_run  # noqa: E402
from ingest.chunking import ChunkingConfig  # noqa: E402
from retrieval import Database, PostgresKnowledgeBase, PostgresRegistry, export_kb, import_kb, read_header  # noqa: E402
from retrieval.home import KnowledgeBaseInfo  # noqa: E402

SCIFACT = ROOT.parent / "shared/eval/scifact"


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
            embedded = build_corpus_kb(load_corpus(corpus), directory=Path(tmp), embedder=embedder, chunking=chunking)
            embedded.save()
            database = Database(url)
            info = PostgresRegistry(database).create("scifact", chunking=chunking, embedder=embedder.name)
            postgres = PostgresKnowledgeBase(database=database, kb_id=info.id, embedder=embedder, chunking=chunking)
            buffer = io.StringIO()
            export_kb(embedded, KnowledgeBaseInfo("x", "scifact", "", chunking, embedder.name, "", ""), buffer)
            buffer.seek(0)
            read_header(buffer)
            import_kb(postgres, buffer)
            rows = {}
            for name, kb in (("embedded", embedded), ("postgres", postgres)):
                for search_type in ("SEMANTIC", "HYBRID"):
                    scores = score_run(run_queries(kb, queries, search_type=search_type), judgements)
                    rows[f"{name} {search_type}"] = scores.as_dict()
                    print(f"{name:9} {search_type:9} nDCG@10 {scores.as_dict()['nDCG@10']:.4f}", flush=True)
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
