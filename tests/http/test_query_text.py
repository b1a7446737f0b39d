"""One rule for query text in both APIs: lone surrogates and control characters (NUL, ...) are a 400
with the same reason, from the native retrieve and from Bedrock's retrieve alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.text_rules import LONE_SURROGATE
from tests.conftest import ServerFactory

CONTROL = "text must not contain control characters other than tab, newline and carriage return"


@pytest.fixture(scope="module")
def server(module_live_server: ServerFactory) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=module_live_server(), timeout=30) as client:
        kb = client.post("/v1/knowledge-bases", json={"name": "texts"}).json()["id"]
        source = client.post(f"/v1/knowledge-bases/{kb}/data-sources", json={"name": "up", "type": "CUSTOM"})
        client.post(
            f"/v1/knowledge-bases/{kb}/data-sources/{source.json()['id']}/documents",
            files=[("files", ("doc.txt", b"The library opens at nine."))],
        )
        yield client, kb


BAD_QUERIES = [
    ("opens \ud800 at", LONE_SURROGATE),
    ("\udc00", LONE_SURROGATE),
    ("opens\x00at nine", f"{CONTROL} (found U+0000)"),
    ("opens at nine\x1b[2J", f"{CONTROL} (found U+001B)"),
    ("opens\x85", f"{CONTROL} (found U+0085)"),
]


def post(client: httpx.Client, url: str, body: dict[str, Any]) -> httpx.Response:
    """POST ``body`` as JSON as any client would write it (a lone surrogate as its ``\\ud800`` escape)."""
    return client.post(url, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


@pytest.mark.parametrize(("query", "reason"), BAD_QUERIES)
def test_native_and_bedrock_refuse_the_same_query_text(
    server: tuple[httpx.Client, str], query: str, reason: str
) -> None:
    client, kb = server
    rag_config = {"type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {"knowledgeBaseId": kb, "modelArn": "m"}}
    native = [
        post(client, f"/v1/knowledge-bases/{kb}/retrieve", {"query": query}),
        post(client, f"/v1/knowledge-bases/{kb}/retrieve-and-generate", {"query": query}),
    ]
    bedrock = [
        post(client, f"/knowledgebases/{kb}/retrieve", {"retrievalQuery": {"text": query}}),
        post(
            client, "/retrieveAndGenerate", {"input": {"text": query}, "retrieveAndGenerateConfiguration": rag_config}
        ),
    ]
    for response in native:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_request"
        assert reason in response.json()["error"]["message"]
    for response in bedrock:
        assert response.status_code == 400, response.text
        assert response.headers["x-amzn-ErrorType"] == "ValidationException"
        assert reason in response.json()["message"]


def test_tabs_and_newlines_are_fine_in_both(server: tuple[httpx.Client, str]) -> None:
    client, kb = server
    native = post(client, f"/v1/knowledge-bases/{kb}/retrieve", {"query": "when\tdoes the library\r\nopen?"})
    bedrock = post(client, f"/knowledgebases/{kb}/retrieve", {"retrievalQuery": {"text": "when\tdoes it\nopen?"}})
    assert native.status_code == 200 and native.json()["results"][0]["text"] == "The library opens at nine."
    assert bedrock.status_code == 200
    assert bedrock.json()["retrievalResults"][0]["content"]["text"] == "The library opens at nine."


def test_a_lone_surrogate_anywhere_in_a_bedrock_request_is_refused(server: tuple[httpx.Client, str]) -> None:
    client, kb = server
    where = {"vectorSearchConfiguration": {"filter": {"equals": {"key": "k\ud800", "value": "v"}}}}
    response = post(
        client, f"/knowledgebases/{kb}/retrieve", {"retrievalQuery": {"text": "x"}, "retrievalConfiguration": where}
    )
    assert response.status_code == 400 and LONE_SURROGATE in response.json()["message"]
