"""Bedrock-compatible routes for boto3's ``bedrock-agent`` and ``bedrock-agent-runtime`` clients.

Knowledge bases and data sources live here; ingestion jobs, documents, retrieval and tags in the
``agent_jobs``, ``agent_documents``, ``agent_runtime`` and ``agent_tags`` modules this router includes.
Methods, paths and status codes are Bedrock's (``tests/bedrock/test_api_bedrock_protocol.py`` checks them against
botocore's model); inputs are validated by :func:`app.http.bedrock.protocol.bedrock_input`. What is
accepted, ignored or refused is listed in ``docs/bedrock-compatibility.md``.

``update_knowledge_base`` changes what Bedrock lets change after creation (name and description: the
configuration must stay ``VECTOR``, the embedding model is the server's); ``update_data_source`` changes the
name, description and deletion policy, and refuses a different chunking configuration, which Bedrock fixes
at creation, as it does.

Chunking: Bedrock sets it per data source, ragkb per knowledge base. A knowledge base created here
starts with ragkb's default chunking; the first data source that brings a ``chunkingConfiguration``
while the knowledge base has no data source and no document sets it; later data sources must bring
the same configuration or none.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import InvalidDataSource, RequestError
from app.core.services import Services
from app.http.bedrock import agent_documents, agent_jobs, agent_runtime, agent_tags
from app.http.bedrock.protocol import AGENT, bedrock_input, page, policy
from app.http.bedrock.views import data_source_summary, data_source_view, knowledge_base_summary, knowledge_base_view
from app.http.deps import AwsPrincipal, ServicesDep
from ingest import ChunkingConfig
from retrieval import KnowledgeBase, KnowledgeBaseInfo, utc_now

router = APIRouter(tags=["bedrock-agent"])
for _module in (agent_jobs, agent_documents, agent_runtime, agent_tags):
    router.include_router(_module.router)

_NOT_VECTOR = "knowledgeBaseConfiguration.type {} is not supported: ragkb knowledge bases are VECTOR"
_ONLY_CUSTOM = (
    "dataSourceConfiguration.type {} is not supported: only CUSTOM data sources (documents sent with "
    "ingest_knowledge_base_documents) can be created through the Bedrock API; ragkb has no S3, web or SaaS "
    "connectors. Index a local folder with a LOCAL_FOLDER data source through the native API"
)
_KB_IGNORED = [
    "roleArn", "storageConfiguration", "knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration.embeddingModelArn",
    "knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration.embeddingModelConfiguration",
]  # fmt: skip
_KB_REASONS = {
    "knowledgeBaseConfiguration.kendraKnowledgeBaseConfiguration": _NOT_VECTOR.format("KENDRA"),
    "knowledgeBaseConfiguration.sqlKnowledgeBaseConfiguration": _NOT_VECTOR.format("SQL"),
}
CREATE_KB = policy(
    ["name", "description", "knowledgeBaseConfiguration.type", "tags"], ignored=["clientToken", *_KB_IGNORED],
    reasons=_KB_REASONS,
)  # fmt: skip
UPDATE_KB = policy(
    ["knowledgeBaseId", "name", "description", "knowledgeBaseConfiguration.type"], ignored=_KB_IGNORED,
    reasons=_KB_REASONS,
)  # fmt: skip
LIST_KBS = policy(["maxResults", "nextToken"])
KB_ID = policy(["knowledgeBaseId"])
CREATE_DATA_SOURCE = policy(
    ["knowledgeBaseId", "name", "description", "dataSourceConfiguration.type", "dataDeletionPolicy",
     "vectorIngestionConfiguration.chunkingConfiguration"],
    ignored=["clientToken", "serverSideEncryptionConfiguration"],
    reasons={
        f"dataSourceConfiguration.{kind.lower()}Configuration": _ONLY_CUSTOM.format(kind)
        for kind in ("S3", "WEB", "CONFLUENCE", "SALESFORCE")
    } | {"dataSourceConfiguration.sharePointConfiguration": _ONLY_CUSTOM.format("SHAREPOINT")},
)  # fmt: skip
UPDATE_DATA_SOURCE = policy(
    ["knowledgeBaseId", "dataSourceId", "name", "description", "dataSourceConfiguration.type", "dataDeletionPolicy",
     "vectorIngestionConfiguration.chunkingConfiguration"],
    ignored=["serverSideEncryptionConfiguration"], reasons=CREATE_DATA_SOURCE.reasons,
)  # fmt: skip
LIST_DATA_SOURCES = policy(["knowledgeBaseId", "maxResults", "nextToken"])
DATA_SOURCE_ID = policy(["knowledgeBaseId", "dataSourceId"])

CreateKbInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "CreateKnowledgeBase", CREATE_KB))]
ListKbsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "ListKnowledgeBases", LIST_KBS))]
GetKbInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "GetKnowledgeBase", KB_ID))]
UpdateKbInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "UpdateKnowledgeBase", UPDATE_KB))]
DeleteKbInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "DeleteKnowledgeBase", KB_ID))]
CreateDsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "CreateDataSource", CREATE_DATA_SOURCE))]
ListDsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "ListDataSources", LIST_DATA_SOURCES))]
GetDsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "GetDataSource", DATA_SOURCE_ID))]
UpdateDsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "UpdateDataSource", UPDATE_DATA_SOURCE))]
DeleteDsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "DeleteDataSource", DATA_SOURCE_ID))]


# -- knowledge bases ---------------------------------------------------------------------------
@router.put("/knowledgebases/", status_code=202, summary="CreateKnowledgeBase")
def create_knowledge_base(principal: AwsPrincipal, services: ServicesDep, params: CreateKbInput) -> dict[str, Any]:
    kind = params["knowledgeBaseConfiguration"]["type"]
    if kind != "VECTOR":
        raise RequestError(_NOT_VECTOR.format(kind))
    info = services.create_knowledge_base(
        params["name"], chunking=ChunkingConfig(), description=params.get("description", "")
    )
    if params.get("tags"):
        services.tags.tag(info.id, params["tags"])
    return {"knowledgeBase": _kb_view(services, info)}


@router.post("/knowledgebases/", summary="ListKnowledgeBases")
def list_knowledge_bases(principal: AwsPrincipal, services: ServicesDep, params: ListKbsInput) -> dict[str, Any]:
    visible = [info for info in services.home.list() if principal.allows(info.id)]
    items, token = page(visible, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    response: dict[str, Any] = {"knowledgeBaseSummaries": [knowledge_base_summary(info) for info in items]}
    if token:
        response["nextToken"] = token
    return response


@router.get("/knowledgebases/{knowledgeBaseId}", summary="GetKnowledgeBase")
def get_knowledge_base(principal: AwsPrincipal, services: ServicesDep, params: GetKbInput) -> dict[str, Any]:
    info, _ = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    return {"knowledgeBase": _kb_view(services, info)}


@router.put("/knowledgebases/{knowledgeBaseId}", status_code=202, summary="UpdateKnowledgeBase")
def update_knowledge_base(principal: AwsPrincipal, services: ServicesDep, params: UpdateKbInput) -> dict[str, Any]:
    info, _ = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    kind = params["knowledgeBaseConfiguration"]["type"]
    if kind != "VECTOR":
        raise RequestError(f"knowledgeBaseConfiguration.type cannot change: this knowledge base is VECTOR, not {kind}")
    info = services.home.update(info.id, name=params["name"], description=params.get("description", ""))
    return {"knowledgeBase": _kb_view(services, info)}


@router.delete("/knowledgebases/{knowledgeBaseId}", status_code=202, summary="DeleteKnowledgeBase")
def delete_knowledge_base(principal: AwsPrincipal, services: ServicesDep, params: DeleteKbInput) -> dict[str, Any]:
    info, _ = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    services.delete_knowledge_base(info.id)
    return {"knowledgeBaseId": info.id, "status": "DELETING"}


# -- data sources ------------------------------------------------------------------------------
@router.put("/knowledgebases/{knowledgeBaseId}/datasources/", summary="CreateDataSource")
def create_data_source(principal: AwsPrincipal, services: ServicesDep, params: CreateDsInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    kind = params["dataSourceConfiguration"]["type"]
    if kind != "CUSTOM":
        raise RequestError(_ONLY_CUSTOM.format(kind))
    if params.get("dataDeletionPolicy", "DELETE") != "DELETE":
        raise RequestError(
            "dataDeletionPolicy RETAIN is not supported: deleting a ragkb data source always deletes its documents"
        )
    chunking = params.get("vectorIngestionConfiguration", {}).get("chunkingConfiguration")
    if chunking is not None:
        settle_chunking(services, info, kb, ChunkingConfig.from_bedrock(chunking))
    source = services.create_data_source(
        kb, name=params["name"], type="CUSTOM", description=params.get("description", "")
    )
    return {"dataSource": data_source_view(info.id, source, chunking=kb.chunking)}


@router.post("/knowledgebases/{knowledgeBaseId}/datasources/", summary="ListDataSources")
def list_data_sources(principal: AwsPrincipal, services: ServicesDep, params: ListDsInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    sources = sorted(kb.catalog.data_sources(), key=lambda source: source.created_at)
    items, token = page(sources, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    response: dict[str, Any] = {"dataSourceSummaries": [data_source_summary(info.id, s) for s in items]}
    if token:
        response["nextToken"] = token
    return response


@router.get("/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}", summary="GetDataSource")
def get_data_source(principal: AwsPrincipal, services: ServicesDep, params: GetDsInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source = services.data_source(kb, params["dataSourceId"])
    return {"dataSource": data_source_view(info.id, source, chunking=kb.chunking)}


@router.put("/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}", summary="UpdateDataSource")
def update_data_source(principal: AwsPrincipal, services: ServicesDep, params: UpdateDsInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source = services.data_source(kb, params["dataSourceId"])
    kind = params["dataSourceConfiguration"]["type"]
    if kind != source.type:
        raise RequestError(f"dataSourceConfiguration.type cannot change: this data source is {source.type}")
    if params.get("dataDeletionPolicy", "DELETE") != "DELETE":
        raise RequestError(
            "dataDeletionPolicy RETAIN is not supported: deleting a ragkb data source always deletes its documents"
        )
    chunking = params.get("vectorIngestionConfiguration", {}).get("chunkingConfiguration")
    if chunking is not None and ChunkingConfig.from_bedrock(chunking).to_bedrock() != kb.chunking.to_bedrock():
        raise RequestError(
            "vectorIngestionConfiguration.chunkingConfiguration cannot be changed after the data source is created "
            f"(it is {kb.chunking.to_bedrock()}): create a new data source, in another knowledge base"
        )
    if any(s.name == params["name"] and s.id != source.id for s in kb.catalog.data_sources()):
        raise InvalidDataSource(f"a data source named {params['name']!r} already exists in this knowledge base")
    config = source.config | {"description": params.get("description", "")}
    kb.catalog.put_data_source(dataclasses.replace(source, name=params["name"], config=config, updated_at=utc_now()))
    updated = services.data_source(kb, source.id)
    return {"dataSource": data_source_view(info.id, updated, chunking=kb.chunking)}


@router.delete("/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}", status_code=202,
               summary="DeleteDataSource")  # fmt: skip
def delete_data_source(principal: AwsPrincipal, services: ServicesDep, params: DeleteDsInput) -> dict[str, Any]:
    info, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    source = services.delete_data_source(info.id, kb, params["dataSourceId"])
    return {"knowledgeBaseId": info.id, "dataSourceId": source.id, "status": "DELETING"}


def settle_chunking(services: Services, info: KnowledgeBaseInfo, kb: KnowledgeBase, wanted: ChunkingConfig) -> None:
    """Make ``wanted`` the knowledge base's chunking if it can still change; refuse a different one otherwise."""
    if wanted.to_bedrock() == kb.chunking.to_bedrock():
        return
    if kb.catalog.data_sources() or kb.catalog.document_count():
        current = kb.chunking.to_bedrock()
        raise RequestError(
            "vectorIngestionConfiguration.chunkingConfiguration differs from this knowledge base's chunking "
            f"{current}: ragkb chunks per knowledge base, and its first data source set it. Send the same "
            "configuration or none, or use another knowledge base"
        )
    services.home.set_chunking(info.id, wanted)
    kb.chunking = wanted


def _kb_view(services: Services, info: KnowledgeBaseInfo) -> dict[str, Any]:
    return knowledge_base_view(info, region=services.settings.aws_region, dimension=services.embedder.dimension)
