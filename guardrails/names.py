"""NAME and ADDRESS spans from a token classifier: logistic regression on hashed token features.

Each token (a word, a number or one punctuation mark) is described by itself and its neighbours (lower-cased
word, shape like ``Xxxx`` or ``dd``, prefix and suffix, capitalisation), the features hashed into
:data:`BUCKETS` buckets; ``guardrails/data/names.npz`` holds one weight row per label (O, NAME, ADDRESS),
trained by ``scripts/guardrails/train_names.py`` on the pack's Presidio sentences and NER files (folds 0-7).
Consecutive tokens of one label make a span; an address may run over commas and line breaks.
"""

from __future__ import annotations

import re
import zlib
from functools import cache, lru_cache
from importlib import resources
from io import BytesIO

import numpy as np

BUCKETS = 1 << 16
LABELS = ("O", "NAME", "ADDRESS")
_TOKEN = re.compile(r"\w+(?:['\u2019.-]\w+)*|[^\w\s]")

Span = tuple[int, int]


def tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"\d", "d", word)))
    return re.sub(r"(.)\1{2,}", r"\1\1", shape)


def token_features(words: list[str]) -> list[list[str]]:
    """The feature names of each token (hashed by :func:`hashed`)."""
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        features = [f"w={lower}", f"s={_shape(word)}", f"p={lower[:3]}", f"x={lower[-3:]}", "b"]
        for offset in (-2, -1, 1, 2):
            j = i + offset
            other = words[j] if 0 <= j < len(words) else "<pad>"
            features += [f"{offset}w={other.lower()}", f"{offset}s={_shape(other)}"]
        features.append(f"-1w|w={words[i - 1].lower() if i else '<pad>'}|{lower}")
        out.append(features)
    return out


def hashed(features: list[str]) -> np.ndarray:
    return np.array([zlib.crc32(f.encode()) & (BUCKETS - 1) for f in features], dtype=np.int64)


@cache
def _weights() -> tuple[np.ndarray, np.ndarray]:
    raw = resources.files("guardrails").joinpath("data/names.npz").read_bytes()
    data = np.load(BytesIO(raw))
    return data["weights"].astype(np.float32), data["bias"].astype(np.float32)


@lru_cache(maxsize=64)  # NAME and ADDRESS ask about the same text one after the other
def _predict(text: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[str, ...]]:
    found = tokens(text)
    if not found:
        return (), ()
    weights, bias = _weights()
    scores = np.stack([weights[:, hashed(f)].sum(axis=1) + bias for f in token_features([t[2] for t in found])])
    return tuple(found), tuple(LABELS[i] for i in scores.argmax(axis=1))


def spans(text: str, label: str) -> list[Span]:
    """The spans of ``label`` (``NAME`` or ``ADDRESS``) in ``text``."""
    found, predicted = _predict(text)
    out: list[Span] = []
    start = end = None
    for (s, e, word), tag in zip(found, predicted, strict=True):
        joins = label == "ADDRESS" and start is not None and word in {",", "."} and tag == "O"
        if tag == label:
            start = s if start is None else start
            end = e
        elif not joins:
            if start is not None and end is not None:
                out.append((start, end))
            start = end = None
    if start is not None and end is not None:
        out.append((start, end))
    return out
