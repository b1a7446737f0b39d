"""The native grounding API: ``POST /v1/grounding/check``, ``/v1/guardrails`` and ``check_grounding`` on
retrieve-and-generate, against a live server with the hash embedder (the HashEncoder checker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from grounding import DEFAULT_GROUNDING_THRESHOLD, DEFAULT_RELEVANCE_THRESHOLD
from grounding.crossencoder.hybrid import HybridModel
from tests.conftest import ServerFactory

UK_JAPAN = "London is the capital of the UK. Tokyo is the capital of Japan."
QUERY = "What is the capital of Japan?"
CHECK = "/v1/grounding/check"


@pytest.fixture(scope="module")
def client(module_live_server: ServerFactory) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_live_server(), timeout=60) as http:
        yield http


def check(client: httpx.Client, answer: str, **extra: Any) -> dict[str, Any]:
    response = client.post(CHECK, json={"sources": [UK_JAPAN], "query": QUERY, "answer": answer} | extra)
    assert response.status_code == 200, response.text
    return dict(response.json())


def assert_error(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "status"} and error["status"] == status
    assert fragment in error["message"], error["message"]


# -- /v1/grounding/check ------------------------------------------------------------------------------
def test_check_reports_scores_claims_and_evidence(client: httpx.Client) -> None:
    body = check(client, "Tokyo is the capital of Japan. Bananas grow on Mars.")
    assert set(body) == {"grounding", "relevance", "blocked", "abstained", "claims"}
    for name, default in (("grounding", DEFAULT_GROUNDING_THRESHOLD), ("relevance", DEFAULT_RELEVANCE_THRESHOLD)):
        assert set(body[name]) == {"score", "threshold", "detected", "action", "blocked"}
        assert 0.0 <= body[name]["score"] <= 1.0 and body[name]["threshold"] == default
        assert body[name]["detected"] == (body[name]["score"] < default)
    answer = "Tokyo is the capital of Japan. Bananas grow on Mars."
    assert [c["text"] for c in body["claims"]] == ["Tokyo is the capital of Japan.", "Bananas grow on Mars."]
    for claim in body["claims"]:
        assert answer[claim["start"] : claim["end"]] == claim["text"]
        assert claim["label"] in ("supported", "unsupported", "contradicted")
    first = body["claims"][0]
    assert first["label"] == "supported" and first["evidence"]["source_index"] == 0
    evidence = first["evidence"]
    assert UK_JAPAN[evidence["start"] : evidence["end"]] == evidence["text"] == "Tokyo is the capital of Japan."
    assert body["claims"][1]["label"] != "supported"
    assert body["grounding"]["score"] == min(c["score"] for c in body["claims"])  # the weakest claim decides


def test_thresholds_and_actions_decide_blocked(client: httpx.Client) -> None:
    never = check(client, "Bananas grow on Mars.", grounding_threshold=0, relevance_threshold=0)
    assert not never["grounding"]["detected"] and not never["blocked"]
    always = check(client, "Bananas grow on Mars.", grounding_threshold=0.99, relevance_threshold=0.99)
    assert always["grounding"]["detected"] and always["grounding"]["blocked"] and always["blocked"]
    assert always["claims"][0]["label"] != "supported"  # labels follow the grounding threshold
    report_only = check(
        client, "Bananas grow on Mars.", grounding_threshold=0.99, relevance_threshold=0.99,
        actions={"grounding": "NONE", "relevance": "NONE"},
    )  # fmt: skip
    assert report_only["grounding"]["detected"] and not report_only["blocked"]
    assert report_only["grounding"]["action"] == "NONE"


def test_abstention_has_no_claims(client: httpx.Client) -> None:
    body = check(client, "I don't know.")
    assert body["abstained"] and body["claims"] == [] and body["grounding"]["score"] == 1.0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"sources": [UK_JAPAN], "query": QUERY, "answer": ""}, "body.answer"),
        ({"sources": [UK_JAPAN], "query": QUERY, "answer": "  \n "}, "answer is empty"),
        ({"sources": [], "query": QUERY, "answer": "Tokyo."}, "body.sources"),
        ({"sources": ["  "], "query": QUERY, "answer": "Tokyo."}, "empty"),
        ({"sources": ["x" * 60_000, "y" * 40_001], "query": QUERY, "answer": "Tokyo."}, "more than 100000"),
        ({"sources": [UK_JAPAN], "query": "q" * 1001, "answer": "Tokyo."}, "body.query"),
        ({"sources": [UK_JAPAN], "query": QUERY, "answer": "a" * 5001}, "body.answer"),
        ({"sources": [UK_JAPAN], "query": QUERY, "answer": "Tokyo.", "grounding_threshold": 1.0},
         "body.grounding_threshold"),
        ({"sources": [UK_JAPAN], "query": QUERY, "answer": "Tokyo.", "actions": {"grounding": "WARN"}},
         "body.actions.grounding"),
        ({"sources": [UK_JAPAN], "query": QUERY, "answer": "Tokyo.", "threshold": 0.5}, "threshold"),
        ({"sources": UK_JAPAN, "query": QUERY, "answer": "Tokyo."}, "body.sources"),
    ],
    ids=["empty answer", "blank answer", "no sources", "blank source", "sources over the limit", "long query",
         "long answer", "threshold over 0.99", "unknown action", "unknown field", "sources not a list"],
)  # fmt: skip
def test_check_refuses_bad_input(client: httpx.Client, body: dict[str, Any], fragment: str) -> None:
    assert_error(client.post(CHECK, json=body), 400, fragment)


# -- /v1/guardrails --------------------------------------------------------------------------------------
def test_guardrail_lifecycle(client: httpx.Client) -> None:
    created = client.post(
        "/v1/guardrails",
        json={"name": "native", "grounding": {"threshold": 0.6}, "relevance": {"threshold": 0.4, "action": "NONE"},
              "blocked_output_message": "No answer."},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    guardrail = created.json()
    assert created.headers["location"] == f"/v1/guardrails/{guardrail['id']}"
    assert (guardrail["name"], guardrail["version"], guardrail["versions"]) == ("native", "DRAFT", ["DRAFT"])
    assert guardrail["filters"] == [
        {"type": "GROUNDING", "threshold": 0.6, "action": "BLOCK", "enabled": True},
        {"type": "RELEVANCE", "threshold": 0.4, "action": "NONE", "enabled": True},
    ]
    assert guardrail["blocked_output_message"] == "No answer."
    assert client.get("/v1/guardrails/native").json()["id"] == guardrail["id"]  # by name
    assert client.get(f"/v1/guardrails/{guardrail['id']}").json()["name"] == "native"  # by id
    assert [g["name"] for g in client.get("/v1/guardrails").json()["guardrails"]].count("native") == 1

    version = client.post("/v1/guardrails/native/versions", json={"description": "first"})
    assert version.status_code == 201 and version.json()["version"] == "1"
    assert client.get("/v1/guardrails/native", params={"version": "1"}).json()["description"] == "first"
    assert client.get("/v1/guardrails/native").json()["versions"] == ["DRAFT", "1"]
    assert client.delete("/v1/guardrails/native", params={"version": "1"}).status_code == 204
    assert_error(client.get("/v1/guardrails/native", params={"version": "1"}), 404, "no version 1")
    assert client.delete("/v1/guardrails/native").status_code == 204
    assert_error(client.get("/v1/guardrails/native"), 404, "native")


def test_check_with_a_guardrail(client: httpx.Client) -> None:
    client.post("/v1/guardrails", json={"name": "strict", "grounding": {"threshold": 0.99}})
    response = client.post(
        "/v1/guardrails/strict/check", json={"sources": [UK_JAPAN], "query": QUERY, "answer": "Bananas are purple."}
    )
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["relevance"] is None  # the guardrail has no relevance filter
    assert body["grounding"]["threshold"] == 0.99 and body["grounding"]["detected"] and body["blocked"]


@pytest.mark.parametrize(
    ("request_", "status", "fragment"),
    [
        (("POST", "/v1/guardrails", {"name": "bad", "grounding": {"threshold": 1.5}}), 400, "body.grounding.threshold"),
        (("POST", "/v1/guardrails", {"name": "bad name"}), 400, "body.name"),
        (("POST", "/v1/guardrails", {"name": "bad", "content_policy": {}}), 400, "content_policy"),
        (("POST", "/v1/guardrails", {"name": "bad", "blocked_output_message": ""}), 400, "blocked_output_message"),
        (("GET", "/v1/guardrails/nope", None), 404, "nope"),
        (("DELETE", "/v1/guardrails/nope", None), 404, "nope"),
        (("POST", "/v1/guardrails/nope/versions", {}), 404, "nope"),
        (("POST", "/v1/guardrails/nope/check", {"sources": ["s"], "query": "q", "answer": "a"}), 404, "nope"),
        (("GET", "/v1/guardrails/nope?version=latest", None), 400, "version"),
    ],
    ids=["threshold", "name", "other policy", "empty message", "get unknown", "delete unknown", "version unknown",
         "check unknown", "bad version"],
)  # fmt: skip
def test_guardrail_errors(client: httpx.Client, request_: tuple[str, str, Any], status: int, fragment: str) -> None:
    method, url, body = request_
    assert_error(client.request(method, url, json=body), status, fragment)


def test_duplicate_guardrail_is_a_conflict(client: httpx.Client) -> None:
    assert client.post("/v1/guardrails", json={"name": "dup"}).status_code == 201
    assert_error(client.post("/v1/guardrails", json={"name": "dup"}), 409, "already exists")


# -- retrieve-and-generate ------------------------------------------------------------------------------
def test_retrieve_and_generate_can_check_its_answer(client: httpx.Client) -> None:
    kb = client.post("/v1/knowledge-bases", json={"name": "capitals"}).json()["id"]
    ds = client.post(f"/v1/knowledge-bases/{kb}/data-sources", json={"name": "up", "type": "CUSTOM"}).json()["id"]
    files = [("files", ("capitals.txt", UK_JAPAN.encode()))]
    assert client.post(f"/v1/knowledge-bases/{kb}/data-sources/{ds}/documents", files=files).status_code == 200
    plain = client.post(f"/v1/knowledge-bases/{kb}/retrieve-and-generate", json={"query": QUERY}).json()
    assert plain["grounding"] is None
    body = client.post(
        f"/v1/knowledge-bases/{kb}/retrieve-and-generate", json={"query": QUERY, "check_grounding": True}
    ).json()
    grounding = body["grounding"]
    assert set(grounding) == {"grounding", "relevance", "blocked", "abstained", "claims"}
    # The extractive answerer quotes the retrieved chunks, so its answer is grounded in them.
    assert grounding["grounding"]["score"] > 0.5 and not grounding["grounding"]["detected"]
    for claim in grounding["claims"]:
        assert body["answer"][claim["start"] : claim["end"]] == claim["text"]
        assert claim["evidence"]["text"] in body["retrieved"][claim["evidence"]["source_index"]]["text"]


def test_nothing_retrieved_means_no_grounding_check(client: httpx.Client) -> None:
    client.post("/v1/knowledge-bases", json={"name": "empty"})
    body = client.post(
        "/v1/knowledge-bases/empty/retrieve-and-generate", json={"query": QUERY, "check_grounding": True}
    )
    assert body.status_code == 200 and body.json()["retrieved"] == [] and body.json()["grounding"] is None


# -- the default threshold follows the configured checker ----------------------------------------------
@pytest.mark.slow
def test_a_check_without_thresholds_takes_the_checkers_calibrated_default(live_server: ServerFactory) -> None:
    # v3's calibrated default (0.45) is not the library's (v1's 0.55; v2's is 0.55 too since round 12): a check that
    # names no grounding threshold is judged at the configured checker's, as its scores are calibrated for;
    # relevance keeps the library's.
    calibrated = HybridModel.load().claim.threshold
    assert calibrated != DEFAULT_GROUNDING_THRESHOLD
    base = live_server(embedder="sentence-transformers", grounding_model="hybrid", grounding_runtime="torch")
    with httpx.Client(base_url=base, timeout=120) as http:
        body = check(http, "Tokyo is the capital of Japan.")
        named = check(http, "Tokyo is the capital of Japan.", grounding_threshold=0.7)
    assert body["grounding"]["threshold"] == calibrated
    assert body["relevance"]["threshold"] == DEFAULT_RELEVANCE_THRESHOLD
    assert named["grounding"]["threshold"] == 0.7
