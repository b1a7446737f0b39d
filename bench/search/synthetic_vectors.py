"""Synthetic but realistic data for the index benchmarks: real text windows, vectors near real ones.

Uniform random unit vectors have no neighbourhood structure (every point is nearly orthogonal to
every other), which flatters exact search and ruins any approximate index. So synthetic vectors
here are built around ``BASE`` real MiniLM vectors of SciFact abstracts: each is a base vector plus
a random share (0-0.5) of a second one plus Gaussian noise, normalised. Base vectors are embedded
once with PyTorch fp32 and cached in bench/results/ (not committed).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCIFACT = ROOT.parent / "shared/eval/scifact"
CACHE = ROOT / "bench/results/scifact_base_vectors.npy"
BASE = 2000
NOISE = 0.04
WINDOW_WORDS = 120


def scifact_texts() -> list[str]:
    """120-word windows of every SciFact abstract (title first)."""
    texts = []
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            words = f"{doc['title']} {doc['text']}".split()
            texts.extend(" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, max(len(words), 1), WINDOW_WORDS))
    return texts


def base_vectors() -> np.ndarray:
    if CACHE.exists():
        return np.load(CACHE)
    from retrieval.embedding import SentenceTransformerEmbedder

    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as handle:
        docs = [json.loads(line) for _, line in zip(range(BASE), handle, strict=False)]
    vectors = SentenceTransformerEmbedder().embed_documents([f"{d['title']} {d['text']}"[:1500] for d in docs])
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.save(CACHE, vectors)
    return vectors


def clustered_vectors(n: int, *, seed: int) -> np.ndarray:
    """``n`` unit vectors near real ones (see the module docstring); the same seed gives the same vectors."""
    base = base_vectors()
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    share = rng.uniform(0.0, 0.5, (n, 1)).astype(np.float32)
    noise = rng.standard_normal((n, base.shape[1])).astype(np.float32) * NOISE
    vectors = base[first] + share * base[second] + noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
