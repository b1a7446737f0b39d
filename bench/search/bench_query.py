"""Retrieve latency at 10k / 100k / 1M chunks: in-process and over HTTP, with the server's RSS.

    .venv/bin/python bench/search/bench_query.py [--sizes 10000 100000 1000000] [--queries 200] [--passes 3]
        [--backend torch-bf16] [--no-http]

Per size, a knowledge base is written straight into a ragkb home (catalog, FTS5 keyword index,
FAISS index chosen by size, as a sync would leave them). **The index part is synthetic**: chunk
texts are 120-word windows of real SciFact abstracts (so FTS5 has real postings), and vectors are
clustered around real MiniLM vectors of SciFact abstracts (``bench/search/synthetic_vectors.py``), not the
texts' own embeddings. Queries are real SciFact claims embedded on every call with the chosen
backend, as a user's query is, so latency includes query embedding.

In-process: ``KnowledgeBase.retrieve`` for SEMANTIC, HYBRID and both with a metadata filter
(``year >= 2020``, 20 % of chunks), k=5, one thread. HTTP: a ``ragkb serve`` subprocess on the
same home, one client sending ``POST /v1/knowledge-bases/{kb}/retrieve`` sequentially; the
server's peak RSS (VmHWM) is read from /proc after the HTTP passes. Each case runs ``--passes``
times over the query set; the table gives the median p50/p99 over passes and the spread
(min-max of the per-pass p50). Writes bench/results/query_<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_http import _free_port, start_server
from synthetic_vectors import SCIFACT, clustered_vectors, scifact_texts

from app.core.wiring import build_embedder, build_query_embedder, open_knowledge_base
from app.settings import Settings
from ingest.chunking import ChunkingConfig
from retrieval.filters import parse_filter
from retrieval.home import Home
from retrieval.knowledge_base import KnowledgeBase
from retrieval.store.rows import NewChunk

ROOT = Path(__file__).resolve().parents[2]
FILTER = {"greaterThanOrEquals": {"key": "year", "value": 2020}}
CASES: dict[str, dict[str, Any]] = {
    "SEMANTIC": {"search_type": "SEMANTIC"},
    "HYBRID": {"search_type": "HYBRID"},
    "SEMANTIC+filter": {"search_type": "SEMANTIC", "filter": FILTER},
    "HYBRID+filter": {"search_type": "HYBRID", "filter": FILTER},
}


def populate(kb: KnowledgeBase, size: int, *, texts: list[str], per_doc: int = 1000, seed: int = 0) -> None:
    """``size`` chunks in documents of ``per_doc``, one catalog transaction and one index add each."""
    rng = np.random.default_rng(seed)
    for start in range(0, size, per_doc):
        n = min(per_doc, size - start)
        vectors = clustered_vectors(n, seed=seed + start)
        rows = [
            NewChunk(
                chunk_id=f"c{start + i}", index=i, text=texts[int(rng.integers(len(texts)))], token_count=150,
                location={"source": f"s3://bench/doc{start}.txt"}, metadata={"year": 2000 + (start + i) % 25},
                parent_id=None, searchable=True, vector=vectors[i],
            )
            for i in range(n)
        ]  # fmt: skip
        with kb._writing():
            doc_id = kb.catalog.upsert_document(
                data_source_id="BENCH", uri=f"doc{start}", hashes=("", "", ""), size=0, mtime_ns=0,
                metadata={}, now="",
            )  # fmt: skip
            _, ids = kb.catalog.replace_chunks(doc_id, rows)
            kb.store.add(np.asarray(ids, dtype=np.int64), vectors)
    kb.save()


def timed_passes(call: Any, queries: list[str], passes: int) -> dict[str, Any]:
    call(queries[0])  # warm-up: caches (filter index), connections
    p50s, p99s = [], []
    for _ in range(passes):
        times = []
        for query in queries:
            start = time.perf_counter()
            call(query)
            times.append((time.perf_counter() - start) * 1000)
        p50s.append(float(np.percentile(times, 50)))
        p99s.append(float(np.percentile(times, 99)))
    return {"p50_ms": statistics.median(p50s), "p99_ms": statistics.median(p99s),
            "p50_min": min(p50s), "p50_max": max(p50s), "passes": passes}  # fmt: skip


def rss_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": fields["VmRSS"], "peak_rss_mb": fields["VmHWM"]}


def http_cases(
    home: Path, kb_id: str, backend: str, queries: list[str], passes: int, query_backend: str = "auto"
) -> dict[str, Any]:
    port = _free_port()
    server = start_server(
        home,
        home,
        "sentence-transformers",
        port,
        extra_env={"RAGKB_EMBEDDING_BACKEND": backend, "RAGKB_QUERY_BACKEND": query_backend},
    )
    try:
        loaded = rss_mb(server.pid)
        results: dict[str, Any] = {"server_after_start": loaded}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for name, case in CASES.items():
                body: dict[str, Any] = {"query": "", "k": 5, "search_type": case["search_type"]}
                if "filter" in case:
                    body["filter"] = case["filter"]

                def call(query: str, body: dict[str, Any] = body) -> None:
                    response = client.post(f"/v1/knowledge-bases/{kb_id}/retrieve", json={**body, "query": query})
                    if response.status_code != 200:
                        raise SystemExit(f"retrieve answered {response.status_code}: {response.text[:300]}")

                results[name] = timed_passes(call, queries, passes)
        results["server_after_queries"] = rss_mb(server.pid)
        return results
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--backend", default=Settings.model_fields["embedding_backend"].default)
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument("--query-backend", default="auto", choices=["auto", "same"], help="RAGKB_QUERY_BACKEND")
    args = parser.parse_args()
    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as handle:
        queries = [json.loads(line)["text"] for line in handle][: args.queries]
    texts = scifact_texts()
    report: dict[str, Any] = {"backend": args.backend, "cpu_count": os.cpu_count(), "queries": len(queries),
                              "passes": args.passes, "k": 5, "sizes": {}}  # fmt: skip
    print(f"{len(queries)} SciFact queries x {args.passes} passes per case, k=5, backend {args.backend}, "
          f"synthetic index (real SciFact text windows, clustered vectors)\n", flush=True)  # fmt: skip
    header = f"{'chunks':>8} {'index':5} {'mode':7} {'case':16} {'p50 ms':>7} {'(spread)':>13} {'p99 ms':>7}"
    print(header + f" {'RSS MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", embedding_backend=args.backend, query_backend=args.query_backend)
        embedder = build_embedder(settings)
        query_embedder = build_query_embedder(settings, prepare=True)
        report["query_embedder"] = (query_embedder or embedder).name
        for size in args.sizes:
            home = Home(settings.home)
            info = home.create(f"bench-{size}", chunking=ChunkingConfig(), embedder=embedder.name)
            kb = open_knowledge_base(home, info, embedder, query_embedder=query_embedder)
            start = time.perf_counter()
            populate(kb, size, texts=texts)
            entry: dict[str, Any] = {"index": kb.store.kind, "populate_s": time.perf_counter() - start}
            for name, case in CASES.items():
                flt = parse_filter(case["filter"]) if "filter" in case else None
                entry[f"in_process/{name}"] = timed_passes(
                    lambda q, c=case, f=flt, kb=kb: kb.retrieve(q, k=5, search_type=c["search_type"], filter=f),
                    queries, args.passes,
                )  # fmt: skip
            kb.close()
            home.close()
            if not args.no_http:
                entry["http"] = http_cases(
                    settings.home, info.id, args.backend, queries, args.passes, args.query_backend
                )
            report["sizes"][str(size)] = entry
            _print_size(size, entry)
            out = ROOT / f"bench/results/query_{args.backend}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2))


def _print_size(size: int, entry: dict[str, Any]) -> None:
    rows = [("in-proc", name, entry[f"in_process/{name}"], "") for name in CASES]
    if "http" in entry:
        rss = f"{entry['http']['server_after_queries']['peak_rss_mb']:7.0f}"
        rows += [("HTTP", name, entry["http"][name], rss) for name in CASES]
    for mode, name, row, rss in rows:
        spread = f"({row['p50_min']:.1f}-{row['p50_max']:.1f})"
        print(f"{size:8d} {entry['index']:5} {mode:7} {name:16} {row['p50_ms']:7.1f} {spread:>13} "
              f"{row['p99_ms']:7.1f} {rss:>7}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
