"""The PostgreSQL keyword side: BM25 as SQLite's FTS5 computes it (the embedded store's keyword side), read
from the postings the chunks' triggers keep (``keyword_postings``, ``keyword_terms``, ``keyword_stats``:
migration 4 of :mod:`retrieval.store.postgres.migrations`).

Why postings: scoring every chunk that has a query word (a ``tsvector`` read from the heap per chunk) and
counting each word's chunks on the GIN index took 841 ms p50 at 100k chunks. A word's postings are ordered
by their BM25 term weight (at a reference chunk length), so an unfiltered query reads only the best
``POSTINGS_PER_WORD`` postings of each word from the index and sums them into partial scores; the
``CANDIDATES_PER_RESULT`` x ``limit`` chunks with the best partial scores are then scored exactly (every
posting of the words, kept for those chunks only). The scores returned are exact BM25; a chunk is missed
only when its words' postings put it outside the candidates. The agreement with exact BM25 is measured by
bench/postgresql/bench_pgvector.py (share of the exact top 10 / 50) and
bench/postgresql/bench_pgvector_quality.py (SciFact nDCG@10). A filtered query reads every posting of its
words (exact), then checks the filter on the chunks in score order until ``limit`` pass; when the best
``FILTER_CHECKS`` chunks do not give ``limit`` (a selective filter), it takes the chunks passing the filter
first and scores only their postings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import psycopg
from psycopg import sql

from retrieval.keywords import query_words, selective_words
from retrieval.store.postgres.filters import passing_ids

# BM25's parameters as FTS5 has them; bench/postgresql/bench_pgvector_quality.py tries other (k1, b).
K1, B = 1.2, 0.75
# Postings read per query word when no filter is given (None: all of them, exact BM25), and how many of the
# chunks they rank best (per result asked for) are then scored exactly.
POSTINGS_PER_WORD: int | None = 1000
CANDIDATES_PER_RESULT = 16

_WORDS = "WITH w AS (SELECT * FROM unnest(%(lexemes)s::text[], %(idf)s::float8[]) AS w(lexeme, idf)) "
# Rounded to 9 decimals: sums of the same terms in another order differ in the last bits, and equal chunks
# (repeated text) must tie exactly, so that every path breaks their tie the same way (by chunk id).
_SUM = "sum(w.idf * {tf} * {{k1_plus_1}} / ({tf} + {{k1}} * (1 - {{b}} + {{b}} * {words} / %(average)s::float8)))"
_SCORE = "round(" + _SUM + " * 1e9) / 1e9"  # float arithmetic: rounding through numeric cost ~10 ms a query
_FROM_POSTINGS = {"tf": "p.tf", "words": "p.words"}
# Candidates: the chunks with the best partial scores over each word's best postings.
_BEST = sql.SQL(
    _WORDS + "SELECT p.chunk, " + _SUM.format(**_FROM_POSTINGS) + " AS s FROM w CROSS JOIN LATERAL ("
    "SELECT chunk, tf, words FROM keyword_postings k WHERE k.kb_id = %(kb)s AND k.lexeme = w.lexeme "
    "ORDER BY ragkb_impact(k.tf, k.words) DESC LIMIT %(per_word)s) p "
    "GROUP BY p.chunk ORDER BY s DESC, p.chunk LIMIT %(limit)s"
)
# Their exact scores, from each candidate's own ``tsvector`` (the postings were made of it: same counts), so
# the cost grows with the candidates, not with the knowledge base. Also how a selective filter's few passing
# chunks are scored.
SCORE_CHUNKS = sql.SQL(
    _WORDS + "SELECT c.id, " + _SCORE.format(tf="cardinality(u.positions)", words="c.words") + " AS s "
    # Only the query's lexemes are unnested: setweight marks them 'A', ts_filter keeps them (in C, per chunk).
    "FROM chunks c CROSS JOIN LATERAL unnest(ts_filter(setweight(c.keywords, 'A', %(lexemes)s::text[]), '{{a}}')) u "
    "JOIN w ON w.lexeme = u.lexeme "
    "WHERE c.kb_id = %(kb)s AND c.id = ANY({ids}) GROUP BY c.id ORDER BY s DESC, c.id LIMIT %(limit)s"
)
# The same from every posting of the words, kept for the candidates only (before the above: its cost grows
# with the words' postings, so with the knowledge base; bench/postgresql/bench_pgvector.py compares both).
RESCORE_FROM_POSTINGS = sql.SQL(
    _WORDS + "SELECT p.chunk, " + _SCORE.format(**_FROM_POSTINGS) + " AS s FROM w JOIN keyword_postings p "
    "ON p.kb_id = %(kb)s AND p.lexeme = w.lexeme WHERE p.chunk = ANY({ids}) "
    "GROUP BY p.chunk ORDER BY s DESC, p.chunk LIMIT %(limit)s"
)
# How the candidates are scored (bench/postgresql/bench_pgvector.py swaps in ``RESCORE_FROM_POSTINGS`` to compare).
RESCORE = SCORE_CHUNKS
_IN_SCORE_ORDER = sql.SQL(
    _WORDS + ", scored AS MATERIALIZED (SELECT p.chunk, " + _SCORE.format(**_FROM_POSTINGS) + " AS s "
    "FROM w JOIN keyword_postings p "
    "ON p.kb_id = %(kb)s AND p.lexeme = w.lexeme GROUP BY p.chunk) "
    # In score order, each chunk checked against the filter (LATERAL: one at a time) until ``limit`` pass or
    # ``checks`` were looked at.
    "SELECT o.chunk, o.s FROM (SELECT chunk, s FROM scored ORDER BY s DESC, chunk LIMIT %(checks)s) o "
    "CROSS JOIN LATERAL (SELECT FROM chunks c WHERE c.kb_id = %(kb)s AND c.id = o.chunk AND {where}) f "
    "ORDER BY o.s DESC, o.chunk LIMIT %(limit)s"
)
_PASSING_FIRST = sql.SQL(
    _WORDS + ", passing AS MATERIALIZED (SELECT id FROM chunks c WHERE c.kb_id = %(kb)s AND {where}) "
    "SELECT p.chunk, " + _SCORE.format(**_FROM_POSTINGS) + " AS s FROM w JOIN keyword_postings p "
    "ON p.kb_id = %(kb)s "
    "AND p.lexeme = w.lexeme JOIN passing ON passing.id = p.chunk "
    "GROUP BY p.chunk ORDER BY s DESC, p.chunk LIMIT %(limit)s"
)
# How many of the best-scoring chunks a filtered query checks one by one before it filters all chunks first
# (enough for a filter passing a few per cent of the chunks to fill 50 results).
FILTER_CHECKS = 1000


def keyword_search(
    conn: psycopg.Connection,
    kb_id: str,
    query: str,
    *,
    limit: int,
    where: sql.Composable | None = None,
    among: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """Chunks of knowledge base ``kb_id`` (passing ``where``, a condition on ``chunks``; or, given ``among``,
    those of these chunk ids) that have the query's words, ranked by BM25 (higher is better): (chunk id,
    score), best first. Words are chosen as the embedded store chooses them
    (:func:`retrieval.keywords.selective_words`: those in over a fifth of the chunks are left out)."""
    words = query_words(query)
    if not words:
        return []
    total, length, frequencies = term_statistics(conn, kb_id, " ".join(words))
    kept = selective_words(list(frequencies), frequencies, total)
    if not kept or not total:
        return []
    params = {
        "lexemes": kept, "idf": [_idf(total, frequencies[lexeme]) for lexeme in kept], "kb": kb_id,
        "average": max(length / total, 1.0), "limit": limit, "per_word": POSTINGS_PER_WORD,
    }  # fmt: skip
    constants = {"k1": sql.Literal(K1), "b": sql.Literal(B), "k1_plus_1": sql.Literal(K1 + 1)}
    if among is not None:  # a selective filter's few chunks: scored from their own words
        statement = SCORE_CHUNKS.format(**constants, ids=passing_ids(among))
    elif where is None and POSTINGS_PER_WORD is not None:
        found = conn.execute(_BEST.format(**constants), params | {"limit": CANDIDATES_PER_RESULT * limit}).fetchall()
        if not found:
            return []
        statement = RESCORE.format(**constants, ids=passing_ids([int(i) for i, _ in found]))
    else:
        where = sql.SQL("TRUE") if where is None else where
        checked = _IN_SCORE_ORDER.format(**constants, where=where)
        found = conn.execute(checked, params | {"checks": FILTER_CHECKS}).fetchall()
        if len(found) == limit:
            return [(int(i), float(s)) for i, s in found]
        statement = _PASSING_FIRST.format(**constants, where=where)  # a selective filter: few pass
    rows = conn.execute(statement, params).fetchall()
    return [(int(i), float(s)) for i, s in rows]


def term_statistics(conn: psycopg.Connection, kb_id: str, text: str) -> tuple[int, int, dict[str, int]]:
    """Chunks with keywords, their summed length in words, and how many contain each of the text's lexemes
    (English stemming, stop words dropped), from the counts the triggers keep."""
    rows = conn.execute(
        "SELECT t.lexeme, coalesce(k.chunks, 0), coalesce(s.chunks, 0), coalesce(s.words, 0) "
        "FROM unnest(tsvector_to_array(to_tsvector('english', %s))) AS t(lexeme) "
        "LEFT JOIN keyword_terms k ON k.kb_id = %s AND k.lexeme = t.lexeme "
        "LEFT JOIN keyword_stats s ON s.kb_id = %s",
        (text, kb_id, kb_id),
    ).fetchall()
    if not rows:
        return 0, 0, {}
    return int(rows[0][2]), int(rows[0][3]), {str(lexeme): int(n) for lexeme, n, _, _ in rows}


def _idf(total: int, frequency: int) -> float:
    """FTS5's BM25 inverse document frequency (a floor just above zero for words in over half the chunks)."""
    return max(math.log((total - frequency + 0.5) / (frequency + 0.5)), 1e-6)
