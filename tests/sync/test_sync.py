"""Incremental folder sync: exact Bedrock statistics for each scenario, and that the index follows; the
scenarios on the ``kb`` fixture run on both storage backends (embedded, PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunking import ChunkingConfig
from ingest.tokens import count_tokens
from retrieval.embedding import HashEmbedder
from retrieval.filters import parse_filter
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import FolderSource, SyncError, sync_folder
from tests.backends import BACKENDS, open_kb

ALPHA = "Alpha roasting notes. The drum must be preheated to two hundred degrees before charging."
BETA = "Beta vacation policy. Employees receive twenty eight days of paid vacation each year."
GAMMA = "Gamma shipping rules. Orders over thirty five euros ship free within Germany."


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    (root / "beta.md").write_text("# Beta\n\n" + BETA, encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "gamma.txt").write_text(GAMMA, encoding="utf-8")
    return root


@pytest.fixture(params=BACKENDS)
def kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    return open_kb(request.param, request, embedder=HashEmbedder(), chunking=ChunkingConfig())


def stats(kb: KnowledgeBase, root: Path) -> dict[str, int]:
    _, report = sync_folder(kb, FolderSource("DS00000001", root))
    return report.statistics()


def expected(**counts: int) -> dict[str, int]:
    keys = ["Scanned", "MetadataScanned", "New", "Modified", "MetadataModified", "Deleted", "Failed"]
    names = {
        "Scanned": "numberOfDocumentsScanned",
        "MetadataScanned": "numberOfMetadataDocumentsScanned",
        "New": "numberOfNewDocumentsIndexed",
        "Modified": "numberOfModifiedDocumentsIndexed",
        "MetadataModified": "numberOfMetadataDocumentsModified",
        "Deleted": "numberOfDocumentsDeleted",
        "Failed": "numberOfDocumentsFailed",
    }
    return {names[k]: counts.get(k, 0) for k in keys}


def texts(kb: KnowledgeBase, query: str, k: int = 10) -> list[str]:
    return [h.text for h in kb.retrieve(query, k=k)]


def test_first_sync_indexes_everything(kb: KnowledgeBase, folder: Path) -> None:
    assert stats(kb, folder) == expected(Scanned=3, New=3)
    assert kb.count() == 3
    assert any("vacation" in t for t in texts(kb, "paid vacation days"))


def test_second_sync_skips_unchanged_without_parsing(
    kb: KnowledgeBase, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stats(kb, folder)
    import retrieval.sync as sync_module

    def explode(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(sync_module, "process_file", explode)
    assert stats(kb, folder) == expected(Scanned=3)


def test_modified_file_is_reindexed_and_old_text_is_gone(kb: KnowledgeBase, folder: Path) -> None:
    stats(kb, folder)
    (folder / "alpha.txt").write_text(
        "Alpha cupping protocol. Score each coffee for acidity and body.", encoding="utf-8"
    )
    assert stats(kb, folder) == expected(Scanned=3, Modified=1)
    found = texts(kb, "drum preheated charging cupping acidity")
    assert not any("preheated" in t for t in found)
    assert any("cupping" in t for t in found)
    assert kb.count() == 3


def test_deleted_file_leaves_catalog_keywords_and_vectors(kb: KnowledgeBase, folder: Path) -> None:
    stats(kb, folder)
    (folder / "sub" / "gamma.txt").unlink()
    assert stats(kb, folder) == expected(Scanned=2, Deleted=1)
    assert kb.count() == 2
    assert not any("shipping" in t for t in texts(kb, "shipping orders euros"))
    hybrid = kb.retrieve("shipping orders euros", k=10, search_type="HYBRID")
    assert not any("shipping" in h.text for h in hybrid)
    assert kb.catalog.keyword_search("shipping", limit=10) == []


def test_rename_is_a_delete_and_a_new_document(kb: KnowledgeBase, folder: Path) -> None:
    stats(kb, folder)
    (folder / "alpha.txt").rename(folder / "alpha-renamed.txt")
    assert stats(kb, folder) == expected(Scanned=3, New=1, Deleted=1)
    hits = kb.retrieve("drum preheated charging", k=1)
    assert hits[0].document_uri == "alpha-renamed.txt"
    assert kb.count() == 3


def test_metadata_only_change_updates_filters_without_reembedding(
    kb: KnowledgeBase, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sidecar = folder / "beta.md.metadata.json"
    sidecar.write_text(json.dumps({"metadataAttributes": {"year": 2024}}), encoding="utf-8")
    assert stats(kb, folder) == expected(Scanned=3, MetadataScanned=1, New=3)
    sidecar.write_text(json.dumps({"metadataAttributes": {"year": 2025}}), encoding="utf-8")

    def no_embedding(*args: object, **kwargs: object) -> None:
        raise AssertionError("metadata-only change re-embedded")

    monkeypatch.setattr(kb.embedder, "embed_documents", no_embedding)
    assert stats(kb, folder) == expected(Scanned=3, MetadataScanned=1, MetadataModified=1)
    monkeypatch.undo()
    flt = parse_filter({"equals": {"key": "year", "value": 2025}})
    hits = kb.retrieve("vacation", k=5, filter=flt)
    assert [h.document_uri for h in hits] == ["beta.md"]
    assert hits[0].metadata["year"] == 2025


def test_bad_files_are_reported_and_the_rest_goes_on(kb: KnowledgeBase, folder: Path) -> None:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04 not really")
    (folder / "orphan.pdf.metadata.json").write_text("{}", encoding="utf-8")
    _, report = sync_folder(kb, FolderSource("DS00000001", folder))
    assert report.statistics() == expected(Scanned=5, New=3, Failed=2)
    reasons = {f.uri: f.reason for f in report.failures}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["slides.pptx"].startswith("unsupported type .pptx")
    assert [w.uri for w in report.warnings] == ["orphan.pdf.metadata.json"]


def test_include_and_exclude_globs(kb: KnowledgeBase, folder: Path) -> None:
    _, report = sync_folder(kb, FolderSource("DS00000001", folder, include=("*.txt", "**/*.txt"), exclude=("sub/*",)))
    assert report.statistics() == expected(Scanned=1, New=1)


def test_unreadable_folder_is_a_clear_error(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="cannot read folder"):
        sync_folder(kb, FolderSource("DS00000001", tmp_path / "missing"))


def test_job_is_recorded_with_statistics(kb: KnowledgeBase, folder: Path) -> None:
    job_id, _ = sync_folder(kb, FolderSource("DS00000001", folder))
    [job] = kb.catalog.jobs()
    assert job.id == job_id and len(job_id) == 10
    assert job.status == "COMPLETE"
    assert job.statistics["numberOfNewDocumentsIndexed"] == 3


def test_index_survives_reopen_and_rebuilds_when_stale(tmp_path: Path, folder: Path) -> None:
    directory = tmp_path / "kb2"
    first = KnowledgeBase(directory=directory, embedder=HashEmbedder(), chunking=ChunkingConfig())
    sync_folder(first, FolderSource("DS00000001", folder))
    first.close()
    (directory / "vectors.json").write_text('{"generation": -1}')  # as if killed before save()
    reopened = KnowledgeBase(directory=directory, embedder=HashEmbedder(), chunking=ChunkingConfig())
    assert reopened.count() == 3
    assert reopened.retrieve("paid vacation", k=1)[0].document_uri == "beta.md"


def test_semantic_chunking_syncs_with_the_knowledge_base_embedder(tmp_path: Path, folder: Path) -> None:
    config = ChunkingConfig(strategy="semantic", max_tokens=40)
    kb = KnowledgeBase(directory=tmp_path / "semantic", embedder=HashEmbedder(), chunking=config)
    text = (
        " ".join(f"Espresso extraction detail {i} about grind and dose." for i in range(6))
        + " "
        + " ".join(f"Parental leave rule {i} about weeks and salary." for i in range(6))
    )
    (folder / "mixed.txt").write_text(text, encoding="utf-8")
    _, report = sync_folder(kb, FolderSource("DS00000001", folder))
    assert report.documents_failed == 0 and report.new_documents_indexed == 4
    hits = kb.retrieve("parental leave weeks salary", k=20)
    mixed = [h.text for h in hits if h.document_uri == "mixed.txt"]
    assert mixed and all(count_tokens(t) <= 40 for t in mixed)
    assert any("Parental" in t and "Espresso" not in t for t in mixed)  # a break at the topic change
    kb.close()


def test_parsing_in_worker_processes_gives_the_same_index(tmp_path: Path, folder: Path) -> None:
    for i in range(10):  # enough files to be worth worker processes
        (folder / f"extra{i}.txt").write_text(f"Extra note {i} about espresso grind size.", encoding="utf-8")
    results = []
    for workers in (0, 2):
        kb = KnowledgeBase(directory=tmp_path / f"w{workers}", embedder=HashEmbedder(), chunking=ChunkingConfig())
        (folder / "bad.txt").write_bytes(b"")
        _, report = sync_folder(kb, FolderSource("DS00000001", folder), workers=workers)
        rows = sorted((h.document_uri, h.text) for h in kb.retrieve("policy roasting shipping", k=10))
        results.append((report.statistics(), rows))
        kb.close()
    assert results[0] == results[1]
    assert results[0][0] == expected(Scanned=14, New=13, Failed=1)


def test_chunks_of_many_documents_are_embedded_in_shared_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for i in range(40):
        (root / f"d{i}.txt").write_text(f"Short document number {i}.", encoding="utf-8")
    kb = KnowledgeBase(directory=tmp_path / "kb", embedder=HashEmbedder(), chunking=ChunkingConfig())
    sizes: list[int] = []
    original = kb.embedder.embed_documents

    def spy(texts: list[str]) -> object:
        sizes.append(len(texts))
        return original(texts)

    monkeypatch.setattr(kb.embedder, "embed_documents", spy)
    sync_folder(kb, FolderSource("DS00000001", root))
    assert sum(sizes) == 40
    assert max(sizes) > 1  # not one embedding call per document
    kb.close()
