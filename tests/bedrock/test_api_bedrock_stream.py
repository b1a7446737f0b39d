"""``retrieve_and_generate_stream`` through boto3 against a live server: botocore's own ``EventStream``
decodes every frame (prelude, headers, payload and both CRC32s are checked by it), the extractive answerer
and an OpenAI-compatible chat model (a real fake server on loopback) both stream, guardrails add their event,
and a failure after the stream began arrives as an exception event."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import EventStreamError

from app.http.bedrock.protocol import event, frame
from retrieval import ABSTENTION
from tests.bedrock_clients import DESCALING, Clients, boto_clients, error_of, rag_request, seed_kb
from tests.conftest import ServerFactory
from tests.fake_openai import FakeChat, fake_chat_server

MODEL_REPLY = "Descale the machine every two weeks [1]. Use citric acid, never vinegar [1]. Enjoy your coffee."


@pytest.fixture(scope="module")
def clients(module_live_server: ServerFactory) -> Clients:
    return boto_clients(module_live_server())


@pytest.fixture(scope="module")
def chat() -> Iterator[FakeChat]:
    with fake_chat_server(MODEL_REPLY) as server:
        yield server


@pytest.fixture(scope="module")
def llm_clients(module_live_server: ServerFactory, chat: FakeChat) -> Clients:
    return boto_clients(module_live_server(llm_base_url=chat.base_url, llm_model="tiny"))


def events(response: dict[str, Any]) -> list[dict[str, Any]]:
    return list(response["stream"])


def text_of(received: list[dict[str, Any]]) -> str:
    return "".join(e["output"]["text"] for e in received if "output" in e)


# -- framing ---------------------------------------------------------------------------------------
def test_frames_decode_with_botocore() -> None:
    data = event("output", {"text": "héllo"}) + frame({":message-type": "event", ":event-type": "x"}, b"")
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    first, second = list(buffer)
    assert first.headers == {":message-type": "event", ":event-type": "output", ":content-type": "application/json"}
    assert first.payload == b'{"text": "h\\u00e9llo"}'
    assert (second.headers[":event-type"], second.payload) == ("x", b"")
    total, headers = struct.unpack(">II", data[:8])
    assert headers == sum(1 + len(name) + 3 + len(value) for name, value in first.headers.items())
    assert total == len(data) - len(frame({":message-type": "event", ":event-type": "x"}, b""))
    assert struct.unpack(">I", data[8:12])[0] == zlib.crc32(data[:8])
    corrupt = bytearray(data)
    corrupt[20] ^= 1
    buffer = EventStreamBuffer()
    buffer.add_data(bytes(corrupt))
    with pytest.raises(ChecksumMismatch):
        list(buffer)


# -- extractive answerer ---------------------------------------------------------------------------
def test_extractive_answer_streams_with_citations(clients: Clients) -> None:
    kb = seed_kb(clients, "stream-extractive")
    plain = clients.runtime.retrieve_and_generate(**rag_request(kb, "How do I descale the machine?"))
    response = clients.runtime.retrieve_and_generate_stream(**rag_request(kb, "How do I descale the machine?"))
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    received = events(response)
    assert [next(iter(e)) for e in received][:2] == ["output", "citation"]
    assert text_of(received) == plain["output"]["text"]
    citations = [e["citation"] for e in received if "citation" in e]
    assert [c["generatedResponsePart"] for c in citations] == [c["generatedResponsePart"] for c in plain["citations"]]
    assert citations[0]["retrievedReferences"][0]["content"]["text"] == DESCALING
    assert citations[0]["retrievedReferences"][0]["location"]["customDocumentLocation"]["id"] == "note"
    assert response["sessionId"] != plain["sessionId"]
    assert clients.runtime.get_session(sessionIdentifier=response["sessionId"])["sessionStatus"] == "ACTIVE"


def test_stream_without_hits_says_it_cannot_answer(clients: Clients) -> None:
    kb = seed_kb(clients, "stream-empty")
    where = {"vectorSearchConfiguration": {"filter": {"equals": {"key": "team", "value": "nobody"}}}}
    received = events(clients.runtime.retrieve_and_generate_stream(**rag_request(kb, retrievalConfiguration=where)))
    assert received == [{"output": {"text": ABSTENTION}}]  # the extractive answerer's abstention, no citation


def test_stream_errors_before_the_stream_are_plain_errors(clients: Clients) -> None:
    error = error_of(lambda: clients.runtime.retrieve_and_generate_stream(**rag_request("KB00000000")))
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    kb = seed_kb(clients, "stream-bad")
    error = error_of(lambda: clients.runtime.retrieve_and_generate_stream(**rag_request(kb), sessionId="nope-1"))
    assert error.response["Error"]["Code"] == "ValidationException"
    assert "Session with Id nope-1 is not valid" in error.response["Error"]["Message"]


def test_guardrail_event_closes_the_stream(clients: Clients, module_live_server: ServerFactory) -> None:
    kb = seed_kb(clients, "stream-guarded")
    passthrough = {"guardrailConfiguration": {"guardrailId": "passthrough", "guardrailVersion": "DRAFT"}}
    received = events(clients.runtime.retrieve_and_generate_stream(
        **rag_request(kb, generationConfiguration=passthrough)
    ))  # fmt: skip
    assert received[-1] == {"guardrail": {"action": "NONE"}}
    assert "citric acid" in text_of(received)

    control = boto3.client(
        "bedrock", endpoint_url=clients.agent.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="AKIDRAGKBTEST", aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}),
    )  # fmt: skip
    strict = control.create_guardrail(
        name="strict-stream", blockedInputMessaging="No.", blockedOutputsMessaging="Not grounded enough.",
        contextualGroundingPolicyConfig={"filtersConfig": [{"type": "GROUNDING", "threshold": 0.99}]},
    )["guardrailId"]  # fmt: skip
    blocking = {"guardrailConfiguration": {"guardrailId": strict, "guardrailVersion": "DRAFT"}}
    request = rag_request(kb, generationConfiguration=blocking)
    received = events(clients.runtime.retrieve_and_generate_stream(**request))
    assert received == [{"output": {"text": "Not grounded enough."}}, {"guardrail": {"action": "INTERVENED"}}]
    plain = clients.runtime.retrieve_and_generate(**request)
    assert (plain["output"]["text"], plain["guardrailAction"], plain["citations"]) == (
        "Not grounded enough.", "INTERVENED", []
    )  # fmt: skip


# -- OpenAI-compatible chat model ------------------------------------------------------------------
def test_chat_model_streams_sentence_by_sentence(llm_clients: Clients, chat: FakeChat) -> None:
    kb = seed_kb(llm_clients, "stream-llm")
    chat.requests.clear()
    received = events(llm_clients.runtime.retrieve_and_generate_stream(**rag_request(kb, "How to descale?")))
    assert chat.requests[-1]["stream"] is True and chat.requests[-1]["model"] == "tiny"
    outputs = [e["output"]["text"] for e in received if "output" in e]
    assert outputs == [
        "Descale the machine every two weeks.", " Use citric acid, never vinegar.", " Enjoy your coffee."
    ]  # fmt: skip
    citations = [e["citation"]["generatedResponsePart"]["textResponsePart"] for e in received if "citation" in e]
    assert citations == [
        {"text": "Descale the machine every two weeks.", "span": {"start": 0, "end": 35}},
        {"text": "Use citric acid, never vinegar.", "span": {"start": 37, "end": 67}},
    ]  # the uncited last sentence has no citation event
    plain = llm_clients.runtime.retrieve_and_generate(**rag_request(kb, "How to descale?"))
    assert "stream" not in chat.requests[-1]
    assert plain["output"]["text"] == "".join(outputs)
    assert [c["generatedResponsePart"]["textResponsePart"] for c in plain["citations"][:2]] == citations


def test_chat_model_failure_mid_stream_is_an_exception_event(llm_clients: Clients, chat: FakeChat) -> None:
    kb = seed_kb(llm_clients, "stream-llm-fails")
    chat.fail = True
    try:
        response = llm_clients.runtime.retrieve_and_generate_stream(**rag_request(kb))
        with pytest.raises(EventStreamError) as caught:
            events(response)
    finally:
        chat.fail = False
    assert caught.value.response["Error"]["Code"] == "badGatewayException"
    assert "the chat model at" in caught.value.response["Error"]["Message"]
