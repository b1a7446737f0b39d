"""FAISS index choice by size: exact search while it is fast, an inverted-file index beyond that.

* Up to ``EXACT_LIMIT`` vectors: ``IndexIDMap2(IndexFlatIP)``, exact. ``bench/search/bench_index.py``
  measured exact search at ~0.1 ms per 1,000 vectors on this project's 2-core machine, so at 20k
  it costs about 2 ms and grows linearly (about 15 ms at 100k, 150 ms at 1M).
* Beyond it: ``IndexIVFFlat`` (inner product) with ``4 * sqrt(n)`` lists, trained by k-means on
  the vectors present when the switch happens, searching ``nprobe`` lists. IVF keeps the exact
  vectors (no compression), supports deletes and re-adds in place, and checks a filter
  (``IDSelector``) during the scan. Its recall@10 against exact search is measured by
  ``bench/search/bench_index.py`` (docs/benchmarks.md); ``nprobe`` was chosen there for recall@10 >= 0.95.
* A filtered search widens ``nprobe`` in proportion to how selective the filter is, so the number
  of allowed vectors scanned stays about the same; a filter allowing under ``1 / nlist`` of the
  vectors scans every list (exact over the allowed vectors).
* The index is re-trained when the collection has grown 4x since training, and goes back to exact
  search below ``EXACT_LIMIT / 2`` (hysteresis, so a collection near the limit does not flip).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

EXACT_LIMIT = 20_000
RETRAIN_GROWTH = 4
_POINTS_PER_LIST = 64  # k-means sample: enough for stable centroids, bounded training time
_KMEANS_ITERATIONS = 10
_SEED = 1234
_FEW_QUERIES = 4


def flat_index(dimension: int) -> Any:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def is_ivf(index: Any) -> bool:
    return isinstance(index, faiss.IndexIVFFlat)


def list_count(n: int) -> int:
    return max(16, int(4 * math.sqrt(n)))


def default_nprobe(nlist: int) -> int:
    """Lists searched per query, chosen from bench/search/bench_index.py (docs/benchmarks.md): ``nlist / 24``
    keeps recall@10 >= 0.975 from 50k vectors up, but just past ``EXACT_LIMIT`` the lists are small and
    it gave 0.935 at 20k, so at least 48 lists are searched (46 measured 0.968 there, in 0.17 ms)."""
    return max(48, nlist // 24)


def ivf_index(ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> Any:
    """An inner-product IVF index trained on ``vectors`` and holding them under ``ids``."""
    dimension = vectors.shape[1]
    nlist = list_count(len(vectors))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = _KMEANS_ITERATIONS
    index.cp.max_points_per_centroid = _POINTS_PER_LIST
    index.cp.min_points_per_centroid = 1  # small collections train on what they have, without a warning
    index.cp.seed = _SEED
    index.cp.spherical = True
    index.train(vectors)
    index.add_with_ids(vectors, ids)
    index.nprobe = default_nprobe(nlist)
    return index


def all_entries(index: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Every (id, vector) in a flat or IVF index, in no particular order."""
    dimension = int(index.d)
    if not is_ivf(index):
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        vectors = index.index.reconstruct_n(0, index.ntotal) if index.ntotal else np.empty((0, dimension), np.float32)
        return ids, np.asarray(vectors, dtype=np.float32).reshape(-1, dimension)
    lists = index.invlists
    id_parts, vector_parts = [], []
    for number in range(index.nlist):
        size = lists.list_size(number)
        if size == 0:
            continue
        id_parts.append(faiss.rev_swig_ptr(lists.get_ids(number), size).copy())
        codes = faiss.rev_swig_ptr(lists.get_codes(number), size * lists.code_size).copy()
        vector_parts.append(codes.view(np.float32).reshape(size, dimension))
    if not id_parts:
        return np.empty(0, np.int64), np.empty((0, dimension), np.float32)
    return np.concatenate(id_parts).astype(np.int64), np.concatenate(vector_parts)


def resized(index: Any, *, trained_on: int) -> tuple[Any, int]:
    """The index to use at the current size (maybe ``index`` itself) and the size it was trained on."""
    n = int(index.ntotal)
    if is_ivf(index):
        if n < EXACT_LIMIT // 2:
            ids, vectors = all_entries(index)
            flat = flat_index(int(index.d))
            if n:
                flat.add_with_ids(vectors, ids)
            return flat, 0
        if n > RETRAIN_GROWTH * max(trained_on, 1):
            return ivf_index(*all_entries(index)), n
        return index, trained_on
    if n > EXACT_LIMIT:
        return ivf_index(*all_entries(index)), n
    return index, trained_on


def search_parameters(index: Any, selector: Any | None, allowed: int) -> Any:
    """FAISS search parameters: the filter, and for IVF an ``nprobe`` widened for selective filters."""
    if not is_ivf(index):
        return faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]
    nprobe = int(index.nprobe)
    if selector is not None and allowed:
        nprobe = min(int(index.nlist), math.ceil(nprobe * index.ntotal / allowed))
    params = faiss.SearchParametersIVF(nprobe=nprobe)  # type: ignore[call-arg]
    if selector is not None:
        params.sel = selector
    return params


@contextlib.contextmanager
def threads_for(queries: int) -> Iterator[None]:
    """One OpenMP thread for a few queries, FAISS's default for batches.

    A single query gains nothing from threads at these sizes, and FAISS's OpenMP threads then compete
    with PyTorch's, which are still spinning after embedding the query: measured 15.3 ms vs 10.4 ms
    per retrieve at 10k chunks. OpenMP's thread count is per calling thread, so concurrent requests
    do not affect each other.
    """
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1 if queries <= _FEW_QUERIES else previous)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def selector_for(ids: npt.NDArray[np.int64]) -> Any:
    """An ``IDSelector`` for ``ids``: a bitmap when ids are dense enough, else a hashed batch."""
    top = int(ids.max()) + 1 if len(ids) else 1
    if top <= 64 * len(ids) + 4096:
        bits = np.zeros(top, dtype=bool)
        bits[ids] = True
        packed = np.packbits(bits, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(packed), faiss.swig_ptr(packed))  # size in bytes
        selector.referenced = packed  # type: ignore[attr-defined]  # the bitmap must outlive the selector
        return selector
    return faiss.IDSelectorBatch(ids)
