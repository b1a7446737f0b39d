"""Native routes for knowledge bases and their data sources (``/v1/knowledge-bases[/{kb}/data-sources]``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.core.errors import Forbidden
from app.core.services import Services
from app.http.deps import NativePrincipal, ServicesDep
from app.http.native.params import DataSourcePath, KbPath
from app.http.native.schemas.resources import (
    CONFLICT_RESPONSE,
    ERROR_RESPONSES,
    CreateDataSourceRequest,
    CreateKnowledgeBaseRequest,
    DataSource,
    DataSourceList,
    ErrorResponse,
    KnowledgeBaseDetail,
    KnowledgeBaseList,
    KnowledgeBaseSummary,
)
from retrieval import KnowledgeBase, KnowledgeBaseInfo

router = APIRouter(responses=ERROR_RESPONSES)
KB_TAG = "knowledge bases"
DS_TAG = "data sources"


# -- knowledge bases --------------------------------------------------------------------------------
@router.post(
    "/knowledge-bases",
    status_code=201,
    tags=[KB_TAG],
    summary="Create a knowledge base",
    description="An empty knowledge base with its chunking (fixed once created; see `Chunking`). Keys scoped to "
    "some knowledge bases may not create new ones (403). A name already taken is 409.",
    responses={409: {"model": ErrorResponse, "description": "A knowledge base with that name exists."}},
)
def create_knowledge_base(
    body: CreateKnowledgeBaseRequest, services: ServicesDep, principal: NativePrincipal, response: Response
) -> KnowledgeBaseDetail:
    """``POST /v1/knowledge-bases {"name": "handbook"}`` -> 201 and the knowledge base."""
    if principal.kb_ids is not None:
        raise Forbidden("this API key is limited to some knowledge bases and may not create new ones")
    info = services.create_knowledge_base(body.name, chunking=body.chunking.to_config(), description=body.description)
    response.headers["Location"] = f"/v1/knowledge-bases/{info.id}"
    return _detail(services, *services.open_kb(info.id, principal=principal))


@router.get(
    "/knowledge-bases",
    tags=[KB_TAG],
    summary="List knowledge bases",
    description="Every knowledge base the API key may see (all of them when auth is off), by name.",
)
def list_knowledge_bases(services: ServicesDep, principal: NativePrincipal) -> KnowledgeBaseList:
    infos = [info for info in services.home.list() if principal.allows(info.id)]
    return KnowledgeBaseList(knowledge_bases=[KnowledgeBaseSummary.from_info(info) for info in infos])


@router.get(
    "/knowledge-bases/{kb}",
    tags=[KB_TAG],
    summary="Get a knowledge base",
    description="By name or id, with document and chunk counts, its data sources and whether a job runs.",
)
def get_knowledge_base(kb: KbPath, services: ServicesDep, principal: NativePrincipal) -> KnowledgeBaseDetail:
    return _detail(services, *services.open_kb(kb, principal=principal))


@router.delete(
    "/knowledge-bases/{kb}",
    status_code=204,
    tags=[KB_TAG],
    summary="Delete a knowledge base",
    description="Deletes its index, documents, data sources and jobs from RAGKB_HOME (never the source folders). "
    "Refused with 409 while an ingestion job runs: stop it first.",
    responses=CONFLICT_RESPONSE,
)
def delete_knowledge_base(kb: KbPath, services: ServicesDep, principal: NativePrincipal) -> Response:
    info = services.home.get(kb, visible=principal.allows)
    services.delete_knowledge_base(info.id)
    return Response(status_code=204)


# -- data sources -----------------------------------------------------------------------------------
@router.post(
    "/knowledge-bases/{kb}/data-sources",
    status_code=201,
    tags=[DS_TAG],
    summary="Create a data source",
    description="`LOCAL_FOLDER`: a folder under RAGKB_DATA_ROOTS (outside them, or escaping them through '..' or "
    "a symlink: 403; not a folder: 400), indexed by ingestion jobs. `CUSTOM`: documents uploaded through "
    "`.../documents`. Names are unique within the knowledge base (400).",
)
def create_data_source(
    kb: KbPath, body: CreateDataSourceRequest, services: ServicesDep, principal: NativePrincipal, response: Response
) -> DataSource:
    info, handle = services.open_kb(kb, principal=principal)
    source = services.create_data_source(
        handle, name=body.name, type=body.type, path=body.path, include=body.include, exclude=body.exclude,
        description=body.description,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/knowledge-bases/{info.id}/data-sources/{source.id}"
    return DataSource.from_record(info.id, source, document_count=0)


@router.get("/knowledge-bases/{kb}/data-sources", tags=[DS_TAG], summary="List data sources")
def list_data_sources(kb: KbPath, services: ServicesDep, principal: NativePrincipal) -> DataSourceList:
    info, handle = services.open_kb(kb, principal=principal)
    return DataSourceList(data_sources=_data_sources(info, handle))


@router.get("/knowledge-bases/{kb}/data-sources/{ds}", tags=[DS_TAG], summary="Get a data source")
def get_data_source(kb: KbPath, ds: DataSourcePath, services: ServicesDep, principal: NativePrincipal) -> DataSource:
    info, handle, source = services.open_data_source(kb, ds, principal=principal)
    return DataSource.from_record(info.id, source, document_count=len(handle.catalog.documents(ds)))


@router.delete(
    "/knowledge-bases/{kb}/data-sources/{ds}",
    status_code=204,
    tags=[DS_TAG],
    summary="Delete a data source",
    description="Removes the data source, its documents (chunks and vectors) and its jobs; files in its folder "
    "are untouched. 409 while an ingestion job runs on the knowledge base.",
    responses=CONFLICT_RESPONSE,
)
def delete_data_source(kb: KbPath, ds: DataSourcePath, services: ServicesDep, principal: NativePrincipal) -> Response:
    info, handle = services.open_kb(kb, principal=principal)
    services.delete_data_source(info.id, handle, ds)
    services.home.touch(info.id)
    return Response(status_code=204)


def _data_sources(info: KnowledgeBaseInfo, handle: KnowledgeBase) -> list[DataSource]:
    sources = sorted(handle.catalog.data_sources(), key=lambda s: s.name)
    return [DataSource.from_record(info.id, s, document_count=len(handle.catalog.documents(s.id))) for s in sources]


def _detail(services: Services, info: KnowledgeBaseInfo, handle: KnowledgeBase) -> KnowledgeBaseDetail:
    return KnowledgeBaseDetail(
        **KnowledgeBaseSummary.from_info(info).model_dump(),
        document_count=handle.catalog.document_count(),
        chunk_count=handle.catalog.chunk_count(),
        ingesting=services.jobs.running(info.id),
        data_sources=_data_sources(info, handle),
    )
