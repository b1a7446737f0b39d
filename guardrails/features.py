"""Features of the trained detectors: text windows, and hashed character n-grams beside the sentence vector.

A detector reads a text as windows of at most :data:`WINDOW_CHARS` characters (cut at whitespace), so
that MiniLM sees every part of a long text; its score for the text is the highest of its windows'.
Each window is described by its MiniLM sentence vector (384 numbers, unit length) and by
:func:`char_ngrams`: counts of lower-cased character 3- to 5-grams hashed into
:data:`HASH_BUCKETS` buckets (CRC-32, stable across runs and machines), L2-normalised. The n-grams
catch what the sentence vector smooths over: slurs, leetspeak, ``[INSERT PROMPT HERE]``-style markers.
Both are unit vectors whatever the text's length, so neither carries the length by itself.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Encode = Callable[[Sequence[str]], FloatArray]
"""Texts to unit-length MiniLM sentence vectors, shape ``(len(texts), 384)``."""

WINDOW_CHARS = 500
HASH_BUCKETS = 1 << 14
NGRAM_SIZES = (3, 4, 5)
_SPACE = re.compile(r"\s+")


def windows(text: str, *, size: int = WINDOW_CHARS) -> list[str]:
    """``text`` cut into consecutive pieces of at most ``size`` characters, at whitespace where there is some.

    >>> windows("a b c", size=3)
    ['a b', 'c']
    """
    text = text.strip()
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size + 1)
        cut = size if cut <= 0 else cut
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text or not pieces:
        pieces.append(text)
    return pieces


def char_ngrams(texts: Sequence[str]) -> FloatArray:
    """Hashed character n-gram counts of each text, L2-normalised rows, shape ``(len(texts), HASH_BUCKETS)``."""
    out = np.zeros((len(texts), HASH_BUCKETS), dtype=np.float32)
    for row, text in enumerate(texts):
        padded = f" {_SPACE.sub(' ', text.lower())} ".encode()
        buckets = [
            zlib.crc32(padded[i : i + n]) & (HASH_BUCKETS - 1)
            for n in NGRAM_SIZES
            for i in range(len(padded) - n + 1)
        ]
        if buckets:
            counts = np.bincount(np.asarray(buckets), minlength=HASH_BUCKETS).astype(np.float32)
            out[row] = counts / np.linalg.norm(counts)
    return out


def features(texts: Sequence[str], vectors: FloatArray) -> FloatArray:
    """The detector's input: sentence vectors and hashed n-grams side by side, ``(n, 384 + HASH_BUCKETS)``."""
    return np.hstack([vectors.astype(np.float32), char_ngrams(texts)])
