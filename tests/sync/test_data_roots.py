"""Data roots cannot be escaped: links out of the roots are refused per file, a registered folder
replaced by a link is refused per job, and `ragkb sync` keeps to its folder unless told otherwise."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.chunking import ChunkingConfig
from retrieval.embedding import HashEmbedder
from retrieval.folders import OUTSIDE, FolderSource, Scanned, read_confined
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import SyncError, sync_folder
from tests.conftest import ServerFactory
from tests.native_client import create_kb, create_source, run_job
from tests.support import ragkb

SECRET = "The vault combination is marmalade seventeen."
PUBLIC = "The cafeteria opens at eight and serves porridge."


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """(the data root, a secret file outside it)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "public.txt").write_text(PUBLIC, encoding="utf-8")
    return root, secret


@pytest.fixture
def client(tmp_path: Path, layout: tuple[Path, Path], live_server: ServerFactory) -> Iterator[httpx.Client]:
    base_url = live_server(home=tmp_path / "home", data_roots=[layout[0]])
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def retrieved_texts(client: httpx.Client, kb: str, query: str) -> list[str]:
    response = client.post(f"/v1/knowledge-bases/{kb}/retrieve", json={"query": query, "k": 10})
    assert response.status_code == 200, response.text
    return [r["text"] for r in response.json()["results"]]


def test_a_link_to_a_file_outside_the_roots_is_refused_with_a_reason(
    client: httpx.Client, layout: tuple[Path, Path]
) -> None:
    root, secret = layout
    docs = root / "docs"
    (docs / "passwd.txt").symlink_to("/etc/passwd")
    (docs / "secret.txt").symlink_to(secret)
    (root / "elsewhere.txt").write_text("Parking is behind the north building.", encoding="utf-8")
    (docs / "inside.txt").symlink_to(root / "elsewhere.txt")  # a link that stays in the roots is fine
    kb = create_kb(client)["id"]
    ds = create_source(client, kb, name="docs", type="LOCAL_FOLDER", path=str(docs))["id"]

    job = run_job(client, kb, ds)

    assert job["status"] == "COMPLETE", job
    assert sorted(job["failures"]) == [f"passwd.txt: {OUTSIDE}", f"secret.txt: {OUTSIDE}"]
    assert job["statistics"]["documents_failed"] == 2
    assert job["statistics"]["new_documents_indexed"] == 2  # public.txt and inside.txt
    listed = client.get(f"/v1/knowledge-bases/{kb}/data-sources/{ds}/documents").json()
    assert sorted(d["id"] for d in listed["documents"]) == ["inside.txt", "public.txt"]
    everything = " ".join(retrieved_texts(client, kb, "vault combination marmalade root"))
    assert "marmalade" not in everything and "root:" not in everything
    assert "north building" in " ".join(retrieved_texts(client, kb, "parking north building"))


def test_a_registered_folder_replaced_by_a_link_is_refused_at_the_next_job(
    client: httpx.Client, layout: tuple[Path, Path]
) -> None:
    root, secret = layout
    docs = root / "docs"
    kb = create_kb(client)["id"]
    ds = create_source(client, kb, name="docs", type="LOCAL_FOLDER", path=str(docs))["id"]
    assert run_job(client, kb, ds)["status"] == "COMPLETE"

    docs.rename(root / "docs-old")
    docs.symlink_to(secret.parent, target_is_directory=True)
    job = run_job(client, kb, ds)

    assert job["status"] == "FAILED", job
    assert len(job["failures"]) == 1 and "resolves outside the data roots" in job["failures"][0]
    assert "marmalade" not in " ".join(retrieved_texts(client, kb, "vault combination marmalade"))
    assert "porridge" in " ".join(retrieved_texts(client, kb, "cafeteria porridge"))  # the index is untouched


def kb_at(path: Path) -> KnowledgeBase:
    return KnowledgeBase(directory=path, embedder=HashEmbedder(), chunking=ChunkingConfig())


