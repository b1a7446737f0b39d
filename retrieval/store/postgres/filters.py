"""Bedrock metadata filters as SQL over a ``jsonb`` column, with exactly :mod:`retrieval.filters`' semantics.

``m -> key`` is SQL NULL when the key is missing, so every comparison is wrapped in ``coalesce(..., false)``
(a missing key never matches) and ``notEquals`` is ``NOT equals`` on that (a missing key passes it, as
Bedrock documents). ``jsonb`` equality compares numbers numerically (``1989 = 1989.0``), strings exactly and
never equates values of different types, which is :func:`retrieval.filters._equal`; a list attribute never
equals a scalar. The contract test checks every operator against ``Filter.matches`` row by row.
"""

from __future__ import annotations

import json

from psycopg import sql

from retrieval.filters import AndAll, Comparison, Filter, OrAll

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
