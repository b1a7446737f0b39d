"""The native API end to end: a real uvicorn server, a real httpx client, the hash embedder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from retrieval.generation import NO_ANSWER
from tests.conftest import ServerFactory
from tests.native_client import create_kb, create_source, run_job, wait_for

FILES_IN_SLOW_JOB = 800


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The one data root the server may index."""
    folder = tmp_path / "roots"
    folder.mkdir()
    return folder


@pytest.fixture
def client(tmp_path: Path, root: Path, live_server: ServerFactory) -> Iterator[httpx.Client]:
    base_url = live_server(home=tmp_path / "home", data_roots=[root], max_documents_per_call=4)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def write(folder: Path, name: str, text: str, metadata: dict[str, Any] | None = None) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    if metadata is not None:
        (folder / f"{name}.metadata.json").write_text(json.dumps({"metadataAttributes": metadata}))


def retrieve(client: httpx.Client, kb: str, query: str, **options: Any) -> list[dict[str, Any]]:
    response = client.post(f"/v1/knowledge-bases/{kb}/retrieve", json={"query": query, **options})
    assert response.status_code == 200, response.text
    return response.json()["results"]  # type: ignore[no-any-return]


def stats(**counts: int) -> dict[str, int]:
    names = ("documents_scanned", "metadata_documents_scanned", "new_documents_indexed", "modified_documents_indexed",
             "metadata_documents_modified", "documents_deleted", "documents_failed")  # fmt: skip
    return {name: counts.get(name, 0) for name in names}


