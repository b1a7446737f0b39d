"""Candidate evidence: the source sentences worth comparing with each claim.

Sources are cut into *units*: sentences (:func:`ingest.sentences.sentence_spans`), long ones in
pieces of at most :data:`MAX_UNIT_WORDS` words. Scoring every unit with the model is affordable
for a few dozen units, not for the ~1,000 of a 100k-character source, so selection has two steps:

1. Lexical: each unit gets the IDF-weighted share of a claim's content stems it contains. When
   there are more than :data:`EMBED_ALL_UNITS` units, only the :data:`LEXICAL_CANDIDATES` best per
   claim (and per query) go on to the model, with their neighbours (a claim often spans two).
2. Semantic: the selected units are encoded with the claims; each claim keeps the
   :data:`TOP_UNITS` units with the highest ``cosine + lexical`` as its candidate evidence.

What this misses: in a long source, a unit that supports a claim in entirely different words
(no shared content stem) is not among the candidates. A short source is always encoded whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from grounding.lexical import is_content, stem, words
from ingest.sentences import sentence_spans

MAX_UNIT_WORDS = 64
EMBED_ALL_UNITS = 64
LEXICAL_CANDIDATES = 12
TOP_UNITS = 3


@dataclass(frozen=True)
class Unit:
    """A piece of a source: ``sources[source_index][start:end] == text``."""

    source_index: int
    start: int
    end: int
    text: str
    stems: frozenset[str]


def source_units(sources: Sequence[str]) -> list[Unit]:
    """Every sentence of every source as a unit (long sentences in pieces), in order."""
    units = []
    for index, source in enumerate(sources):
        for start, end in sentence_spans(source):
            found = words(source[start:end])
            for first in range(0, max(len(found), 1), MAX_UNIT_WORDS):
                chunk = found[first : first + MAX_UNIT_WORDS]
                a = start + chunk[0].start if chunk and first else start
                b = end if first + MAX_UNIT_WORDS >= len(found) else start + chunk[-1].end
                text = source[a:b]
                units.append(
                    Unit(index, a, b, text, frozenset(stem(w.text) for w in words(text) if is_content(w.text)))
                )
    return units


def lexical_scores(
    stems: Sequence[str], units: Sequence[Unit], *, idf: Mapping[str, float], default_idf: float
) -> npt.NDArray[np.float32]:
    """Per unit, the IDF-weighted share of ``stems`` it contains (0 when ``stems`` is empty)."""
    weights = {s: idf.get(s, default_idf) for s in set(stems)}
    total = sum(weights.values())
    if not total:
        return np.zeros(len(units), dtype=np.float32)
    return np.array([sum(w for s, w in weights.items() if s in unit.stems) / total for unit in units], dtype=np.float32)


def units_to_encode(lexical: Sequence[npt.NDArray[np.float32]], n_units: int) -> list[int]:
    """Indices of the units worth encoding, given one lexical score row per claim (and query)."""
    if n_units <= EMBED_ALL_UNITS:
        return list(range(n_units))
    chosen: set[int] = set()
    for row in lexical:
        best = np.argsort(-row, kind="stable")[:LEXICAL_CANDIDATES]
        for index in best.tolist():
            if row[index] > 0 or not chosen:
                chosen.update(i for i in (index - 1, index, index + 1) if 0 <= i < n_units)
    return sorted(chosen) or list(range(min(n_units, LEXICAL_CANDIDATES)))


def rank_candidates(cosines: npt.NDArray[np.float32], lexical: npt.NDArray[np.float32]) -> list[int]:
    """Positions (into the encoded units) of a claim's :data:`TOP_UNITS` candidates, best first."""
    combined = cosines + lexical
    return np.argsort(-combined, kind="stable")[:TOP_UNITS].tolist()
