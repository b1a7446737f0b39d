"""Bedrock metadata sidecars: ``<file>.<ext>.metadata.json`` next to a document.

Two forms are accepted for each attribute, as Bedrock does::

    {"metadataAttributes": {
        "year": 2021,                                   # short form: type inferred
        "genre": {"value": {"type": "STRING", "stringValue": "novel"},
                  "includeForEmbedding": true}          # typed form
    }}

Short-form attributes are not embedded (``include_for_embedding=False``); typed ones follow
their ``includeForEmbedding`` flag, default ``False``. A sidecar over 10 KB, with invalid JSON,
unknown types or values that do not match their type raises :class:`InvalidMetadata`; callers
report it and index the document without sidecar metadata.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.errors import InvalidMetadata
from ingest.types import MetadataAttribute, MetadataType, MetadataValue

SIDECAR_SUFFIX = ".metadata.json"
MAX_SIDECAR_BYTES = 10 * 1024
MAX_ATTRIBUTES = 50
_TYPED_FIELDS: dict[str, str] = {
    "STRING": "stringValue",
    "NUMBER": "numberValue",
    "BOOLEAN": "booleanValue",
    "STRING_LIST": "stringListValue",
}


def sidecar_path(document: Path) -> Path:
    """``report.pdf`` -> ``report.pdf.metadata.json``."""
    return document.with_name(document.name + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def load_sidecar(document: Path) -> dict[str, MetadataAttribute]:
    """The attributes of ``document``'s sidecar, ``{}`` when it has none.

    Raises :class:`InvalidMetadata` with a one-line reason when the sidecar exists but is unusable.
    """
    path = sidecar_path(document)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return {}
    if size > MAX_SIDECAR_BYTES:
        raise InvalidMetadata(f"metadata sidecar too large: {size} bytes > {MAX_SIDECAR_BYTES}")
    try:
        raw = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidMetadata(f"metadata sidecar is not valid UTF-8 JSON: {exc}") from exc
    return parse_metadata(raw)


def parse_metadata(raw: Any) -> dict[str, MetadataAttribute]:
    """Validate a decoded sidecar (``{"metadataAttributes": {...}}``) into attributes."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("metadataAttributes"), Mapping):
        raise InvalidMetadata('metadata sidecar must be an object with a "metadataAttributes" object')
    attributes = raw["metadataAttributes"]
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidMetadata(f"metadata sidecar has {len(attributes)} attributes; at most {MAX_ATTRIBUTES}")
    parsed: dict[str, MetadataAttribute] = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or not key.strip():
            raise InvalidMetadata("metadata attribute keys must be non-empty strings")
        if key.startswith("x-amz-bedrock-kb-"):
            raise InvalidMetadata(f"metadata attribute {key!r} uses the reserved prefix x-amz-bedrock-kb-")
        parsed[key] = _parse_attribute(key, value)
    return parsed


def _parse_attribute(key: str, value: Any) -> MetadataAttribute:
    if isinstance(value, Mapping) and "value" in value:
        return _parse_typed(key, value)
    kind, plain = _infer(key, value)
    return MetadataAttribute(value=plain, type=kind, include_for_embedding=False)


def _parse_typed(key: str, spec: Mapping[str, Any]) -> MetadataAttribute:
    inner = spec["value"]
    if not isinstance(inner, Mapping) or inner.get("type") not in _TYPED_FIELDS:
        raise InvalidMetadata(f"metadata attribute {key!r}: value.type must be one of {', '.join(_TYPED_FIELDS)}")
    kind: MetadataType = inner["type"]
    field = _TYPED_FIELDS[kind]
    if field not in inner:
        raise InvalidMetadata(f"metadata attribute {key!r}: type {kind} needs value.{field}")
    inferred, plain = _infer(key, inner[field])
    if inferred != kind:
        raise InvalidMetadata(f"metadata attribute {key!r}: value.{field} is not a {kind}")
    include = spec.get("includeForEmbedding", False)
    if not isinstance(include, bool):
        raise InvalidMetadata(f"metadata attribute {key!r}: includeForEmbedding must be true or false")
    return MetadataAttribute(value=plain, type=kind, include_for_embedding=include)


def _infer(key: str, value: Any) -> tuple[MetadataType, MetadataValue]:
    # bool before int: in Python True is an int.
    if isinstance(value, bool):
        return "BOOLEAN", value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidMetadata(f"metadata attribute {key!r}: numbers must be finite")
        return "NUMBER", float(value)
    if isinstance(value, str):
        return "STRING", value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "STRING_LIST", list(value)
    raise InvalidMetadata(f"metadata attribute {key!r}: value must be a string, number, boolean or list of strings")


def plain_values(metadata: Mapping[str, MetadataAttribute]) -> dict[str, MetadataValue]:
    """``{key: value}`` without the type wrappers: what filters and JSON output use."""
    return {key: attr.value for key, attr in metadata.items()}
