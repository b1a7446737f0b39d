"""Bedrock metadata filters as SQL over a ``jsonb`` column, with exactly :mod:`retrieval.filters`' semantics.

``m -> key`` is SQL NULL when the key is missing, so every comparison is wrapped in ``coalesce(..., false)``
(a missing key never matches) and ``notEquals`` is ``NOT equals`` on that (a missing key passes it, as
Bedrock documents). ``jsonb`` equality compares numbers numerically (``1989 = 1989.0``), strings exactly and
never equates values of different types, which is :func:`retrieval.filters._equal`; a list attribute never
equals a scalar. The contract test checks every operator against ``Filter.matches`` row by row.

Selective filters use an index: :func:`compile_filter` puts in front of that exact expression a containment
test (``metadata @> '{"key": value}'``) that every chunk passing ``equals``, ``in`` or ``listContains`` also
passes, which the chunks' GIN index (``jsonb_path_ops``, migration 5) answers. The containment test only
narrows the rows the exact expression is evaluated on, so the answers stay those of ``filter_sql``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from retrieval.filters import AndAll, Comparison, Filter, OrAll

# A filter that the index narrows to at most this many chunks is answered exactly over them (dense and keyword
# side): a few milliseconds, where the HNSW graph scan would wade through thousands of rejected neighbours.
FEW_PASSING = 3000

_ORDER = {"greaterThan": ">", "greaterThanOrEquals": ">=", "lessThan": "<", "lessThanOrEquals": "<="}


def filter_sql(filter: Filter, *, column: str = "metadata") -> sql.Composable:
    """A boolean SQL expression (never NULL) true exactly where ``filter.matches(row's column)``.

    >>> filter_sql(parse_filter({"equals": {"key": "lang", "value": "en"}})).as_string(conn)
    "coalesce((metadata -> 'lang') = '\"en\"'::jsonb, false)"
    """
    match filter:
        case Comparison():
            return _comparison(filter, sql.Identifier(column))
        case AndAll(filters=members):
            return sql.SQL("({})").format(sql.SQL(" AND ").join(filter_sql(m, column=column) for m in members))
        case OrAll(filters=members):
            return sql.SQL("({})").format(sql.SQL(" OR ").join(filter_sql(m, column=column) for m in members))
    raise AssertionError(f"unhandled filter {filter!r}")  # parse_filter builds no other


def _comparison(comparison: Comparison, column: sql.Identifier) -> sql.Composable:
    attribute = sql.SQL("({} -> {})").format(column, sql.Literal(comparison.key))
    value = comparison.value
    kind = sql.SQL("jsonb_typeof({})").format(attribute)
    match comparison.operator:
        case "equals" | "notEquals":
            test = sql.SQL("{} = {}").format(attribute, _json(value))
            matched = sql.SQL("coalesce({}, false)").format(test)
            return matched if comparison.operator == "equals" else sql.SQL("(NOT {})").format(matched)
        case "greaterThan" | "greaterThanOrEquals" | "lessThan" | "lessThanOrEquals":
            test = sql.SQL("CASE WHEN {} = 'number' THEN {}::numeric {} {}::numeric END").format(
                kind,
                attribute,
                sql.SQL(_ORDER[comparison.operator]),
                sql.Literal(repr(float(value))),  # type: ignore[arg-type]
            )
        case "in" | "notIn":
            assert isinstance(value, tuple)  # parse_filter gives in/notIn a list
            members = sql.Composed([_json(v) for v in value]).join(", ")
            test = sql.SQL(
                "CASE WHEN {kind} = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements({a}) e "
                "WHERE e IN ({members})) ELSE {a} IN ({members}) END"
            ).format(kind=kind, a=attribute, members=members)
            if comparison.operator == "notIn":  # the key must be present
                return sql.SQL("({a} IS NOT NULL AND NOT coalesce({t}, false))").format(a=attribute, t=test)
        case "startsWith":
            test = sql.SQL("({} = 'string' AND starts_with({} #>> '{{}}', {}))").format(
                kind, attribute, sql.Literal(value)
            )
        case "stringContains":
            test = sql.SQL(
                "CASE {kind} WHEN 'string' THEN strpos({a} #>> '{{}}', {v}) > 0 "
                "WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements({a}) e "
                "WHERE jsonb_typeof(e) = 'string' AND strpos(e #>> '{{}}', {v}) > 0) END"
            ).format(kind=kind, a=attribute, v=sql.Literal(value))
        case "listContains":
            test = sql.SQL(
                "({kind} = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements({a}) e WHERE e = {v}))"
            ).format(kind=kind, a=attribute, v=_json(value))
        case _:
            raise AssertionError(f"unhandled operator {comparison.operator!r}")
    return sql.SQL("coalesce({}, false)").format(test)


def _json(value: object) -> sql.Composable:
    return sql.SQL("{}::jsonb").format(sql.Literal(json.dumps(value)))


@dataclass(frozen=True)
class SqlFilter:
    """A filter as a condition on ``chunks``: ``condition`` is exact; ``indexed`` says whether it starts with a
    containment test the metadata index answers (so counting the passing chunks is cheap)."""

    condition: sql.Composable
    indexed: bool
    # The exact expression alone: what the HNSW walk filters with. With the containment test in front, the
    # planner leaves the graph for the metadata index plus an exact sort, ~3x slower at 1M chunks when
    # thousands of chunks pass (docs/deployment.md); the rows passing are the same.
    walk: sql.Composable | None = None

    @property
    def walk_condition(self) -> sql.Composable:
        return self.condition if self.walk is None else self.walk


def compile_filter(filter: Filter) -> SqlFilter:
    """``filter_sql(filter)``, behind the containment test the GIN index answers when the filter has one.

    >>> compile_filter(parse_filter({"equals": {"key": "lang", "value": "en"}})).condition.as_string(conn)
    "(metadata @> '{\"lang\": \"en\"}'::jsonb AND coalesce((metadata -> 'lang') = '\"en\"'::jsonb, false))"
    """
    exact = filter_sql(filter)
    narrowing = containment_sql(filter)
    if narrowing is None:
        return SqlFilter(exact, indexed=False)
    return SqlFilter(sql.SQL("({} AND {})").format(narrowing, exact), indexed=True, walk=exact)


def containment_sql(filter: Filter, *, column: str = "metadata") -> sql.Composable | None:
    """A condition every row passing ``filter`` passes (more rows may), made of ``@>`` tests only; ``None``
    when the filter has no such narrowing (ranges, ``not*``, string operators: they pass too many rows or
    cannot be written as containment).

    ``equals`` v: the attribute equals v, so the metadata contains ``{key: v}`` (``jsonb`` containment compares
    scalars as ``=`` does: numbers numerically). ``in`` [v...]: the attribute is some v, or a list with some v
    as an element: ``{key: v}`` or ``{key: [v]}``. ``listContains`` v: ``{key: [v]}``."""
    target = sql.Identifier(column)

    def contains(document: object) -> sql.Composable:
        return sql.SQL("{} @> {}").format(target, _json(document))

    match filter:
        case Comparison(operator="equals", key=key, value=value):
            return contains({key: value})
        case Comparison(operator="listContains", key=key, value=value):
            return contains({key: [value]})
        case Comparison(operator="in", key=key, value=values):
            assert isinstance(values, tuple)
            tests = [contains(document) for v in values for document in ({key: v}, {key: [v]})]
            return sql.SQL("({})").format(sql.SQL(" OR ").join(tests))
        case AndAll(filters=members):
            narrowed = [c for c in (containment_sql(m, column=column) for m in members) if c is not None]
            return sql.SQL("({})").format(sql.SQL(" AND ").join(narrowed)) if narrowed else None
        case OrAll(filters=members):
            either = [containment_sql(m, column=column) for m in members]
            if any(c is None for c in either):  # a member without narrowing may pass any row
                return None
            return sql.SQL("({})").format(sql.SQL(" OR ").join(c for c in either if c is not None))
    return None


def few_passing(conn: psycopg.Connection, kb_id: str, where: SqlFilter) -> list[int] | None:
    """The ids of the searchable chunks of ``kb_id`` passing ``where`` when the index narrows it and at most
    ``FEW_PASSING`` pass; otherwise ``None`` (not indexed: counting would scan the knowledge base)."""
    most = FEW_PASSING
    if not where.indexed or most <= 0:
        return None
    rows = conn.execute(
        sql.SQL("SELECT id FROM chunks WHERE kb_id = {} AND searchable AND {} LIMIT {}").format(
            sql.Literal(kb_id), where.condition, sql.Literal(most + 1)
        )
    ).fetchall()
    return None if len(rows) > most else sorted(int(row[0]) for row in rows)


def passing_ids(ids: Sequence[int]) -> sql.Composable:
    """``ids`` as a ``bigint[]`` literal (hashed by PostgreSQL in ``= ANY``)."""
    return sql.SQL("{}::bigint[]").format(sql.Literal(list(ids)))
