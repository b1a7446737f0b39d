"""API keys on the native routes: missing/invalid/revoked keys are 401, scoped keys see only their KBs
(and a knowledge base outside a key's scope answers exactly as one that does not exist)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.keys import KeyStore
from app.settings import Settings
from tests.live_server import running_server


@dataclass
class Server:
    base_url: str
    home: Path

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "home"
    with running_server(Settings(home=home, embedder="hash", auth="required", data_roots=[tmp_path])) as base_url:
        yield Server(base_url, home)


def new_key(home: Path, kb_ids: list[str] | None = None) -> str:
    store = KeyStore(home)
    try:
        return store.create(description="test", kb_ids=kb_ids)[0]
    finally:
        store.close()


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert (body["error"]["code"], body["error"]["status"]) == ("unauthorized", 401)


def test_missing_and_invalid_keys_are_401(server: Server) -> None:
    with server.client() as anonymous:
        assert_unauthorized(anonymous.get("/v1/knowledge-bases"))
        assert_unauthorized(anonymous.post("/v1/knowledge-bases", json={"name": "x"}))
        assert_unauthorized(anonymous.post("/v1/knowledge-bases/x/retrieve", json={"query": "q"}))
        assert_unauthorized(anonymous.get("/v1/knowledge-bases", headers={"Authorization": "Basic dTpw"}))
        assert anonymous.get("/healthz").status_code == 200  # health stays open for probes
    with server.client("rkb_not-a-real-key") as forged:
        assert_unauthorized(forged.get("/v1/knowledge-bases"))


def test_scoped_key_sees_and_touches_only_its_knowledge_base(server: Server) -> None:
    with server.client(new_key(server.home)) as admin:
        a = admin.post("/v1/knowledge-bases", json={"name": "alpha"}).json()
        b = admin.post("/v1/knowledge-bases", json={"name": "beta"}).json()
        b_source = admin.post(f"/v1/knowledge-bases/{b['id']}/data-sources", json={"name": "up", "type": "CUSTOM"})
        assert b_source.status_code == 201
        upload = admin.post(
            f"/v1/knowledge-bases/beta/data-sources/{b_source.json()['id']}/documents",
            files=[("files", ("secret.txt", b"The beta launch code is tangerine.", "text/plain"))],
        )
        assert upload.json()["documents"][0]["status"] == "INDEXED"
        assert [k["name"] for k in admin.get("/v1/knowledge-bases").json()["knowledge_bases"]] == ["alpha", "beta"]

    with server.client(new_key(server.home, kb_ids=[a["id"]])) as scoped:
        assert [k["id"] for k in scoped.get("/v1/knowledge-bases").json()["knowledge_bases"]] == [a["id"]]
        assert scoped.get("/v1/knowledge-bases/alpha").status_code == 200
        assert scoped.post("/v1/knowledge-bases/alpha/retrieve", json={"query": "launch code"}).json() == {
            "results": []
        }
        ds = b_source.json()["id"]
        # beta is out of the key's scope: it must look exactly like a knowledge base that does not exist
        for kb in ("beta", b["id"]):
            hidden = [
                scoped.get(f"/v1/knowledge-bases/{kb}"),
                scoped.delete(f"/v1/knowledge-bases/{kb}"),
                scoped.get(f"/v1/knowledge-bases/{kb}/data-sources"),
                scoped.get(f"/v1/knowledge-bases/{kb}/data-sources/{ds}/documents"),
                scoped.post(f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"),
                scoped.post(f"/v1/knowledge-bases/{kb}/retrieve", json={"query": "launch code"}),
                scoped.post(f"/v1/knowledge-bases/{kb}/retrieve-and-generate", json={"query": "launch code"}),
            ]
            absent = [
                scoped.get("/v1/knowledge-bases/nowhere"),
                scoped.delete("/v1/knowledge-bases/nowhere"),
                scoped.get("/v1/knowledge-bases/nowhere/data-sources"),
                scoped.get(f"/v1/knowledge-bases/nowhere/data-sources/{ds}/documents"),
                scoped.post(f"/v1/knowledge-bases/nowhere/data-sources/{ds}/ingestion-jobs"),
                scoped.post("/v1/knowledge-bases/nowhere/retrieve", json={"query": "launch code"}),
                scoped.post("/v1/knowledge-bases/nowhere/retrieve-and-generate", json={"query": "launch code"}),
            ]
            for seen, unknown in zip(hidden, absent, strict=True):
                assert seen.status_code == unknown.status_code == 404, (seen.request.url, seen.text)
                assert seen.json() == {
                    "error": {
                        **unknown.json()["error"],
                        "message": unknown.json()["error"]["message"].replace("nowhere", kb),
                    }
                }
                assert "tangerine" not in seen.text and "alpha" not in seen.text and "beta" not in unknown.text
        creating = scoped.post("/v1/knowledge-bases", json={"name": "gamma"})  # a scoped key cannot create
        assert creating.status_code == 403 and creating.json()["error"]["code"] == "forbidden"

    with server.client(new_key(server.home)) as admin:  # nothing of beta changed
        assert admin.get("/v1/knowledge-bases/beta").json()["document_count"] == 1
        assert [k["name"] for k in admin.get("/v1/knowledge-bases").json()["knowledge_bases"]] == ["alpha", "beta"]


def test_revoked_key_is_401_at_once(server: Server) -> None:
    store = KeyStore(server.home)
    key, info = store.create(description="short-lived")
    with server.client(key) as client:
        assert client.get("/v1/knowledge-bases").status_code == 200
        assert store.revoke(info.id) is True
        assert_unauthorized(client.get("/v1/knowledge-bases"))
    store.close()


def test_every_native_operation_requires_a_key(server: Server) -> None:
    with server.client() as anonymous:
        spec = anonymous.get("/openapi.json").json()
        operations = [(m, p) for p, ops in spec["paths"].items() if p.startswith("/v1/") for m in ops]
        assert len(operations) == 31
        for method, path in operations:
            url = path.format(kb="alpha", ds="DS", job="JOB", document_id="a.txt", guardrail="g", case="C")
            assert_unauthorized(anonymous.request(method.upper(), url, json={"query": "q"}))


def test_scoped_key_may_check_and_read_guardrails_but_not_change_them(server: Server) -> None:
    with server.client(new_key(server.home)) as admin:
        assert admin.post("/v1/guardrails", json={"name": "shared", "grounding": {"threshold": 0.5}}).status_code == 201
    check = {"sources": ["Tokyo is the capital of Japan."], "query": "Capital of Japan?", "answer": "Tokyo."}
    with server.client(new_key(server.home, kb_ids=["K000000000"])) as scoped:
        assert scoped.post("/v1/grounding/check", json=check).status_code == 200
        assert scoped.post("/v1/guardrails/shared/check", json=check).status_code == 200
        assert scoped.get("/v1/guardrails/shared").status_code == 200
        apply = {"source": "INPUT", "content": [{"text": "hello"}]}
        assert scoped.post("/v1/guardrails/shared/apply", json=apply).status_code == 200
        for response in (
            scoped.put("/v1/guardrails/shared", json={"name": "shared"}),
            scoped.post("/v1/guardrails", json={"name": "mine"}),
            scoped.delete("/v1/guardrails/shared"),
            scoped.post("/v1/guardrails/shared/versions", json={}),
        ):
            assert response.status_code == 403 and "guardrails" in response.json()["error"]["message"]
        assert scoped.get("/v1/guardrails/shared").json()["versions"] == ["DRAFT"]
