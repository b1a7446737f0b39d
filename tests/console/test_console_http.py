"""The console over real HTTP (uvicorn, httpx) with auth on: a key entered once becomes an HTTP-only cookie,
forms need their CSRF token, errors keep the one JSON shape, and guardrail checks that intervene reach the
violation log."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from app.core.keys import KeyStore
from app.settings import Settings
from tests.bedrock_clients import boto_clients
from tests.conftest import ServerFactory
from tests.console_support import sample_home
from tests.live_server import running_server

QUESTION = "How many vacation days do employees get?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    home = sample_home(tmp_path_factory.mktemp("home"))
    keys = KeyStore(home)
    key, _ = keys.create(description="console test")
    keys.close()
    with running_server(Settings(home=home, embedder="hash", auth="required")) as base_url:
        yield base_url, key


@contextmanager
def signed_in(base_url: str, key: str) -> Iterator[tuple[httpx.Client, str]]:
    """A client that entered ``key`` on the login page, and the page's CSRF token."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield _login(client, key)


def _login(client: httpx.Client, key: str) -> tuple[httpx.Client, str]:
    login = client.get("/ui/login")
    token = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert token is not None
    response = client.post("/ui/login", data={"key": key, "csrf": token.group(1), "next": "/ui/playground"})
    assert response.status_code == 303 and response.headers["location"] == "/ui/playground"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("ragkb_key="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    return client, token.group(1)


def test_pages_ask_for_a_key_first_and_refuse_a_wrong_one(server: tuple[str, str]) -> None:
    base_url, _ = server
    with httpx.Client(base_url=base_url) as client:
        page = client.get("/ui/evaluations")
        assert page.status_code == 303 and page.headers["location"] == "/ui/login?next=/ui/evaluations"
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/login").text)
        assert token is not None
        wrong = client.post("/ui/login", data={"key": "rkb_wrong", "csrf": token.group(1)})
        assert wrong.status_code == 401 and "invalid API key" in wrong.text
        client.cookies.set("ragkb_key", "rkb_forged", path="/ui")
        assert client.get("/ui/playground").status_code == 303


def test_signed_in_the_playground_answers_and_keeps_the_conversation(server: tuple[str, str]) -> None:
    with signed_in(*server) as (client, token):
        page = client.get("/ui/playground")
        assert page.status_code == 200 and '<option value="sample" selected>' in page.text
        turn = client.post(
            "/ui/playground/ask", data={"kb": "sample", "query": QUESTION, "k": "3"}, headers={"X-CSRF-Token": token}
        )
        assert turn.status_code == 200, turn.text
        assert "28 days of paid vacation" in turn.text and turn.text.count('data-testid="chunk"') == 3
        conversation = re.search(r'id="conversation" value="([A-Z0-9]+)"', turn.text)
        assert conversation is not None
        history = client.get(f"/ui/playground?conversation={conversation.group(1)}")
        assert QUESTION in history.text and "28 days of paid vacation" in history.text


def test_forms_without_their_csrf_token_are_refused(server: tuple[str, str]) -> None:
    with signed_in(*server) as (client, _):
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            response = client.post("/ui/playground/ask", data={"kb": "sample", "query": QUESTION}, headers=headers)
            assert response.status_code == 403
            assert response.json()["error"] == {
                "code": "forbidden", "status": 403,
                "message": "the form's CSRF token is missing or stale: reload the page and try again",
            }  # fmt: skip


def test_bad_console_input_is_a_4xx_in_the_one_json_shape(server: tuple[str, str]) -> None:
    with signed_in(*server) as (client, token):
        csrf = {"X-CSRF-Token": token}
        cases = [
            client.post("/ui/playground/ask", data={"kb": "nope", "query": "q"}, headers=csrf),
            client.post("/ui/playground/ask", data={"kb": "sample", "query": "q", "filter": "{"}, headers=csrf),
            client.post("/ui/playground/ask", data={"kb": "sample", "query": "q", "k": "0"}, headers=csrf),
            client.post("/ui/checker/check", data={"query": "q", "answer": "a"}, headers=csrf),
            client.get("/ui/evaluations/NOPE"),
            client.post("/ui/evaluations", data={"name": "x", "method": "thumbs", "reviewers": "a"}, headers=csrf),
        ]
        for response in cases:
            assert 400 <= response.status_code < 500, response.text
            body = response.json()["error"]
            assert set(body) == {"code", "message", "status"} and body["status"] == response.status_code


def test_a_blocking_guardrail_check_is_in_the_violation_log(server: tuple[str, str]) -> None:
    base_url, key = server
    bearer = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, headers=bearer) as api:
        created = api.post("/v1/guardrails", json={"name": "strict", "grounding": {"threshold": 0.9}})
        assert created.status_code == 201, created.text
        guardrail = created.json()["id"]
        body = {"sources": ["Green coffee sacks weigh up to 70 kg."], "query": "How heavy are sacks?",
                "answer": "Sacks weigh 5 kg."}  # fmt: skip
        assert api.post(f"/v1/guardrails/{guardrail}/check", json=body).json()["blocked"] is True
    with signed_in(base_url, key) as (client, _):
        page = client.get(f"/ui/guardrails/violations?guardrail={guardrail}")
        assert page.status_code == 200 and "Sacks weigh 5 kg." in page.text and ">check<" in page.text
        exported = client.get(f"/ui/guardrails/violations/export.jsonl?guardrail={guardrail}")
        assert exported.status_code == 200 and '"path": "check"' in exported.text


