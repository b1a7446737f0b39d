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
    """Hashed character n-gram counts of each text, L2-normalised rows, shape ``(len(texts), HASH_BUCKETS)``.

    The n-grams are of the UTF-8 bytes of the lower-cased text with runs of whitespace made one space and a
    space added at each end; each n-gram's bucket is its CRC-32 (as ``zlib.crc32``) modulo the bucket count.
    """
    out = np.zeros((len(texts), HASH_BUCKETS), dtype=np.float32)
    for row, text in enumerate(texts):
        padded = np.frombuffer(f" {_SPACE.sub(' ', text.lower())} ".encode(), dtype=np.uint8)
        buckets = _ngram_buckets(padded)
        if len(buckets):
            counts = np.bincount(buckets, minlength=HASH_BUCKETS).astype(np.float32)
            out[row] = counts / np.linalg.norm(counts)
    return out


def _crc_table() -> npt.NDArray[np.uint32]:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0xEDB88320), table >> 1).astype(np.uint32)
    return table


_CRC_TABLE = _crc_table()


def _ngram_buckets(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.intp]:
    """The buckets of every 3-, 4- and 5-byte n-gram of ``data`` (the CRC-32 of each, all n-grams at once: a
    3-byte n-gram's CRC register is the start of the 4- and 5-byte ones at the same position)."""
    sizes = [n for n in NGRAM_SIZES if len(data) >= n]
    if not sizes:
        return np.zeros(0, dtype=np.intp)
    starts = len(data) - sizes[0] + 1
    register = np.full(starts, 0xFFFFFFFF, dtype=np.uint32)
    out = []
    for k in range(sizes[-1]):
        alive = len(data) - k  # n-grams starting before this many positions still have a byte k
        register = register[: min(len(register), alive)]
        byte = data[k : k + len(register)].astype(np.uint32)
        register = _CRC_TABLE[(register ^ byte) & 0xFF] ^ (register >> 8)
        if k + 1 in sizes:
            out.append(((register ^ np.uint32(0xFFFFFFFF)) & (HASH_BUCKETS - 1)).astype(np.intp))
    return np.concatenate(out)


def features(texts: Sequence[str], vectors: FloatArray) -> FloatArray:
    """The detector's input: sentence vectors and hashed n-grams side by side, ``(n, 384 + HASH_BUCKETS)``."""
    return np.hstack([vectors.astype(np.float32), char_ngrams(texts)])