def test_folder_lifecycle_sync_retrieve_resync_generate(client: httpx.Client, root: Path) -> None:
    folder = root / "handbook"
    write(folder, "leave.md", "# Leave\n\nEmployees get 25 vacation days per year.\n", {"department": "hr"})
    write(folder, "coffee.txt", "The espresso machine is descaled every month by the facilities team.\n",
          {"department": "facilities", "year": 2024})  # fmt: skip
    write(folder, "policies/badges.md", "Badges must be worn inside the office. Report lost badges to security.\n")
    kb = create_kb(client, chunking={"strategy": "fixed", "max_tokens": 100, "overlap_percentage": 10})
    assert kb["chunking"]["strategy"] == "fixed" and kb["chunking"]["max_tokens"] == 100
    assert (kb["document_count"], kb["chunk_count"], kb["data_sources"]) == (0, 0, [])
    source = create_source(client, kb["name"], name="docs", type="LOCAL_FOLDER", path=str(folder))
    assert source["path"] == str(folder.resolve())
    kb_id, ds = kb["id"], source["id"]

    job = run_job(client, kb_id, ds)
    assert job["status"] == "COMPLETE", job
    assert job["statistics"] == stats(documents_scanned=3, metadata_documents_scanned=2, new_documents_indexed=3)
    assert job["failures"] == []
    detail = client.get(f"/v1/knowledge-bases/{kb['name']}").json()
    assert (detail["id"], detail["document_count"], detail["chunk_count"]) == (kb_id, 3, 3)
    assert [(s["id"], s["document_count"]) for s in detail["data_sources"]] == [(ds, 3)]
    documents = client.get(f"/v1/knowledge-bases/{kb_id}/data-sources/{ds}/documents").json()["documents"]
    assert [(d["id"], d["status"], d["chunk_count"]) for d in documents] == [
        ("coffee.txt", "INDEXED", 1), ("leave.md", "INDEXED", 1), ("policies/badges.md", "INDEXED", 1)
    ]  # fmt: skip
    badge = client.get(f"/v1/knowledge-bases/{kb_id}/data-sources/{ds}/documents/policies/badges.md")
    assert badge.status_code == 200 and badge.json()["id"] == "policies/badges.md"

    hits = retrieve(client, kb_id, "how many vacation days", k=3)
    assert hits[0]["document_id"] == "leave.md" and "25 vacation days" in hits[0]["text"]
    assert hits[0]["data_source_id"] == ds and hits[0]["metadata"]["department"] == "hr"
    assert hits[0]["score"] >= hits[-1]["score"]
    facilities = {"equals": {"key": "department", "value": "facilities"}}
    filtered = retrieve(client, kb_id, "how many vacation days", k=3, filter=facilities)
    assert [h["document_id"] for h in filtered] == ["coffee.txt"]
    hybrid = retrieve(client, kb_id, "descaled espresso", k=1, search_type="HYBRID")
    assert [h["document_id"] for h in hybrid] == ["coffee.txt"]
    # HYBRID is the default, as in `ragkb retrieve` and Bedrock's retrieve: the same question, the same answer.
    assert hits == retrieve(client, kb_id, "how many vacation days", k=3, search_type="HYBRID")
    assert hits != retrieve(client, kb_id, "how many vacation days", k=3, search_type="SEMANTIC")

    (folder / "leave.md").unlink()
    (folder / "leave.md.metadata.json").unlink()
    write(folder, "policies/badges.md", "Badges must be worn inside the office at all times.\n")
    job = run_job(client, kb_id, ds)
    assert job["status"] == "COMPLETE", job
    assert job["statistics"] == stats(
        documents_scanned=2, metadata_documents_scanned=1, modified_documents_indexed=1, documents_deleted=1
    )
    after = retrieve(client, kb_id, "how many vacation days", k=5)
    assert "leave.md" not in {h["document_id"] for h in after}
    assert not any("vacation" in h["text"] for h in after)
    jobs = client.get(f"/v1/knowledge-bases/{kb_id}/data-sources/{ds}/ingestion-jobs").json()["ingestion_jobs"]
    assert [j["id"] for j in jobs][:1] == [job["id"]] and len(jobs) == 2

    question = {"query": "How often is the espresso machine descaled?"}
    response = client.post(f"/v1/knowledge-bases/{kb_id}/retrieve-and-generate", json=question)
    assert response.status_code == 200, response.text
    body = response.json()
    answer, retrieved = body["answer"], body["retrieved"]
    assert answer != NO_ANSWER and "descaled every month" in answer
    assert body["citations"], body
    retrieved_ids = {r["chunk_id"] for r in retrieved}
    for citation in body["citations"]:
        assert 0 <= citation["start"] <= citation["end"] < len(answer)
        assert citation["text"] == answer[citation["start"] : citation["end"] + 1]
        assert citation["references"] and {r["chunk_id"] for r in citation["references"]} <= retrieved_ids
        assert all(citation["text"] in r["text"] for r in citation["references"])


