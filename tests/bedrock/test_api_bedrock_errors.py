"""Bedrock-compatible API errors through the real boto3 clients: each refusal has the right AWS exception
(``ValidationException``, ``ResourceNotFoundException``, ``ConflictException``) and names what was wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.bedrock_clients import (
    Clients,
    boto_clients,
    byte_document,
    create_kb,
    error_of,
    rag_request,
    seed_kb,
    text_document,
    vector,
)
from tests.conftest import ServerFactory


@pytest.fixture(scope="module")
def base_url(module_live_server: ServerFactory) -> str:
    return module_live_server()


@pytest.fixture(scope="module")
def clients(base_url: str) -> Clients:
    return boto_clients(base_url)


@pytest.fixture(scope="module")
def kb_id(clients: Clients) -> str:
    return seed_kb(clients, "errors-kb")


# -- errors ----------------------------------------------------------------------------------------
RAG = "retrieve_and_generate"


ERROR_CASES: list[tuple[str, str, Callable[[str], dict[str, Any]], str, str]] = [
    (
        "unknown kb",
        "retrieve",
        lambda kb: {"knowledgeBaseId": "ZZZZZZZZZZ", "retrievalQuery": {"text": "x"}},
        "ResourceNotFoundException",
        "ZZZZZZZZZZ",
    ),
    ("unknown kb rag", RAG, lambda kb: rag_request("ZZZZZZZZZZ"), "ResourceNotFoundException", "ZZZZZZZZZZ"),
    (
        "empty query",
        "retrieve",
        lambda kb: {"knowledgeBaseId": kb, "retrievalQuery": {"text": "  "}},
        "ValidationException",
        "empty",
    ),
    (
        "too many results",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "retrievalConfiguration": vector(numberOfResults=101),
        },
        "ValidationException",
        "less than or equal to 100",
    ),
    (
        "bad search type",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "retrievalConfiguration": vector(overrideSearchType="FUZZY"),
        },
        "ValidationException",
        "enum value set",
    ),
    (
        "bad filter",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "retrievalConfiguration": vector(filter={"in": {"key": "team", "value": "barista"}}),
        },
        "ValidationException",
        "non-empty list",
    ),
    (
        "filter operator",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "retrievalConfiguration": vector(filter={"greaterThan": {"key": "year", "value": "2020"}}),
        },
        "ValidationException",
        "a number",
    ),
    (
        "next token",
        "retrieve",
        lambda kb: {"knowledgeBaseId": kb, "retrievalQuery": {"text": "x"}, "nextToken": "abc"},
        "ValidationException",
        "nextToken",
    ),
    (
        "reranking by metadata",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "retrievalConfiguration": vector(
                rerankingConfiguration={
                    "type": "BEDROCK_RERANKING_MODEL",
                    "bedrockRerankingConfiguration": {
                        "modelConfiguration": {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/r"},
                        "metadataConfiguration": {"selectionMode": "ALL"},
                    },
                }
            ),
        },
        "ValidationException",
        "metadataConfiguration is not supported",
    ),
    (
        "implicit filter",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "retrievalConfiguration": vector(
                implicitFilterConfiguration={
                    "modelArn": "m",
                    "metadataAttributes": [{"key": "team", "type": "STRING", "description": "the team"}],
                }
            ),
        },
        "ValidationException",
        "implicitFilter",
    ),
    (
        "retrieve guardrail",
        "retrieve",
        lambda kb: {
            "knowledgeBaseId": kb,
            "retrievalQuery": {"text": "x"},
            "guardrailConfiguration": {"guardrailId": "g", "guardrailVersion": "1"},
        },
        "ValidationException",
        "guardrailConfiguration",
    ),
    (
        "external sources",
        RAG,
        lambda kb: {
            "input": {"text": "x"},
            "retrieveAndGenerateConfiguration": {
                "type": "EXTERNAL_SOURCES",
                "externalSourcesConfiguration": {
                    "modelArn": "m",
                    "sources": [
                        {
                            "sourceType": "BYTE_CONTENT",
                            "byteContent": {"identifier": "a", "contentType": "text/plain", "data": b"x"},
                        }
                    ],
                },
            },
        },
        "ValidationException",
        "EXTERNAL_SOURCES",
    ),
    (
        "external sources bare",
        RAG,
        lambda kb: {"input": {"text": "x"}, "retrieveAndGenerateConfiguration": {"type": "EXTERNAL_SOURCES"}},
        "ValidationException",
        "EXTERNAL_SOURCES",
    ),
    (
        "rag unknown guardrail",
        RAG,
        lambda kb: rag_request(
            kb, generationConfiguration={"guardrailConfiguration": {"guardrailId": "g", "guardrailVersion": "1"}}
        ),
        "ResourceNotFoundException",
        "guardrail g does not exist",
    ),
    (
        "prompt template",
        RAG,
        lambda kb: rag_request(
            kb, generationConfiguration={"promptTemplate": {"textPromptTemplate": "$search_results$"}}
        ),
        "ValidationException",
        "promptTemplate",
    ),
    (
        "rag empty",
        RAG,
        lambda kb: {
            "input": {"text": ""},
            "retrieveAndGenerateConfiguration": rag_request(kb)["retrieveAndGenerateConfiguration"],
        },
        "ValidationException",
        "empty",
    ),
]


@pytest.mark.parametrize(
    ("operation", "make_params", "code", "fragment"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_runtime_errors(
    clients: Clients,
    kb_id: str,
    operation: str,
    make_params: Callable[[str], dict[str, Any]],
    code: str,
    fragment: str,
) -> None:
    error = error_of(lambda: getattr(clients.runtime, operation)(**make_params(kb_id)))
    assert error.response["Error"]["Code"] == code
    assert fragment in error.response["Error"]["Message"]
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == (404 if code == "ResourceNotFoundException" else 400)


def test_rag_accepts_ignored_fields(clients: Clients, kb_id: str) -> None:
    params = rag_request(
        kb_id, generationConfiguration={"inferenceConfig": {"textInferenceConfig": {"temperature": 0.2}}}
    )
    kms = "arn:aws:kms:us-east-1:123456789012:key/" + "a" * 36
    answer = clients.runtime.retrieve_and_generate(**params, sessionConfiguration={"kmsKeyArn": kms})
    assert "descale" in answer["output"]["text"].lower()


def test_agent_errors(clients: Clients, kb_id: str) -> None:
    agent = clients.agent
    source = agent.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"][0]["dataSourceId"]
    with pytest.raises(agent.exceptions.ResourceNotFoundException):
        agent.get_knowledge_base(knowledgeBaseId="ZZZZZZZZZZ")
    with pytest.raises(agent.exceptions.ResourceNotFoundException):
        agent.get_data_source(knowledgeBaseId=kb_id, dataSourceId="ZZZZZZZZZZ")
    with pytest.raises(agent.exceptions.ResourceNotFoundException):
        agent.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source, ingestionJobId="ZZZZZZZZZZ")
    with pytest.raises(agent.exceptions.ValidationException, match="S3"):
        agent.create_data_source(
            knowledgeBaseId=kb_id,
            name="bucket",
            dataSourceConfiguration={"type": "S3", "s3Configuration": {"bucketArn": "arn:aws:s3:::my-bucket"}},
        )
    with pytest.raises(agent.exceptions.ValidationException, match="WEB"):
        agent.create_data_source(knowledgeBaseId=kb_id, name="web", dataSourceConfiguration={"type": "WEB"})
    with pytest.raises(agent.exceptions.ValidationException, match="RETAIN"):
        agent.create_data_source(
            knowledgeBaseId=kb_id, name="kept", dataSourceConfiguration={"type": "CUSTOM"}, dataDeletionPolicy="RETAIN"
        )
    with pytest.raises(agent.exceptions.ValidationException, match="parsingConfiguration"):
        agent.create_data_source(
            knowledgeBaseId=kb_id,
            name="parsed",
            dataSourceConfiguration={"type": "CUSTOM"},
            vectorIngestionConfiguration={"parsingConfiguration": {"parsingStrategy": "BEDROCK_DATA_AUTOMATION"}},
        )
    with pytest.raises(agent.exceptions.ValidationException, match="KENDRA"):
        agent.create_knowledge_base(
            name="kendra", roleArn="arn:aws:iam::123456789012:role/r", knowledgeBaseConfiguration={"type": "KENDRA"}
        )
    with pytest.raises(agent.exceptions.ValidationException, match="pattern"):
        create_kb(agent, "bad..name")
    s3_document = {"content": {"dataSourceType": "S3", "s3": {"s3Location": {"uri": "s3://bucket/key.pdf"}}}}
    with pytest.raises(agent.exceptions.ValidationException, match="S3"):
        agent.ingest_knowledge_base_documents(knowledgeBaseId=kb_id, dataSourceId=source, documents=[s3_document])
    with pytest.raises(agent.exceptions.ValidationException, match="image/png"):
        agent.ingest_knowledge_base_documents(
            knowledgeBaseId=kb_id,
            dataSourceId=source,
            documents=[byte_document("picture.png", b"\x89PNG\r\n", "image/png")],
        )
    with pytest.raises(agent.exceptions.ValidationException, match="less than or equal to 10"):
        agent.ingest_knowledge_base_documents(
            knowledgeBaseId=kb_id, dataSourceId=source, documents=[text_document(f"d{i}", "text") for i in range(11)]
        )
    with pytest.raises(agent.exceptions.ValidationException, match="reserved prefix"):
        agent.ingest_knowledge_base_documents(
            knowledgeBaseId=kb_id,
            dataSourceId=source,
            documents=[text_document("meta", "text", **{"x-amz-bedrock-kb-chunk-id": "mine"})],
        )
    with pytest.raises(agent.exceptions.ValidationException, match="nextToken"):
        agent.list_knowledge_base_documents(knowledgeBaseId=kb_id, dataSourceId=source, nextToken="not-a-token")


def test_failed_document_reports_its_reason(clients: Clients, kb_id: str) -> None:
    source = clients.agent.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"][0]["dataSourceId"]
    result = clients.agent.ingest_knowledge_base_documents(
        knowledgeBaseId=kb_id,
        dataSourceId=source,
        documents=[
            byte_document("broken.pdf", b"%PDF-1.7 this is not a pdf", "application/pdf"),
            text_document("fine", "Grind the beans just before brewing."),
        ],
    )
    broken, fine = result["documentDetails"]
    assert broken["status"] == "FAILED" and broken["statusReason"]
    assert fine["status"] == "INDEXED"


def test_errors_have_the_aws_shape(base_url: str, kb_id: str) -> None:
    """Raw HTTP: the body is only ``{"message"}`` and ``x-amzn-ErrorType`` names the exception."""
    cases = [
        (
            "POST",
            "/knowledgebases/ZZZZZZZZZZ/retrieve",
            {"retrievalQuery": {"text": "x"}},
            404,
            "ResourceNotFoundException",
        ),
        ("POST", f"/knowledgebases/{kb_id}/retrieve", {"retrievalQuery": {}}, 400, "ValidationException"),
        (
            "POST",
            f"/knowledgebases/{kb_id}/retrieve",
            {"retrievalQuery": {"text": "x"}, "extra": 1},
            400,
            "ValidationException",
        ),
        (
            "PUT",
            "/knowledgebases/",
            {
                "name": "errors-kb",
                "roleArn": "arn:aws:iam::123456789012:role/r",
                "knowledgeBaseConfiguration": {"type": "VECTOR"},
            },
            409,
            "ConflictException",
        ),
        ("GET", "/knowledgebases/ZZZZZZZZZZ", None, 404, "ResourceNotFoundException"),
        ("GET", "/knowledgebases/too-short", None, 400, "ValidationException"),
    ]
    for method, path, body, status, kind in cases:
        response = httpx.request(method, base_url + path, json=body)
        assert (response.status_code, response.headers["x-amzn-ErrorType"]) == (status, kind), path
        assert list(response.json()) == ["message"] and response.json()["message"]
    not_json = httpx.post(f"{base_url}/knowledgebases/{kb_id}/retrieve", content=b"{not json")
    assert (not_json.status_code, not_json.headers["x-amzn-ErrorType"]) == (400, "ValidationException")
