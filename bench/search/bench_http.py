"""Retrieve over HTTP (``ragkb serve``, 8 concurrent clients) next to in-process ``kb.retrieve``.

    .venv/bin/python bench/search/bench_http.py [--embedder hash] [--docs 1000] [--queries 400] [--clients 8]

Builds a knowledge base of SciFact abstracts (~2 chunks each, so ~2k chunks for 1000 documents)
through the API itself (a LOCAL_FOLDER data source and an ingestion job) on a ``ragkb serve``
subprocess, then sends SciFact queries to ``POST /v1/knowledge-bases/{kb}/retrieve`` from
``--clients`` threads, one httpx client each. After the server stops, the same queries run through
``KnowledgeBase.retrieve`` in this process, from 1 thread and from ``--clients`` threads, on the
same index. Query embedding is included everywhere, as a user's query needs it. Prints requests/s
and p50/p99 latency; writes bench/results/http.json. Default: the real model; ``--embedder hash``
is a quick run that measures the service overhead alone.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.wiring import build_embedder, open_knowledge_base  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench.ingestion.bench_sync import scifact_folder  # noqa: E402
from retrieval.home import Home  # noqa: E402

SCIFACT = ROOT.parent / "shared/eval/scifact"


def start_server(
    home: Path, folder: Path, embedder: str, port: int, *, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAGKB_HOME": str(home), "RAGKB_EMBEDDER": embedder,
           "RAGKB_DATA_ROOTS": json.dumps([str(folder)]), "HF_HUB_OFFLINE": "1", **(extra_env or {})}  # fmt: skip
    command = [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("ragkb serve did not start")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)


def build_via_api(client: httpx.Client, folder: Path) -> tuple[str, int]:
    """Create the knowledge base, a folder data source, run the job; returns (kb id, chunks)."""
    kb = client.post("/v1/knowledge-bases", json={"name": "bench"}).json()["id"]
    ds = client.post(f"/v1/knowledge-bases/{kb}/data-sources",
                     json={"name": "scifact", "type": "LOCAL_FOLDER", "path": str(folder)}).json()["id"]  # fmt: skip
    jobs = f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"
    job = client.post(jobs).json()
    while job["status"] not in ("COMPLETE", "FAILED", "STOPPED"):
        time.sleep(0.5)
        job = client.get(f"{jobs}/{job['id']}").json()
    if job["status"] != "COMPLETE":
        raise SystemExit(f"ingestion job ended {job['status']}: {job['failures'][:3]}")
    return kb, int(client.get(f"/v1/knowledge-bases/{kb}").json()["chunk_count"])


def run_concurrently(queries: list[str], clients: int, call: Callable[[int, str], None]) -> dict[str, float]:
    """Each of ``clients`` threads takes every ``clients``-th query; latency per call, throughput overall."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        mine: list[float] = []
        barrier.wait()
        for query in queries[index::clients]:
            start = time.perf_counter()
            call(index, query)
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return {"clients": clients, "requests": len(latencies), "rps": len(latencies) / wall,
            "p50_ms": float(np.percentile(latencies, 50)), "p99_ms": float(np.percentile(latencies, 99))}  # fmt: skip


def bench_http(
    base_url: str, kb: str, queries: list[str], *, clients: int, k: int, search_type: str
) -> dict[str, float]:
    sessions = [httpx.Client(base_url=base_url, timeout=120) for _ in range(clients)]
    url = f"/v1/knowledge-bases/{kb}/retrieve"

    def call(index: int, query: str) -> None:
        response = sessions[index].post(url, json={"query": query, "k": k, "search_type": search_type})
        if response.status_code != 200:
            raise SystemExit(f"retrieve answered {response.status_code}: {response.text[:200]}")

    for query in queries[:clients]:  # warm-up: connections, caches
        call(0, query)
    try:
        return run_concurrently(queries, clients, call)
    finally:
        for session in sessions:
            session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", choices=["sentence-transformers", "hash"], default="sentence-transformers")
    parser.add_argument("--docs", type=int, default=1000, help="SciFact abstracts to index (~2 chunks each)")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--search-type", choices=["SEMANTIC", "HYBRID"], default="SEMANTIC")
    args = parser.parse_args()
    if not (SCIFACT / "corpus.jsonl").is_file():
        raise SystemExit(f"SciFact not found at {SCIFACT} (the ../shared/eval checkout)")
    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as handle:
        pool = [json.loads(line)["text"] for line in handle]
    queries = (pool * (args.queries // len(pool) + 1))[: args.queries]
    report: dict[str, Any] = {"embedder": args.embedder, "k": args.k, "search_type": args.search_type,
                              "cpu_count": os.cpu_count()}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder, home = Path(tmp) / "scifact", Path(tmp) / "home"
        scifact_folder(folder, args.docs)
        port = _free_port()
        server = start_server(home, folder, args.embedder, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
                start = time.perf_counter()
                kb_id, chunks = build_via_api(client, folder)
                report |= {"documents": args.docs, "chunks": chunks, "ingest_s": time.perf_counter() - start}
            http = bench_http(f"http://127.0.0.1:{port}", kb_id, queries, clients=args.clients, k=args.k,
                              search_type=args.search_type)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=60)

        settings = Settings(home=home, embedder=args.embedder, data_roots=[folder])
        registry = Home(home)
        kb = open_knowledge_base(registry, registry.get(kb_id), build_embedder(settings))

        def call(_: int, query: str) -> None:
            kb.retrieve(query, k=args.k, search_type=args.search_type)  # type: ignore[arg-type]

        for query in queries[:8]:
            call(0, query)
        single = run_concurrently(queries, 1, call)
        threaded = run_concurrently(queries, args.clients, call)
        kb.close()
        registry.close()
    report["results"] = {"http": http, "in_process_1_thread": single, "in_process_threads": threaded}
    print(f"\n{report['chunks']} chunks ({args.docs} SciFact abstracts, ingested via the API in "
          f"{report['ingest_s']:.0f} s), embedder {args.embedder}, {args.search_type}, k={args.k}, "
          f"{len(queries)} queries, {os.cpu_count()} CPUs\n")  # fmt: skip
    print(f"{'mode':28} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in (("HTTP /v1 retrieve", http), ("in-process kb.retrieve", single),
                      ("in-process kb.retrieve", threaded)):  # fmt: skip
        print(f"{name:28} {row['clients']:7d} {row['rps']:8.1f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f}")
    out = ROOT / "bench/results/http.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