def test_upload_list_get_delete_documents(client: httpx.Client, root: Path, tmp_path: Path) -> None:
    kb = create_kb(client)["id"]
    uploads = create_source(client, kb, name="uploads", type="CUSTOM")["id"]
    docs = f"/v1/knowledge-bases/{kb}/data-sources/{uploads}/documents"
    files = [
        ("files", ("Übersicht-naïve.md", "# Übersicht\n\nDie Kantine öffnet um acht Uhr.".encode(), "text/markdown")),
        ("files", ("../../evil.txt", b"The llama sanctuary opens on Sundays.", "text/plain")),
        ("files", ("drawing.bin", b"\x00\x01", "application/octet-stream")),
        ("files", ("..", b"nothing", "text/plain")),
    ]
    metadata = json.dumps({"metadataAttributes": {"year": 2024, "team": "ops"}})
    response = client.post(docs, files=files, data={"metadata": metadata})
    assert response.status_code == 200, response.text
    outcome = [(d["filename"], d["document_id"], d["status"]) for d in response.json()["documents"]]
    assert outcome == [
        ("Übersicht-naïve.md", "Übersicht-naïve.md", "INDEXED"),
        ("../../evil.txt", "evil.txt", "INDEXED"),
        ("drawing.bin", "drawing.bin", "FAILED"),
        ("..", None, "FAILED"),
    ]
    assert "unsupported file type '.bin'" in response.json()["documents"][2]["reason"]
    for place in (tmp_path, tmp_path.parent, Path.cwd(), root):
        assert not (place / "evil.txt").exists()
    assert not list(tmp_path.rglob("evil.txt"))

    listed = client.get(docs).json()["documents"]
    assert [(d["id"], d["status"], d["chunk_count"]) for d in listed] == [
        ("evil.txt", "INDEXED", 1), ("Übersicht-naïve.md", "INDEXED", 1)
    ]  # fmt: skip
    assert listed[0]["metadata"]["team"] == "ops" and listed[0]["size"] == len(b"The llama sanctuary opens on Sundays.")
    one = client.get(f"{docs}/Übersicht-naïve.md")
    assert one.status_code == 200 and one.json()["id"] == "Übersicht-naïve.md"
    assert client.get(f"{docs}/missing.txt").status_code == 404
    hits = retrieve(client, kb, "llama sanctuary", k=1, filter={"equals": {"key": "team", "value": "ops"}})
    assert [h["document_id"] for h in hits] == ["evil.txt"]

    replaced = client.post(docs, files=[("files", ("evil.txt", b"The alpaca barn closes at noon.", "text/plain"))])
    assert replaced.json()["documents"][0]["status"] == "INDEXED"
    assert "alpaca" in retrieve(client, kb, "alpaca barn", k=1)[0]["text"]
    twice = client.post(docs, files=[("files", ("a.txt", b"one text here", "text/plain"))] * 2).json()["documents"]
    assert [d["status"] for d in twice] == ["INDEXED", "FAILED"] and "twice" in twice[1]["reason"]

    assert client.delete(f"{docs}/evil.txt").status_code == 204
    assert client.delete(f"{docs}/evil.txt").status_code == 404
    assert [d["id"] for d in client.get(docs).json()["documents"]] == ["a.txt", "Übersicht-naïve.md"]
    assert all(h["document_id"] != "evil.txt" for h in retrieve(client, kb, "alpaca barn", k=5))
    assert client.get(f"/v1/knowledge-bases/{kb}").json()["document_count"] == 2


def test_upload_limits_and_folder_sources(client: httpx.Client, root: Path) -> None:
    kb = create_kb(client)["id"]
    (root / "docs").mkdir()
    folder = create_source(client, kb, name="docs", type="LOCAL_FOLDER", path=str(root / "docs"))["id"]
    uploads = create_source(client, kb, name="uploads", type="CUSTOM")["id"]
    one = [("files", ("a.txt", b"some words", "text/plain"))]
    refused = client.post(f"/v1/knowledge-bases/{kb}/data-sources/{folder}/documents", files=one)
    assert refused.status_code == 400 and "CUSTOM" in refused.json()["error"]["message"]
    five = [("files", (f"{i}.txt", b"some words", "text/plain")) for i in range(5)]  # the test limit is 4
    too_many = client.post(f"/v1/knowledge-bases/{kb}/data-sources/{uploads}/documents", files=five)
    assert too_many.status_code == 400 and "limit is 4" in too_many.json()["error"]["message"]
    assert client.get(f"/v1/knowledge-bases/{kb}/data-sources/{uploads}/documents").json()["documents"] == []


