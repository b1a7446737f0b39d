"""Semantic segmentation: where the topic changes between consecutive sentences.

As Bedrock describes it: each sentence is embedded together with ``buffer_size`` neighbours on
each side; the cosine distance between consecutive groups is measured; a segment ends wherever
that distance is above the ``breakpoint_percentile`` percentile of all distances in the
document. Segments are then packed to ``max_tokens`` with no overlap by the caller.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from ingest.chunking.units import Unit

# Called with a list, so an embedder typed for list[str] or Sequence[str] both fit.
EmbedFn = Callable[[list[str]], np.ndarray]
# Distances this close to the threshold count as equal: identical groups embed to a distance
# of ~1e-16, not 0, and must not become breaks when the threshold itself is 0.
_TOLERANCE = 1e-9


def segments(units: Sequence[Unit], *, embed: EmbedFn, buffer_size: int, percentile: int) -> list[range]:
    """Consecutive index ranges covering ``units``, each one topic or one table.

    Table rows never share a segment with prose and are not embedded: a table is its own
    segment (later packed by whole rows under its header), and a new sheet starts a new
    segment. Prose units (sentences, headings) are compared across tables, all in one batched
    ``embed`` call.

    >>> from ingest.types import Location
    >>> us = [Unit(t, 1, 0, Location()) for t in ("cats", "cats", "cats", "cars", "cars", "cars")]
    >>> fake = lambda texts: np.array([[1.0, 0.0] if "cats" in t else [0.0, 1.0] for t in texts])
    >>> segments(us, embed=fake, buffer_size=0, percentile=95)
    [range(0, 3), range(3, 6)]
    """
    prose = [i for i, unit in enumerate(units) if unit.kind != "row"]
    breaks = {
        prose[i + 1] for i in _breakpoints(units, prose, embed=embed, buffer_size=buffer_size, percentile=percentile)
    }
    cuts = [0]
    for i in range(1, len(units)):
        is_row, was_row = units[i].kind == "row", units[i - 1].kind == "row"
        table_edge = is_row != was_row or (is_row and units[i].block != units[i - 1].block)
        sheet_edge = units[i].location.sheet != units[i - 1].location.sheet
        if i in breaks or table_edge or sheet_edge:
            cuts.append(i)
    cuts.append(len(units))
    return [range(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _breakpoints(
    units: Sequence[Unit], prose: list[int], *, embed: EmbedFn, buffer_size: int, percentile: int
) -> list[int]:
    """Positions ``i`` in ``prose`` after which the topic changes (between prose i and i+1)."""
    if len(prose) < 2:
        return []
    texts = [units[i].text for i in prose]
    groups = [" ".join(texts[max(0, i - buffer_size) : i + buffer_size + 1]) for i in range(len(texts))]
    vectors = np.asarray(embed(groups), dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] != len(groups):
        raise ValueError(f"embed returned shape {vectors.shape} for {len(groups)} texts")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit_vectors = vectors / np.where(norms == 0, 1.0, norms)
    distances = 1.0 - np.einsum("ij,ij->i", unit_vectors[:-1], unit_vectors[1:])
    threshold = float(np.percentile(distances, percentile))
    return [int(i) for i in np.flatnonzero(distances > threshold + _TOLERANCE)]
