"""MetadataIndex answers every filter exactly as ``Filter.matches`` does, chunk by chunk."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.types import Block, MetadataAttribute, ParsedDocument
from retrieval.documents import DocumentWrite
from retrieval.embedding import HashEmbedder
from retrieval.filters import Comparison, ComparisonOperator, Filter, parse_filter
from retrieval.knowledge_base import KnowledgeBase
from retrieval.store.metadata_index import MetadataIndex

KEYS = ["animal", "year", "tags", "public", "title", "score"]
WORDS = ["cat", "Cat", "dog", "camel", "pets", "indoor", "", "cat flap", "1989", "true"]
NUMBERS: list[Any] = [0, 1, 1.0, -1, 1989, 1989.0, 1975.5, 2020, 0.25, -0.0]
OPERATORS = list(get_args(ComparisonOperator))


def _value(rng: random.Random) -> Any:
    """Any attribute type on any key, so type mixing (``"1989"`` vs ``1989``, ``1`` vs ``True``) is exercised."""
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(WORDS)
    if kind == 1:
        return rng.choice(NUMBERS)
    if kind == 2:
        return rng.choice([True, False])
    return rng.sample(WORDS, rng.randrange(4))  # includes the empty list


def _metadata(rng: random.Random) -> dict[str, Any]:
    return {key: _value(rng) for key in KEYS if rng.random() < 0.7}


def _comparison(rng: random.Random) -> dict[str, Any]:
    operator = rng.choice(OPERATORS)
    key = rng.choice([*KEYS, "absent"])
    match operator:
        case "equals" | "notEquals":
            value: Any = rng.choice([rng.choice(WORDS), rng.choice(NUMBERS), rng.choice([True, False])])
        case "greaterThan" | "greaterThanOrEquals" | "lessThan" | "lessThanOrEquals":
            value = rng.choice(NUMBERS)
        case "in" | "notIn":
            value = [rng.choice([rng.choice(WORDS), rng.choice(NUMBERS)]) for _ in range(rng.randint(1, 3))]
        case _:
            value = rng.choice(WORDS)
    return {operator: {"key": key, "value": value}}


def _filter_json(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    if depth < 3 and rng.random() < 0.4:
        members = [_filter_json(rng, depth + 1) for _ in range(rng.randint(2, 3))]
        return {rng.choice(["andAll", "orAll"]): members}
    return _comparison(rng)


def _assert_equivalent(index: MetadataIndex, metas: list[dict[str, Any]], flt: Filter) -> None:
    expected = [flt.matches(meta) for meta in metas]
    mask = index.mask(flt)
    assert mask.dtype == np.bool_
    assert mask.tolist() == expected, flt
    assert index.allowed_ids(flt).tolist() == [i for i, ok in enumerate(expected) if ok]


def test_random_filters_match_python_semantics() -> None:
    rng = random.Random(20240611)
    metas = [_metadata(rng) for _ in range(400)]
    index = MetadataIndex.build(enumerate(metas))
    filters = [parse_filter(_filter_json(rng)) for _ in range(400)]
    assert {op for f in filters for op in _operators(f)} == set(OPERATORS)
    for flt in filters:
        _assert_equivalent(index, metas, flt)
    for flt in filters:  # the second pass reads cached per-value results
        _assert_equivalent(index, metas, flt)


def _operators(flt: Filter) -> set[str]:
    if isinstance(flt, Comparison):
        return {flt.operator}
    return set().union(*(_operators(member) for member in flt.filters))


def test_ids_are_returned_ascending_whatever_the_input_order() -> None:
    index = MetadataIndex.build([(30, {"a": "x"}), (10, {"a": "x"}), (20, {"a": "y"})])
    assert index.ids.tolist() == [10, 20, 30]
    assert index.allowed_ids(parse_filter({"equals": {"key": "a", "value": "x"}})).tolist() == [10, 30]


def test_empty_catalog() -> None:
    index = MetadataIndex.build([])
    for flt in [
        parse_filter({"notEquals": {"key": "a", "value": "x"}}),
        parse_filter({"andAll": [{"equals": {"key": "a", "value": 1}}, {"notIn": {"key": "b", "value": ["x"]}}]}),
    ]:
        assert index.mask(flt).shape == (0,)
        assert index.allowed_ids(flt).dtype == np.int64
        assert len(index.allowed_ids(flt)) == 0


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("notEquals", "x", [1, 2, 3]),  # a missing key passes notEquals, and only notEquals
        ("equals", "x", []),
        ("notIn", ["x"], []),
        ("lessThan", 5, []),
        ("stringContains", "", []),
    ],
)
def test_key_missing_everywhere(operator: str, value: Any, expected: list[int]) -> None:
    index = MetadataIndex.build([(1, {"other": "x"}), (2, {}), (3, {"other": 4})])
    assert index.allowed_ids(parse_filter({operator: {"key": "absent", "value": value}})).tolist() == expected


def test_not_equals_passes_rows_missing_the_key() -> None:
    index = MetadataIndex.build([(1, {"animal": "cat"}), (2, {"animal": "dog"}), (3, {"year": 1989})])
    flt = parse_filter({"notEquals": {"key": "animal", "value": "cat"}})
    assert index.allowed_ids(flt).tolist() == [2, 3]


def test_booleans_are_not_numbers_and_numbers_compare_numerically() -> None:
    rows: list[tuple[int, dict[str, Any]]] = [
        (1, {"v": True}),
        (2, {"v": 1}),
        (3, {"v": 1.0}),
        (4, {"v": 1989}),
        (5, {"v": 1989.0}),
        (6, {"v": "1"}),
    ]
    index = MetadataIndex.build(rows)
    # 1 == True == 1.0 in Python; here each keeps its own code
    assert [type(v) for v in index.values["v"]] == [bool, int, float, int, float, str]

    def ids(operator: str, value: Any) -> list[int]:
        return index.allowed_ids(parse_filter({operator: {"key": "v", "value": value}})).tolist()

    assert ids("equals", True) == [1]
    assert ids("equals", 1) == [2, 3]
    assert ids("equals", True) == [1]  # the cached result for ``equals 1`` is not reused for ``equals True``
    assert ids("notEquals", 1.0) == [1, 4, 5, 6]
    assert ids("equals", 1989) == [4, 5]
    assert ids("equals", 1989.0) == [4, 5]
    assert ids("greaterThanOrEquals", 1) == [2, 3, 4, 5]
    assert ids("in", [1]) == [2, 3]


def test_list_attributes() -> None:
    lists: list[list[str]] = [["a", "b"], ["b", "a"], ["a", "b"], []]
    index = MetadataIndex.build((i, {"t": tags}) for i, tags in enumerate(lists, start=1))
    assert len(index.values["t"]) == 3  # equal lists share a code
    assert index.values["t"][0] == ["a", "b"]  # and are handed to ``matches`` as lists
    assert index.allowed_ids(parse_filter({"listContains": {"key": "t", "value": "a"}})).tolist() == [1, 2, 3]
    assert index.allowed_ids(parse_filter({"notIn": {"key": "t", "value": ["b"]}})).tolist() == [4]
    assert index.allowed_ids(parse_filter({"equals": {"key": "t", "value": "a"}})).tolist() == []


def _add(kb: KnowledgeBase, uri: str, text: str, **metadata: str) -> None:
    attrs = {k: MetadataAttribute(v, "STRING") for k, v in metadata.items()}
    doc = ParsedDocument(path=uri, blocks=(Block(kind="text", text=text),))
    chunks = chunk_document(doc, config=kb.chunking, metadata=attrs)
    kb.write_document(DocumentWrite("DS", uri, chunks, attrs, ("h", "", ""), 0, 0), now="")


def test_knowledge_base_filters_follow_metadata_updates(tmp_path: Path) -> None:
    kb = KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(), chunking=ChunkingConfig())
    try:
        for i in range(12):
            _add(kb, f"doc{i}.txt", f"Espresso extraction note {i} on grind size.", lang="en" if i % 3 else "de")
        german = parse_filter({"equals": {"key": "lang", "value": "de"}})
        for search_type in ("SEMANTIC", "HYBRID"):
            hits = kb.retrieve("espresso grind", k=10, search_type=search_type, filter=german)
            assert sorted(h.document_uri for h in hits) == ["doc0.txt", "doc3.txt", "doc6.txt", "doc9.txt"]
        document_id = kb.catalog.documents("DS")["doc1.txt"].id
        kb.update_metadata(
            document_id,
            metadata={"lang": MetadataAttribute("de", "STRING")},
            hashes=("h", "s", ""),
            data_source_id="DS",
            uri="doc1.txt",
            size=0,
            mtime_ns=0,
            now="",
        )
        hits = kb.retrieve("espresso grind", k=10, search_type="HYBRID", filter=german)
        assert sorted(h.document_uri for h in hits) == ["doc0.txt", "doc1.txt", "doc3.txt", "doc6.txt", "doc9.txt"]
    finally:
        kb.close()
