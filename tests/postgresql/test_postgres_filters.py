"""Metadata filters in SQL (the PostgreSQL backend) give exactly the answers of ``Filter.matches``: every case
of tests/retrieval/test_filters.py, and a few thousand random filters over random metadata; the same with the
containment test the GIN index answers in front (``compile_filter``), read through that index."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from retrieval.filters import parse_filter
from retrieval.store.postgres.filters import compile_filter, containment_sql, filter_sql
from tests.retrieval.test_filters import CASES, DOCS


@pytest.fixture(scope="module")
def conn(postgres_cluster: Any) -> Iterator[psycopg.Connection]:
    with psycopg.connect(postgres_cluster.new_database(), autocommit=True) as connection:
        connection.execute("CREATE TABLE docs (name text PRIMARY KEY, metadata jsonb NOT NULL)")
        connection.execute("CREATE INDEX docs_metadata ON docs USING gin (metadata jsonb_path_ops)")
        yield connection


def _load(conn: psycopg.Connection, rows: dict[str, dict[str, Any]]) -> None:
    conn.execute("TRUNCATE docs")
    with conn.cursor() as cursor:
        cursor.executemany("INSERT INTO docs VALUES (%s, %s)", [(name, Jsonb(m)) for name, m in rows.items()])


def _sql_matching(conn: psycopg.Connection, filter_json: dict[str, Any], *, plan: bool = False) -> set[str]:
    """The rows ``filter_sql`` passes, after checking that ``compile_filter`` (read through the GIN index when
    it narrows) passes the same."""
    parsed = parse_filter(filter_json)
    query = psycopg.sql.SQL("SELECT name FROM docs WHERE {}")
    exact = {row[0] for row in conn.execute(query.format(filter_sql(parsed)))}
    compiled = compile_filter(parsed)
    assert compiled.indexed == (containment_sql(parsed) is not None)
    with conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")  # 300 rows: the planner would rather scan them
        if compiled.indexed and plan:
            explained = " ".join(
                row[0] for row in conn.execute(psycopg.sql.SQL("EXPLAIN ") + query.format(compiled.condition))
            )
            assert "docs_metadata" in explained, explained
        assert {row[0] for row in conn.execute(query.format(compiled.condition))} == exact, filter_json
    return exact


@pytest.mark.parametrize(("filter_json", "expected"), CASES)
def test_every_operator_in_sql(conn: psycopg.Connection, filter_json: dict[str, Any], expected: set[str]) -> None:
    _load(conn, DOCS)
    assert _sql_matching(conn, filter_json, plan=True) == expected


_KEYS = ["a", "b", "c", "x-amz-bedrock-kb-data-source-id", "ключ"]
_STRINGS = ["", "cat", "Cat", "ca", "category", "dog", "été", "1989", "a'b", "100%", "pe_t"]
_NUMBERS = [0.0, 1.0, -2.5, 1989.0, 1989.5, 1e20, 3.0]


def _random_value(rng: random.Random) -> Any:
    kind = rng.choice(["string", "number", "bool", "list", "list"])
    if kind == "string":
        return rng.choice(_STRINGS)
    if kind == "number":
        return rng.choice(_NUMBERS)
    if kind == "bool":
        return rng.choice([True, False])
    return rng.sample(_STRINGS, rng.randint(0, 3))


def _random_filter(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    if depth < 2 and rng.random() < 0.25:
        members = [_random_filter(rng, depth + 1) for _ in range(rng.randint(2, 3))]
        return {rng.choice(["andAll", "orAll"]): members}
    operator = rng.choice(
        ["equals", "notEquals", "greaterThan", "greaterThanOrEquals", "lessThan", "lessThanOrEquals", "in", "notIn",
         "startsWith", "stringContains", "listContains"]
    )  # fmt: skip
    key = rng.choice(_KEYS)
    if operator in ("equals", "notEquals"):
        value: Any = rng.choice([rng.choice(_STRINGS), rng.choice(_NUMBERS), rng.choice([True, False]), 1989])
    elif operator.startswith(("greater", "less")):
        value = rng.choice([*_NUMBERS, 1989, 2])
    elif operator in ("in", "notIn"):
        value = [rng.choice([rng.choice(_STRINGS), rng.choice(_NUMBERS), 1]) for _ in range(rng.randint(1, 3))]
    else:
        value = rng.choice(_STRINGS)
    return {operator: {"key": key, "value": value}}


def test_random_filters_agree_with_python(conn: psycopg.Connection) -> None:
    rng = random.Random(14)
    rows = {f"row{i}": {key: _random_value(rng) for key in _KEYS if rng.random() < 0.7} for i in range(300)}
    _load(conn, rows)
    for _ in range(1500):
        filter_json = _random_filter(rng)
        parsed = parse_filter(filter_json)
        expected = {name for name, metadata in rows.items() if parsed.matches(metadata)}
        assert _sql_matching(conn, filter_json) == expected, filter_json


def test_selective_operators_are_narrowed_by_the_index() -> None:
    narrowed = [{"equals": {"key": "a", "value": 1}}, {"in": {"key": "a", "value": ["x", 2]}},
                {"listContains": {"key": "a", "value": "x"}},
                {"andAll": [{"equals": {"key": "a", "value": 1}}, {"greaterThan": {"key": "b", "value": 2}}]},
                {"orAll": [{"equals": {"key": "a", "value": 1}}, {"in": {"key": "b", "value": [3]}}]}]  # fmt: skip
    not_narrowed = [{"notEquals": {"key": "a", "value": 1}}, {"greaterThan": {"key": "a", "value": 1}},
                    {"startsWith": {"key": "a", "value": "x"}}, {"notIn": {"key": "a", "value": [1]}},
                    {"orAll": [{"equals": {"key": "a", "value": 1}},
                               {"lessThan": {"key": "b", "value": 3}}]}]  # fmt: skip
    assert all(compile_filter(parse_filter(f)).indexed for f in narrowed)
    assert not any(compile_filter(parse_filter(f)).indexed for f in not_narrowed)
