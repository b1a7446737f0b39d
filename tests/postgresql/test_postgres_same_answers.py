"""The PostgreSQL backend answers as the embedded store does: the same documents written to both give the
same SEMANTIC hits (ids, order, scores) with and without filters, the same BM25 keyword scores, and HYBRID's
fused rankings agree."""

from __future__ import annotations

import random

import pytest

from ingest.chunking import ChunkingConfig
from ingest.types import MetadataAttribute
from retrieval.embedding import HashEmbedder
from retrieval.filters import parse_filter
from retrieval.knowledge_base import KnowledgeBase
from retrieval.store.postgres import filters as pg_filters
from retrieval.types import Hit
from tests.backends import open_kb
from tests.retrieval.test_knowledge_base import add

TOPICS = ["coffee roasting", "tea brewing", "vacation policy", "shipping rules", "espresso extraction",
          "payroll dates", "office plants", "server backups", "cat food", "bicycle repair"]  # fmt: skip
WORDS = [
    "drum",
    "temperature",
    "water",
    "minutes",
    "days",
    "employees",
    "orders",
    "euros",
    "pressure",
    "grind",
    "weekly",
]


def _fill(kb: KnowledgeBase) -> None:
    rng = random.Random(7)
    for i in range(150):
        topic = TOPICS[i % len(TOPICS)]
        text = f"{topic.capitalize()} note {i}: " + " ".join(rng.choice(WORDS) for _ in range(12)) + "."
        add(kb, f"doc{i:03d}.txt", text, year=1990 + i % 30, team="blue" if i % 3 else "red")


QUERIES = ["coffee drum temperature", "vacation days employees", "server backups weekly", "grind pressure"]
FILTERS = [
    None,
    {"equals": {"key": "team", "value": "red"}},
    {"andAll": [{"greaterThan": {"key": "year", "value": 2010}}, {"notEquals": {"key": "team", "value": "red"}}]},
    {"equals": {"key": "year", "value": 1995}},  # 5 rows: answered by exact search
]


@pytest.mark.parametrize("few_passing", [pg_filters.FEW_PASSING, 0], ids=["exact-on-few", "graph-first"])
@pytest.mark.parametrize("filter_json", FILTERS)
def test_semantic_hits_are_the_same(
    request: pytest.FixtureRequest, filter_json: dict | None, few_passing: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the chunks a filter passes found by the metadata index and searched exactly (150 chunks: always
    few), and with the HNSW graph walked first (``FEW_PASSING`` 0, as for a filter passing many chunks)."""
    monkeypatch.setattr(pg_filters, "FEW_PASSING", few_passing)
    embedded, postgres = (open_kb(b, request, embedder=HashEmbedder(), chunking=ChunkingConfig())
                          for b in ("embedded", "postgres"))  # fmt: skip
    for kb in (embedded, postgres):
        _fill(kb)
    flt = None if filter_json is None else parse_filter(filter_json)
    for query in QUERIES:
        want = embedded.retrieve(query, k=10, search_type="SEMANTIC", filter=flt)
        got = postgres.retrieve(query, k=10, search_type="SEMANTIC", filter=flt)
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-5), query
        # Equal scores (ties) come in either order; above the last score the hits are the same.
        last = round(want[-1].score, 4)
        assert _above(got, last) == _above(want, last), query
        by_uri = {h.document_uri: h.metadata for h in want}
        for hit in got:
            if hit.document_uri in by_uri:
                assert hit.metadata == {**by_uri[hit.document_uri], "x-amz-bedrock-kb-chunk-id": hit.chunk_id}


def _above(hits: list[Hit], last: float) -> list[tuple[float, str]]:
    return sorted((round(h.score, 4), h.document_uri) for h in hits if round(h.score, 4) > last)


def test_hybrid_rankings_agree(request: pytest.FixtureRequest) -> None:
    embedded, postgres = (open_kb(b, request, embedder=HashEmbedder(), chunking=ChunkingConfig())
                          for b in ("embedded", "postgres"))  # fmt: skip
    for kb in (embedded, postgres):
        _fill(kb)
    for query in QUERIES:
        want = [h.document_uri for h in embedded.retrieve(query, k=10, search_type="HYBRID")]
        got = [h.document_uri for h in postgres.retrieve(query, k=10, search_type="HYBRID")]
        # Equal keyword and dense scores; ties (many here) may fall in another order at the cut.
        assert len(set(got) & set(want)) >= 7, (query, want, got)


def test_keyword_side_scores_as_fts5_bm25(request: pytest.FixtureRequest) -> None:
    """The keyword side alone: PostgreSQL's BM25 (postings and document frequencies kept by triggers, lengths
    in words, words in over a fifth of the chunks left out) gives FTS5's scores; only ties may come in another order."""
    embedded, postgres = (open_kb(b, request, embedder=HashEmbedder(), chunking=ChunkingConfig())
                          for b in ("embedded", "postgres"))  # fmt: skip
    for kb in (embedded, postgres):
        _fill(kb)
    queries = [*QUERIES, "note 17 coffee", "euros orders shipping", "the"]
    _same_keyword_scores(embedded, postgres, queries)
    for kb in (embedded, postgres):  # replaced documents: the counts behind IDF and lengths follow
        for i in range(0, 40, 3):
            add(kb, f"doc{i:03d}.txt", f"Coffee espresso note {i}: " + "grind pressure " * (i % 5 + 1))
    _same_keyword_scores(embedded, postgres, [*queries, "espresso grind"])


def _same_keyword_scores(embedded: KnowledgeBase, postgres: KnowledgeBase, queries: list[str]) -> None:
    for query in queries:
        want = embedded.catalog.keyword_search(query, limit=20)
        got = postgres.catalog.keyword_search(query, limit=20)
        assert [round(s, 6) for _, s in got] == [round(s, 6) for _, s in want], query
        last = round(want[-1][1], 6) if want else 0.0
        assert {i for i, s in got if round(s, 6) > last} == {i for i, s in want if round(s, 6) > last}, query


def test_metadata_attribute_types_survive(request: pytest.FixtureRequest) -> None:
    kb = open_kb("postgres", request, embedder=HashEmbedder(), chunking=ChunkingConfig())
    add(kb, "a.txt", "Green tea brewing.", year=2020)
    kb.update_metadata(
        kb.catalog.documents("DS")["a.txt"].id,
        metadata={"tags": MetadataAttribute(["x", "y"], "STRING_LIST"), "ok": MetadataAttribute(True, "BOOLEAN")},
        hashes=("h", "m", ""), data_source_id="DS", uri="a.txt", size=0, mtime_ns=0, now="",
    )  # fmt: skip
    hit = kb.retrieve("tea", k=1, filter=parse_filter({"listContains": {"key": "tags", "value": "y"}}))[0]
    assert hit.metadata["tags"] == ["x", "y"] and hit.metadata["ok"] is True and "year" not in hit.metadata
