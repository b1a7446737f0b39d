"""Retrieval from a knowledge base: top-k, filters before the cut, hybrid, hierarchical, long texts; on both
storage backends (embedded SQLite + FAISS, PostgreSQL + pgvector) wherever the behaviour is the contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.types import Block, MetadataAttribute, ParsedDocument
from retrieval.documents import DocumentWrite
from retrieval.embedding import HashEmbedder
from retrieval.errors import InvalidQuery
from retrieval.filters import parse_filter
from retrieval.knowledge_base import KnowledgeBase, reciprocal_rank_fusion
from retrieval.store.vectors import FaissStore, InMemoryStore
from tests.backends import BACKENDS, open_kb


def add(kb: KnowledgeBase, uri: str, text: str, **metadata: object) -> None:
    attrs = {k: MetadataAttribute(v, "NUMBER" if isinstance(v, int) else "STRING") for k, v in metadata.items()}
    doc = ParsedDocument(path=uri, blocks=(Block(kind="text", text=text),))
    chunks = chunk_document(doc, config=kb.chunking, metadata=attrs)
    kb.write_document(DocumentWrite("DS", uri, chunks, attrs, ("h", "", ""), 0, 0), now="")


@pytest.fixture(params=BACKENDS)
def kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    base = open_kb(request.param, request, embedder=HashEmbedder(), chunking=ChunkingConfig())
    for i in range(30):
        add(base, f"doc{i}.txt", f"Coffee roasting note number {i} about drum temperature.", year=2000 + i)
    add(base, "tea.txt", "Green tea brewing: water at seventy degrees for two minutes.", year=1990)
    return base


def test_top_k_and_score_order(kb: KnowledgeBase) -> None:
    hits = kb.retrieve("green tea brewing water", k=5)
    assert len(hits) == 5
    assert hits[0].document_uri == "tea.txt"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert -1.0 <= hits[-1].score <= hits[0].score <= 1.0


def test_filter_is_applied_before_top_k(kb: KnowledgeBase) -> None:
    flt = parse_filter({"greaterThanOrEquals": {"key": "year", "value": 2025}})
    hits = kb.retrieve("green tea brewing water", k=5, filter=flt)
    assert sorted(h.document_uri for h in hits) == [f"doc{i}.txt" for i in range(25, 30)]


def test_filtered_hybrid_still_returns_k(kb: KnowledgeBase) -> None:
    flt = parse_filter({"lessThan": {"key": "year", "value": 2003}})
    hits = kb.retrieve("tea", k=4, search_type="HYBRID", filter=flt)
    assert sorted(h.document_uri for h in hits) == ["doc0.txt", "doc1.txt", "doc2.txt", "tea.txt"]
    assert hits[0].document_uri == "tea.txt"


def test_hybrid_scores_are_normalised_rrf(kb: KnowledgeBase) -> None:
    hits = kb.retrieve("green tea brewing water", k=3, search_type="HYBRID")
    assert hits[0].document_uri == "tea.txt"
    assert hits[0].score == pytest.approx(1.0)
    assert all(0 < h.score <= 1 for h in hits)


def test_rrf_prefers_items_ranked_high_by_both() -> None:
    fused = reciprocal_rank_fusion([[(1, 0.9), (2, 0.8), (3, 0.1)], [(2, 5.0), (3, 4.0), (1, 1.0)]])
    assert [i for i, _ in fused] == [2, 1, 3]


def test_metadata_of_hits_includes_chunk_id(kb: KnowledgeBase) -> None:
    hit = kb.retrieve("green tea", k=1)[0]
    assert hit.metadata["x-amz-bedrock-kb-chunk-id"] == hit.chunk_id
    assert hit.metadata["year"] == 1990


@pytest.mark.parametrize(
    ("query", "k", "message"),
    [
        ("", 5, "empty"),
        ("   ", 5, "empty"),
        ("x" * 10_000, 5, "limit is 1000"),
        ("tea", 0, "between 1 and 100"),
        ("tea", 101, "between 1 and 100"),
    ],
)
def test_bad_queries(kb: KnowledgeBase, query: str, k: int, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        kb.retrieve(query, k=k)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hierarchical_returns_parents_once(backend: str, request: pytest.FixtureRequest) -> None:
    config = ChunkingConfig(strategy="hierarchical", parent_max_tokens=120, child_max_tokens=30, overlap_tokens=0)
    kb = open_kb(backend, request, embedder=HashEmbedder(), chunking=config)
    sentences = [f"Sentence {i} describes espresso extraction variable {i}." for i in range(40)]
    add(kb, "long.txt", " ".join(sentences))
    hits = kb.retrieve("espresso extraction variable 7", k=3)
    assert len({h.chunk_id for h in hits}) == len(hits)
    assert all(len(h.text) > 200 for h in hits)  # parent-sized text, not a 30-token child
    assert any("variable 7." in h.text for h in hits)


def test_texts_over_the_model_window_are_split_not_truncated(tmp_path: Path) -> None:
    embedder = HashEmbedder(max_tokens=20)
    kb = KnowledgeBase(directory=tmp_path, embedder=embedder, chunking=ChunkingConfig(strategy="none"))
    head = "Alpha beta gamma delta. " * 10
    vectors = kb.embed_texts([head + "Roasting drum temperature.", head + "Vacation policy days."])
    assert not np.allclose(vectors[0], vectors[1])  # the tails (past the window) count
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_keyword_query_leaves_out_stop_words_unless_nothing_else_is_left() -> None:
    from retrieval.keywords import fts_query

    assert fts_query("What is the role of the gut microbiome?") == '"what" OR "role" OR "gut" OR "microbiome"'
    assert fts_query("to be or not to be") == '"to" OR "be" OR "or" OR "not"'
    assert fts_query('say "hi"; DROP TABLE') == '"say" OR "hi" OR "drop" OR "table"'


def test_keyword_query_drops_words_in_most_chunks_but_keeps_the_rarest() -> None:
    from retrieval.keywords import selective_words

    frequency = {"cells": 900, "tumour": 40, "mice": 160, "p53": 3, "zzz": 0}
    words = ["cells", "tumour", "mice", "p53", "zzz"]
    assert selective_words(words, frequency, 1000) == ["tumour", "mice", "p53"]  # 20 % of 1000 = 200
    assert selective_words(["cells", "mice"], frequency, 1000) == ["cells", "mice"]  # the rarest stay
    assert selective_words(["zzz"], frequency, 1000) == []


def test_hybrid_still_finds_a_chunk_by_a_common_word(kb: KnowledgeBase) -> None:
    """'coffee' is in 30 of 31 chunks, but it is the query's only word: it is kept."""
    assert len(kb._keyword_hits("coffee", limit=3, allowed=None)) == 3  # the keyword side itself, not dense
    hits = kb.retrieve("coffee", k=3, search_type="HYBRID")
    assert len(hits) == 3 and all("Coffee" in h.text for h in hits)


def test_the_vector_store_is_injected_and_any_store_reopens_any_knowledge_base(tmp_path: Path) -> None:
    fake = KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(), chunking=ChunkingConfig(),
                         vector_store=InMemoryStore)  # fmt: skip
    add(fake, "tea.txt", "Green tea brewing: water at seventy degrees for two minutes.")
    add(fake, "coffee.txt", "Coffee roasting note about drum temperature.")
    fake.save()
    assert isinstance(fake.store, InMemoryStore)
    assert [h.document_uri for h in fake.retrieve("green tea brewing", k=1)] == ["tea.txt"]
    fake.close()
    for store in (InMemoryStore, FaissStore):  # the saved file is an .npz: FAISS rebuilds it from the catalog
        reopened = KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(), chunking=ChunkingConfig(),
                                 vector_store=store)  # fmt: skip
        assert isinstance(reopened.store, store) and reopened.count() == 2
        assert [h.document_uri for h in reopened.retrieve("green tea brewing", k=1)] == ["tea.txt"]
        reopened.close()


def test_the_service_and_the_cli_open_knowledge_bases_on_faiss() -> None:
    from app.core.wiring import VECTOR_STORE

    assert VECTOR_STORE is FaissStore
