"""Retrieval quality on SciFact (train judgements): SEMANTIC vs HYBRID with the real model.

    .venv/bin/python bench/search/bench_retrieval_quality.py [--full] [--chunking none|default]
        [--backends torch,torch-bf16,onnx,onnx-int8]

For each embedding backend, builds one knowledge base from the corpus (mini by default, the full
5,183 abstracts with --full) and scores both search types on the same index. Prints a table with
each backend's nDCG@10 difference to the first one and writes
bench/results/retrieval_quality[_full]_<chunking>.json. Train judgements only: SciFact's test
split is held back.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from app.core.wiring import build_embedder
from app.settings import Settings
from evaluation.retrieval import evaluate
from ingest.chunking import ChunkingConfig

ROOT = Path(__file__).resolve().parents[2]
SCIFACT = ROOT.parent / "shared/eval/scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="full corpus + qrels/train.tsv (slow: ~10 min)")
    parser.add_argument("--chunking", default="none", choices=["none", "default"])
    parser.add_argument("--backends", default="torch", help="comma-separated embedding backends; first = reference")
    args = parser.parse_args()
    corpus_file = SCIFACT / ("corpus.jsonl" if args.full else "corpus_mini.jsonl")
    qrels_file = SCIFACT / "qrels" / ("train.tsv" if args.full else "train_mini.tsv")
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for backend in args.backends.split(","):
        embedder = build_embedder(Settings(embedding_backend=backend))
        start = time.perf_counter()
        results = evaluate(
            corpus=corpus_file, queries=SCIFACT / "queries.jsonl", qrels=qrels_file, embedder=embedder,
            chunking=ChunkingConfig(strategy=args.chunking), search_types=["SEMANTIC", "HYBRID"],
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        rows[backend] = {name: scores.as_dict() for name, (scores, _) in results.items()}
        print(f"{embedder.name}: built and queried in {elapsed:.0f} s", flush=True)
    reference = next(iter(rows.values()))
    print(f"\nSciFact {corpus_file.name} + {qrels_file.name}: {reference['SEMANTIC']['queries']} queries, "
          f"chunking={args.chunking}\n")  # fmt: skip
    header = f"{'backend':11} {'search type':12} {'nDCG@10':>8} {'vs first':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7}"
    print(header)
    for backend, by_type in rows.items():
        for name, r in by_type.items():
            delta = r["nDCG@10"] - reference[name]["nDCG@10"]
            print(
                f"{backend:11} {name:12} {r['nDCG@10']:8.4f} {delta:+8.4f} {r['Recall@10']:7.4f} "
                f"{r['Recall@100']:7.4f} {r['MRR@10']:7.4f}"
            )
    out = ROOT / f"bench/results/retrieval_quality{'_full' if args.full else ''}_{args.chunking}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"corpus": corpus_file.name, "chunking": args.chunking, "backends": rows}, indent=2))


if __name__ == "__main__":
    main()
