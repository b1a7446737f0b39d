"""Keyword queries for the FTS5 index: which query words to send, and how.

A user's question is turned into an OR of its words (BM25 ranks chunks by how many they contain,
weighted by rarity). Two kinds of word are left out, because each one makes SQLite score a large
share of all chunks while adding little to the ranking:

* English stop words (Lucene's list), unless the query has nothing else ("to be or not to be");
* words found in more than ``MAX_DOCUMENT_FRACTION`` of the chunks (like ``cells`` in a biomedical
  corpus), while at least ``KEEP_AT_LEAST`` words (the rarest) always stay.

Measured (docs/benchmarks.md): on SciFact's full corpus and train queries, HYBRID nDCG@10 is 0.7094
with every word, 0.7083 without stop words, 0.7098 with stop words and words in over 20 % of chunks
left out (this setting), 0.7032 at 10 % and 0.6997 at 5 %. On 100k chunks of SciFact text the
keyword search takes ~36 ms per query (p50) with every word, ~28 ms at 20 %, ~9 ms at 5 %: BM25
scoring of every chunk that contains any query word is what bounds HYBRID latency.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MAX_DOCUMENT_FRACTION = 0.2
KEEP_AT_LEAST = 3
MAX_WORDS = 64
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(text: str) -> list[str]:
    """The query's distinct lower-cased words, stop words left out unless nothing else remains."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    return ([w for w in words if w not in STOP_WORDS] or words)[:MAX_WORDS]


def fts_query(text: str) -> str:
    """A safe FTS5 expression: the query's words, quoted, OR-ed (BM25 ranks by how many match)."""
    return or_expression(query_words(text))


def or_expression(words: Sequence[str]) -> str:
    return " OR ".join(f'"{w}"' for w in words)


def selective_words(words: Sequence[str], document_frequency: Mapping[str, int], total: int) -> list[str]:
    """``words`` without those in more than ``MAX_DOCUMENT_FRACTION`` of ``total`` chunks, keeping at
    least the ``KEEP_AT_LEAST`` rarest; words no chunk contains are dropped (they cannot match)."""
    present = [w for w in words if document_frequency.get(w, 0) > 0]
    limit = MAX_DOCUMENT_FRACTION * total
    kept = {w for w in present if document_frequency[w] <= limit}
    kept |= set(sorted(present, key=lambda w: document_frequency[w])[:KEEP_AT_LEAST])
    return [w for w in present if w in kept]
