"""``converse`` and ``invoke_model`` through boto3's ``bedrock-runtime`` client against a live server whose chat
model is a real fake OpenAI-compatible server on loopback: pass-through, guardrails on the reply, and the
clear error of a server without a model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.bedrock_clients import Clients, boto_clients, error_of
from tests.conftest import ServerFactory
from tests.fake_openai import FakeChat, fake_chat_server

REPLY = "The capital of Japan is Osaka."
SOURCE = "London is the capital of the UK. Tokyo is the capital of Japan."


@pytest.fixture(scope="module")
def chat() -> Iterator[FakeChat]:
    with fake_chat_server(REPLY) as server:
        yield server


@pytest.fixture(scope="module")
def clients(module_live_server: ServerFactory, chat: FakeChat) -> Clients:
    return boto_clients(module_live_server(llm_base_url=chat.base_url, llm_model="tiny"))


@pytest.fixture(scope="module")
def strict(clients: Clients) -> str:
    """A guardrail whose GROUNDING filter (threshold 0.99) blocks any reply the sources do not fully back."""
    control = boto3.client(
        "bedrock", endpoint_url=clients.agent.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="AKIDRAGKBTEST", aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}),
    )  # fmt: skip
    return str(control.create_guardrail(
        name="strict-converse", blockedInputMessaging="Input blocked.", blockedOutputsMessaging="Not grounded.",
        contextualGroundingPolicyConfig={"filtersConfig": [{"type": "GROUNDING", "threshold": 0.99}]},
    )["guardrailId"])  # fmt: skip


def grounded_messages() -> list[dict[str, Any]]:
    return [{"role": "user", "content": [
        {"guardContent": {"text": {"text": SOURCE, "qualifiers": ["grounding_source"]}}},
        {"guardContent": {"text": {"text": "What is the capital of Japan?", "qualifiers": ["query"]}}},
    ]}]  # fmt: skip


def test_converse_passes_through(clients: Clients, chat: FakeChat) -> None:
    response = clients.bedrock.converse(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        system=[{"text": "Answer briefly."}],
        messages=[{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]},
                  {"role": "user", "content": [{"text": "Capital of Japan?"}]}],
        inferenceConfig={"maxTokens": 50, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
    )  # fmt: skip
    assert response["output"]["message"] == {"role": "assistant", "content": [{"text": REPLY}]}
    assert response["stopReason"] == "end_turn"
    assert response["usage"] == {"inputTokens": 11, "outputTokens": 6, "totalTokens": 17}
    assert response["metrics"]["latencyMs"] >= 0
    sent = chat.requests[-1]
    assert sent["model"] == "tiny" and sent["messages"] == [
        {"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Capital of Japan?"},
    ]  # fmt: skip
    assert (sent["max_tokens"], sent["temperature"], sent["top_p"], sent["stop"]) == (50, 0.5, 0.9, ["END"])


def test_converse_guardrail_checks_the_reply(clients: Clients, strict: str) -> None:
    passthrough = clients.bedrock.converse(
        modelId="m", messages=grounded_messages(),
        guardrailConfig={"guardrailIdentifier": "passthrough", "guardrailVersion": "DRAFT", "trace": "enabled"},
    )  # fmt: skip
    assert (passthrough["stopReason"], passthrough["output"]["message"]["content"][0]["text"]) == ("end_turn", REPLY)
    assert "passthrough" in passthrough["trace"]["guardrail"]["outputAssessments"]

    blocked = clients.bedrock.converse(
        modelId="m", messages=grounded_messages(),
        guardrailConfig={"guardrailIdentifier": strict, "guardrailVersion": "DRAFT", "trace": "enabled"},
    )  # fmt: skip
    assert blocked["stopReason"] == "guardrail_intervened"
    assert blocked["output"]["message"]["content"] == [{"text": "Not grounded."}]
    trace = blocked["trace"]["guardrail"]
    assert trace["modelOutput"] == [REPLY]
    filters = trace["outputAssessments"][strict][0]["contextualGroundingPolicy"]["filters"]
    assert filters[0]["type"] == "GROUNDING" and filters[0]["action"] == "BLOCKED" and filters[0]["score"] < 0.99
    untraced = clients.bedrock.converse(
        modelId="m", messages=grounded_messages(),
        guardrailConfig={"guardrailIdentifier": strict, "guardrailVersion": "DRAFT"},
    )  # fmt: skip
    assert "trace" not in untraced and untraced["stopReason"] == "guardrail_intervened"

    missing = error_of(lambda: clients.bedrock.converse(
        modelId="m", messages=grounded_messages(),
        guardrailConfig={"guardrailIdentifier": "nope", "guardrailVersion": "1"},
    ))  # fmt: skip
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"


def test_converse_refuses_what_it_cannot_pass(clients: Clients) -> None:
    image = {"image": {"format": "png", "source": {"bytes": b"\x89PNG"}}}
    refused = error_of(lambda: clients.bedrock.converse(modelId="m", messages=[{"role": "user", "content": [image]}]))
    assert "image content blocks are not supported" in refused.response["Error"]["Message"]
    last = [{"role": "assistant", "content": [{"text": "Hello"}]}]
    assert (
        "must end with a user message"
        in error_of(lambda: clients.bedrock.converse(modelId="m", messages=last)).response["Error"]["Message"]
    )


def test_invoke_model_openai_and_anthropic_bodies(clients: Clients, chat: FakeChat, strict: str) -> None:
    openai = {"messages": [{"role": "user", "content": "Capital of Japan?"}], "max_tokens": 20}
    response = clients.bedrock.invoke_model(modelId="m", body=json.dumps(openai))
    body = json.loads(response["body"].read())
    assert body["choices"][0]["message"]["content"] == REPLY and body["model"] == "tiny"
    assert chat.requests[-1]["max_tokens"] == 20

    question = [{"type": "text", "text": "Capital of Japan?"}]
    anthropic = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 30, "system": "Be brief.",
                 "messages": [{"role": "user", "content": question}]}  # fmt: skip
    body = json.loads(
        clients.bedrock.invoke_model(modelId="anthropic.claude", body=json.dumps(anthropic))["body"].read()
    )
    assert body["content"] == [{"type": "text", "text": REPLY}] and body["stop_reason"] == "end_turn"
    assert chat.requests[-1]["messages"][0] == {"role": "system", "content": "Be brief."}

    guarded = clients.bedrock.invoke_model(
        modelId="m", body=json.dumps(openai), guardrailIdentifier="passthrough", guardrailVersion="1"
    )
    assert "amazon-bedrock-guardrailAction" not in json.loads(guarded["body"].read())
    ungrounded = error_of(lambda: clients.bedrock.invoke_model(
        modelId="m", body=json.dumps(openai), guardrailIdentifier=strict, guardrailVersion="DRAFT"
    ))  # fmt: skip
    assert "qualified grounding_source" in ungrounded.response["Error"]["Message"]  # no sources in a raw body
    odd = error_of(lambda: clients.bedrock.invoke_model(modelId="m", body=json.dumps({"messages": [1]})))
    assert "messages[0] must be an object with a role" in odd.response["Error"]["Message"]
    bad = error_of(lambda: clients.bedrock.invoke_model(modelId="m", body=b"not json"))
    assert "not valid JSON" in bad.response["Error"]["Message"]


def test_without_a_model_the_error_says_so(module_live_server: ServerFactory) -> None:
    plain = boto_clients(module_live_server())
    refused = error_of(
        lambda: plain.bedrock.converse(modelId="m", messages=[{"role": "user", "content": [{"text": "Hi"}]}])
    )
    assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "no model is configured" in refused.response["Error"]["Message"]
    refused = error_of(lambda: plain.bedrock.invoke_model(modelId="m", body=b"{}"))
    assert "RAGKB_LLM_BASE_URL" in refused.response["Error"]["Message"]


def test_converse_stream_passes_deltas_on(clients: Clients, chat: FakeChat, strict: str) -> None:
    messages = [{"role": "user", "content": [{"text": "Capital of Japan?"}]}]
    events = list(clients.bedrock.converse_stream(modelId="m", messages=messages,
                                                  inferenceConfig={"maxTokens": 9})["stream"])  # fmt: skip
    assert chat.requests[-1]["stream"] is True and chat.requests[-1]["max_tokens"] == 9
    assert events[0] == {"messageStart": {"role": "assistant"}}
    deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
    assert len(deltas) == len(REPLY.split(" ")) and "".join(deltas) == REPLY  # one delta per streamed word
    assert [next(iter(e)) for e in events[-3:]] == ["contentBlockStop", "messageStop", "metadata"]
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["usage"]["totalTokens"] == 0  # the fake reports no usage when streaming

    guarded = list(clients.bedrock.converse_stream(
        modelId="m", messages=grounded_messages(),
        guardrailConfig={"guardrailIdentifier": strict, "guardrailVersion": "DRAFT", "streamProcessingMode": "sync"},
    )["stream"])  # fmt: skip
    assert [e["contentBlockDelta"]["delta"]["text"] for e in guarded if "contentBlockDelta" in e] == ["Not grounded."]
    assert guarded[-2]["messageStop"]["stopReason"] == "guardrail_intervened"
    missing = error_of(lambda: clients.bedrock.converse_stream(
        modelId="m", messages=messages, guardrailConfig={"guardrailIdentifier": "nope", "guardrailVersion": "1"}
    ))  # fmt: skip
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"


def test_converse_stream_failure_is_a_model_stream_error(clients: Clients, chat: FakeChat) -> None:
    from botocore.exceptions import EventStreamError

    chat.fail = True
    try:
        response = clients.bedrock.converse_stream(modelId="m", messages=[{"role": "user", "content": [{"text": "x"}]}])
        with pytest.raises(EventStreamError) as caught:
            list(response["stream"])
    finally:
        chat.fail = False
    assert caught.value.response["Error"]["Code"] == "modelStreamErrorException"
