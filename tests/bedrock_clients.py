"""Helpers shared by the Bedrock API tests (this module holds no tests): real boto3 clients pointed at a
live ragkb server, and builders for the requests those tests send."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from retrieval.home import Home
from retrieval.store.catalog import Catalog
from retrieval.types import DataSource

SAMPLES = Path(__file__).parents[1] / "data" / "sample"
ROLE_ARN = "arn:aws:iam::123456789012:role/AmazonBedrockExecutionRoleForKnowledgeBase"
TITAN_ARN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
FINISHED = ("COMPLETE", "FAILED", "STOPPED")
DESCALING = "The espresso machine must be descaled every two weeks. Descale it with citric acid, never with vinegar."


class Clients(NamedTuple):
    agent: Any  # boto3 "bedrock-agent"
    runtime: Any  # boto3 "bedrock-agent-runtime"
    bedrock: Any  # boto3 "bedrock-runtime"


def boto_clients(base_url: str, *, key: str = "AKIDRAGKBTEST", secret: str = "secret") -> Clients:
    """The three Bedrock clients an application uses, changed only by ``endpoint_url``."""
    config = Config(retries={"max_attempts": 1}, read_timeout=120)

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=base_url,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=config,
        )

    return Clients(client("bedrock-agent"), client("bedrock-agent-runtime"), client("bedrock-runtime"))


def create_kb(agent: Any, name: str, **extra: Any) -> str:
    response = agent.create_knowledge_base(
        name=name,
        roleArn=ROLE_ARN,
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": TITAN_ARN},
        },
        **extra,
    )
    return str(response["knowledgeBase"]["knowledgeBaseId"])


def create_custom_source(agent: Any, kb_id: str, *, name: str = "docs", chunking: dict[str, Any] | None = None) -> str:
    extra = {"vectorIngestionConfiguration": {"chunkingConfiguration": chunking}} if chunking else {}
    response = agent.create_data_source(
        knowledgeBaseId=kb_id, name=name, dataSourceConfiguration={"type": "CUSTOM"}, **extra
    )
    return str(response["dataSource"]["dataSourceId"])


def attribute(key: str, value: Any) -> dict[str, Any]:
    """An ``IN_LINE_ATTRIBUTE`` metadata attribute, typed from the Python value."""
    if isinstance(value, bool):
        typed = {"type": "BOOLEAN", "booleanValue": value}
    elif isinstance(value, int | float):
        typed = {"type": "NUMBER", "numberValue": value}
    elif isinstance(value, list):
        typed = {"type": "STRING_LIST", "stringListValue": value}
    else:
        typed = {"type": "STRING", "stringValue": value}
    return {"key": key, "value": typed}


def text_document(document_id: str, text: str, **attributes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "content": {
            "dataSourceType": "CUSTOM",
            "custom": {
                "customDocumentIdentifier": {"id": document_id},
                "sourceType": "IN_LINE",
                "inlineContent": {"type": "TEXT", "textContent": {"data": text}},
            },
        }
    }
    if attributes:
        inline = [attribute(k, v) for k, v in attributes.items()]
        document["metadata"] = {"type": "IN_LINE_ATTRIBUTE", "inlineAttributes": inline}
    return document


def byte_document(document_id: str, data: bytes, mime_type: str) -> dict[str, Any]:
    inline = {"type": "BYTE", "byteContent": {"mimeType": mime_type, "data": data}}
    custom = {"customDocumentIdentifier": {"id": document_id}, "sourceType": "IN_LINE", "inlineContent": inline}
    return {"content": {"dataSourceType": "CUSTOM", "custom": custom}}


def custom_ids(*ids: str) -> list[dict[str, Any]]:
    return [{"dataSourceType": "CUSTOM", "custom": {"id": i}} for i in ids]


def register_folder_source(home: Path, kb_id: str, folder: Path, *, name: str = "folder") -> str:
    """Add a LOCAL_FOLDER data source straight to the knowledge base's catalog (Bedrock's API creates
    only CUSTOM ones); the server reads data sources from the catalog on every call."""
    catalog = Catalog(Home(home).directory(kb_id) / "catalog.sqlite")
    config = {"description": "", "path": str(folder), "include": [], "exclude": []}
    source = DataSource.new(name=name, type="LOCAL_FOLDER", config=config)
    catalog.put_data_source(source)
    catalog.close()
    return source.id


def wait_for_job(agent: Any, kb_id: str, source_id: str, job_id: str, *, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job = agent.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source_id, ingestionJobId=job_id)
        if job["ingestionJob"]["status"] in FINISHED:
            return dict(job["ingestionJob"])
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['ingestionJob']['status']} after {timeout_s} s")
        time.sleep(0.05)


def seed_kb(clients: Clients, name: str) -> str:
    """A knowledge base with one CUSTOM data source holding one document (``note``, team ``barista``)."""
    kb = create_kb(clients.agent, name)
    source = create_custom_source(clients.agent, kb)
    clients.agent.ingest_knowledge_base_documents(
        knowledgeBaseId=kb, dataSourceId=source, documents=[text_document("note", DESCALING, team="barista")]
    )
    return kb


def vector(**config: Any) -> dict[str, Any]:
    """A ``KnowledgeBaseRetrievalConfiguration``."""
    return {"vectorSearchConfiguration": config}


def rag_request(kb_id: str, question: str = "descale", **kb_config: Any) -> dict[str, Any]:
    """``retrieve_and_generate`` keyword arguments over ``kb_id``; ``kb_config`` adds to the KB configuration."""
    config = {"knowledgeBaseId": kb_id, "modelArn": "anthropic.claude-3-haiku-20240307-v1:0", **kb_config}
    return {
        "input": {"text": question},
        "retrieveAndGenerateConfiguration": {"type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": config},
    }


def error_of(call: Callable[[], Any]) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value
