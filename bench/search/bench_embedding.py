"""Embedding backends side by side: document throughput, single-query latency, agreement with fp32.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search/bench_embedding.py [--docs 300] [--passes 3]
        [--backends torch torch-bf16 onnx onnx-int8]

Documents: the first ``--docs`` SciFact abstracts (title + text, ~200 word pieces each, like a
default chunk), embedded in one call per pass (the backend batches and sorts by length). Queries:
200 SciFact claims, one call each, as a user's query is embedded. Agreement: cosine of each
document vector to PyTorch fp32's. Median over passes (min-max). Retrieval quality per backend is
bench_retrieval_quality.py's job. Writes bench/results/embedding.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from synthetic_vectors import SCIFACT

from app.core.wiring import build_embedder
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["torch", "torch-bf16", "onnx", "onnx-int8"])
    args = parser.parse_args()
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as handle:
        docs = [f"{d['title']} {d['text']}"[:1200] for d in map(json.loads, handle)][: args.docs]
    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as handle:
        queries = [json.loads(line)["text"] for line in handle][:200]
    report: dict[str, Any] = {"docs": len(docs), "queries": len(queries), "passes": args.passes, "backends": {}}
    reference: np.ndarray | None = None
    header = f"{'backend':11} {'docs/s':>7} {'(spread)':>13} {'query p50 ms':>12} {'p99 ms':>7}"
    print(f"{header} {'cos min':>8} {'mean':>7}")
    with tempfile.TemporaryDirectory() as home:
        for backend in args.backends:
            embedder = build_embedder(Settings(home=Path(home), embedding_backend=backend))
            embedder.embed_documents(docs[:8])  # warm-up
            rates, vectors = [], np.empty(0)
            for _ in range(args.passes):
                start = time.perf_counter()
                vectors = embedder.embed_documents(docs)
                rates.append(len(docs) / (time.perf_counter() - start))
            p50s, p99s = [], []
            for _ in range(args.passes):
                times = []
                for query in queries:
                    start = time.perf_counter()
                    embedder.embed_query(query)
                    times.append((time.perf_counter() - start) * 1000)
                p50s.append(float(np.percentile(times, 50)))
                p99s.append(float(np.percentile(times, 99)))
            reference = vectors if reference is None else reference
            cosines = (vectors * reference).sum(axis=1)
            row = {"docs_per_s": statistics.median(rates), "docs_per_s_min": min(rates), "docs_per_s_max": max(rates),
                   "query_p50_ms": statistics.median(p50s), "query_p99_ms": statistics.median(p99s),
                   "cos_min": float(cosines.min()), "cos_mean": float(cosines.mean())}  # fmt: skip
            report["backends"][backend] = row
            spread = f"({min(rates):.1f}-{max(rates):.1f})"
            print(f"{backend:11} {row['docs_per_s']:7.1f} {spread:>13} {row['query_p50_ms']:12.1f} "
                  f"{row['query_p99_ms']:7.1f} {row['cos_min']:8.4f} {row['cos_mean']:7.4f}", flush=True)  # fmt: skip
    print(f"\n(cosines are to the first backend, {args.backends[0]})")
    out = ROOT / "bench/results/embedding.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
