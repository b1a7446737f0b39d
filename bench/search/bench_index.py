"""FAISS alone: exact (flat) vs IVF search latency and IVF recall@10, by collection size.

    .venv/bin/python bench/search/bench_index.py [--sizes 10000 20000 50000 100000 1000000] [--queries 300]

Vectors are synthetic, clustered around real MiniLM vectors (``bench/search/synthetic_vectors.py``);
queries are real SciFact claims embedded with PyTorch fp32. For each size: exact search latency
(p50/p99 over single-query calls), then the IVF index ragkb builds past ``EXACT_LIMIT``
(``4 sqrt(n)`` lists) at several ``nprobe`` values, with recall@10 against exact search, plain and
with a filter admitting 20 % of ids. The row marked ``*`` is ragkb's default ``nprobe``. Each
latency is the median of 3 passes. This is the measurement behind ``EXACT_LIMIT`` and
``default_nprobe`` in retrieval/store/faiss_index.py. Writes bench/results/index.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from synthetic_vectors import CACHE, SCIFACT, clustered_vectors

from retrieval.store import faiss_index

ROOT = Path(__file__).resolve().parents[2]
K = 10


def query_vectors(n: int) -> np.ndarray:
    cache = CACHE.with_name("scifact_query_vectors.npy")
    if cache.exists():
        return np.load(cache)[:n]
    from retrieval.embedding import SentenceTransformerEmbedder

    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as handle:
        claims = [json.loads(line)["text"] for line in handle]
    vectors = SentenceTransformerEmbedder().embed_documents(claims)
    np.save(cache, vectors)
    return vectors[:n]


def latency(index: Any, queries: np.ndarray, params: Any = None) -> tuple[float, float, list[np.ndarray]]:
    """Median over 3 passes of p50 and p99 (ms) of one-query searches, and the labels found."""
    p50s, p99s, labels = [], [], []
    for _ in range(3):
        times, labels = [], []
        for query in queries:
            start = time.perf_counter()
            _, found = index.search(query[None], K, params=params)
            times.append((time.perf_counter() - start) * 1000)
            labels.append(found[0])
        p50s.append(float(np.percentile(times, 50)))
        p99s.append(float(np.percentile(times, 99)))
    return statistics.median(p50s), statistics.median(p99s), labels


def recall(found: list[np.ndarray], truth: list[np.ndarray]) -> float:
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 50_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    faiss.omp_set_num_threads(faiss.omp_get_max_threads())
    queries = query_vectors(args.queries)
    report: dict[str, Any] = {"queries": len(queries), "k": K, "threads": faiss.omp_get_max_threads(), "sizes": {}}
    print(f"{len(queries)} SciFact claim vectors, k={K}, synthetic clustered vectors, "
          f"{faiss.omp_get_max_threads()} threads\n")  # fmt: skip
    print(f"{'vectors':>8} {'index':18} {'p50 ms':>7} {'p99 ms':>7} {'recall@10':>9} {'filtered':>9} {'build s':>7}")
    for size in args.sizes:
        vectors = clustered_vectors(size, seed=size)
        ids = np.arange(size, dtype=np.int64)
        allowed = ids[ids % 5 == 0]
        selector = faiss_index.selector_for(allowed)
        flat = faiss_index.flat_index(vectors.shape[1])
        flat.add_with_ids(vectors, ids)
        p50, p99, truth = latency(flat, queries)
        _, _, truth_filtered = latency(flat, queries, faiss_index.search_parameters(flat, selector, len(allowed)))
        rows: dict[str, Any] = {"flat": {"p50_ms": p50, "p99_ms": p99, "recall": 1.0}}
        print(f"{size:8d} {'flat (exact)':18} {p50:7.2f} {p99:7.2f} {1.0:9.3f} {1.0:9.3f} {0.0:7.1f}", flush=True)
        start = time.perf_counter()
        ivf = faiss_index.ivf_index(ids, vectors)
        build = time.perf_counter() - start
        default = int(ivf.nprobe)
        for nprobe in sorted({max(1, default // 4), max(1, default // 2), default, default * 2}):
            ivf.nprobe = nprobe
            p50, p99, found = latency(ivf, queries)
            params = faiss_index.search_parameters(ivf, selector, len(allowed))
            _, _, found_filtered = latency(ivf, queries, params)
            row = {"p50_ms": p50, "p99_ms": p99, "recall": recall(found, truth),
                   "recall_filtered": recall(found_filtered, truth_filtered), "build_s": build}  # fmt: skip
            rows[f"ivf{ivf.nlist}/nprobe{nprobe}"] = row
            name = f"ivf{ivf.nlist} nprobe {nprobe}{'*' if nprobe == default else ''}"
            print(f"{size:8d} {name:18} {p50:7.2f} {p99:7.2f} {row['recall']:9.3f} {row['recall_filtered']:9.3f} "
                  f"{build:7.1f}", flush=True)  # fmt: skip
        report["sizes"][str(size)] = rows
        out = ROOT / "bench/results/index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