def test_an_apply_guardrail_that_intervenes_is_in_the_violation_log(live_server: ServerFactory) -> None:
    base_url = live_server()
    bedrock = boto_clients(base_url).bedrock
    with httpx.Client(base_url=base_url) as api:
        guardrail = api.post("/v1/guardrails", json={"name": "strict", "grounding": {"threshold": 0.5}}).json()["id"]
        blocks = [
            {"text": {"text": "Green coffee sacks weigh up to 70 kg.", "qualifiers": ["grounding_source"]}},
            {"text": {"text": "How heavy are sacks?", "qualifiers": ["query"]}},
            {"text": {"text": "Sacks weigh 5 kg.", "qualifiers": ["guard_content"]}},
        ]
        passing = [
            *blocks[:2],
            {"text": {"text": "Green coffee sacks weigh up to 70 kg.", "qualifiers": ["guard_content"]}},
        ]
        for content in (blocks, passing):
            bedrock.apply_guardrail(guardrailIdentifier=guardrail, guardrailVersion="DRAFT", source="OUTPUT",
                                    content=content)  # fmt: skip
        exported = api.get("/ui/guardrails/violations/export.jsonl").text.splitlines()
    (entry,) = [json.loads(line) for line in exported]
    assert (entry["guardrail_id"], entry["version"], entry["path"], entry["source"]) == (
        guardrail, "DRAFT", "apply_guardrail", "OUTPUT"
    )  # fmt: skip
    assert entry["excerpt"] == "Sacks weigh 5 kg." and entry["scores"]["GROUNDING"] < 0.5


def test_guardrail_test_cases_through_the_json_api(live_server: ServerFactory) -> None:
    with httpx.Client(base_url=live_server()) as api:
        api.post("/v1/guardrails", json={"name": "answers", "grounding": {"threshold": 0.5}})
        source = "Green coffee sacks weigh up to 70 kg. Nobody may carry more than 25 kg alone."
        made = [
            api.post(
                "/v1/guardrails/answers/test-cases",
                json={
                    "name": name,
                    "text": text,
                    "sources": [source],
                    "query": "How much may one carry alone?",
                    "expected": expected,
                },
            )
            for name, text, expected in [
                ("grounded", "Nobody may carry more than 25 kg alone.", "NONE"),
                ("made up", "Anyone may carry 90 kg alone.", "NONE"),
            ]
        ]
        assert [r.status_code for r in made] == [201, 201]
        assert [c["name"] for c in api.get("/v1/guardrails/answers/test-cases").json()["test_cases"]] == [
            "grounded", "made up"
        ]  # fmt: skip
        run = api.post("/v1/guardrails/answers/test-cases/run").json()
        assert (run["version"], run["passed"], run["failed"]) == ("DRAFT", 1, 1)
        assert [(r["case"]["name"], r["action"], r["passed"]) for r in run["results"]] == [
            ("grounded", "NONE", True), ("made up", "GUARDRAIL_INTERVENED", False)
        ]  # fmt: skip
        gone = api.delete(f"/v1/guardrails/answers/test-cases/{made[1].json()['id']}")
        assert gone.status_code == 204
        assert api.post("/v1/guardrails/answers/test-cases/run").json()["passed"] == 1
        missing = api.delete(f"/v1/guardrails/answers/test-cases/{made[1].json()['id']}")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        bad = api.post("/v1/guardrails/answers/test-cases", json={"name": "x", "text": "t", "expected": "BLOCK"})
        assert bad.status_code == 400 and "expected" in bad.json()["error"]["message"]
        assert api.post("/v1/guardrails/nope/test-cases/run").status_code == 404


def test_console_pages_load_nothing_from_another_host(live_server: ServerFactory) -> None:
    with httpx.Client(base_url=live_server()) as client:
        for path in ("/ui/playground", "/ui/checker", "/ui/evaluations", "/ui/guardrails", "/ui/guardrails/violations"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert "http://" not in page.text and "https://" not in page.text, path
            for asset in re.findall(r'(?:src|href)="(/ui/static/[^"]+)"', page.text):
                assert client.get(asset).status_code == 200, asset
        assert "htmx" in client.get("/ui/static/htmx.min.js").text[:200]


def test_a_job_from_the_playground_history_carries_its_grounding(server: tuple[str, str]) -> None:
    with signed_in(*server) as (client, token):
        csrf = {"X-CSRF-Token": token}
        for query in ("How much coffee can I take home each week?", "Who is the payroll contact?"):
            assert client.post("/ui/playground/ask", data={"kb": "sample", "query": query}, headers=csrf).is_success
        created = client.post(
            "/ui/evaluations", data={"name": "history", "method": "thumbs", "reviewers": "ana", "history": "*"},
            headers=csrf,
        )  # fmt: skip
        assert created.status_code == 303
        job = created.headers["location"]
        review = client.get(f"{job}/review/ana")
        assert "auto grounding" in review.text and "auto relevance" in review.text
        item = int(re.search(r"/review/ana/(\d+)", review.text).group(1))  # type: ignore[union-attr]
        saved = client.post(f"{job}/review/ana/{item}", data={"csrf": token, "value_0": "1"})
        assert saved.status_code == 303
        rows = [json.loads(line) for line in client.get(f"{job}/export.jsonl").text.splitlines()]
        assert len(rows) == 1 and rows[0]["rating"] == 1 and rows[0]["model"] == "ExtractiveGenerator"
        assert 0 <= rows[0]["grounding"] <= 1 and 0 <= rows[0]["relevance"] <= 1
