"""Synthetic but realistic data for the index benchmarks: real text windows, vectors near real ones.

Uniform random unit vectors have no neighbourhood structure (every point is nearly orthogonal to
every other), which flatters exact search and ruins any approximate index. So synthetic vectors
here are built around ``BASE`` real MiniLM vectors of SciFact abstracts: each is a base vector plus
a random share (0-0.5) of a second one plus Gaussian noise, normalised. Base vectors are embedded
once with PyTorch fp32 and cached in bench/results/ (not committed).

How many real vectors the set is built around matters as much as their shape: ``BASE`` abstracts give ~50
vectors per base at 100k but ~500 at 1M, clusters of near-duplicates told apart only by their noise, which is
as hard for a graph index as uniform random vectors. ``bases="windows"`` builds around the real vectors of all
11,987 120-word windows of SciFact (``scifact_texts``; ~83 per base at 1M), embedded once and cached too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCIFACT = ROOT.parent / "shared/eval/scifact"
CACHE = ROOT / "bench/results/scifact_base_vectors.npy"
WINDOWS_CACHE = ROOT / "bench/results/scifact_window_vectors.npy"
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


def window_vectors() -> np.ndarray:
    """Real MiniLM vectors (PyTorch fp32) of every text of :func:`scifact_texts`, cached."""
    if WINDOWS_CACHE.exists():
        return np.load(WINDOWS_CACHE)
    from retrieval.embedding import SentenceTransformerEmbedder

    vectors = SentenceTransformerEmbedder().embed_documents(scifact_texts())
    WINDOWS_CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.save(WINDOWS_CACHE, vectors)
    return vectors


def clustered_vectors(n: int, *, seed: int, bases: str = "abstracts") -> np.ndarray:
    """``n`` unit vectors near real ones (see the module docstring); the same seed gives the same vectors.
    ``bases``: ``abstracts`` (the first ``BASE`` abstracts) or ``windows`` (every 120-word window)."""
    base = base_vectors() if bases == "abstracts" else window_vectors()
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    share = rng.uniform(0.0, 0.5, (n, 1)).astype(np.float32)
    noise = rng.standard_normal((n, base.shape[1])).astype(np.float32) * NOISE
    vectors = base[first] + share * base[second] + noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
