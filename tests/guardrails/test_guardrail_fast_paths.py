"""The guardrail rules' faster paths give what the plain ones give: the name tagger's per-word feature cache
(bundled gazetteer) the same features as the uncached path (any other gazetteer), the vectorised n-gram
hashing zlib's CRC-32 buckets, and a word filter that reads the text once for custom words and the
managed list the matches each finds alone."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest

from guardrails import names
from guardrails.features import HASH_BUCKETS, NGRAM_SIZES, char_ngrams
from guardrails.words import WordFilter

TEXTS = [
    "Please ask Maria Jensen at 12 Harbour Road.\nSigned, Dr. O'Neil — 3 Rue de la Paix, Paris",
    "ok",
    "",
    "Ünïcödé ✓ текст 日本語 and   tabs\tand\nnew lines",
    "shiiit s h i t sh*t @sshole kill yourself, Scunthorpe and a decaf no-foam latte",
]


def test_cached_word_features_equal_the_uncached_ones() -> None:
    bundled = names.gazetteer()
    other = dict(bundled)  # an equal gazetteer that is not the bundled object: the uncached path
    for text in TEXTS:
        found = names.tokens(text)
        assert names.token_features(text, found, bundled) == names.token_features(text, found, other)
    found = names.tokens(TEXTS[0])
    features = names.token_features(TEXTS[0], found, bundled)
    assert "w=maria" in features[2] and "-1w=ask" in features[2] and "g=first" in features[2]
    assert "line-start" in features[[w for _, _, w in found].index("Signed")]


def zlib_ngrams(text: str) -> np.ndarray:
    padded = (" " + re.sub(r"\s+", " ", text.lower()) + " ").encode()
    buckets = [zlib.crc32(padded[i : i + n]) for n in NGRAM_SIZES for i in range(len(padded) - n + 1)]
    buckets = [b & (HASH_BUCKETS - 1) for b in buckets]
    counts = np.bincount(np.asarray(buckets, dtype=np.intp), minlength=HASH_BUCKETS).astype(np.float32)
    return counts / np.linalg.norm(counts) if len(buckets) else counts


@pytest.mark.parametrize("text", [*TEXTS, "abc", "abcd", " x  "])
def test_vectorised_ngrams_are_zlib_crc32_buckets(text: str) -> None:
    assert np.array_equal(char_ngrams([text])[0], zlib_ngrams(text))


def test_one_read_for_custom_words_and_the_managed_list() -> None:
    text = TEXTS[-1]
    both = WordFilter(words=("decaf", "no foam", "kill yourself"), profanity=True).find(text)
    custom = WordFilter(words=("decaf", "no foam", "kill yourself")).find(text)
    managed = WordFilter(profanity=True).find(text)
    assert sorted((m.start, m.end, m.word) for m in both) == sorted((m.start, m.end, m.word) for m in custom + managed)
    assert [m.text for m in both] == ["shiiit", "s h i t", "sh*t", "@sshole", "kill yourself,", "decaf"]
