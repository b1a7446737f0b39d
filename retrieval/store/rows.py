"""The catalog's rows as both backends (SQLite's ``Catalog``, PostgreSQL's) read and write them: a document's
change-detection row, its listing summary, a stored chunk, a chunk to write, and a document as exported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DocumentRow:
    id: int
    data_source_id: str
    uri: str
    content_hash: str
    metadata_hash: str
    embed_metadata_hash: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class DocumentSummary:
    """What listing a data source's documents shows: its uri, size, last update, metadata, chunks."""

    uri: str
    data_source_id: str
    size: int
    updated_at: str
    metadata: dict[str, Any]
    chunk_count: int  # searchable chunks


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as stored: what ``KnowledgeBase.retrieve`` returns for each hit."""

    id: int
    document_id: int
    chunk_id: str
    text: str
    location: dict[str, Any]
    metadata: dict[str, Any]
    parent_id: str | None


@dataclass(frozen=True)
class NewChunk:
    """A chunk ready to write: JSON-ready location/metadata and its vector (``None`` for parents)."""

    chunk_id: str
    index: int
    text: str
    token_count: int
    location: dict[str, Any]
    metadata: dict[str, Any]
    parent_id: str | None
    searchable: bool
    vector: np.ndarray | None


@dataclass(frozen=True)
class StoredDocument:
    """A document row as exported and imported (``ragkb kb export``/``import``)."""

    data_source_id: str
    uri: str
    hashes: tuple[str, str, str]  # content, sidecar, embedded-metadata
    size: int
    mtime_ns: int
    metadata: dict[str, Any]
    updated_at: str
