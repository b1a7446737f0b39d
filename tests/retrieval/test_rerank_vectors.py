"""Reranking reads the vectors the knowledge base stored for its hits (issue 17, reranker latency): both
backends hand them out by chunk id, and the fusion reranker then embeds only the query."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from app.core.services import Services
from app.settings import Settings
from ingest.chunking import ChunkingConfig
from retrieval import FusionReranker, HashEmbedder, Hit, rerank
from retrieval.embedding import FloatArray
from retrieval.rerank.fusion import FEATURES, FusionWeights
from tests.backends import BACKENDS, open_kb
from tests.retrieval.test_knowledge_base import add

NOTES = {
    "descale.txt": "The espresso machine is descaled every two weeks. Use citric acid, never vinegar.",
    "parking.txt": "Parking is free for staff. Bikes go in the yard behind the roastery.",
    "beans.txt": "Beans are roasted on Tuesdays. The espresso blend rests five days before use.",
}


class CountingEmbedder(HashEmbedder):
    """The hash fake, remembering every text it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> FloatArray:
        self.embedded += list(texts)
        return super().embed_documents(texts)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_hits_stored_vectors_are_handed_out_by_chunk_id(request: pytest.FixtureRequest, backend: str) -> None:
    embedder = HashEmbedder()
    kb = open_kb(backend, request, embedder=embedder, chunking=ChunkingConfig())
    for uri, text in NOTES.items():
        add(kb, uri, text)
    hits = kb.retrieve("espresso machine", k=3, search_type="HYBRID")
    vectors = kb.chunk_vectors([hit.chunk_id for hit in hits] + ["no-such-chunk"])
    assert sorted(vectors) == sorted(hit.chunk_id for hit in hits)
    for hit in hits:
        assert vectors[hit.chunk_id].dtype == np.float32
        np.testing.assert_allclose(vectors[hit.chunk_id], embedder.embed_query(hit.text), atol=1e-6)
    assert kb.chunk_vectors([]) == {}


def test_a_hierarchical_parent_has_no_stored_vector(request: pytest.FixtureRequest) -> None:
    chunking = ChunkingConfig(strategy="hierarchical", parent_max_tokens=60, child_max_tokens=20, overlap_tokens=0)
    kb = open_kb("embedded", request, embedder=HashEmbedder(), chunking=chunking)
    add(kb, "long.txt", " ".join(NOTES.values()) * 3)
    hits = kb.retrieve("espresso machine", k=2)
    assert hits and kb.chunk_vectors(hit.chunk_id for hit in hits) == {}  # hits are parents: read, not embedded


def test_with_stored_vectors_the_reranker_embeds_only_the_query() -> None:
    embedder = CountingEmbedder()
    embedding_features = tuple(f for f in FEATURES if not f.startswith("ce_"))  # no cross-encoder here
    n = len(embedding_features)
    weights = FusionWeights(embedding_features, (0.0,) * n, (1.0,) * n, (1.0,) * n, 0.0, "test", max_sentences=24)
    shipped = FusionWeights.load()
    texts = list(NOTES.values())
    stored = list(HashEmbedder().embed_documents(texts))
    query = "how often is the espresso machine descaled"

    # The shipped variant reads no sentence vectors: with every passage's vector given, only the query.
    with_vectors = FusionReranker(embedder, shipped).features(query, texts, vectors=stored)
    assert embedder.embedded == [query]
    embedder.embedded.clear()
    without = FusionReranker(embedder, shipped).features(query, texts)
    assert sorted(embedder.embedded) == sorted([query, *texts])
    np.testing.assert_allclose(with_vectors, without, atol=1e-6)

    # A passage without a stored vector (None) is embedded; the sentence features embed sentences.
    embedder.embedded.clear()
    FusionReranker(embedder, weights).features(query, texts, vectors=[stored[0], None, stored[2]])
    assert embedder.embedded[:2] == [query, texts[1]] and len(embedder.embedded) > 2
    with pytest.raises(ValueError, match="2 vectors for 3 texts"):
        FusionReranker(embedder, shipped).features(query, texts, vectors=stored[:2])


def test_rerank_passes_the_vectors_of_the_hits_it_has() -> None:
    embedder = CountingEmbedder()
    hits = [_hit(uri, text) for uri, text in NOTES.items()]
    stored = {"descale.txt": HashEmbedder().embed_query(NOTES["descale.txt"])}
    reranked = rerank(FusionReranker(embedder), "espresso machine descaled", hits, vectors=stored)
    assert reranked[0].chunk_id == "descale.txt"
    assert NOTES["descale.txt"] not in embedder.embedded and NOTES["parking.txt"] in embedder.embedded


def _hit(chunk_id: str, text: str) -> Hit:
    return Hit(chunk_id, text, 0.0, chunk_id, "DS", {}, {})


def test_the_service_reranks_with_the_documents_embedder_when_queries_have_no_other(tmp_path: Path) -> None:
    services = Services(Settings(home=tmp_path / "home", embedder="sentence-transformers", query_backend="same"))
    reranker = services.reranker
    assert isinstance(reranker, FusionReranker) and reranker.embedder is services.embedder


@pytest.mark.slow
def test_the_service_reranks_with_its_query_embedder(tmp_path: Path) -> None:
    services = Services(Settings(home=tmp_path / "home", embedder="sentence-transformers"))
    services.prepare_query_embedder()  # exports the ONNX file into the home, as the server's start does
    reranker = services.reranker
    assert services.query_embedder is not None and services.query_embedder.name.startswith("onnx:")
    assert isinstance(reranker, FusionReranker) and reranker.embedder is services.query_embedder


def test_bedrock_search_with_reranking_embeds_only_the_query(request: pytest.FixtureRequest) -> None:
    from app.http.bedrock.agent_runtime import search

    kb = open_kb("embedded", request, embedder=HashEmbedder(), chunking=ChunkingConfig())
    for uri, text in NOTES.items():
        add(kb, uri, text)
    embedder = CountingEmbedder()
    reranking = {"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {"numberOfRerankedResults": 2}}
    configuration = {"vectorSearchConfiguration": {"numberOfResults": 3, "rerankingConfiguration": reranking}}
    query = "how often is the espresso machine descaled"
    hits = search(kb, query, configuration, reranker=lambda _: FusionReranker(embedder))
    assert [hit.document_uri for hit in hits][:1] == ["descale.txt"] and len(hits) == 2
    assert embedder.embedded == [query]
