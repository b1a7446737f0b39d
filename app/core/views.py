"""The one place that turns domain objects into plain JSON, shared by the CLI's ``--json`` and the service:
chunks and parsed documents, hits and ingestion jobs (in Bedrock's names), knowledge bases as ``ragkb kb list``
shows them, and grounding-check outcomes. The Bedrock routes' own shapes build on these in
``app/http/bedrock/views.py``; the native routes' pydantic models in ``app/http/native/schemas/``."""

from __future__ import annotations

from typing import Any

from app.core.grounding_checks import CheckOutcome
from grounding import ClaimResult, FilterType
from ingest import Chunk, ChunkLocation, DocumentResult, plain_values
from retrieval import Hit, IngestionJob, KnowledgeBaseInfo


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


def knowledge_base_row(info: KnowledgeBaseInfo) -> dict[str, Any]:
    """A knowledge base as ``ragkb kb list --json`` lists it."""
    return {
        "knowledgeBaseId": info.id,
        "name": info.name,
        "embedder": info.embedder,
        "chunkingConfiguration": info.chunking.to_bedrock(),
        "updatedAt": info.updated_at,
    }


def outcome_view(outcome: CheckOutcome) -> dict[str, Any]:
    """``{"grounding", "relevance", "blocked", "abstained", "claims"}``; a filter the policy lacks is ``None``."""
    configured = {f.type: f for f in outcome.policy.filters}
    filters: dict[FilterType, dict[str, Any] | None] = {"GROUNDING": None, "RELEVANCE": None}
    for judged in outcome.assessment.filters:
        filters[judged.type] = {
            "score": round(judged.score, 4),
            "threshold": judged.threshold,
            "detected": judged.detected,
            "action": configured[judged.type].action,
            "blocked": judged.action == "BLOCKED",
        }
    return {
        "grounding": filters["GROUNDING"],
        "relevance": filters["RELEVANCE"],
        "blocked": outcome.blocked,
        "abstained": outcome.result.abstained,
        "claims": [claim_view(claim) for claim in outcome.result.claims],
    }


def claim_view(claim: ClaimResult) -> dict[str, Any]:
    """A claim with its span in the answer (end exclusive) and its best evidence in the sources."""
    evidence = claim.evidence
    return {
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "score": round(claim.score, 4),
        "label": claim.label,
        "flags": list(claim.flags),
        "evidence": None
        if evidence is None
        else {
            "source_index": evidence.source_index,
            "start": evidence.start,
            "end": evidence.end,
            "text": evidence.text,
            "similarity": evidence.similarity,
        },
    }
