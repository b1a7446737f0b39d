"""FaissStore's index choice by size: exact, then IVF past EXACT_LIMIT, back to exact when it shrinks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.store import faiss_index
from retrieval.store.vectors import FaissStore

DIM = 32
LIMIT = 600


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faiss_index, "EXACT_LIMIT", LIMIT)


def _clustered(n: int, *, seed: int, clusters: int = 40) -> np.ndarray:
    """Unit vectors around random centres: the structure real embeddings have (uniform noise has none)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, DIM))
    vectors = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]].tolist()


def test_switches_to_ivf_past_the_limit_and_back_below_half() -> None:
    store = FaissStore(DIM)
    vectors = _clustered(1500, seed=1)
    ids = np.arange(1500, dtype=np.int64) * 3  # sparse ids
    store.add(ids[:LIMIT], vectors[:LIMIT])
    assert store.kind == "flat"
    store.add(ids[LIMIT:], vectors[LIMIT:])
    assert store.kind == "ivf"
    assert store.count() == 1500
    assert sorted(store.ids().tolist()) == ids.tolist()
    store.delete(ids[: 1500 - LIMIT // 2 + 1])
    assert store.kind == "flat"
    assert sorted(store.ids().tolist()) == ids[1500 - LIMIT // 2 + 1 :].tolist()


def test_ivf_recall_at_10_against_exact_search() -> None:
    store = FaissStore(DIM)
    vectors = _clustered(3000, seed=2)
    ids = np.arange(3000, dtype=np.int64)
    store.add(ids, vectors)
    assert store.kind == "ivf"
    queries = _clustered(50, seed=3)
    found = [len(set(_exact_top(vectors, ids, q, 10)) & {i for i, _ in store.search(q, k=10)}) for q in queries]
    # A toy collection (219 lists of ~14 vectors); bench/search/bench_index.py measures the real setting.
    assert np.mean(found) / 10 >= 0.9


def test_ivf_filter_is_applied_inside_the_search() -> None:
    """The allowed ids are the least similar 10: a filter after an approximate top-k would find none."""
    store = FaissStore(DIM)
    vectors = _clustered(2000, seed=4)
    ids = np.arange(2000, dtype=np.int64)
    store.add(ids, vectors)
    query = vectors[0]
    allowed = np.argsort(vectors @ query)[:10].astype(np.int64)
    hits = store.search(query, k=5, allowed_ids=allowed)
    assert [i for i, _ in hits] == _exact_top(vectors[allowed], allowed, query, 5)
    assert len(store.search(query, k=50, allowed_ids=allowed)) == 10


def test_ivf_replaces_and_deletes_in_place() -> None:
    store = FaissStore(DIM)
    vectors = _clustered(1000, seed=5)
    ids = np.arange(1000, dtype=np.int64)
    store.add(ids, vectors)
    store.add(ids[:1], vectors[500:501])  # id 0 now points where id 500 does
    assert store.count() == 1000
    assert {i for i, _ in store.search(vectors[500], k=2)} == {0, 500}
    assert store.delete(np.array([0, 500, 99_999])) == 2
    assert not {0, 500} & {i for i, _ in store.search(vectors[500], k=20)}


def test_ivf_round_trips_through_a_file(tmp_path: Path) -> None:
    store = FaissStore(DIM)
    vectors = _clustered(1000, seed=6)
    store.add(np.arange(1000, dtype=np.int64), vectors)
    store.save(tmp_path / "ivf.faiss")
    loaded = FaissStore.load(tmp_path / "ivf.faiss")
    assert loaded.kind == "ivf"
    assert loaded.search(vectors[7], k=3) == store.search(vectors[7], k=3)


def test_bitmap_selector_admits_exactly_the_allowed_ids() -> None:
    allowed = np.array([3, 10, 200], dtype=np.int64)
    selector = faiss_index.selector_for(allowed)
    assert [i for i in range(1000) if selector.is_member(i)] == [3, 10, 200]
    sparse = faiss_index.selector_for(np.array([5, 10**12], dtype=np.int64))  # too sparse for a bitmap
    assert [i for i in (4, 5, 6, 10**12) if sparse.is_member(i)] == [5, 10**12]


def test_a_knowledge_base_past_the_limit_searches_ivf_and_reopens_with_it(tmp_path: Path) -> None:
    from ingest.chunking import ChunkingConfig
    from ingest.types import Chunk, ChunkLocation, MetadataAttribute
    from retrieval.documents import DocumentWrite
    from retrieval.embedding import HashEmbedder
    from retrieval.filters import parse_filter
    from retrieval.knowledge_base import KnowledgeBase

    def chunk(i: int) -> Chunk:
        return Chunk(
            chunk_id=f"c{i}", index=0, text=f"note {i} on topic{i % 37} and theme{i % 11}", token_count=6,
            location=ChunkLocation(source=f"doc{i}.txt"), metadata={"n": MetadataAttribute(float(i), "NUMBER")},
        )  # fmt: skip

    kb = KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(DIM * 4), chunking=ChunkingConfig())
    writes = [DocumentWrite("DS", f"doc{i}.txt", [chunk(i)], {}, ("h", "", ""), 0, 0) for i in range(LIMIT + 200)]
    kb.write_documents(writes, now="")
    kb.save()
    assert kb.store.kind == "ivf"
    flt = parse_filter({"lessThan": {"key": "n", "value": 3}})
    hits = kb.retrieve("note on topic5", k=5, search_type="SEMANTIC", filter=flt)
    assert sorted(h.document_uri for h in hits) == ["doc0.txt", "doc1.txt", "doc2.txt"]
    top = [h.chunk_id for h in kb.retrieve("note 42 on topic5 and theme9", k=3, search_type="SEMANTIC")]
    assert top[0] == "c42"
    kb.close()
    reopened = KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(DIM * 4), chunking=ChunkingConfig())
    assert reopened.store.kind == "ivf"
    assert [h.chunk_id for h in reopened.retrieve("note 42 on topic5 and theme9", k=3, search_type="SEMANTIC")] == top
    reopened.close()
