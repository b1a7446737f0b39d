"""The PostgreSQL keyword side's postings (retrieval/store/postgres/keyword.py): kept by the chunks' triggers
through every write, read per word in weight order, exact under filters, gone with their knowledge base."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.chunking import ChunkingConfig
from retrieval import PostgresKnowledgeBase, PostgresRegistry
from retrieval.embedding import HashEmbedder
from retrieval.filters import Filter, parse_filter
from retrieval.store.postgres import keyword
from retrieval.store.postgres.filters import compile_filter, few_passing, filter_sql
from tests.backends import open_kb
from tests.postgresql.test_postgres_same_answers import FILTERS, QUERIES, _fill
from tests.retrieval.test_knowledge_base import add

EVERY_CHUNK = {"greaterThan": {"key": "year", "value": 0}}  # a filter passing all: the exact path


@pytest.fixture
def kb(request: pytest.FixtureRequest) -> PostgresKnowledgeBase:
    base = open_kb("postgres", request, embedder=HashEmbedder(), chunking=ChunkingConfig())
    assert isinstance(base, PostgresKnowledgeBase)
    _fill(base)
    return base


def test_postings_follow_new_modified_retagged_and_deleted_documents(kb: PostgresKnowledgeBase) -> None:
    assert _stored(kb) == _recounted(kb)
    assert len(_stored(kb)[0]) > 1000  # 150 documents' words: not trivially equal
    for i in range(0, 30, 3):  # modified: other words, other lengths
        add(kb, f"doc{i:03d}.txt", f"Espresso grind note {i}: " + "pressure water " * (i % 4 + 1), year=2001)
    assert _stored(kb) == _recounted(kb)
    for i in range(1, 30, 3):  # the same text, other metadata: the UPDATE path, no word changes
        kb.catalog.update_chunk_metadata(kb.catalog.documents("DS")[f"doc{i:03d}.txt"].id, {"team": "green"})
    assert _stored(kb) == _recounted(kb)
    for i in range(2, 60, 3):
        kb.delete_document(kb.catalog.documents("DS")[f"doc{i:03d}.txt"].id)
    stored = _stored(kb)
    assert stored == _recounted(kb)
    # 15 "Espresso extraction" topics (i % 10 == 4), 9 more rewritten "Espresso grind" (doc024 was one), 2 deleted
    assert stored[1]["espresso"] == 15 + 9 - 2


def test_a_cut_above_every_words_postings_is_exact_and_a_low_cut_still_scores_exactly(
    kb: PostgresKnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [*QUERIES, "note 17 coffee", "euros orders shipping"]
    monkeypatch.setattr(keyword, "POSTINGS_PER_WORD", None)
    exact = {q: kb.catalog.keyword_search(q, limit=20) for q in queries}
    monkeypatch.setattr(keyword, "POSTINGS_PER_WORD", 150)  # no word has more postings than chunks: all read
    assert {q: _ranked(kb.catalog.keyword_search(q, limit=20)) for q in queries} == {
        q: _ranked(hits) for q, hits in exact.items()
    }
    monkeypatch.setattr(keyword, "POSTINGS_PER_WORD", 2)
    for query in queries:
        got = kb.catalog.keyword_search(query, limit=20)
        # Candidates come from each word's 2 best postings only ...
        assert 0 < len(got) <= 2 * len(query.split()) < len(exact[query]), query
        # ... and are then scored over every posting: the scores are exact BM25's.
        full = dict(kb.catalog.keyword_search(query, limit=1000, where=filter_sql(parse_filter(EVERY_CHUNK))))
        assert [(i, round(s, 9)) for i, s in got] == [(i, round(full[i], 9)) for i, _ in got], query


@pytest.mark.parametrize("filter_json", [f for f in FILTERS if f is not None])
def test_filtered_keyword_search_is_exact_bm25_over_the_passing_chunks(
    kb: PostgresKnowledgeBase, filter_json: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    flt = parse_filter(filter_json)
    metadata = dict(kb.catalog.iter_metadata())
    monkeypatch.setattr(keyword, "POSTINGS_PER_WORD", None)
    if compile_filter(flt).indexed:
        assert few_passing_ids(kb, flt) is not None  # 150 chunks: the exact path on the few passing
    for query in [*QUERIES, "note 17 coffee"]:
        everything = kb.catalog.keyword_search(query, limit=1000)
        want = [(i, s) for i, s in everything if flt.matches(metadata[i])][:10]
        assert _ranked(kb.catalog.keyword_search(query, limit=10, where=filter_sql(flt))) == _ranked(want), query
        assert want, query  # the filters leave matches: the comparison is not between two empty lists
        # As a query runs it: the index narrows the filter to its few chunks, scored from their own words.
        assert _ranked(kb._keyword_hits(query, limit=10, allowed=compile_filter(flt))) == _ranked(want), query


def test_a_deleted_knowledge_base_leaves_no_postings(kb: PostgresKnowledgeBase) -> None:
    PostgresRegistry(kb.database).delete(kb.kb_id)
    with kb.database.connection() as conn:
        left = conn.execute(
            "SELECT (SELECT count(*) FROM keyword_postings WHERE kb_id = %s), "
            "(SELECT count(*) FROM keyword_terms WHERE kb_id = %s), "
            "(SELECT count(*) FROM pg_class WHERE relname = %s)",
            (kb.kb_id, kb.kb_id, f"keyword_postings_{kb.kb_id.lower()}"),
        ).fetchone()
    assert left == (0, 0, 0)


def _ranked(hits: list[tuple[int, float]]) -> list[tuple[float, int]]:
    """Scores to 9 digits (sums in another order differ in the last bits), ties by chunk id."""
    return sorted((-round(s, 9), i) for i, s in hits)


def _stored(kb: PostgresKnowledgeBase) -> tuple[set[tuple[str, int, int, int]], dict[str, int], tuple[int, int]]:
    """(postings, document frequencies, (chunks, words)) as the triggers keep them."""
    with kb.database.connection() as conn:
        postings = conn.execute(
            "SELECT lexeme, chunk, tf, words FROM keyword_postings WHERE kb_id = %s", (kb.kb_id,)
        ).fetchall()
        terms = conn.execute(
            "SELECT lexeme, chunks FROM keyword_terms WHERE kb_id = %s AND chunks <> 0", (kb.kb_id,)
        ).fetchall()
        stats = conn.execute("SELECT chunks, words FROM keyword_stats WHERE kb_id = %s", (kb.kb_id,)).fetchone()
    return set(postings), dict(terms), tuple(stats)  # type: ignore[arg-type]


def _recounted(kb: PostgresKnowledgeBase) -> tuple[set[tuple[str, int, int, int]], dict[str, int], tuple[int, int]]:
    """The same, counted again from the chunks' words."""
    with kb.database.connection() as conn:
        postings = conn.execute(
            "SELECT u.lexeme, c.id, cardinality(u.positions), c.words FROM chunks c "
            "CROSS JOIN LATERAL unnest(c.keywords) u WHERE c.kb_id = %s",
            (kb.kb_id,),
        ).fetchall()
        stats = conn.execute(
            "SELECT count(*), sum(words) FROM chunks WHERE kb_id = %s AND keywords IS NOT NULL", (kb.kb_id,)
        ).fetchone()
    terms: dict[str, int] = {}
    for lexeme, *_ in postings:
        terms[lexeme] = terms.get(lexeme, 0) + 1
    return set(postings), terms, tuple(stats)  # type: ignore[arg-type]


def few_passing_ids(kb: PostgresKnowledgeBase, flt: Filter) -> list[int] | None:
    with kb.database.connection() as conn:
        return few_passing(conn, kb.kb_id, compile_filter(flt))


def test_the_candidates_score_the_same_from_their_words_as_from_the_postings(
    kb: PostgresKnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [*QUERIES, "note 17 coffee", "espresso grind weekly"]
    from_words = {q: kb.catalog.keyword_search(q, limit=20) for q in queries}
    monkeypatch.setattr(keyword, "RESCORE", keyword.RESCORE_FROM_POSTINGS)
    assert {q: kb.catalog.keyword_search(q, limit=20) for q in queries} == from_words
    assert all(from_words.values())
