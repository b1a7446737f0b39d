"""Retrieve latency at 10k / 100k (/ 1M) chunks, in-process, query embedding included.

    .venv/bin/python bench/bench_query.py [--sizes 10000 100000] [--queries 200]

The index part is synthetic, and says so: chunk texts are random word sequences (so FTS5 has real
postings) with random unit vectors (so FAISS does real work), written straight into a knowledge
base's catalog and index. Queries are real SciFact claims, embedded with the real MiniLM on every
call, as a user's query is. Prints p50/p99 per search type (plus a filtered one) and process RSS;
writes bench/results/query.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ingest.chunking import ChunkingConfig
from retrieval.catalog import NewChunk
from retrieval.embedding import SentenceTransformerEmbedder
from retrieval.filters import parse_filter
from retrieval.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
WORDS = [f"w{i}" for i in range(20_000)] + ["coffee", "roast", "drum", "bean", "grind", "water", "cell", "gene"]


def populate(kb: KnowledgeBase, size: int, *, seed: int = 0, per_doc: int = 1000) -> None:
    rng = np.random.default_rng(seed)
    py = random.Random(seed)
    for start in range(0, size, per_doc):
        n = min(per_doc, size - start)
        vectors = rng.standard_normal((n, kb.embedder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        rows = [
            NewChunk(
                chunk_id=f"c{start + i}", index=i, text=" ".join(py.choices(WORDS, k=150)), token_count=150,
                location={"source": f"doc{start}"}, metadata={"year": 2000 + (start + i) % 25},
                parent_id=None, searchable=True, vector=vectors[i],
            )
            for i in range(n)
        ]  # fmt: skip
        with kb.catalog.transaction():
            doc_id = kb.catalog.upsert_document(
                data_source_id="BENCH", uri=f"doc{start}", hashes=("", "", ""), size=0, mtime_ns=0,
                metadata={}, now="",
            )  # fmt: skip
            _, ids = kb.catalog.replace_chunks(doc_id, rows)
        kb.store.add(np.asarray(ids, dtype=np.int64), vectors)
    kb.save()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    queries_file = ROOT.parent / "shared/eval/scifact/queries.jsonl"
    queries = [json.loads(line)["text"] for line in queries_file.open(encoding="utf-8")][: args.queries]
    embedder = SentenceTransformerEmbedder()
    flt = parse_filter({"greaterThanOrEquals": {"key": "year", "value": 2020}})
    cases = {"SEMANTIC": {}, "HYBRID": {"search_type": "HYBRID"}, "SEMANTIC+filter": {"filter": flt}}
    report: dict[str, dict[str, float]] = {}
    print(f"{len(queries)} SciFact queries per case, k=5, synthetic index (random vectors and words)\n")
    print(f"{'chunks':>8} {'case':16} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'RSS MB':>8}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            kb = KnowledgeBase(directory=Path(tmp), embedder=embedder, chunking=ChunkingConfig())
            populate(kb, size)
            for name, kwargs in cases.items():
                kb.retrieve(queries[0], k=5, **kwargs)  # type: ignore[arg-type]  # warm-up (filter cache)
                times = []
                for query in queries:
                    start = time.perf_counter()
                    kb.retrieve(query, k=5, **kwargs)  # type: ignore[arg-type]
                    times.append((time.perf_counter() - start) * 1000)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                row = {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99),
                       "mean_ms": statistics.fmean(times), "peak_rss_mb": rss}  # fmt: skip
                report[f"{size}/{name}"] = row
                print(f"{size:8d} {name:16} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} {row['mean_ms']:8.1f} {rss:8.0f}")
            kb.close()
    out = ROOT / "bench/results/query.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
