"""Plain-JSON views of the library's dataclasses, shared by the CLI's ``--json`` and the service."""

from __future__ import annotations

from typing import Any

from ingest import Chunk, ChunkLocation, DocumentResult, plain_values
from retrieval import Hit, IngestionJob


def location_view(location: ChunkLocation) -> dict[str, Any]:
    return {
        "source": location.source,
        "pages": list(location.pages),
        "sheet": location.sheet,
        "row": location.row,
        "row_end": location.row_end,
        "headings": list(location.headings),
    }


def chunk_view(chunk: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": chunk.chunk_id,
        "index": chunk.index,
        "text": chunk.text,
        "token_count": chunk.token_count,
        "location": location_view(chunk.location),
        "metadata": plain_values(chunk.metadata),
        "parent_id": chunk.parent_id,
        "searchable": chunk.searchable,
    }


def document_view(result: DocumentResult) -> dict[str, Any]:
    view: dict[str, Any] = {"path": result.path, "status": result.status}
    if result.reason is not None:
        view["reason"] = result.reason
    if result.warnings:
        view["warnings"] = list(result.warnings)
    view["chunks"] = [chunk_view(c) for c in result.chunks]
    return view


def hit_view(hit: Hit) -> dict[str, Any]:
    """Bedrock's ``KnowledgeBaseRetrievalResult``; local files are ``CUSTOM`` locations named by path."""
    return {
        "content": {"text": hit.text, "type": "TEXT"},
        "location": {"type": "CUSTOM", "customDocumentLocation": {"id": hit.document_uri}},
        "metadata": hit.metadata,
        "score": hit.score,
    }


def job_view(kb_id: str, job: IngestionJob) -> dict[str, Any]:
    """Bedrock's ``IngestionJob`` (plus ``warnings``, which Bedrock does not have)."""
    return {
        "knowledgeBaseId": kb_id,
        "dataSourceId": job.data_source_id,
        "ingestionJobId": job.id,
        "status": job.status,
        "statistics": job.statistics,
        "failureReasons": list(job.failures),
        "startedAt": job.started_at,
        "updatedAt": job.updated_at,
    }
