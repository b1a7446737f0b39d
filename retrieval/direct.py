"""Direct ingestion: documents sent as content (Bedrock CUSTOM data sources, uploads), no folder.

Each document is identified by the caller's id within its data source. Content is parsed like a file
of the given type (written to a private temporary file: the parsers read paths), chunked with the
knowledge base's chunking, embedded and stored; sending the same content and metadata again is a
no-op, changed content or metadata replaces the document. Callers ``kb.save()`` after a batch (until
then a crash only costs an index rebuild from the catalog on the next open).
"""

from __future__ import annotations

import json
import mimetypes
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from ingest.metadata import plain_values
from ingest.parsers import SUPPORTED_SUFFIXES, ParseLimits
from ingest.pipeline import process_file
from ingest.types import MetadataAttribute
from retrieval.documents import DocumentWrite
from retrieval.errors import RetrievalError
from retrieval.knowledge_base import KnowledgeBase
from retrieval.stamps import utc_now
from retrieval.sync import embedded_metadata_hash, sha256_hex, with_data_source

# Types mimetypes does not know on every system, or knows under another name.
_MIME_SUFFIXES = {
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
}


class UnsupportedMimeType(RetrievalError):
    """Content whose MIME type ragkb cannot parse."""


@dataclass(frozen=True)
class DirectOutcome:
    """What happened to one document: ``INDEXED``, ``FAILED`` (with a reason) or ``DELETED``/``NOT_FOUND``."""

    document_id: str
    status: Literal["INDEXED", "FAILED", "DELETED", "NOT_FOUND"]
    reason: str | None = None
    chunks: int = 0


def suffix_for(mime_type: str) -> str:
    """The file suffix to parse ``mime_type`` as; raises :class:`UnsupportedMimeType`."""
    base = mime_type.split(";")[0].strip().lower()
    suffix = _MIME_SUFFIXES.get(base) or mimetypes.guess_extension(base) or ""
    if suffix not in SUPPORTED_SUFFIXES:
        known = ", ".join(sorted(_MIME_SUFFIXES))
        raise UnsupportedMimeType(f"unsupported MIME type {mime_type!r}; supported: {known}")
    return suffix


def index_content(
    kb: KnowledgeBase,
    *,
    data_source_id: str,
    document_id: str,
    content: bytes,
    suffix: str,
    metadata: Mapping[str, MetadataAttribute],
    limits: ParseLimits = ParseLimits(),
) -> DirectOutcome:
    """Parse ``content`` as a ``suffix`` file and make it document ``document_id`` of the data source."""
    hashes = (
        sha256_hex(content),
        sha256_hex(json.dumps(plain_values(metadata), sort_keys=True).encode()),
        embedded_metadata_hash(metadata),
    )
    known = kb.catalog.documents(data_source_id).get(document_id)
    if known is not None and (known.content_hash, known.metadata_hash, known.embed_metadata_hash) == hashes:
        return DirectOutcome(document_id, "INDEXED", chunks=len(kb.catalog.chunk_ids_of(known.id)))
    with tempfile.TemporaryDirectory(prefix="ragkb-direct-") as tmp:
        path = Path(tmp) / f"document{suffix}"
        path.write_bytes(content)
        result = process_file(path, chunking=kb.chunking, limits=limits, source_uri=document_id, embed=kb.embed_texts)
    if result.status == "failed":
        return DirectOutcome(document_id, "FAILED", reason=result.reason)
    full = with_data_source({**result.metadata, **metadata}, data_source_id)
    chunks = [
        replace(c, location=replace(c.location, source=document_id), metadata={**c.metadata, **full})
        for c in result.chunks
    ]
    written = kb.write_document(
        DocumentWrite(data_source_id, document_id, chunks, full, hashes, len(content), 0), now=utc_now()
    )
    return DirectOutcome(document_id, "INDEXED", chunks=written)


def delete_content(kb: KnowledgeBase, *, data_source_id: str, document_id: str) -> DirectOutcome:
    known = kb.catalog.documents(data_source_id).get(document_id)
    if known is None:
        return DirectOutcome(document_id, "NOT_FOUND", reason="no such document in this data source")
    kb.delete_document(known.id)
    return DirectOutcome(document_id, "DELETED")
