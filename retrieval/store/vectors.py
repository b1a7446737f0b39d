"""Vector stores: the :class:`VectorStore` protocol, FAISS and an in-memory numpy fake.

A store maps int64 ids to vectors and answers nearest-neighbour queries by cosine similarity.
Vectors and queries are L2-normalised on the way in, so scores are cosines in ``[-1, 1]``,
**higher = more similar**, and hits come best first. Filtering is done inside the search
(``allowed_ids``), so a filtered query still returns ``k`` hits whenever ``k`` allowed vectors exist.
Ties are returned in an unspecified order.

Stores are not safe for concurrent writes; the caller serialises ``add``/``delete``/``save``.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Protocol, Self

import faiss
import numpy as np
import numpy.typing as npt

from retrieval.errors import CorruptStore
from retrieval.store import faiss_index

IdArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
Hits = list[tuple[int, float]]


class VectorStore(Protocol):
    """Ids to unit vectors, searched by cosine similarity (higher = more similar).

    ``add`` replaces the vector of an id already present. ``search(q, ...)`` is
    ``search_many(q[None], ...)[0]``. ``allowed_ids`` restricts a search to those ids (``None``: all;
    empty: nothing) and the restriction is applied during the search, not after it. ``save`` is
    atomic: a crash leaves either the old file or the new one, never a torn one.

    The class itself is the factory a :class:`~retrieval.knowledge_base.KnowledgeBase` takes
    (``vector_store=FaissStore``): ``cls(dimension)`` makes an empty store, ``cls.load(path)`` reads one.
    """

    def __init__(self, dimension: int) -> None: ...

    @property
    def dimension(self) -> int: ...

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Insert or replace: afterwards ``ids[i]`` maps to ``vectors[i]``. Ids must be unique."""
        ...

    def delete(self, ids: npt.ArrayLike) -> int:
        """Remove these ids; returns how many were present."""
        ...

    def search_many(self, queries: npt.ArrayLike, *, k: int, allowed_ids: npt.ArrayLike | None = None) -> list[Hits]:
        """Per query row, up to ``k`` ``(id, cosine)`` pairs, best first."""
        ...

    def search(self, query: npt.ArrayLike, *, k: int, allowed_ids: npt.ArrayLike | None = None) -> Hits:
        """``search_many(query[None], k=k, allowed_ids=allowed_ids)[0]``."""
        ...

    def count(self) -> int:
        """Number of vectors stored."""
        ...

    def ids(self) -> IdArray:
        """Every stored id, in no particular order (a copy)."""
        ...

    def save(self, path: Path) -> None:
        """Write the store to ``path`` atomically (temp file, fsync, ``os.replace``)."""
        ...

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a store written by ``save``; raises ``CorruptStore`` if the file is not one."""
        ...


class FaissStore:
    """FAISS search, exact while small and inverted-file (IVF) beyond ``EXACT_LIMIT`` vectors.

    The index type follows the size (see :mod:`retrieval.store.faiss_index`): ``IndexIDMap2(IndexFlatIP)``
    up to ``EXACT_LIMIT`` vectors, then ``IndexIVFFlat`` with measured recall@10 >= 0.95. Deletes
    happen in place; ``allowed_ids`` becomes an ``IDSelector`` (bitmap or hashed batch) that FAISS
    checks during the scan. The saved file is a plain FAISS index (``faiss.read_index`` opens it).

    Example::

        store = FaissStore(384)
        store.add(np.array([7], dtype=np.int64), embedder.embed_documents(["some text"]))
        store.search(embedder.embed_query("text"), k=5)  # [(7, 0.83)]
    """

    def __init__(self, dimension: int) -> None:
        if dimension < 1:
            raise ValueError(f"dimension must be >= 1, got {dimension}")
        self._index: Any = faiss_index.flat_index(dimension)
        self._trained_on = 0

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        """``"flat"`` (exact) or ``"ivf"`` (approximate)."""
        return "ivf" if faiss_index.is_ivf(self._index) else "flat"

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Insert or replace (see :class:`VectorStore`)."""
        id_array = _as_ids(ids, unique=True)
        matrix = _as_unit_matrix(vectors, self.dimension, what="vectors")
        _check_same_length(id_array, matrix)
        if len(id_array) == 0:
            return
        if self._index.ntotal:
            self._index.remove_ids(id_array)
        self._index.add_with_ids(matrix, id_array)
        self._index, self._trained_on = faiss_index.resized(self._index, trained_on=self._trained_on)

    def delete(self, ids: npt.ArrayLike) -> int:
        """Remove these ids; returns how many were present."""
        id_array = _as_ids(ids, unique=False)
        if len(id_array) == 0 or self._index.ntotal == 0:
            return 0
        removed = int(self._index.remove_ids(id_array))
        self._index, self._trained_on = faiss_index.resized(self._index, trained_on=self._trained_on)
        return removed

    def search_many(self, queries: npt.ArrayLike, *, k: int, allowed_ids: npt.ArrayLike | None = None) -> list[Hits]:
        """Per query row, up to ``k`` ``(id, cosine)`` pairs, best first."""
        matrix = _as_unit_matrix(queries, self.dimension, what="queries")
        _check_k(k)
        selector = None
        limit = self.count()
        if allowed_ids is not None:
            allowed = _as_ids(allowed_ids, unique=False)
            limit = min(limit, len(allowed))
            if len(allowed):
                selector = faiss_index.selector_for(allowed)
        if limit == 0 or len(matrix) == 0:
            return [[] for _ in range(len(matrix))]
        params = faiss_index.search_parameters(self._index, selector, limit)
        with faiss_index.threads_for(len(matrix)):
            scores, labels = self._index.search(matrix, min(k, limit), params=params)
        # FAISS pads rows with label -1 when fewer than k vectors qualify.
        return [
            [(int(label), _clip(score)) for label, score in zip(row_ids, row, strict=True) if label >= 0]
            for row_ids, row in zip(labels, scores, strict=True)
        ]

    def search(self, query: npt.ArrayLike, *, k: int, allowed_ids: npt.ArrayLike | None = None) -> Hits:
        """``search_many(query[None], ...)[0]``."""
        return self.search_many(_as_query_row(query), k=k, allowed_ids=allowed_ids)[0]

    def count(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> IdArray:
        return faiss_index.all_entries(self._index)[0]

    def save(self, path: Path) -> None:
        """Atomically write the FAISS index to ``path``."""
        _write_atomically(Path(path), faiss.serialize_index(self._index).tobytes())

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index written by :meth:`save`."""
        data = np.fromfile(Path(path), dtype=np.uint8)
        try:
            index = faiss.deserialize_index(data)
        except RuntimeError as error:
            raise CorruptStore(f"{path}: not a FAISS index ({_first_line(error)})") from error
        if (
            not isinstance(index, faiss.IndexIDMap2 | faiss.IndexIVFFlat)
            or index.metric_type != faiss.METRIC_INNER_PRODUCT
        ):
            raise CorruptStore(f"{path}: a FAISS index, but not an inner-product IndexIDMap2 or IndexIVFFlat")
        store = cls(int(index.d))
        store._index = index
        store._trained_on = int(index.ntotal) if faiss_index.is_ivf(index) else 0
        return store


class InMemoryStore:
    """A numpy fake of :class:`FaissStore` with the same behaviour; brute force, for tests and demos."""

    def __init__(self, dimension: int) -> None:
        if dimension < 1:
            raise ValueError(f"dimension must be >= 1, got {dimension}")
        self._dimension = dimension
        self._ids: IdArray = np.empty(0, dtype=np.int64)
        self._vectors: FloatArray = np.empty((0, dimension), dtype=np.float32)

    @property
    def dimension(self) -> int:
        return self._dimension

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Insert or replace (see :class:`VectorStore`)."""
        id_array = _as_ids(ids, unique=True)
        matrix = _as_unit_matrix(vectors, self._dimension, what="vectors")
        _check_same_length(id_array, matrix)
        self.delete(id_array)
        self._ids = np.concatenate([self._ids, id_array])
        self._vectors = np.concatenate([self._vectors, matrix])

    def delete(self, ids: npt.ArrayLike) -> int:
        """Remove these ids; returns how many were present."""
        present = np.isin(self._ids, _as_ids(ids, unique=False))
        self._ids = self._ids[~present]
        self._vectors = self._vectors[~present]
        return int(present.sum())

    def search_many(self, queries: npt.ArrayLike, *, k: int, allowed_ids: npt.ArrayLike | None = None) -> list[Hits]:
        """Per query row, up to ``k`` ``(id, cosine)`` pairs, best first."""
        matrix = _as_unit_matrix(queries, self._dimension, what="queries")
        _check_k(k)
        candidates = np.arange(len(self._ids))
        if allowed_ids is not None:
            candidates = candidates[np.isin(self._ids, _as_ids(allowed_ids, unique=False))]
        scores = matrix @ self._vectors[candidates].T
        results: list[Hits] = []
        for row in scores:
            best = np.argsort(-row, kind="stable")[:k]
            results.append([(int(self._ids[candidates[i]]), _clip(row[i])) for i in best])
        return results

    def search(self, query: npt.ArrayLike, *, k: int, allowed_ids: npt.ArrayLike | None = None) -> Hits:
        """``search_many(query[None], ...)[0]``."""
        return self.search_many(_as_query_row(query), k=k, allowed_ids=allowed_ids)[0]

    def count(self) -> int:
        return len(self._ids)

    def ids(self) -> IdArray:
        return self._ids.copy()

    def save(self, path: Path) -> None:
        """Atomically write ids and vectors to ``path`` as an ``.npz`` archive."""
        buffer = io.BytesIO()
        np.savez(buffer, ids=self._ids, vectors=self._vectors)
        _write_atomically(Path(path), buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a store written by :meth:`save`."""
        try:
            with np.load(Path(path), allow_pickle=False) as archive:
                ids, vectors = archive["ids"], archive["vectors"]
        except (ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise CorruptStore(f"{path}: not an InMemoryStore file ({_first_line(error)})") from error
        if ids.dtype != np.int64 or vectors.ndim != 2 or len(ids) != len(vectors):
            raise CorruptStore(f"{path}: ids and vectors do not match")
        store = cls(int(vectors.shape[1]))
        store._ids = ids
        store._vectors = vectors.astype(np.float32)
        return store


def _as_ids(ids: npt.ArrayLike, *, unique: bool) -> IdArray:
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValueError(f"ids must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"ids must be integers, got {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.int64)
    if unique and len(np.unique(array)) != len(array):
        raise ValueError("ids must be unique within one call")
    return array


def _as_unit_matrix(vectors: npt.ArrayLike, dimension: int, *, what: str) -> FloatArray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != dimension:
        raise ValueError(f"{what} must have shape (n, {dimension}), got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{what} contain NaN or infinity")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f"{what} contain a zero vector, which has no direction")
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def _as_query_row(query: npt.ArrayLike) -> FloatArray:
    row = np.asarray(query, dtype=np.float32)
    if row.ndim != 1:
        raise ValueError(f"query must be one vector (1-D), got shape {row.shape}")
    return row[None, :]


def _check_same_length(ids: IdArray, vectors: FloatArray) -> None:
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def _clip(score: np.floating[Any] | float) -> float:
    # Float32 rounding can put a unit-vector inner product a hair outside [-1, 1].
    return min(1.0, max(-1.0, float(score)))


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync it, then rename it over ``path``."""
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    # The rename itself is durable only once the directory entry is flushed (POSIX).
    if hasattr(os, "O_DIRECTORY"):
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
