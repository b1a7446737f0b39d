"""Native routes for documents: upload into CUSTOM data sources, list, get and delete.

Uploads are indexed synchronously (parsed from a private temporary file by ``retrieval.direct``);
nothing is written anywhere under the uploaded file names. A file name is reduced to its base name
(the part after the last ``/`` or ``\\``, without control characters), which becomes the document id;
uploading the same name again replaces the document.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Response, UploadFile

from app.core.errors import RequestError, ResourceNotFound
from app.core.services import Services
from app.http.deps import NativePrincipal, ServicesDep
from app.http.native.params import DataSourcePath, KbPath
from app.http.native.schemas.resources import ERROR_RESPONSES, Document, DocumentList, UploadedDocument, UploadResponse
from ingest import SUPPORTED_SUFFIXES, MetadataAttribute, parse_metadata
from retrieval import KnowledgeBase, delete_content, index_content

router = APIRouter(responses=ERROR_RESPONSES, tags=["documents"])
DOCUMENTS = "/knowledge-bases/{kb}/data-sources/{ds}/documents"
MAX_NAME_CHARS = 255
DocumentPath = Annotated[
    str, Path(description="Document id: the uploaded file's base name, or a path within the folder.")
]


@router.post(
    DOCUMENTS,
    summary="Upload documents",
    description="Multipart form: one or more `files` (at most RAGKB_MAX_DOCUMENTS_PER_CALL, 400 beyond; each at "
    "most RAGKB_MAX_FILE_MB; the whole body at most RAGKB_MAX_REQUEST_MB, 413 beyond) and an optional "
    '`metadata` field holding a Bedrock sidecar (`{"metadataAttributes": {...}}`) applied to every file. '
    "The file name's suffix picks the parser (" + ", ".join(sorted(SUPPORTED_SUFFIXES)) + "). Each file is "
    "indexed before the response; a file that cannot be is reported FAILED with its reason and the others go "
    "on. Only CUSTOM data sources take uploads (400 for LOCAL_FOLDER: change the folder and run a job).",
)
def upload_documents(
    kb: KbPath,
    ds: DataSourcePath,
    files: Annotated[list[UploadFile], File(description="The documents; the file names become their ids.")],
    services: ServicesDep,
    principal: NativePrincipal,
    metadata: Annotated[
        str | None, Form(description='Bedrock sidecar JSON for every file: {"metadataAttributes": {"year": 2024}}')
    ] = None,
) -> UploadResponse:
    """``curl -F files=@handbook.md -F metadata='{"metadataAttributes":{"team":"hr"}}' .../documents``"""
    info, handle, source = services.open_data_source(kb, ds, principal=principal)
    if source.type != "CUSTOM":
        raise RequestError("uploads go to CUSTOM data sources; this one follows its folder (run an ingestion job)")
    limit = services.settings.max_documents_per_call
    if len(files) > limit:
        raise RequestError(f"{len(files)} files in one upload; the limit is {limit} (RAGKB_MAX_DOCUMENTS_PER_CALL)")
    attributes = _sidecar(metadata)
    outcomes: list[UploadedDocument] = []
    seen: set[str] = set()
    for upload in files:
        outcomes.append(_index_one(services, handle, ds, upload, attributes, seen))
    handle.save()
    services.home.touch(info.id)
    return UploadResponse(documents=outcomes)


@router.get(DOCUMENTS, summary="List documents", description="The data source's documents, by id.")
def list_documents(kb: KbPath, ds: DataSourcePath, services: ServicesDep, principal: NativePrincipal) -> DocumentList:
    _, handle, _ = services.open_data_source(kb, ds, principal=principal)
    return DocumentList(documents=[Document.from_summary(s) for s in handle.catalog.document_summaries(ds)])


@router.get(DOCUMENTS + "/{document_id:path}", summary="Get a document")
def get_document(
    kb: KbPath, ds: DataSourcePath, document_id: DocumentPath, services: ServicesDep, principal: NativePrincipal
) -> Document:
    _, handle, _ = services.open_data_source(kb, ds, principal=principal)
    found = handle.catalog.document_summaries(ds, uri=document_id)
    if not found:
        raise ResourceNotFound(f"no document {document_id!r} in data source {ds}")
    return Document.from_summary(found[0])


@router.delete(
    DOCUMENTS + "/{document_id:path}",
    status_code=204,
    summary="Delete a document",
    description="Removes an uploaded document and its chunks. Documents of a LOCAL_FOLDER data source follow the "
    "folder (400): delete the file and run an ingestion job.",
)
def delete_document(
    kb: KbPath, ds: DataSourcePath, document_id: DocumentPath, services: ServicesDep, principal: NativePrincipal
) -> Response:
    info, handle, source = services.open_data_source(kb, ds, principal=principal)
    if source.type != "CUSTOM":
        raise RequestError("documents of a LOCAL_FOLDER data source follow the folder: delete the file and run a job")
    if delete_content(handle, data_source_id=ds, document_id=document_id).status == "NOT_FOUND":
        raise ResourceNotFound(f"no document {document_id!r} in data source {ds}")
    handle.save()
    services.home.touch(info.id)
    return Response(status_code=204)


def document_name(raw: str | None) -> str | None:
    """The base name of an uploaded file name, or ``None`` when nothing usable is left.

    >>> document_name("../../evil.txt"), document_name("C:\\\\Users\\\\x\\\\notes.md"), document_name("..")
    ('evil.txt', 'notes.md', None)
    """
    base = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in base if ch.isprintable()).strip()
    if name in ("", ".", "..") or len(name) > MAX_NAME_CHARS:
        return None
    return name


def _index_one(
    services: Services, handle: KnowledgeBase, ds: str, upload: UploadFile,
    attributes: dict[str, MetadataAttribute], seen: set[str],
) -> UploadedDocument:  # fmt: skip
    raw = upload.filename or ""
    name = document_name(raw)

    def failed(reason: str) -> UploadedDocument:
        return UploadedDocument(filename=raw, document_id=name, status="FAILED", reason=reason)

    if name is None:
        return failed(f"unusable file name (empty, '.', '..' or over {MAX_NAME_CHARS} characters)")
    if name in seen:
        return failed("the same file name twice in one upload")
    seen.add(name)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return failed(f"unsupported file type {suffix or '(no suffix)'!r}; supported: {supported}")
    limits = services.settings.parse_limits()
    content = upload.file.read(limits.max_file_bytes + 1)
    if len(content) > limits.max_file_bytes:
        return failed(f"file over {services.settings.max_file_mb:g} MB (RAGKB_MAX_FILE_MB)")
    outcome = index_content(
        handle, data_source_id=ds, document_id=name, content=content, suffix=suffix, metadata=attributes,
        limits=limits,
    )  # fmt: skip
    if outcome.status != "INDEXED":
        return failed(outcome.reason or "not indexed")
    return UploadedDocument(filename=raw, document_id=name, status="INDEXED", chunk_count=outcome.chunks)


def _sidecar(raw: str | None) -> dict[str, MetadataAttribute]:
    """The ``metadata`` form field as attributes; invalid JSON or attributes are a 400 for the whole upload."""
    if raw is None or not raw.strip():
        return {}
    try:
        decoded: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RequestError(f"metadata: not valid JSON ({exc.msg} at character {exc.pos})") from exc
    return parse_metadata(decoded)
