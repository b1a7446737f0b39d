"""Metadata filters evaluated column-wise: each comparison runs once per distinct value, not per chunk.

A :class:`MetadataIndex` is a snapshot of every searchable chunk's plain metadata, dictionary-encoded
per key: ``codes[key][row]`` is the position of that chunk's value in ``values[key]``, or ``-1`` when
the chunk lacks the key. A :class:`~retrieval.filters.Comparison` is decided by calling its own
``matches`` on each distinct value (so the semantics are exactly those of :mod:`retrieval.filters`),
then spread to all rows with one numpy gather; ``andAll``/``orAll`` combine the row masks.

The index never changes after it is built; the owner rebuilds it when the catalog revision moves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from retrieval.filters import AndAll, Comparison, Filter, OrAll

# Per-comparison results kept per index; bounded because clients may send any number of distinct filters.
MAX_CACHED_COMPARISONS = 1024


class MetadataIndex:
    """Dictionary-encoded metadata of chunk rows, answering filters with numpy.

    Example::

        index = MetadataIndex.build(catalog.iter_metadata())
        index.allowed_ids(parse_filter({"equals": {"key": "lang", "value": "en"}}))  # array([3, 7, ...])
    """

    def __init__(self, *, ids: np.ndarray, codes: Mapping[str, np.ndarray], values: Mapping[str, list[Any]]) -> None:
        self.ids = ids
        self.codes = dict(codes)
        self.values = dict(values)
        self._per_code: dict[tuple[str, str, object], np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def build(cls, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> MetadataIndex:
        """Index ``(chunk row id, plain metadata)`` pairs; ``ids`` come out ascending."""
        ordered = sorted(rows, key=lambda row: row[0])
        n = len(ordered)
        # Per key: the codes column (a list while filling: item assignment is cheapest there),
        # the value -> code lookup, and the distinct values in code order.
        columns: dict[str, tuple[list[int], dict[object, int], list[Any]]] = {}
        for position, (_, metadata) in enumerate(ordered):
            for key, value in metadata.items():
                state = columns.get(key)
                if state is None:
                    state = columns[key] = ([-1] * n, {}, [])
                column, lookup, distinct = state
                hashable = value if type(value) in _RAW else _hashable(value)
                code = lookup.get(hashable)
                if code is None:
                    code = lookup[hashable] = len(distinct)
                    distinct.append(value)
                column[position] = code
        ids = np.fromiter((row_id for row_id, _ in ordered), dtype=np.int64, count=n)
        codes = {key: np.asarray(column, dtype=np.int32) for key, (column, _, _) in columns.items()}
        return cls(ids=ids, codes=codes, values={key: distinct for key, (_, _, distinct) in columns.items()})

    def __len__(self) -> int:
        return len(self.ids)

    def allowed_ids(self, filter: Filter) -> np.ndarray:
        """The chunk row ids (int64, ascending) whose metadata passes ``filter``."""
        return self.ids[self.mask(filter)]

    def mask(self, filter: Filter) -> np.ndarray:
        """One bool per row of :attr:`ids`: ``mask(f)[i] == f.matches(metadata of row i)``."""
        match filter:
            case Comparison():
                return self._comparison_mask(filter)
            case AndAll(filters=members):
                return np.logical_and.reduce([self.mask(member) for member in members])
            case OrAll(filters=members):
                return np.logical_or.reduce([self.mask(member) for member in members])
        raise AssertionError(f"unhandled filter {filter!r}")  # parse_filter builds no other

    def _comparison_mask(self, comparison: Comparison) -> np.ndarray:
        codes = self.codes.get(comparison.key)
        missing = comparison.operator == "notEquals"  # the one operator a missing key passes
        if codes is None:
            return np.full(len(self.ids), missing, dtype=bool)
        # The trailing slot answers code -1 (key missing), so one gather covers every row.
        return self._per_code_result(comparison, missing=missing)[codes]

    def _per_code_result(self, comparison: Comparison, *, missing: bool) -> np.ndarray:
        # Comparison equality would conflate ``equals 1`` with ``equals True`` (1 == True in Python).
        cache_key = (comparison.operator, comparison.key, _hashable(comparison.value))
        with self._lock:
            cached = self._per_code.get(cache_key)
        if cached is not None:
            return cached
        distinct = self.values[comparison.key]
        result = np.empty(len(distinct) + 1, dtype=bool)
        result[:-1] = [comparison.matches({comparison.key: value}) for value in distinct]
        result[-1] = missing
        with self._lock:
            if len(self._per_code) >= MAX_CACHED_COMPARISONS:
                self._per_code.clear()
            self._per_code[cache_key] = result
        return result


# Types whose values no other metadata type equals, so they are their own dictionary keys.
_RAW: frozenset[type] = frozenset({str, float})


def _hashable(value: Any) -> object:
    """A dictionary key that tells apart values Python hashes alike (``1``, ``1.0``, ``True``; lists)."""
    if type(value) in _RAW:
        return value
    if isinstance(value, list | tuple):
        return ("list", tuple(map(_hashable, value)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _hashable(v)) for k, v in value.items())))
    # Tagged with the type: ``1``, ``True`` and ``1.0`` are equal and hash alike in Python.
    return (type(value).__name__, value)
