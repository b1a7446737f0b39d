"""Bedrock ``bedrock-agent`` document operations on a data source: ingest, delete, get, list.

Ingestion is synchronous: when ``ingest_knowledge_base_documents`` returns, each document is
``INDEXED`` (searchable) or ``FAILED`` with a ``statusReason``, and the rest of the batch went on.
Documents are sent inline, as ``TEXT`` or as ``BYTE`` content (base64 in JSON; boto3 encodes it) with a
MIME type ragkb parses (PDF, DOCX, DOC, XLSX, XLS, CSV, HTML, Markdown, text), with ``IN_LINE_ATTRIBUTE``
metadata that retrieval filters can use. Only CUSTOM data sources take documents this way; documents of a
LOCAL_FOLDER data source come from its folder (they can be listed and read, by their relative path).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import RequestError
from app.core.services import Services
from app.http.bedrock.protocol import AGENT, bedrock_input, page, policy
from app.http.bedrock.views import document_detail, stored_document_detail
from app.http.deps import AwsPrincipal, ServicesDep
from ingest import InvalidMetadata, MetadataAttribute, parse_metadata
from retrieval import KnowledgeBase, KnowledgeBaseInfo, delete_content, index_content, suffix_for, utc_now

router = APIRouter(tags=["bedrock-agent"])
DOCUMENTS = "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/documents"
_NO_S3 = "{} is not supported: ragkb cannot read S3; send the document inline (custom.sourceType IN_LINE)"

INGEST_DOCUMENTS = policy(
    ["knowledgeBaseId", "dataSourceId", "documents[].content.dataSourceType",
     "documents[].content.custom.customDocumentIdentifier", "documents[].content.custom.sourceType",
     "documents[].content.custom.inlineContent", "documents[].metadata.type", "documents[].metadata.inlineAttributes"],
    ignored=["clientToken"],
    reasons={
        "documents[].content.s3": _NO_S3.format("content.dataSourceType S3"),
        "documents[].content.custom.s3Location": _NO_S3.format("custom.sourceType S3_LOCATION"),
        "documents[].metadata.s3Location": "metadata.type S3_LOCATION is not supported: send IN_LINE_ATTRIBUTE "
        "metadata",
    },
)  # fmt: skip
_IDENTIFIERS = ["knowledgeBaseId", "dataSourceId", "documentIdentifiers[].dataSourceType",
                "documentIdentifiers[].custom"]  # fmt: skip
_S3_IDENTIFIER = {"documentIdentifiers[].s3": _NO_S3.format("an S3 document identifier")}
DELETE_DOCUMENTS = policy(_IDENTIFIERS, ignored=["clientToken"], reasons=_S3_IDENTIFIER)
GET_DOCUMENTS = policy(_IDENTIFIERS, reasons=_S3_IDENTIFIER)
LIST_DOCUMENTS = policy(["knowledgeBaseId", "dataSourceId", "maxResults", "nextToken"])

IngestInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "IngestKnowledgeBaseDocuments", INGEST_DOCUMENTS))]
DeleteInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "DeleteKnowledgeBaseDocuments", DELETE_DOCUMENTS))]
GetInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "GetKnowledgeBaseDocuments", GET_DOCUMENTS))]
ListInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "ListKnowledgeBaseDocuments", LIST_DOCUMENTS))]


@dataclass(frozen=True)
class InlineDocument:
    """One document of an ingest request, decoded and checked before anything is written."""

    id: str
    content: bytes
    suffix: str
    metadata: dict[str, MetadataAttribute]


@router.put(DOCUMENTS, status_code=202, summary="IngestKnowledgeBaseDocuments")
def ingest_knowledge_base_documents(
    principal: AwsPrincipal, services: ServicesDep, params: IngestInput
) -> dict[str, Any]:
    info, kb, source_id = _custom_source(services, principal, params)
    _check_count(services, len(params["documents"]), "documents")
    documents = [_inline_document(doc, where=f"documents[{i}]") for i, doc in enumerate(params["documents"])]
    limits = services.settings.parse_limits()
    details = []
    for doc in documents:
        outcome = index_content(
            kb, data_source_id=source_id, document_id=doc.id, content=doc.content, suffix=doc.suffix,
            metadata=doc.metadata, limits=limits,
        )  # fmt: skip
        details.append(
            document_detail(info.id, source_id, doc.id, outcome.status, reason=outcome.reason, updated_at=utc_now())
        )
    kb.save()
    return {"documentDetails": details}


@router.post(DOCUMENTS + "/deleteDocuments", status_code=202, summary="DeleteKnowledgeBaseDocuments")
def delete_knowledge_base_documents(
    principal: AwsPrincipal, services: ServicesDep, params: DeleteInput
) -> dict[str, Any]:
    """Deleted documents report ``DELETING`` (Bedrock's word; they are already gone), unknown ones ``NOT_FOUND``."""
    info, kb, source_id = _custom_source(services, principal, params)
    ids = _document_ids(services, params["documentIdentifiers"])
    details = []
    for document_id in ids:
        outcome = delete_content(kb, data_source_id=source_id, document_id=document_id)
        status = "DELETING" if outcome.status == "DELETED" else outcome.status
        details.append(document_detail(info.id, source_id, document_id, status, reason=outcome.reason,
                                       updated_at=utc_now()))  # fmt: skip
    kb.save()
    return {"documentDetails": details}


@router.post(DOCUMENTS + "/getDocuments", summary="GetKnowledgeBaseDocuments")
def get_knowledge_base_documents(principal: AwsPrincipal, services: ServicesDep, params: GetInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source_id = services.data_source(kb, params["dataSourceId"]).id
    details = []
    for document_id in _document_ids(services, params["documentIdentifiers"]):
        found = kb.catalog.document_summaries(source_id, uri=document_id)
        if found:
            details.append(stored_document_detail(info.id, found[0]))
        else:
            details.append(document_detail(info.id, source_id, document_id, "NOT_FOUND",
                                           reason="no document with this id in the data source"))  # fmt: skip
    return {"documentDetails": details}


@router.post(DOCUMENTS, summary="ListKnowledgeBaseDocuments")
def list_knowledge_base_documents(principal: AwsPrincipal, services: ServicesDep, params: ListInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source_id = services.data_source(kb, params["dataSourceId"]).id
    summaries = kb.catalog.document_summaries(source_id)
    items, token = page(summaries, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    response: dict[str, Any] = {"documentDetails": [stored_document_detail(info.id, s) for s in items]}
    if token:
        response["nextToken"] = token
    return response


# -- helpers -----------------------------------------------------------------------------------
def _custom_source(
    services: Services, principal: Any, params: Mapping[str, Any]
) -> tuple[KnowledgeBaseInfo, KnowledgeBase, str]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source = services.data_source(kb, params["dataSourceId"])
    if source.type != "CUSTOM":
        raise RequestError(
            f"data source {source.id} is a {source.type} data source: its documents come from its folder; "
            "change the files and run start_ingestion_job"
        )
    return info, kb, source.id


def _check_count(services: Services, count: int, field: str) -> None:
    limit = services.settings.max_documents_per_call
    if count > limit:
        raise RequestError(f"{field} has {count} items; this server takes at most {limit} per call "
                           "(RAGKB_MAX_DOCUMENTS_PER_CALL)")  # fmt: skip


def _document_ids(services: Services, identifiers: list[dict[str, Any]]) -> list[str]:
    _check_count(services, len(identifiers), "documentIdentifiers")
    ids = []
    for i, identifier in enumerate(identifiers):
        if identifier["dataSourceType"] != "CUSTOM" or "custom" not in identifier:
            raise RequestError(f"documentIdentifiers[{i}]: give a CUSTOM identifier with custom.id")
        ids.append(identifier["custom"]["id"])
    return ids


def _inline_document(document: Mapping[str, Any], *, where: str) -> InlineDocument:
    content = document["content"]
    if content["dataSourceType"] != "CUSTOM":
        raise RequestError(_NO_S3.format(f"{where}.content.dataSourceType {content['dataSourceType']}"))
    custom = content.get("custom")
    if custom is None:
        raise RequestError(f"{where}.content.custom is required when dataSourceType is CUSTOM")
    if custom["sourceType"] != "IN_LINE":
        raise RequestError(_NO_S3.format(f"{where}.content.custom.sourceType {custom['sourceType']}"))
    inline = custom.get("inlineContent")
    if inline is None:
        raise RequestError(f"{where}.content.custom.inlineContent is required when sourceType is IN_LINE")
    document_id = custom["customDocumentIdentifier"]["id"]
    if inline["type"] == "TEXT":
        if "textContent" not in inline:
            raise RequestError(f"{where}.content.custom.inlineContent.textContent is required for type TEXT")
        data, suffix = inline["textContent"]["data"].encode("utf-8"), suffix_for("text/plain")
    else:
        if "byteContent" not in inline:
            raise RequestError(f"{where}.content.custom.inlineContent.byteContent is required for type BYTE")
        byte_content = inline["byteContent"]
        try:
            data = base64.b64decode(byte_content["data"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestError(f"{where}.content.custom.inlineContent.byteContent.data is not base64") from exc
        suffix = suffix_for(byte_content["mimeType"])
    return InlineDocument(document_id, data, suffix, _inline_metadata(document.get("metadata"), where=where))


def _inline_metadata(metadata: Mapping[str, Any] | None, *, where: str) -> dict[str, MetadataAttribute]:
    """``IN_LINE_ATTRIBUTE`` metadata as ragkb's attributes (not embedded, as sidecar attributes by default)."""
    if metadata is None:
        return {}
    if metadata["type"] != "IN_LINE_ATTRIBUTE":
        kind = metadata["type"]
        raise RequestError(f"{where}.metadata.type {kind} is not supported: send IN_LINE_ATTRIBUTE metadata")
    attributes: dict[str, Any] = {}
    for attribute in metadata.get("inlineAttributes", []):
        if attribute["key"] in attributes:
            raise RequestError(f"{where}.metadata.inlineAttributes: the key {attribute['key']!r} appears twice")
        attributes[attribute["key"]] = {"value": attribute["value"]}
    try:
        return parse_metadata({"metadataAttributes": attributes})
    except InvalidMetadata as exc:
        raise RequestError(f"{where}.metadata.inlineAttributes: {exc}") from exc
