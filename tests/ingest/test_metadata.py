"""Bedrock metadata sidecars: both attribute forms, limits and every refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import InvalidMetadata
from ingest.metadata import MAX_SIDECAR_BYTES, is_sidecar, load_sidecar, parse_metadata, sidecar_path
from ingest.types import MetadataAttribute


def write_sidecar(doc: Path, payload: object) -> None:
    sidecar_path(doc).write_text(json.dumps(payload), encoding="utf-8")


def test_sidecar_path_appends_suffix_to_full_name(tmp_path: Path) -> None:
    assert sidecar_path(tmp_path / "report.pdf").name == "report.pdf.metadata.json"
    assert is_sidecar(tmp_path / "report.pdf.metadata.json")
    assert not is_sidecar(tmp_path / "report.pdf")


def test_missing_sidecar_is_no_metadata(tmp_path: Path) -> None:
    assert load_sidecar(tmp_path / "doc.txt") == {}


def test_short_form_infers_types_and_is_not_embedded(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    write_sidecar(doc, {"metadataAttributes": {"genre": "novel", "year": 1869, "ok": True, "tags": ["a", "b"]}})
    assert load_sidecar(doc) == {
        "genre": MetadataAttribute("novel", "STRING", False),
        "year": MetadataAttribute(1869.0, "NUMBER", False),
        "ok": MetadataAttribute(True, "BOOLEAN", False),
        "tags": MetadataAttribute(["a", "b"], "STRING_LIST", False),
    }


def test_typed_form_keeps_type_and_embedding_flag() -> None:
    raw = {
        "metadataAttributes": {
            "dept": {"value": {"type": "STRING", "stringValue": "people"}, "includeForEmbedding": True},
            "n": {"value": {"type": "NUMBER", "numberValue": 3}},
            "flag": {"value": {"type": "BOOLEAN", "booleanValue": False}, "includeForEmbedding": True},
            "who": {"value": {"type": "STRING_LIST", "stringListValue": ["x"]}, "includeForEmbedding": False},
        }
    }
    parsed = parse_metadata(raw)
    assert parsed["dept"] == MetadataAttribute("people", "STRING", True)
    assert parsed["n"] == MetadataAttribute(3.0, "NUMBER", False)
    assert parsed["flag"] == MetadataAttribute(False, "BOOLEAN", True)
    assert parsed["who"] == MetadataAttribute(["x"], "STRING_LIST", False)


def test_utf8_bom_and_non_ascii_values(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    sidecar_path(doc).write_bytes(b"\xef\xbb\xbf" + json.dumps({"metadataAttributes": {"city": "Zürich"}}).encode())
    assert load_sidecar(doc)["city"].value == "Zürich"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "metadataAttributes"),
        ({"attributes": {}}, "metadataAttributes"),
        ({"metadataAttributes": {"x": None}}, "'x'"),
        ({"metadataAttributes": {"x": [1, 2]}}, "list of strings"),
        ({"metadataAttributes": {"x": {"value": {"type": "DATE", "stringValue": "x"}}}}, "value.type"),
        ({"metadataAttributes": {"x": {"value": {"type": "NUMBER", "stringValue": "1"}}}}, "numberValue"),
        ({"metadataAttributes": {"x": {"value": {"type": "NUMBER", "numberValue": "1"}}}}, "not a NUMBER"),
        (
            {
                "metadataAttributes": {
                    "x": {"value": {"type": "STRING", "stringValue": "a"}, "includeForEmbedding": "yes"}
                }
            },
            "includeForEmbedding",
        ),
        ({"metadataAttributes": {"x-amz-bedrock-kb-source-uri": "s3://x"}}, "reserved"),
        ({"metadataAttributes": {f"k{i}": i for i in range(51)}}, "at most 50"),
        ({"metadataAttributes": {"x": float("inf")}}, "finite"),
    ],
)
def test_invalid_metadata_is_refused_with_reason(payload: object, message: str) -> None:
    with pytest.raises(InvalidMetadata, match=message):
        parse_metadata(payload)


def test_invalid_json_and_oversize_sidecars(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    sidecar_path(doc).write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidMetadata, match="not valid UTF-8 JSON"):
        load_sidecar(doc)
    write_sidecar(doc, {"metadataAttributes": {"x": "y" * MAX_SIDECAR_BYTES}})
    with pytest.raises(InvalidMetadata, match="too large"):
        load_sidecar(doc)
