"""VectorStore contract, parametrised over every backend, plus FAISS-specific checks."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval.errors import CorruptStore
from retrieval.store.vectors import FaissStore, InMemoryStore, VectorStore

DIM = 8
BACKENDS: list[type[FaissStore] | type[InMemoryStore]] = [FaissStore, InMemoryStore]


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _random(n: int, seed: int) -> np.ndarray:
    return _unit(np.random.default_rng(seed).normal(size=(n, DIM)))


def _ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


@pytest.fixture(params=BACKENDS, ids=lambda cls: cls.__name__)
def backend(request: pytest.FixtureRequest) -> type[FaissStore] | type[InMemoryStore]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def store(backend: type[FaissStore] | type[InMemoryStore]) -> VectorStore:
    """Five orthonormal-ish vectors: id 10+i is the i-th basis vector."""
    fresh = backend(DIM)
    fresh.add(_ids(10, 11, 12, 13, 14), np.eye(DIM, dtype=np.float32)[:5])
    return fresh


def _query_between(a: int, b: int, weight_a: float) -> np.ndarray:
    """A unit query closer to basis vector ``a`` than ``b`` when ``weight_a > 0.5``."""
    query = np.zeros(DIM, dtype=np.float32)
    query[a], query[b] = weight_a, 1.0 - weight_a
    return _unit(query)


# -- add / count / search -------------------------------------------------------------------------


def test_add_counts_and_lists_ids(store: VectorStore) -> None:
    assert store.count() == 5
    assert sorted(store.ids().tolist()) == [10, 11, 12, 13, 14]
    assert store.ids().dtype == np.int64
    assert store.dimension == DIM


def test_search_returns_cosine_scores_best_first(store: VectorStore) -> None:
    query = _query_between(2, 4, 0.8)
    hits = store.search(query, k=3)
    assert [hit_id for hit_id, _ in hits[:2]] == [12, 14]
    expected = {12: float(query[2]), 14: float(query[4])}
    for hit_id, score in hits[:2]:
        assert score == pytest.approx(expected[hit_id], abs=1e-6)
    assert hits[2][1] == pytest.approx(0.0, abs=1e-6)
    assert all(isinstance(hit_id, int) and isinstance(score, float) for hit_id, score in hits)


def test_scores_span_minus_one_to_one(backend: type[FaissStore] | type[InMemoryStore]) -> None:
    store = backend(DIM)
    base = _random(1, seed=1)[0]
    store.add(_ids(1, 2), np.stack([base, -base]))
    assert store.search(base, k=2) == [(1, pytest.approx(1.0, abs=1e-6)), (2, pytest.approx(-1.0, abs=1e-6))]
    for _, score in store.search(base, k=2):
        assert -1.0 <= score <= 1.0


def test_vectors_and_queries_are_normalised_on_the_way_in(
    backend: type[FaissStore] | type[InMemoryStore],
) -> None:
    store = backend(DIM)
    store.add(_ids(1), np.full((1, DIM), 5.0))
    [(hit_id, score)] = store.search(np.full(DIM, 0.01), k=1)
    assert (hit_id, score) == (1, pytest.approx(1.0, abs=1e-6))


def test_search_is_search_many_of_one(store: VectorStore) -> None:
    queries = np.stack([_query_between(0, 1, 0.9), _query_between(3, 2, 0.7)])
    many = store.search_many(queries, k=2)
    assert len(many) == 2
    assert many[0] == store.search(queries[0], k=2)
    assert many[1] == store.search(queries[1], k=2)
    assert [hit_id for hit_id, _ in many[1]] == [13, 12]


def test_k_larger_than_the_store_returns_everything(store: VectorStore) -> None:
    assert len(store.search(_query_between(0, 1, 0.9), k=50)) == 5


def test_empty_store_returns_no_hits(backend: type[FaissStore] | type[InMemoryStore]) -> None:
    assert backend(DIM).search_many(_random(2, seed=3), k=4) == [[], []]


def test_backends_agree_on_random_data() -> None:
    vectors, queries = _random(200, seed=5), _random(7, seed=6)
    ids = np.arange(1000, 1200, dtype=np.int64)
    results = []
    for backend in BACKENDS:
        store = backend(DIM)
        store.add(ids, vectors)
        results.append(store.search_many(queries, k=10))
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :10] + 1000
    for result in results:
        assert [[hit_id for hit_id, _ in row] for row in result] == expected.tolist()


# -- delete / replace -----------------------------------------------------------------------------


def test_delete_removes_ids_and_counts_only_present_ones(store: VectorStore) -> None:
    assert store.delete(_ids(11, 13, 99)) == 2
    assert store.count() == 3
    assert sorted(store.ids().tolist()) == [10, 12, 14]
    hits = store.search(_query_between(1, 3, 0.5), k=5)
    assert {hit_id for hit_id, _ in hits} == {10, 12, 14}
    assert store.delete(_ids(11)) == 0
    assert store.delete(_ids()) == 0


def test_adding_an_existing_id_replaces_its_vector(store: VectorStore) -> None:
    store.add(_ids(10), np.eye(DIM, dtype=np.float32)[[7]])
    assert store.count() == 5
    assert store.search(np.eye(DIM, dtype=np.float32)[7], k=1) == [(10, pytest.approx(1.0, abs=1e-6))]
    [(_, old_direction_score)] = [hit for hit in store.search(np.eye(DIM)[0], k=5) if hit[0] == 10]
    assert old_direction_score == pytest.approx(0.0, abs=1e-6)


# -- filtered search ------------------------------------------------------------------------------


def test_filtered_search_still_returns_k_hits(backend: type[FaissStore] | type[InMemoryStore]) -> None:
    """The allowed ids are the *least* similar 10 of 300: filtering after a top-k would find none."""
    store = backend(DIM)
    query = _unit(np.ones(DIM))
    vectors = _random(300, seed=7)
    order = np.argsort(-(vectors @ query))
    ids = np.arange(300, dtype=np.int64)
    store.add(ids, vectors)
    allowed = order[-10:].astype(np.int64)
    hits = store.search(query, k=5, allowed_ids=allowed)
    assert [hit_id for hit_id, _ in hits] == order[-10:][:5].tolist()
    assert len(store.search(query, k=50, allowed_ids=allowed)) == 10


def test_allowed_ids_empty_or_absent(store: VectorStore) -> None:
    query = _query_between(0, 1, 0.9)
    assert store.search(query, k=3, allowed_ids=_ids()) == []
    assert store.search(query, k=3, allowed_ids=_ids(99, 98)) == []
    assert [hit_id for hit_id, _ in store.search(query, k=3, allowed_ids=_ids(14, 99, 11))] == [11, 14]


# -- persistence ----------------------------------------------------------------------------------


def test_save_load_round_trip(backend: type[FaissStore] | type[InMemoryStore], tmp_path: Path) -> None:
    store = backend(DIM)
    store.add(np.arange(50, dtype=np.int64) * 3, _random(50, seed=8))
    store.delete(_ids(0, 3))
    path = tmp_path / "vectors.bin"
    store.save(path)
    loaded = backend.load(path)
    queries = _random(4, seed=9)
    assert loaded.count() == 48
    assert loaded.dimension == DIM
    assert sorted(loaded.ids().tolist()) == sorted(store.ids().tolist())
    assert loaded.search_many(queries, k=5) == store.search_many(queries, k=5)
    assert loaded.search(queries[0], k=3, allowed_ids=_ids(6, 9, 12)) == store.search(
        queries[0], k=3, allowed_ids=_ids(6, 9, 12)
    )


def test_save_replaces_the_file_and_leaves_no_temp_files(
    backend: type[FaissStore] | type[InMemoryStore], tmp_path: Path
) -> None:
    store = backend(DIM)
    store.add(_ids(1), _random(1, seed=10))
    path = tmp_path / "vectors.bin"
    store.save(path)
    store.add(_ids(2), _random(1, seed=11))
    store.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.bin"]
    assert backend.load(path).count() == 2


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated"])
def test_loading_a_damaged_file_raises_corrupt_store(
    backend: type[FaissStore] | type[InMemoryStore], tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "vectors.bin"
    store = backend(DIM)
    store.add(np.arange(20, dtype=np.int64), _random(20, seed=16))
    store.save(path)
    whole = path.read_bytes()
    damaged = {
        "garbage": b"this is not a vector index" * 10,
        "empty": b"",
        "truncated": whole[: len(whole) // 2],
    }
    path.write_bytes(damaged[damage])
    with pytest.raises(CorruptStore, match=r"vectors\.bin"):
        backend.load(path)


def test_loading_a_missing_file_raises_file_not_found(
    backend: type[FaissStore] | type[InMemoryStore], tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        backend.load(tmp_path / "absent.bin")


def test_faiss_file_is_a_plain_faiss_index(tmp_path: Path) -> None:
    store = FaissStore(DIM)
    store.add(_ids(5, 6), _random(2, seed=12))
    store.save(tmp_path / "v.faiss")
    index = faiss.read_index(str(tmp_path / "v.faiss"))
    assert (index.ntotal, index.d) == (2, DIM)


def test_faiss_load_refuses_another_kind_of_index(tmp_path: Path) -> None:
    faiss.write_index(faiss.IndexFlatL2(DIM), str(tmp_path / "l2.faiss"))
    with pytest.raises(CorruptStore, match="not an inner-product IndexIDMap2"):
        FaissStore.load(tmp_path / "l2.faiss")


# -- argument checks ------------------------------------------------------------------------------


def test_bad_arguments_are_refused(store: VectorStore) -> None:
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        store.add(_ids(1), np.ones((1, DIM + 1)))
    with pytest.raises(ValueError, match="unique"):
        store.add(_ids(1, 1), _random(2, seed=13))
    with pytest.raises(ValueError, match="2 ids but 1 vectors"):
        store.add(_ids(1, 2), _random(1, seed=14))
    with pytest.raises(ValueError, match="zero vector"):
        store.add(_ids(1), np.zeros((1, DIM)))
    with pytest.raises(ValueError, match="NaN"):
        store.search(np.full(DIM, np.nan), k=1)
    with pytest.raises(ValueError, match="k must be >= 1"):
        store.search(_query_between(0, 1, 0.5), k=0)
    with pytest.raises(ValueError, match="1-D"):
        store.search(_random(2, seed=15), k=1)
    with pytest.raises(ValueError, match="integers"):
        store.delete(np.array([1.5]))
    assert store.count() == 5  # nothing above changed the store
