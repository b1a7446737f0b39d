"""Bedrock-compatible API through the real boto3 clients against a live server (hash embedder).

One server per module; each test makes its own knowledge bases, so the order does not matter. Errors are
in ``test_api_bedrock_errors.py``, ingestion jobs in ``test_api_bedrock_jobs.py``, SigV4 in
``test_api_bedrock_auth.py``, routes against botocore's models in ``test_api_bedrock_protocol.py``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from app.settings import Settings
from tests.bedrock_clients import (
    DESCALING,
    SAMPLES,
    Clients,
    boto_clients,
    byte_document,
    create_custom_source,
    create_kb,
    custom_ids,
    error_of,
    rag_request,
    seed_kb,
    text_document,
    vector,
)
from tests.conftest import ServerFactory
from tests.live_server import running_server

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIXED_300 = {
    "chunkingStrategy": "FIXED_SIZE",
    "fixedSizeChunkingConfiguration": {"maxTokens": 300, "overlapPercentage": 20},
}
ID = re.compile(r"^[0-9A-Z]{10}$")


@pytest.fixture(scope="module")
def base_url(module_live_server: ServerFactory) -> str:
    return module_live_server()


@pytest.fixture(scope="module")
def clients(base_url: str) -> Clients:
    return boto_clients(base_url)


# -- the documented flow ---------------------------------------------------------------------------
def test_custom_documents_round_trip(clients: Clients) -> None:
    agent, runtime = clients.agent, clients.runtime
    kb = create_kb(agent, "coffee")
    source = create_custom_source(agent, kb, chunking=FIXED_300)
    documents = [
        text_document("descaling-note", DESCALING, team="barista", year=2024, tags=["machines", "cleaning"]),
        byte_document("brewing-guide.pdf", (SAMPLES / "brewing-guide.pdf").read_bytes(), "application/pdf"),
        byte_document("safety.docx", (SAMPLES / "safety-procedures.docx").read_bytes(), DOCX),
    ]
    ingested = agent.ingest_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source, documents=documents)
    assert ingested["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert [(d["identifier"]["custom"]["id"], d["status"]) for d in ingested["documentDetails"]] == [
        ("descaling-note", "INDEXED"),
        ("brewing-guide.pdf", "INDEXED"),
        ("safety.docx", "INDEXED"),
    ]
    assert all(d["knowledgeBaseId"] == kb and d["dataSourceId"] == source for d in ingested["documentDetails"])

    listed = agent.list_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source)["documentDetails"]
    assert sorted(d["identifier"]["custom"]["id"] for d in listed) == [
        "brewing-guide.pdf",
        "descaling-note",
        "safety.docx",
    ]
    assert {d["status"] for d in listed} == {"INDEXED"}
    assert all(isinstance(d["updatedAt"], datetime) for d in listed)
    got = agent.get_knowledge_base_documents(
        knowledgeBaseId=kb, dataSourceId=source, documentIdentifiers=custom_ids("safety.docx", "missing")
    )["documentDetails"]
    assert [(d["identifier"]["custom"]["id"], d["status"]) for d in got] == [
        ("safety.docx", "INDEXED"),
        ("missing", "NOT_FOUND"),
    ]

    barista = {"equals": {"key": "team", "value": "barista"}}
    found = runtime.retrieve(
        knowledgeBaseId=kb,
        retrievalQuery={"text": "how often to descale the espresso machine"},
        retrievalConfiguration=vector(numberOfResults=5, filter=barista),
    )["retrievalResults"]
    assert len(found) == 1
    assert found[0]["content"] == {"text": DESCALING, "type": "TEXT"}
    assert found[0]["location"] == {"type": "CUSTOM", "customDocumentLocation": {"id": "descaling-note"}}
    assert found[0]["metadata"]["team"] == "barista"
    assert found[0]["metadata"]["year"] == 2024
    assert found[0]["metadata"]["x-amz-bedrock-kb-data-source-id"] == source
    assert isinstance(found[0]["score"], float)
    newer = {"andAll": [barista, {"greaterThanOrEquals": {"key": "year", "value": 2025}}]}
    assert (
        runtime.retrieve(
            knowledgeBaseId=kb, retrievalQuery={"text": "descale"}, retrievalConfiguration=vector(filter=newer)
        )["retrievalResults"]
        == []
    )
    gloves = runtime.retrieve(
        knowledgeBaseId=kb,
        retrievalQuery={"text": "heat-resistant gloves drum door"},
        retrievalConfiguration=vector(numberOfResults=1, overrideSearchType="HYBRID"),
    )
    assert gloves["retrievalResults"][0]["location"]["customDocumentLocation"]["id"] == "safety.docx"
    assert 0 < gloves["retrievalResults"][0]["score"] <= 1  # HYBRID: normalised rank fusion
    # Without overrideSearchType the service chooses, as on Bedrock: HYBRID, ragkb's default everywhere.
    chosen = {
        search: runtime.retrieve(
            knowledgeBaseId=kb, retrievalQuery={"text": "heat-resistant gloves drum door"},
            retrievalConfiguration=vector(**({} if search is None else {"overrideSearchType": search})),
        )["retrievalResults"]
        for search in (None, "HYBRID", "SEMANTIC")
    }  # fmt: skip
    assert chosen[None] == chosen["HYBRID"] != chosen["SEMANTIC"]

    question = "How much coffee for a French press?"
    retrieved = runtime.retrieve(knowledgeBaseId=kb, retrievalQuery={"text": question})["retrievalResults"]
    session = runtime.create_session()["sessionId"]
    answer = runtime.retrieve_and_generate(
        input={"text": question},
        sessionId=session,
        retrieveAndGenerateConfiguration={
            "type": "KNOWLEDGE_BASE",
            "knowledgeBaseConfiguration": {"knowledgeBaseId": kb, "modelArn": "anthropic.claude-3-haiku-20240307-v1:0"},
        },
    )
    assert answer["sessionId"] == session
    assert "30 grams of coarse coffee" in answer["output"]["text"]
    assert answer["citations"]
    retrieved_chunks = {hit["metadata"]["x-amz-bedrock-kb-chunk-id"] for hit in retrieved}
    for citation in answer["citations"]:
        part = citation["generatedResponsePart"]["textResponsePart"]
        span = part["span"]
        assert answer["output"]["text"][span["start"] : span["end"] + 1] == part["text"]
        assert citation["retrievedReferences"]
        for reference in citation["retrievedReferences"]:
            assert reference["metadata"]["x-amz-bedrock-kb-chunk-id"] in retrieved_chunks
            assert part["text"].rstrip(".") in reference["content"]["text"]
            assert "score" not in reference
            assert reference["location"]["customDocumentLocation"]["id"] == "brewing-guide.pdf"

    deleted = agent.delete_knowledge_base_documents(
        knowledgeBaseId=kb, dataSourceId=source, documentIdentifiers=custom_ids("descaling-note", "missing")
    )
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert [d["status"] for d in deleted["documentDetails"]] == ["DELETING", "NOT_FOUND"]
    got = agent.get_knowledge_base_documents(
        knowledgeBaseId=kb, dataSourceId=source, documentIdentifiers=custom_ids("descaling-note")
    )
    assert got["documentDetails"][0]["status"] == "NOT_FOUND"
    assert (
        runtime.retrieve(
            knowledgeBaseId=kb,
            retrievalQuery={"text": "descale the espresso machine"},
            retrievalConfiguration=vector(filter=barista),
        )["retrievalResults"]
        == []
    )
    remaining = agent.list_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source)["documentDetails"]
    assert sorted(d["identifier"]["custom"]["id"] for d in remaining) == ["brewing-guide.pdf", "safety.docx"]


def test_retrieve_and_generate_makes_a_session_id(clients: Clients) -> None:
    kb_id = seed_kb(clients, "sessions")
    config = {"type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {"knowledgeBaseId": kb_id, "modelArn": "m"}}
    first = clients.runtime.retrieve_and_generate(input={"text": "descale"}, retrieveAndGenerateConfiguration=config)
    second = clients.runtime.retrieve_and_generate(input={"text": "descale"}, retrieveAndGenerateConfiguration=config)
    assert re.fullmatch(r"[0-9a-zA-Z._:-]{2,100}", first["sessionId"])
    assert first["sessionId"] != second["sessionId"]


def test_knowledge_base_and_data_source_lifecycle(clients: Clients) -> None:
    agent = clients.agent
    storage = {
        "type": "OPENSEARCH_SERVERLESS",
        "opensearchServerlessConfiguration": {
            "collectionArn": "arn:aws:aoss:us-east-1:123456789012:collection/kb-vectors",
            "vectorIndexName": "index",
            "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
        },
    }
    created = agent.create_knowledge_base(
        name="life-cycle",
        description="for the lifecycle test",
        roleArn="arn:aws:iam::123456789012:role/kb",
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
            },
        },
        storageConfiguration=storage,
        tags={"team": "coffee"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    kb = created["knowledgeBase"]
    assert ID.match(kb["knowledgeBaseId"])
    assert kb["knowledgeBaseArn"] == f"arn:aws:bedrock:us-east-1:000000000000:knowledge-base/{kb['knowledgeBaseId']}"
    assert (kb["name"], kb["description"], kb["status"]) == ("life-cycle", "for the lifecycle test", "ACTIVE")
    assert kb["knowledgeBaseConfiguration"]["vectorKnowledgeBaseConfiguration"]["embeddingModelArn"].endswith(
        "/hash-384"
    )
    assert isinstance(kb["createdAt"], datetime)
    kb_id = kb["knowledgeBaseId"]
    got = agent.get_knowledge_base(knowledgeBaseId=kb_id)["knowledgeBase"]
    assert {k: got[k] for k in ("knowledgeBaseId", "name", "knowledgeBaseArn", "createdAt")} == {
        k: kb[k] for k in ("knowledgeBaseId", "name", "knowledgeBaseArn", "createdAt")
    }
    assert error_of(lambda: create_kb(agent, "life-cycle")).response["Error"]["Code"] == "ConflictException"

    pages = agent.get_paginator("list_knowledge_bases").paginate(PaginationConfig={"PageSize": 1})
    summaries = [s for p in pages for s in p["knowledgeBaseSummaries"]]
    assert kb_id in [s["knowledgeBaseId"] for s in summaries]
    assert len(summaries) == len({s["knowledgeBaseId"] for s in summaries})

    source = agent.create_data_source(
        knowledgeBaseId=kb_id, name="uploads", description="sent by the app", dataSourceConfiguration={"type": "CUSTOM"}
    )["dataSource"]
    assert ID.match(source["dataSourceId"])
    assert (source["status"], source["dataSourceConfiguration"], source["description"]) == (
        "AVAILABLE",
        {"type": "CUSTOM"},
        "sent by the app",
    )
    listed = agent.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"]
    assert [(s["dataSourceId"], s["name"]) for s in listed] == [(source["dataSourceId"], "uploads")]
    assert (
        agent.get_data_source(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"])["dataSource"]["name"]
        == "uploads"
    )

    deleted = agent.delete_data_source(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"])
    assert (deleted["ResponseMetadata"]["HTTPStatusCode"], deleted["status"]) == (202, "DELETING")
    missing = error_of(lambda: agent.get_data_source(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"]))
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"
    assert agent.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"] == []

    gone = agent.delete_knowledge_base(knowledgeBaseId=kb_id)
    assert (gone["ResponseMetadata"]["HTTPStatusCode"], gone["knowledgeBaseId"], gone["status"]) == (
        202,
        kb_id,
        "DELETING",
    )
    with pytest.raises(agent.exceptions.ResourceNotFoundException):
        agent.get_knowledge_base(knowledgeBaseId=kb_id)


def test_first_data_source_sets_the_chunking(clients: Clients) -> None:
    agent = clients.agent
    kb = create_kb(agent, "chunking")
    small = {
        "chunkingStrategy": "FIXED_SIZE",
        "fixedSizeChunkingConfiguration": {"maxTokens": 120, "overlapPercentage": 10},
    }
    first = create_custom_source(agent, kb, name="first", chunking=small)
    assert agent.get_data_source(knowledgeBaseId=kb, dataSourceId=first)["dataSource"][
        "vectorIngestionConfiguration"
    ] == {"chunkingConfiguration": small}
    with pytest.raises(agent.exceptions.ValidationException, match="chunkingConfiguration"):
        create_custom_source(agent, kb, name="second", chunking=FIXED_300)
    same = create_custom_source(agent, kb, name="third", chunking=small)
    unspecified = create_custom_source(agent, kb, name="fourth")
    for source in (same, unspecified):
        view = agent.get_data_source(knowledgeBaseId=kb, dataSourceId=source)["dataSource"]
        assert view["vectorIngestionConfiguration"]["chunkingConfiguration"] == small


def test_apply_guardrail(clients: Clients) -> None:
    content = [
        {"text": {"text": "The grinder needs cleaning.", "qualifiers": ["guard_content"]}},
        {"text": {"text": "Clean the grinder monthly.", "qualifiers": ["grounding_source"]}},
    ]
    result = clients.bedrock.apply_guardrail(
        guardrailIdentifier="passthrough", guardrailVersion="DRAFT", source="OUTPUT", content=content
    )
    assert (result["action"], result["outputs"]) == ("NONE", [])
    assert set(result["usage"].values()) == {0}
    metrics = result["assessments"][0]["invocationMetrics"]
    assert metrics["guardrailCoverage"]["textCharacters"] == {"guarded": 0, "total": 53}
    assert result["assessments"][0]["appliedGuardrailDetails"]["guardrailArn"].endswith(":guardrail/passthrough")
    with pytest.raises(clients.bedrock.exceptions.ResourceNotFoundException):
        clients.bedrock.apply_guardrail(
            guardrailIdentifier="grounding", guardrailVersion="1", source="OUTPUT", content=content
        )
    with pytest.raises(clients.bedrock.exceptions.ResourceNotFoundException, match="version"):
        clients.bedrock.apply_guardrail(
            guardrailIdentifier="passthrough", guardrailVersion="7", source="OUTPUT", content=content
        )
    by_arn = clients.bedrock.apply_guardrail(
        guardrailIdentifier="arn:aws:bedrock:us-east-1:123456789012:guardrail/passthrough",
        guardrailVersion="1",
        source="INPUT",
        content=content,
    )
    assert by_arn["action"] == "NONE"
    image = [{"image": {"format": "png", "source": {"bytes": b"\x89PNG"}}}]
    with pytest.raises(clients.bedrock.exceptions.ValidationException, match="image"):
        clients.bedrock.apply_guardrail(
            guardrailIdentifier="passthrough", guardrailVersion="DRAFT", source="INPUT", content=image
        )


@pytest.mark.slow
def test_real_model_smoke(tmp_path: Any) -> None:
    settings = Settings(home=tmp_path / "home", embedder="sentence-transformers")
    with running_server(settings) as url:
        clients = boto_clients(url)
        kb = create_kb(clients.agent, "smoke")
        source = create_custom_source(clients.agent, kb)
        handbook = (SAMPLES / "handbook.md").read_text()
        documents = [text_document("handbook", handbook), text_document("descaling", DESCALING)]
        clients.agent.ingest_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source, documents=documents)
        hits = clients.runtime.retrieve(
            knowledgeBaseId=kb,
            retrievalQuery={"text": "How do I remove limescale from the coffee maker?"},
            # A paraphrase with no shared keyword: the embeddings alone find it (cosine similarity scores).
            retrievalConfiguration=vector(numberOfResults=1, overrideSearchType="SEMANTIC"),
        )["retrievalResults"]
        assert hits[0]["location"]["customDocumentLocation"]["id"] == "descaling"
        assert 0.3 < hits[0]["score"] <= 1.0
        answer = clients.runtime.retrieve_and_generate(
            **rag_request(kb, "How often should the espresso machine be descaled?")
        )
        assert "two weeks" in answer["output"]["text"]
