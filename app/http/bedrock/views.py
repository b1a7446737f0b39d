"""Bedrock's response shapes for ragkb's resources, and the ARNs ragkb makes up for them.

ragkb has no AWS account: ARNs use the account ``000000000000`` and the region the server is
configured with (``RAGKB_AWS_REGION``), e.g. ``arn:aws:bedrock:us-east-1:000000000000:knowledge-base/ABCDE12345``.
Timestamps are the ISO-8601 strings ragkb stores (``2025-01-31T12:00:00.000Z``), which botocore
parses into ``datetime`` objects.
"""

from __future__ import annotations

from typing import Any

from app.core.guardrails.apply import ACCOUNT_ID, guardrail_arn
from app.core.guardrails.config import policies_to_bedrock
from app.core.guardrails.store import GuardrailRecord
from app.core.views import hit_view, job_view
from ingest import ChunkingConfig
from retrieval import Citation, DataSource, DocumentSummary, Hit, IngestionJob, KnowledgeBaseInfo

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/ragkb"


def knowledge_base_arn(region: str, kb_id: str) -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:knowledge-base/{kb_id}"


def embedding_model_arn(region: str, embedder: str) -> str:
    """The embedder a knowledge base was built with, named as a foundation model."""
    return f"arn:aws:bedrock:{region}::foundation-model/{embedder}"


def knowledge_base_view(info: KnowledgeBaseInfo, *, region: str, dimension: int) -> dict[str, Any]:
    """Bedrock's ``KnowledgeBase``: always ``ACTIVE`` and ``VECTOR``; storage is ragkb's own."""
    view: dict[str, Any] = {
        "knowledgeBaseId": info.id,
        "name": info.name,
        "knowledgeBaseArn": knowledge_base_arn(region, info.id),
        "roleArn": ROLE_ARN,
        "knowledgeBaseConfiguration": {
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": embedding_model_arn(region, info.embedder),
                "embeddingModelConfiguration": {
                    "bedrockEmbeddingModelConfiguration": {"dimensions": dimension, "embeddingDataType": "FLOAT32"}
                },
            },
        },
        "status": "ACTIVE",
        "createdAt": info.created_at,
        "updatedAt": info.updated_at,
    }
    if info.description:
        view["description"] = info.description
    return view


def knowledge_base_summary(info: KnowledgeBaseInfo) -> dict[str, Any]:
    summary = {"knowledgeBaseId": info.id, "name": info.name, "status": "ACTIVE", "updatedAt": info.updated_at}
    if info.description:
        summary["description"] = info.description
    return summary


def data_source_view(kb_id: str, source: DataSource, *, chunking: ChunkingConfig) -> dict[str, Any]:
    """Bedrock's ``DataSource``. Folder sources report the type ``LOCAL_FOLDER``, which Bedrock lacks."""
    view = data_source_summary(kb_id, source)
    view |= {
        "dataSourceConfiguration": {"type": source.type},
        "vectorIngestionConfiguration": {"chunkingConfiguration": chunking.to_bedrock()},
        "dataDeletionPolicy": "DELETE",
        "createdAt": source.created_at,
    }
    return view


def data_source_summary(kb_id: str, source: DataSource) -> dict[str, Any]:
    summary = {
        "knowledgeBaseId": kb_id,
        "dataSourceId": source.id,
        "name": source.name,
        "status": "AVAILABLE",
        "updatedAt": source.updated_at,
    }
    if source.config.get("description"):
        summary["description"] = source.config["description"]
    return summary


def ingestion_job_view(kb_id: str, job: IngestionJob) -> dict[str, Any]:
    """Bedrock's ``IngestionJob`` (``IngestionJobSummary`` has the same members but ``failureReasons``)."""
    view = job_view(kb_id, job)
    if job.description:
        view["description"] = job.description
    return view


def ingestion_job_summary(kb_id: str, job: IngestionJob) -> dict[str, Any]:
    view = ingestion_job_view(kb_id, job)
    del view["failureReasons"]
    return view


def document_detail(
    kb_id: str, data_source_id: str, document_id: str, status: str, *, reason: str | None = None,
    updated_at: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Bedrock's ``KnowledgeBaseDocumentDetail`` of a document known by its custom id."""
    detail: dict[str, Any] = {
        "knowledgeBaseId": kb_id,
        "dataSourceId": data_source_id,
        "status": status,
        "identifier": {"dataSourceType": "CUSTOM", "custom": {"id": document_id}},
    }
    if reason:
        detail["statusReason"] = reason
    if updated_at:
        detail["updatedAt"] = updated_at
    return detail


def stored_document_detail(kb_id: str, summary: DocumentSummary) -> dict[str, Any]:
    """A document in the catalog: ``INDEXED`` (ragkb stores only documents that indexed)."""
    return document_detail(kb_id, summary.data_source_id, summary.uri, "INDEXED", updated_at=summary.updated_at)


def retrieved_reference(hit: Hit) -> dict[str, Any]:
    """Bedrock's ``RetrievedReference``: a retrieval result without its score."""
    view = hit_view(hit)
    del view["score"]
    return view


def citation_view(answer: str, citation: Citation) -> dict[str, Any]:
    """Bedrock's ``Citation``: the cited part of the answer (``span.end`` inclusive) and its sources."""
    part = {"text": answer[citation.start : citation.end + 1], "span": {"start": citation.start, "end": citation.end}}
    return {
        "generatedResponsePart": {"textResponsePart": part},
        "retrievedReferences": [retrieved_reference(hit) for hit in citation.hits],
    }


def guardrail_view(record: GuardrailRecord, *, region: str) -> dict[str, Any]:
    """Bedrock's ``GetGuardrailResponse``: always ``READY``."""
    view: dict[str, Any] = {
        "name": record.name,
        "guardrailId": record.id,
        "guardrailArn": guardrail_arn(region, record.id),
        "version": record.version,
        "status": "READY",
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "blockedInputMessaging": record.blocked_input_message,
        "blockedOutputsMessaging": record.blocked_output_message,
    }
    if record.description:
        view["description"] = record.description
    if record.filters:
        view["contextualGroundingPolicy"] = {
            "filters": [
                {"type": f.type, "threshold": f.threshold, "action": f.action, "enabled": f.enabled}
                for f in record.filters
            ]
        }
    view |= policies_to_bedrock(record.policies, view=True)
    return view


def guardrail_summary(record: GuardrailRecord, *, region: str) -> dict[str, Any]:
    """Bedrock's ``GuardrailSummary``."""
    summary = {
        "id": record.id,
        "arn": guardrail_arn(region, record.id),
        "status": "READY",
        "name": record.name,
        "version": record.version,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }
    if record.description:
        summary["description"] = record.description
    return summary
