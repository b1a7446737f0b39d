"""Sentence-aligned windows of the sources, and the few worth reading for each claim.

The cross-encoder reads one window and one claim at a time, so a source is cut into windows of whole
units (sentences, long ones in pieces; see :mod:`grounding.evidence`) of at most :data:`WINDOW_WORDS`
words (about 200 word pieces), each starting :data:`OVERLAP_UNITS` units before the previous one ended,
so a fact spread over two neighbouring sentences is read together at least once.

Short sources are read whole: with up to :data:`READ_ALL` windows every window is scored for every claim.
Past that (a 100k-character source has about 120 windows) each claim reads the :data:`PER_CLAIM` windows
with the highest keyword score: the best unit's IDF-weighted share of the claim's content words, plus a
tenth of the window's own share. What this misses: in a long source, support that shares no content word
with the claim. The same ranking orders a claim's windows for the checkers' early exit (the best one is read
first, and alone when it settles the claim).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from grounding.evidence import Unit

WINDOW_WORDS = 150
OVERLAP_UNITS = 1
READ_ALL = 4
PER_CLAIM = 3


@dataclass(frozen=True)
class Window:
    """Units ``first`` to ``last`` (inclusive) of one source; ``text`` is the source's span over them."""

    source_index: int
    first: int
    last: int
    text: str


def source_windows(sources: Sequence[str], units: Sequence[Unit], *, words: int = WINDOW_WORDS) -> list[Window]:
    """Windows over ``units`` (as :func:`grounding.evidence.source_units` returns them, in order)."""
    windows: list[Window] = []
    start = 0
    while start < len(units):
        end, total = start, _length(units[start])
        while (
            end + 1 < len(units)
            and units[end + 1].source_index == units[start].source_index
            and total + _length(units[end + 1]) <= words
        ):
            end += 1
            total += _length(units[end])
        source = sources[units[start].source_index]
        windows.append(Window(units[start].source_index, start, end, source[units[start].start : units[end].end]))
        if end + 1 >= len(units):
            break
        same_source = units[end + 1].source_index == units[start].source_index
        start = max(start + 1, end + 1 - OVERLAP_UNITS) if same_source else end + 1
    return windows


def ranked_windows(windows: Sequence[Window], unit_scores: npt.NDArray[np.float32]) -> list[int]:
    """The windows one claim reads, given the claim's keyword score per unit: best keyword score first (ties in
    source order), the first the one an early exit reads alone."""
    ranked = [
        float(unit_scores[w.first : w.last + 1].max()) + 0.1 * float(unit_scores[w.first : w.last + 1].mean())
        for w in windows
    ]
    order = np.argsort(-np.asarray(ranked), kind="stable").tolist()
    return order if len(windows) <= READ_ALL else order[:PER_CLAIM]


def _length(unit: Unit) -> int:
    return max(1, len(unit.text.split()))
