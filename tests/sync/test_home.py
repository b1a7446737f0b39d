"""The registry of knowledge bases: names and ids, isolation, and refusing a different embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import ChunkingConfig
from retrieval.embedding import HashEmbedder
from retrieval.errors import ModelMismatch
from retrieval.home import Home, InvalidName, KnowledgeBaseExists, KnowledgeBaseNotFound
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import FolderSource, sync_folder


def test_create_get_list_delete(tmp_path: Path) -> None:
    home = Home(tmp_path)
    info = home.create("handbook", chunking=ChunkingConfig(strategy="fixed", max_tokens=300), embedder="hash-384")
    assert len(info.id) == 10 and info.id.isalnum() and info.id.isupper()
    assert home.get("handbook") == info
    assert home.get(info.id) == info
    assert home.get("handbook").chunking.max_tokens == 300
    assert [kb.name for kb in home.list()] == ["handbook"]
    assert home.directory(info.id).is_dir()
    home.delete("handbook")
    assert home.list() == []
    assert not home.directory(info.id).exists()


def test_duplicate_unknown_and_invalid_names(tmp_path: Path) -> None:
    home = Home(tmp_path)
    home.create("a", chunking=ChunkingConfig(), embedder="hash-384")
    with pytest.raises(KnowledgeBaseExists, match="already exists"):
        home.create("a", chunking=ChunkingConfig(), embedder="hash-384")
    with pytest.raises(KnowledgeBaseNotFound) as unknown:
        home.get("b")
    with pytest.raises(KnowledgeBaseNotFound) as hidden:  # exists, but not for this caller
        home.get("a", visible=lambda kb_id: False)
    assert (
        str(unknown.value) == "no knowledge base named 'b'; `ragkb kb list` lists them, `ragkb sync DIR --kb NAME` "
        "creates one"
    )  # names no other knowledge base
    assert str(hidden.value) == str(unknown.value).replace("'b'", "'a'")
    for bad in ("", "../etc", "a b", "x" * 101):
        with pytest.raises(InvalidName):
            home.create(bad, chunking=ChunkingConfig(), embedder="hash-384")


def test_knowledge_bases_are_isolated(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    docs_a, docs_b = tmp_path / "a", tmp_path / "b"
    docs_a.mkdir()
    docs_b.mkdir()
    (docs_a / "a.txt").write_text("Secret alpha recipe uses cardamom and orange peel.", encoding="utf-8")
    (docs_b / "b.txt").write_text("Beta maintenance log for the grinder burrs.", encoding="utf-8")
    kbs = []
    for name, folder in (("a", docs_a), ("b", docs_b)):
        info = home.create(name, chunking=ChunkingConfig(), embedder="hash-384")
        kb = KnowledgeBase(directory=home.directory(info.id), embedder=HashEmbedder(), chunking=info.chunking)
        sync_folder(kb, FolderSource("DS00000001", folder))
        kbs.append(kb)
    a, b = kbs
    assert all("cardamom" not in h.text for h in b.retrieve("cardamom orange recipe", k=10, search_type="HYBRID"))
    assert all("grinder" not in h.text for h in a.retrieve("grinder burrs", k=10, search_type="HYBRID"))
    assert a.count() == 1 and b.count() == 1


def test_a_knowledge_base_refuses_another_embedder(tmp_path: Path) -> None:
    KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(384), chunking=ChunkingConfig()).close()
    with pytest.raises(ModelMismatch, match="built with hash-384"):
        KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(256), chunking=ChunkingConfig())


def test_the_backend_is_part_of_the_recorded_embedder(tmp_path: Path) -> None:
    """int8 and fp32 vectors of one model differ beyond tolerance: such a knowledge base keeps to its family."""
    built = HashEmbedder(384)
    built.name = "torch-bf16:all-MiniLM-L6-v2"
    KnowledgeBase(directory=tmp_path, embedder=built, chunking=ChunkingConfig()).close()
    other = HashEmbedder(384)
    other.name = "onnx-int8:all-MiniLM-L6-v2"
    with pytest.raises(ModelMismatch, match="RAGKB_EMBEDDING_BACKEND=torch-bf16"):
        KnowledgeBase(directory=tmp_path, embedder=other, chunking=ChunkingConfig())


def test_an_equivalent_backend_writes_to_a_knowledge_base_and_the_record_stays(tmp_path: Path) -> None:
    """A home built with PyTorch bf16 keeps working after the default became OpenVINO: same family."""
    built = HashEmbedder(384)
    built.name = "torch-bf16:all-MiniLM-L6-v2"
    KnowledgeBase(directory=tmp_path, embedder=built, chunking=ChunkingConfig()).close()
    openvino = HashEmbedder(384)
    openvino.name = "openvino:all-MiniLM-L6-v2"
    kb = KnowledgeBase(directory=tmp_path, embedder=openvino, chunking=ChunkingConfig())
    assert kb.catalog.get_meta("embedder") == "torch-bf16:all-MiniLM-L6-v2"
    kb.close()
    other_model = HashEmbedder(384)
    other_model.name = "openvino:all-mpnet-base-v2"
    with pytest.raises(ModelMismatch, match="built with torch-bf16:all-MiniLM-L6-v2"):
        KnowledgeBase(directory=tmp_path, embedder=other_model, chunking=ChunkingConfig())


def test_knowledge_bases_from_before_backends_were_named_open_with_torch(tmp_path: Path) -> None:
    legacy = HashEmbedder(384)
    legacy.name = "sentence-transformers:all-MiniLM-L6-v2"  # what PyTorch fp32 was called
    KnowledgeBase(directory=tmp_path, embedder=legacy, chunking=ChunkingConfig()).close()
    torch_fp32 = HashEmbedder(384)
    torch_fp32.name = "torch:all-MiniLM-L6-v2"
    KnowledgeBase(directory=tmp_path, embedder=torch_fp32, chunking=ChunkingConfig()).close()
    int8 = HashEmbedder(384)
    int8.name = "onnx-int8:all-MiniLM-L6-v2"
    with pytest.raises(ModelMismatch, match="built with torch:all-MiniLM-L6-v2"):
        KnowledgeBase(directory=tmp_path, embedder=int8, chunking=ChunkingConfig())
