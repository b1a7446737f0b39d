"""Sentence-aligned windows of the sources, and the few worth reading for each claim.

The cross-encoder reads one window and one claim at a time, so a source is cut into windows of whole
units (sentences, long ones in pieces; see :mod:`grounding.evidence`) of at most :data:`WINDOW_WORDS`
words (about 200 word pieces), each starting :data:`OVERLAP_UNITS` units before the previous one ended,
so a fact spread over two neighbouring sentences is read together at least once.

An input of at most :data:`WINDOW_WORDS` words in all is read whole: each claim reads every window (one a
source). A longer one is read narrowly: each claim reads only its **focus window** (:func:`focus_window`), its
best unit by keyword score (the best unit's IDF-weighted share of the claim's content words) and the neighbours
that share most of its words, at most :data:`FOCUS_WORDS` words in all, so a fact spread over two sentences is
still read together. On long inputs the trained model judges a claim much better against its focus window than
against 150-word windows, where other sentences' names and numbers make a changed claim look supported (relation
swaps over SciFact abstracts: AUROC 0.65 -> 0.87, docs/grounding-v2.md "Focus windows"); on short ones reading
less loses the second fact a two-hop answer needs (HaluEval: 0.65 -> 0.61), so they are read whole. What this
misses: in a long source, support that shares no content word with the claim, or that needs two facts further
apart than the focus window.

:func:`source_windows` and :func:`ranked_windows` cut and order the windows of a short input (an early exit in
the checkers reads the best one by keyword score first).
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
FOCUS_WORDS = 40


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
        end, total = start, unit_words(units[start])
        while (
            end + 1 < len(units)
            and units[end + 1].source_index == units[start].source_index
            and total + unit_words(units[end + 1]) <= words
        ):
            end += 1
            total += unit_words(units[end])
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


def focus_window(
    sources: Sequence[str], units: Sequence[Unit], unit_scores: npt.NDArray[np.float32], *, words: int = FOCUS_WORDS
) -> Window:
    """The units around the claim's best one by keyword score (the first of equals), grown one neighbour at a time
    towards the one with the higher score (the earlier of equals) while the whole stays within ``words`` words and
    one source. ``units`` must not be empty."""
    first = last = int(np.argmax(unit_scores))
    total = unit_words(units[first])
    while True:
        options = [
            i
            for i in (first - 1, last + 1)
            if 0 <= i < len(units)
            and units[i].source_index == units[first].source_index
            and total + unit_words(units[i]) <= words
        ]
        if not options:
            break
        grow = max(options, key=lambda i: (float(unit_scores[i]), -i))
        total += unit_words(units[grow])
        first, last = min(first, grow), max(last, grow)
    source = sources[units[first].source_index]
    return Window(units[first].source_index, first, last, source[units[first].start : units[last].end])


def unit_words(unit: Unit) -> int:
    return max(1, len(unit.text.split()))
