"""Move a knowledge base between stores (embedded SQLite + FAISS and PostgreSQL) with its vectors: no
re-embedding, so what it retrieves is the same before and after.

The file is gzip-compressed JSON Lines: a header (format, name, description, chunking, embedder), then one
line per data source and one per document with its chunks, each vector as base64 of little-endian float32.
Ingestion job history is not moved.

>>> with gzip.open("handbook.ragkb.gz", "wt") as out: export_kb(kb, info, out)
>>> with gzip.open("handbook.ragkb.gz", "rt") as src: header = read_header(src); import_kb(new_kb, src)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, TextIO

import numpy as np

from retrieval.errors import RetrievalError
from retrieval.home import KnowledgeBaseInfo
from retrieval.knowledge_base import KnowledgeBase
from retrieval.store.rows import NewChunk, StoredDocument
from retrieval.types import DataSource

FORMAT = "ragkb-knowledge-base"
VERSION = 1


class InvalidExport(RetrievalError):
    """A file that is not a ragkb knowledge-base export (or of a newer format)."""


def export_kb(kb: KnowledgeBase, info: KnowledgeBaseInfo, out: TextIO) -> tuple[int, int]:
    """Write ``kb`` to ``out``; returns (documents, chunks) written."""
    header = {"format": FORMAT, "version": VERSION, "name": info.name, "description": info.description,
              "chunking": info.chunking.to_bedrock(), "embedder": info.embedder,
              "dimension": kb.embedder.dimension}  # fmt: skip
    _line(out, header)
    for source in kb.catalog.data_sources():
        _line(out, {"data_source": asdict(source)})
    documents = chunks = 0
    for document, rows in kb.catalog.dump_documents():
        _line(out, {"document": asdict(document), "chunks": [_chunk(c) for c in rows]})
        documents, chunks = documents + 1, chunks + len(rows)
    return documents, chunks


def read_header(src: TextIO) -> dict[str, Any]:
    """The export's header line (name, description, chunking as Bedrock's dict, embedder, dimension)."""
    try:
        header = json.loads(src.readline())
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise InvalidExport(f"not a ragkb knowledge-base export: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidExport("not a ragkb knowledge-base export (`ragkb kb export` writes them)")
    if header.get("version", 0) > VERSION:
        raise InvalidExport(f"export format {header['version']} is newer than this ragkb reads ({VERSION})")
    return header


def import_kb(kb: KnowledgeBase, src: TextIO) -> tuple[int, int]:
    """Write every data source and document of ``src`` (after :func:`read_header`) into ``kb``, one
    transaction per document; returns (documents, chunks) read."""
    documents = chunks = 0
    for record in _records(src):
        if "data_source" in record:
            kb.catalog.put_data_source(DataSource(**record["data_source"]))
            continue
        fields = record["document"]
        document = StoredDocument(**{**fields, "hashes": tuple(fields["hashes"])})
        rows = [_new_chunk(c) for c in record["chunks"]]
        kb.write_embedded(document, rows)
        documents, chunks = documents + 1, chunks + len(rows)
    kb.save()
    return documents, chunks


def _records(src: TextIO) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(src, start=2):
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidExport(f"line {number} of the export is not JSON: {exc}") from exc


def _line(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _chunk(chunk: NewChunk) -> dict[str, Any]:
    fields = asdict(chunk)
    if chunk.vector is not None:
        fields["vector"] = base64.b64encode(np.asarray(chunk.vector, dtype="<f4").tobytes()).decode("ascii")
    return fields


def _new_chunk(fields: dict[str, Any]) -> NewChunk:
    vector = fields.pop("vector")
    if vector is not None:
        vector = np.frombuffer(base64.b64decode(vector), dtype="<f4").astype(np.float32)
    return NewChunk(**fields, vector=vector)
