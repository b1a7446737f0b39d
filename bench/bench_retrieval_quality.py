"""Retrieval quality on SciFact (train judgements): SEMANTIC vs HYBRID with the real model.

    .venv/bin/python bench/bench_retrieval_quality.py [--full] [--chunking none|default]

Builds one knowledge base from the corpus (mini by default, the full 5,183 abstracts with --full)
and scores both search types on the same index. Prints a table and writes
bench/results/retrieval_quality[_full].json. Train judgements only: SciFact's test split is held back.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ingest.chunking import ChunkingConfig
from retrieval.embedding import SentenceTransformerEmbedder
from retrieval.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared/eval/scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="full corpus + qrels/train.tsv (slow: ~10 min)")
    parser.add_argument("--chunking", default="none", choices=["none", "default"])
    args = parser.parse_args()
    corpus_file = SCIFACT / ("corpus.jsonl" if args.full else "corpus_mini.jsonl")
    qrels_file = SCIFACT / "qrels" / ("train.tsv" if args.full else "train_mini.tsv")
    embedder = SentenceTransformerEmbedder()
    start = time.perf_counter()
    results = evaluate(
        corpus=corpus_file, queries=SCIFACT / "queries.jsonl", qrels=qrels_file, embedder=embedder,
        chunking=ChunkingConfig(strategy=args.chunking), search_types=["SEMANTIC", "HYBRID"],
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    rows = {name: scores.as_dict() for name, (scores, _) in results.items()}
    print(
        f"SciFact {corpus_file.name} + {qrels_file.name}: {rows['SEMANTIC']['queries']} queries, "
        f"chunking={args.chunking}, {embedder.name}, built and queried in {elapsed:.0f} s\n"
    )
    print(f"{'search type':12} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7}")
    for name, r in rows.items():
        print(f"{name:12} {r['nDCG@10']:8.4f} {r['Recall@10']:7.4f} {r['Recall@100']:7.4f} {r['MRR@10']:7.4f}")
    out = ROOT / f"bench/results/retrieval_quality{'_full' if args.full else ''}_{args.chunking}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"corpus": corpus_file.name, "chunking": args.chunking, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