def test_a_sidecar_linking_outside_refuses_its_document(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    root, _ = layout
    outside_json = tmp_path / "outside" / "attrs.json"
    outside_json.write_text(json.dumps({"metadataAttributes": {"token": "hunter2"}}))
    (root / "docs" / "public.txt.metadata.json").symlink_to(outside_json)
    kb = kb_at(tmp_path / "kb")
    try:
        _, report = sync_folder(kb, FolderSource("DS00000001", root / "docs", roots=(root,)))
        assert [(f.uri, f.reason) for f in report.failures] == [("public.txt", f"its metadata file is {OUTSIDE}")]
        assert kb.count() == 0
    finally:
        kb.close()


def test_a_file_swapped_for_a_link_after_the_listing_is_not_read(layout: tuple[Path, Path]) -> None:
    root, secret = layout
    listed = root / "docs" / "public.txt"
    item = Scanned(listed, listed, "public.txt", listed.stat().st_size, listed.stat().st_mtime_ns)
    assert read_confined(item) == PUBLIC.encode()
    listed.unlink()
    listed.symlink_to(secret)
    with pytest.raises(OSError, match="replaced by a symbolic link"):
        read_confined(item)


def test_a_folder_source_outside_its_roots_is_refused_whole(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    root, secret = layout
    link = root / "vault"
    link.symlink_to(secret.parent, target_is_directory=True)
    kb = kb_at(tmp_path / "kb")
    try:
        with pytest.raises(SyncError, match="resolves outside the data roots"):
            sync_folder(kb, FolderSource("DS00000001", link, roots=(root,)))
        assert kb.count() == 0
    finally:
        kb.close()


def test_cli_sync_refuses_links_out_of_the_folder_unless_asked(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    root, secret = layout
    docs = root / "docs"
    (docs / "secret.txt").symlink_to(secret)
    (docs / "vault").symlink_to(secret.parent, target_is_directory=True)
    home = tmp_path / "home"

    refused = ragkb("sync", str(docs), "--kb", "notes", "--json", home=home)
    assert refused.returncode == 0, refused.stderr
    job = json.loads(refused.stdout)
    assert job["failureReasons"] == [f"secret.txt: {OUTSIDE}"]
    assert job["warnings"] == ["vault: a symbolic link to a folder: not followed"]
    assert job["statistics"]["numberOfDocumentsFailed"] == 1
    found = ragkb("retrieve", "vault combination marmalade", "--kb", "notes", "--json", home=home)
    assert "marmalade" not in found.stdout

    followed = ragkb("sync", str(docs), "--kb", "notes", "--json", "--follow-links", home=home)
    assert followed.returncode == 0, followed.stderr
    job = json.loads(followed.stdout)
    assert job["failureReasons"] == [] and job["statistics"]["numberOfNewDocumentsIndexed"] == 2  # the link, vault/
    found = ragkb("retrieve", "vault combination marmalade", "--kb", "notes", "--json", home=home)
    assert "marmalade" in found.stdout


def test_following_links_does_not_loop(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    root, _ = layout
    (root / "docs" / "again").symlink_to(root / "docs", target_is_directory=True)
    kb = kb_at(tmp_path / "kb")
    try:
        _, report = sync_folder(kb, FolderSource("DS00000001", root / "docs", follow_links=True))
        assert report.statistics()["numberOfNewDocumentsIndexed"] == 1 and report.failures == []
    finally:
        kb.close()


def test_unreadable_link_target_is_reported(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    root, _ = layout
    (root / "docs" / "dangling.txt").symlink_to(root / "docs" / "missing.txt")
    kb = kb_at(tmp_path / "kb")
    try:
        _, report = sync_folder(kb, FolderSource("DS00000001", root / "docs"))
        assert [f.uri for f in report.failures] == ["dangling.txt"]
        assert os.path.lexists(root / "docs" / "dangling.txt")
    finally:
        kb.close()
