"""Retrieval quality on SciFact (train judgements): SEMANTIC vs HYBRID with the real model.

    .venv/bin/python bench/bench_retrieval_quality.py [--full] [--chunking none|default]

Builds one knowledge base from the corpus (mini by default, the full 5,183 abstracts with --full)
and scores both search types on the same index. Prints a table and writes
bench/results/retrieval_quality.json. Train judgements only: SciFact's test split is held back.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from ingest.chunking import ChunkingConfig
from retrieval.embedding import SentenceTransformerEmbedder
from retrieval.evaluation import (
    build_corpus_kb,
    load_corpus,
    load_qrels,
    load_queries,
    run_queries,
    score_run,
)

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared/eval/scifact"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="full corpus + qrels/train.tsv (slow: ~10 min)")
    parser.add_argument("--chunking", default="none", choices=["none", "default"])
    args = parser.parse_args()
    corpus_file = SCIFACT / ("corpus.jsonl" if args.full else "corpus_mini.jsonl")
    qrels_file = SCIFACT / "qrels" / ("train.tsv" if args.full else "train_mini.tsv")
    qrels = load_qrels(qrels_file)
    queries = {q: t for q, t in load_queries(SCIFACT / "queries.jsonl").items() if q in qrels}
    chunking = ChunkingConfig(strategy=args.chunking)  # type: ignore[arg-type]
    embedder = SentenceTransformerEmbedder()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        kb = build_corpus_kb(
            load_corpus(corpus_file), directory=Path(tmp), embedder=embedder, chunking=chunking
        )
        build_s = time.perf_counter() - start
        rows = {}
        for search_type in ("SEMANTIC", "HYBRID"):
            scores = score_run(run_queries(kb, queries, search_type=search_type), qrels)  # type: ignore[arg-type]
            rows[search_type] = scores.as_dict()
        kb.close()
    print(
        f"SciFact {corpus_file.name} + {qrels_file.name}: {len(queries)} queries, chunking={args.chunking}, "
        f"{embedder.name}, index built in {build_s:.0f} s\n"
    )
    print(f"{'search type':12} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7}")
    for name, r in rows.items():
        print(
            f"{name:12} {r['nDCG@10']:8.4f} {r['Recall@10']:7.4f} {r['Recall@100']:7.4f} {r['MRR@10']:7.4f}"
        )
    out = ROOT / "bench/results/retrieval_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"corpus": corpus_file.name, "chunking": args.chunking, "results": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