def test_data_source_delete_removes_its_documents(client: httpx.Client, root: Path) -> None:
    write(root / "a", "one.md", "Quarterly reports are due on the fifth working day.")
    write(root / "b", "two.md", "The rooftop garden is watered on Tuesdays.")
    kb = create_kb(client)["id"]
    first = create_source(client, kb, name="a", type="LOCAL_FOLDER", path=str(root / "a"))["id"]
    second = create_source(client, kb, name="b", type="LOCAL_FOLDER", path=str(root / "b"), include=["*.md"])["id"]
    assert run_job(client, kb, first)["status"] == run_job(client, kb, second)["status"] == "COMPLETE"
    assert client.get(f"/v1/knowledge-bases/{kb}").json()["chunk_count"] == 2
    assert client.delete(f"/v1/knowledge-bases/{kb}/data-sources/{first}").status_code == 204
    assert client.get(f"/v1/knowledge-bases/{kb}/data-sources/{first}").status_code == 404
    assert client.get(f"/v1/knowledge-bases/{kb}/data-sources/{first}/ingestion-jobs").status_code == 404
    listed = client.get(f"/v1/knowledge-bases/{kb}/data-sources").json()["data_sources"]
    assert [(s["id"], s["include"], s["document_count"]) for s in listed] == [(second, ["*.md"], 1)]
    assert {h["document_id"] for h in retrieve(client, kb, "quarterly reports due", k=5)} == {"two.md"}
    assert (root / "a" / "one.md").exists()  # the folder's files are never touched


def test_knowledge_base_list_get_delete(client: httpx.Client) -> None:
    first = create_kb(client, "zeta", description="last by name")
    second = create_kb(client, "alpha", chunking={"strategy": "hierarchical", "parent_max_tokens": 800})
    assert second["chunking"] == {
        "strategy": "hierarchical", "max_tokens": None, "overlap_percentage": None, "parent_max_tokens": 800,
        "child_max_tokens": 300, "overlap_tokens": 60, "buffer_size": None, "breakpoint_percentile": None,
    }  # fmt: skip
    listed = client.get("/v1/knowledge-bases").json()["knowledge_bases"]
    assert [(k["name"], k["id"]) for k in listed] == [("alpha", second["id"]), ("zeta", first["id"])]
    assert client.get(f"/v1/knowledge-bases/{first['id']}").json()["description"] == "last by name"
    assert client.delete("/v1/knowledge-bases/zeta").status_code == 204
    assert client.get("/v1/knowledge-bases/zeta").status_code == 404
    assert [k["name"] for k in client.get("/v1/knowledge-bases").json()["knowledge_bases"]] == ["alpha"]


def test_one_job_per_knowledge_base(client: httpx.Client, root: Path) -> None:
    # About 2 s of work with the hash embedder: the job is still running for every check below.
    for i in range(FILES_IN_SLOW_JOB):
        write(root / "many", f"note-{i:04d}.md", f"Note {i}: the archive shelf {i} holds boxes of invoices.\n" * 5)
    kb = create_kb(client)["id"]
    ds = create_source(client, kb, name="many", type="LOCAL_FOLDER", path=str(root / "many"))["id"]
    jobs = f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"
    barrier = threading.Barrier(2)
    responses: list[httpx.Response] = []

    def start() -> None:
        barrier.wait()
        responses.append(client.post(jobs))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [202, 409]
    started = next(r for r in responses if r.status_code == 202).json()
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert conflict["error"]["code"] == "conflict" and started["id"] in conflict["error"]["message"]
    assert client.get(f"/v1/knowledge-bases/{kb}").json()["ingesting"] is True
    assert client.delete(f"/v1/knowledge-bases/{kb}").status_code == 409
    assert client.delete(f"/v1/knowledge-bases/{kb}/data-sources/{ds}").status_code == 409

    stopping = client.post(f"{jobs}/{started['id']}/stop")
    assert stopping.status_code == 202 and stopping.json()["status"] == "STOPPING"
    job = wait_for(client, f"{jobs}/{started['id']}")
    assert job["status"] == "STOPPED" and job["statistics"]["new_documents_indexed"] < FILES_IN_SLOW_JOB
    assert client.post(f"{jobs}/{started['id']}/stop").status_code == 409  # already finished
    detail = client.get(f"/v1/knowledge-bases/{kb}").json()
    assert detail["ingesting"] is False and detail["document_count"] < FILES_IN_SLOW_JOB
