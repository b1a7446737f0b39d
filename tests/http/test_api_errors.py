"""Every native error path answers with the one shape ``{"error": {"code", "message", "status"}}``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.live_server import running_server

JSON = {"content-type": "application/json"}
MULTIPART = "multipart/form-data; boundary=b"
LIMIT_MB = 0.05  # the test server's body limit: 52 KB, room for a 10,000-character query


@dataclass(frozen=True)
class Ctx:
    kb: str
    ds: str  # CUSTOM, holds "doc.txt"
    folder: str  # LOCAL_FOLDER
    root: Path  # the server's only data root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Ctx]]:
    tmp = tmp_path_factory.mktemp("errors")
    root = tmp / "root"
    (root / "docs").mkdir(parents=True)
    (root / "file.txt").write_text("not a folder")
    (root / "escape").symlink_to(tmp_path_factory.getbasetemp())
    settings = Settings(home=tmp / "home", embedder="hash", data_roots=[root], max_request_mb=LIMIT_MB)
    with running_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        kb = client.post("/v1/knowledge-bases", json={"name": "errors"}).json()["id"]
        ds = client.post(f"/v1/knowledge-bases/{kb}/data-sources", json={"name": "up", "type": "CUSTOM"}).json()["id"]
        folder = client.post(
            f"/v1/knowledge-bases/{kb}/data-sources",
            json={"name": "docs", "type": "LOCAL_FOLDER", "path": str(root / "docs")},
        ).json()["id"]
        uploaded = client.post(
            f"/v1/knowledge-bases/{kb}/data-sources/{ds}/documents", files=[("files", ("doc.txt", b"Some words."))]
        )
        assert uploaded.json()["documents"][0]["status"] == "INDEXED"
        yield client, Ctx(kb, ds, folder, root)


def assert_error(response: httpx.Response, status: int, code: str, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    message = body["error"]["message"]
    assert body == {"error": {"code": code, "message": message, "status": status}}
    assert isinstance(message, str) and fragment in message, message


def post(url: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
    return {"method": "POST", "url": url, **({"json": body} if body is not None else {}), **kwargs}


def get(url: str) -> dict[str, Any]:
    return {"method": "GET", "url": url}


def delete(url: str) -> dict[str, Any]:
    return {"method": "DELETE", "url": url}


def kbs(c: Ctx, tail: str = "") -> str:
    return f"/v1/knowledge-bases/{c.kb}{tail}"


def ds(c: Ctx, tail: str = "") -> str:
    return kbs(c, f"/data-sources/{c.ds}{tail}")


def chunks(total: int) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length): the limit is counted as it arrives."""
    for _ in range(total // 10_000):
        yield b" " * 10_000


Case = tuple[str, int, str, str, Callable[[Ctx], dict[str, Any]]]
CASES: list[Case] = [
    # malformed or mistyped input
    ("malformed JSON", 400, "invalid_request", "JSON decode error",
     lambda c: post("/v1/knowledge-bases", content=b'{"name": ', headers=JSON)),
    ("JSON not an object", 400, "invalid_request", "body", lambda c: post("/v1/knowledge-bases", [1, 2])),
    ("wrong type: name", 400, "invalid_request", "body.name", lambda c: post("/v1/knowledge-bases", {"name": 5})),
    ("wrong type: k", 400, "invalid_request", "body.k", lambda c: post(kbs(c, "/retrieve"), {"query": "q", "k": "x"})),
    ("wrong type: filter", 400, "invalid_request", "body.filter",
     lambda c: post(kbs(c, "/retrieve"), {"query": "q", "filter": "year > 2020"})),
    ("unknown field", 400, "invalid_request", "colour",
     lambda c: post("/v1/knowledge-bases", {"name": "x", "colour": "red"})),
    ("unknown nested field", 400, "invalid_request", "size",
     lambda c: post("/v1/knowledge-bases", {"name": "x", "chunking": {"strategy": "fixed", "size": 3}})),
    ("unknown field: Bedrock's name", 400, "invalid_request", "numberOfResults",
     lambda c: post(kbs(c, "/retrieve"), {"query": "q", "numberOfResults": 3})),
    ("invalid name", 400, "invalid_request", "body.name", lambda c: post("/v1/knowledge-bases", {"name": "../etc"})),
    ("child chunk over parent", 400, "invalid_request", "child_max_tokens", lambda c: post(
        "/v1/knowledge-bases",
        {"name": "h", "chunking": {"strategy": "hierarchical", "parent_max_tokens": 100, "child_max_tokens": 300}})),
    ("bad search type", 400, "invalid_request", "search_type",
     lambda c: post(kbs(c, "/retrieve"), {"query": "q", "search_type": "FUZZY"})),
    ("bad data source type", 400, "invalid_request", "type",
     lambda c: post(kbs(c, "/data-sources"), {"name": "s3", "type": "S3"})),
    ("folder without path", 400, "invalid_request", "needs a path",
     lambda c: post(kbs(c, "/data-sources"), {"name": "f", "type": "LOCAL_FOLDER"})),
    ("duplicate data source", 400, "invalid_request", "already exists",
     lambda c: post(kbs(c, "/data-sources"), {"name": "up", "type": "CUSTOM"})),
    ("lone surrogate", 400, "invalid_request", "Unicode",
     lambda c: post(kbs(c, "/retrieve"), content=b'{"query": "\\ud800 x"}', headers=JSON)),
    # unknown ids and routes
    ("unknown knowledge base", 404, "not_found", "nope", lambda c: get("/v1/knowledge-bases/nope")),
    ("retrieve unknown knowledge base", 404, "not_found", "nope",
     lambda c: post("/v1/knowledge-bases/nope/retrieve", {"query": "q"})),
    ("unknown data source", 404, "not_found", "NOPE",
     lambda c: get(kbs(c, "/data-sources/NOPE"))),
    ("unknown job", 404, "not_found", "NOPE", lambda c: get(ds(c, "/ingestion-jobs/NOPE"))),
    ("stop unknown job", 404, "not_found", "NOPE", lambda c: post(ds(c, "/ingestion-jobs/NOPE/stop"))),
    ("unknown document", 404, "not_found", "nope.txt", lambda c: get(ds(c, "/documents/nope.txt"))),
    ("delete unknown document", 404, "not_found", "nope.txt",
     lambda c: delete(ds(c, "/documents/nope.txt"))),
    ("unknown route", 404, "not_found", "Not Found", lambda c: get("/v1/nope")),
    ("unknown sub-route", 404, "not_found", "Not Found", lambda c: get(kbs(c, "/widgets"))),
    ("method not allowed", 405, "method_not_allowed", "Method Not Allowed",
     lambda c: {"method": "PUT", "url": "/v1/knowledge-bases"}),
    ("method not allowed on an item", 405, "method_not_allowed", "Method Not Allowed",
     lambda c: {"method": "PATCH", "url": kbs(c)}),
    # limits
    ("oversized body", 413, "payload_too_large", "RAGKB_MAX_REQUEST_MB",
     lambda c: post(kbs(c, "/retrieve"), {"query": "q" * 100_000})),
    ("oversized chunked body", 413, "payload_too_large", "RAGKB_MAX_REQUEST_MB",
     lambda c: post(kbs(c, "/retrieve"), content=chunks(100_000), headers=JSON)),
    ("oversized upload", 413, "payload_too_large", "RAGKB_MAX_REQUEST_MB",
     lambda c: post(ds(c, "/documents"), files=[("files", ("big.txt", b"x" * 100_000))])),
    ("k zero", 400, "invalid_request", "body.k", lambda c: post(kbs(c, "/retrieve"), {"query": "q", "k": 0})),
    ("k over 100", 400, "invalid_request", "body.k", lambda c: post(kbs(c, "/retrieve"), {"query": "q", "k": 101})),
    ("empty query", 400, "invalid_request", "body.query", lambda c: post(kbs(c, "/retrieve"), {"query": ""})),
    ("blank query", 400, "invalid_request", "empty", lambda c: post(kbs(c, "/retrieve"), {"query": "   \n"})),
    ("10,000-character query", 400, "invalid_request", "1000",
     lambda c: post(kbs(c, "/retrieve-and-generate"), {"query": "word " * 2000})),
    ("filter without value", 400, "invalid_request", "'value' is missing",
     lambda c: post(kbs(c, "/retrieve"), {"query": "q", "filter": {"equals": {"key": "year"}}})),
    ("filter with unknown operator", 400, "invalid_request", "unknown filter operator",
     lambda c: post(kbs(c, "/retrieve"), {"query": "q", "filter": {"like": {"key": "a", "value": "b"}}})),
    ("filter: andAll of one", 400, "invalid_request", "at least 2",
     lambda c: post(kbs(c, "/retrieve-and-generate"),
                    {"query": "q", "filter": {"andAll": [{"equals": {"key": "a", "value": 1}}]}})),
    # folders
    ("path traversal", 403, "forbidden", "outside",
     lambda c: post(kbs(c, "/data-sources"), {"name": "t", "type": "LOCAL_FOLDER", "path": f"{c.root}/docs/../.."})),
    ("absolute path outside the roots", 403, "forbidden", "RAGKB_DATA_ROOTS",
     lambda c: post(kbs(c, "/data-sources"), {"name": "t", "type": "LOCAL_FOLDER", "path": "/etc"})),
    ("symlink out of the roots", 403, "forbidden", "outside",
     lambda c: post(kbs(c, "/data-sources"), {"name": "t", "type": "LOCAL_FOLDER", "path": f"{c.root}/escape"})),
    ("path that is a file", 400, "invalid_request", "not a folder",
     lambda c: post(kbs(c, "/data-sources"), {"name": "t", "type": "LOCAL_FOLDER", "path": f"{c.root}/file.txt"})),
    ("path name too long", 400, "invalid_request", "cannot be used",
     lambda c: post(kbs(c, "/data-sources"), {"name": "t", "type": "LOCAL_FOLDER", "path": f"{c.root}/{'n' * 300}"})),
    ("NUL in path", 400, "invalid_request", "NUL",
     lambda c: post(kbs(c, "/data-sources"), {"name": "t", "type": "LOCAL_FOLDER", "path": f"{c.root}/a\x00b"})),
    # uploads and documents
    ("upload without files", 400, "invalid_request", "files", lambda c: post(ds(c, "/documents"), data={"x": "1"})),
    ("upload, invalid multipart", 400, "invalid_request", "multipart",
     lambda c: post(ds(c, "/documents"), content=b"garbage", headers={"content-type": MULTIPART})),
    ("upload, metadata not JSON", 400, "invalid_request", "metadata",
     lambda c: post(ds(c, "/documents"), data={"metadata": "{"}, files=[("files", ("a.txt", b"words"))])),
    ("upload, metadata not a sidecar", 400, "invalid_request", "metadataAttributes",
     lambda c: post(ds(c, "/documents"), data={"metadata": '{"year": 1}'}, files=[("files", ("a.txt", b"words"))])),
    ("upload into a folder source", 400, "invalid_request", "CUSTOM",
     lambda c: post(kbs(c, f"/data-sources/{c.folder}/documents"), files=[("files", ("a.txt", b"words"))])),
    ("delete a folder's document", 400, "invalid_request", "folder",
     lambda c: delete(kbs(c, f"/data-sources/{c.folder}/documents/a.txt"))),
    # conflicts
    ("duplicate knowledge base", 409, "conflict", "already exists",
     lambda c: post("/v1/knowledge-bases", {"name": "errors"})),
    # grounding checks and guardrails
    ("check: empty answer", 400, "invalid_request", "body.answer",
     lambda c: post("/v1/grounding/check", {"sources": ["s"], "query": "q", "answer": ""})),
    ("check: blank answer", 400, "invalid_request", "answer is empty",
     lambda c: post("/v1/grounding/check", {"sources": ["s"], "query": "q", "answer": " \n"})),
    ("check: no sources", 400, "invalid_request", "body.sources",
     lambda c: post("/v1/grounding/check", {"sources": [], "query": "q", "answer": "a"})),
    ("check: threshold over 0.99", 400, "invalid_request", "body.relevance_threshold",
     lambda c: post("/v1/grounding/check", {"sources": ["s"], "query": "q", "answer": "a", "relevance_threshold": 1})),
    ("guardrail: threshold over 0.99", 400, "invalid_request", "body.grounding.threshold",
     lambda c: post("/v1/guardrails", {"name": "g", "grounding": {"threshold": 2}})),
    ("unknown guardrail", 404, "not_found", "nope", lambda c: get("/v1/guardrails/nope")),
    ("check with an unknown guardrail", 404, "not_found", "nope",
     lambda c: post("/v1/guardrails/nope/check", {"sources": ["s"], "query": "q", "answer": "a"})),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code", "fragment", "request_of"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_error_shape(
    server: tuple[httpx.Client, Ctx], status: int, code: str, fragment: str, request_of: Callable[[Ctx], dict[str, Any]]
) -> None:
    client, ctx = server
    assert_error(client.request(**request_of(ctx)), status, code, fragment)


def test_stopping_a_finished_job_is_a_conflict(server: tuple[httpx.Client, Ctx]) -> None:
    client, ctx = server
    job = client.post(ds(ctx, "/ingestion-jobs")).json()  # CUSTOM: nothing to scan, completes at once
    deadline = time.monotonic() + 30
    while client.get(ds(ctx, f"/ingestion-jobs/{job['id']}")).json()["status"] != "COMPLETE":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert_error(client.post(ds(ctx, f"/ingestion-jobs/{job['id']}/stop")), 409, "conflict", "already finished")


def test_errors_leave_the_knowledge_base_as_it_was(server: tuple[httpx.Client, Ctx]) -> None:
    client, ctx = server
    detail = client.get(kbs(ctx)).json()
    assert (detail["document_count"], len(detail["data_sources"])) == (1, 2)
    assert [k["name"] for k in client.get("/v1/knowledge-bases").json()["knowledge_bases"]] == ["errors"]


def test_openapi_documents_the_error_shape_on_every_native_route(server: tuple[httpx.Client, Ctx]) -> None:
    client, _ = server
    spec = client.get("/openapi.json").json()
    operations = [(path, op) for path, ops in spec["paths"].items() if path.startswith("/v1/") for op in ops.values()]
    assert len(operations) == 31
    for path, op in operations:
        responses = op["responses"]
        assert "422" not in responses, path  # validation errors are 400 here
        for status in ("400", "401", "403", "404", "413"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
