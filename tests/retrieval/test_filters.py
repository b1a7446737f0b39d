"""Bedrock RetrievalFilter: every operator on a small metadata set, and every validation error."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ingest.types import MetadataAttribute, MetadataValue
from retrieval.errors import InvalidFilter
from retrieval.filters import AndAll, Comparison, OrAll, parse_filter, plain_metadata

DOCS: dict[str, dict[str, MetadataValue]] = {
    "cat": {
        "animal": "cat",
        "year": 1989.0,
        "tags": ["pets", "indoor"],
        "public": True,
        "title": "Cats of Rome",
    },
    "dog": {
        "animal": "dog",
        "year": 2001.0,
        "tags": ["pets", "outdoor"],
        "public": False,
        "title": "Dogs at work",
    },
    "camel": {"animal": "camel", "year": 1975.5, "tags": ["desert"], "title": "Camel caravans"},
    "untagged": {"year": 2020.0, "title": "Untitled notes"},
    "odd": {"animal": "Cat", "year": "1989", "tags": "pets", "public": "true", "title": "cat flap"},
}


def _matching(filter_json: dict[str, Any]) -> set[str]:
    parsed = parse_filter(filter_json)
    return {name for name, metadata in DOCS.items() if parsed.matches(metadata)}


def _cmp(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {operator: {"key": key, "value": value}}


# (filter, the DOCS it matches): also run in SQL by tests/postgresql/test_postgres_filters.py.
CASES: list[tuple[dict[str, Any], set[str]]] = [
    # equals: exact, case-sensitive, numbers numerically, types never mix, missing key fails
    (_cmp("equals", "animal", "cat"), {"cat"}),
    (_cmp("equals", "year", 1989), {"cat"}),
    (_cmp("equals", "year", 1975.5), {"camel"}),
    (_cmp("equals", "public", True), {"cat"}),
    (_cmp("equals", "public", False), {"dog"}),
    (_cmp("equals", "tags", "pets"), {"odd"}),  # a list never equals a scalar; "odd" holds a string
    # notEquals: the negation of equals, so a missing key matches (Bedrock's documented rule)
    (_cmp("notEquals", "animal", "cat"), {"dog", "camel", "untagged", "odd"}),
    (_cmp("notEquals", "year", 1989.0), {"dog", "camel", "untagged", "odd"}),
    # ordering: numbers only, numerically; a string "1989" is not a number
    (_cmp("greaterThan", "year", 1989), {"dog", "untagged"}),
    (_cmp("greaterThanOrEquals", "year", 1989), {"cat", "dog", "untagged"}),
    (_cmp("lessThan", "year", 1989), {"camel"}),
    (_cmp("lessThanOrEquals", "year", 1989.0), {"cat", "camel"}),
    (_cmp("greaterThan", "animal", 0), set()),
    # in / notIn: scalar in the list, or a list attribute sharing a member; notIn needs the key
    (_cmp("in", "animal", ["cat", "dog"]), {"cat", "dog"}),
    (_cmp("in", "year", [2001, 2020]), {"dog", "untagged"}),
    (_cmp("in", "tags", ["desert", "outdoor"]), {"dog", "camel"}),
    (_cmp("notIn", "animal", ["cat", "dog"]), {"camel", "odd"}),
    (_cmp("notIn", "tags", ["pets"]), {"camel"}),
    # startsWith: strings only
    (_cmp("startsWith", "animal", "ca"), {"cat", "camel"}),
    (_cmp("startsWith", "tags", "pe"), {"odd"}),
    (_cmp("startsWith", "year", "19"), {"odd"}),
    # stringContains: a string, or any member of a list
    (_cmp("stringContains", "title", "at"), {"cat", "dog", "odd"}),
    (_cmp("stringContains", "tags", "door"), {"cat", "dog"}),
    (_cmp("stringContains", "year", "9"), {"odd"}),
    # listContains: list attributes only, whole members
    (_cmp("listContains", "tags", "pets"), {"cat", "dog"}),
    (_cmp("listContains", "tags", "pet"), set()),
    (_cmp("listContains", "animal", "cat"), set()),
    # logic
    (
        {"andAll": [_cmp("listContains", "tags", "pets"), _cmp("greaterThan", "year", 1990)]},
        {"dog"},
    ),
    ({"orAll": [_cmp("equals", "animal", "camel"), _cmp("equals", "year", 2020)]}, {"camel", "untagged"}),
    (
        {
            "orAll": [
                {"andAll": [_cmp("startsWith", "animal", "ca"), _cmp("lessThan", "year", 1980)]},
                _cmp("equals", "public", False),
            ]
        },
        {"camel", "dog"},
    ),
]


@pytest.mark.parametrize(("filter_json", "expected"), CASES)
def test_operator_matches(filter_json: dict[str, Any], expected: set[str]) -> None:
    assert _matching(filter_json) == expected


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        *((op, 1) for op in ("equals", "notEquals", "greaterThan", "greaterThanOrEquals", "lessThan")),
        ("lessThanOrEquals", 2.5),
        ("in", ["x", 1]),
        ("notIn", [1]),
        *((op, "x") for op in ("startsWith", "stringContains", "listContains")),
    ],
)
def test_every_comparison_operator_parses_and_round_trips(operator: str, value: Any) -> None:
    source = _cmp(operator, "k", value)
    parsed = parse_filter(source)
    assert isinstance(parsed, Comparison)
    assert (parsed.operator, parsed.key) == (operator, "k")
    assert parsed.to_dict() == source


@pytest.mark.parametrize(
    ("filter_json", "message"),
    [
        ([], "filter: a filter must be a JSON object, got list"),
        ("equals", "a filter must be a JSON object, got string"),
        ({}, "filter: empty filter"),
        ({"equals": None}, "filter: empty filter"),
        ({"equal": {"key": "a", "value": 1}}, "filter: unknown filter operator 'equal'"),
        ({"AndAll": []}, "unknown filter operator 'AndAll'"),
        (
            {"equals": {"key": "a", "value": 1}, "in": {"key": "a", "value": [1]}},
            "filter: one operator per filter object, got 'equals' and 'in'",
        ),
        ({"equals": "animal=cat"}, "filter.equals: expected an object with 'key' and 'value', got string"),
        ({"equals": {"value": "cat"}}, "filter.equals: 'key' is missing"),
        ({"equals": {"key": "animal"}}, "filter.equals: 'value' is missing"),
        ({"equals": {"key": "a", "value": 1, "type": "NUMBER"}}, "unexpected field 'type'"),
        ({"equals": {"key": "", "value": 1}}, "'key' must be a string of 1-100 characters"),
        ({"equals": {"key": "k" * 101, "value": 1}}, "'key' must be a string of 1-100 characters"),
        ({"equals": {"key": 7, "value": 1}}, "'key' must be a string of 1-100 characters"),
        (
            _cmp("equals", "a", ["x"]),
            "filter.equals on 'a': value must be a string, number or boolean, got list",
        ),
        (_cmp("equals", "a", None), "value must be a string, number or boolean, got null"),
        (_cmp("notEquals", "a", {"x": 1}), "value must be a string, number or boolean, got object"),
        (_cmp("equals", "a", float("nan")), "value must be a finite number"),
        (
            _cmp("greaterThan", "year", "1990"),
            "filter.greaterThan on 'year': value must be a number, got string",
        ),
        (_cmp("lessThan", "year", True), "value must be a number, got boolean"),
        (_cmp("lessThanOrEquals", "year", float("inf")), "value must be a finite number"),
        (_cmp("in", "a", "cat"), "filter.in on 'a': value must be a non-empty list of strings or numbers"),
        (_cmp("notIn", "a", []), "value must be a non-empty list of strings or numbers, got list"),
        (_cmp("in", "a", ["cat", True]), "value must be a non-empty list of strings or numbers"),
        (_cmp("startsWith", "a", 1), "filter.startsWith on 'a': value must be a string, got number"),
        (_cmp("stringContains", "a", ["x"]), "value must be a string, got list"),
        (_cmp("listContains", "a", 3), "value must be a string, got number"),
        ({"andAll": [_cmp("equals", "a", 1)]}, "filter.andAll: needs at least 2 filters, got 1"),
        ({"orAll": []}, "filter.orAll: needs at least 2 filters, got 0"),
        (
            {"orAll": {"equals": {"key": "a", "value": 1}}},
            "filter.orAll: expected a list of filters, got object",
        ),
        (
            {"andAll": [_cmp("equals", "a", 1), {"orAll": [_cmp("in", "b", "x"), _cmp("equals", "c", 1)]}]},
            "filter.andAll[1].orAll[0].in on 'b': value must be a non-empty list",
        ),
    ],
)
def test_invalid_filters_name_the_problem(filter_json: Any, message: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(filter_json)
    assert message in str(caught.value)


def _nested(levels: int) -> dict[str, Any]:
    """``levels`` levels of andAll around a comparison."""
    node: dict[str, Any] = _cmp("equals", "a", 1)
    for _ in range(levels):
        node = {"andAll": [node, _cmp("equals", "b", 2)]}
    return node


def test_nesting_is_limited() -> None:
    assert isinstance(parse_filter(_nested(5)), AndAll)
    with pytest.raises(InvalidFilter, match="nested deeper than 5 levels of andAll/orAll"):
        parse_filter(_nested(6))
    with pytest.raises(InvalidFilter, match="nested deeper than 2 levels"):
        parse_filter(_nested(3), max_depth=2)


def test_parse_builds_frozen_dataclasses_that_round_trip() -> None:
    source = {
        "orAll": [
            _cmp("in", "animal", ["cat", "dog"]),
            {"andAll": [_cmp("greaterThan", "year", 1989), _cmp("listContains", "tags", "pets")]},
        ]
    }
    parsed = parse_filter(source)
    assert parsed == OrAll(
        (
            Comparison("in", "animal", ("cat", "dog")),
            AndAll((Comparison("greaterThan", "year", 1989), Comparison("listContains", "tags", "pets"))),
        )
    )
    assert parsed.to_dict() == source
    assert parse_filter(parsed.to_dict()) == parsed
    assert hash(parsed) == hash(parse_filter(source))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.filters = ()  # type: ignore[misc]


def test_null_members_count_as_absent() -> None:
    parsed = parse_filter({"equals": {"key": "a", "value": 1}, "in": None, "andAll": None})
    assert parsed == Comparison("equals", "a", 1)


def test_plain_metadata_reads_attribute_values() -> None:
    attributes = {
        "year": MetadataAttribute(2001.0, "NUMBER"),
        "tags": MetadataAttribute(["pets"], "STRING_LIST", include_for_embedding=False),
    }
    plain = plain_metadata(attributes)
    assert plain == {"year": 2001.0, "tags": ["pets"]}
    assert parse_filter(_cmp("listContains", "tags", "pets")).matches(plain)
    assert not parse_filter(_cmp("lessThan", "year", 2001)).matches(plain)
