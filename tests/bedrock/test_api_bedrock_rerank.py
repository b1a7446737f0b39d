"""Reranking: ``rerank`` and ``rerankingConfiguration`` in ``retrieve`` / ``retrieve_and_generate`` through boto3
against a live server (hash embedder, so the reranker is the word-overlap fake and every score can be
computed by hand), and the grounding relevance baseline on a real pair (slow); the trained cross-encoder and
``modelArn``'s choice: tests/retrieval/test_rerank_crossencoder.py."""

from __future__ import annotations

from typing import Any

import pytest

from retrieval import Hit, OverlapReranker, rerank
from tests.bedrock_clients import Clients, boto_clients, create_custom_source, create_kb, error_of, text_document
from tests.conftest import ServerFactory

MODEL = {"modelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0"}
DOCS = {
    "descale": "Descale the espresso machine with citric acid every two weeks.",
    "grinder": "Clean the grinder burrs every month; the espresso tastes bitter otherwise.",
    "milk": "Purge the steam wand after every milk drink.",
}


@pytest.fixture(scope="module")
def clients(module_live_server: ServerFactory) -> Clients:
    return boto_clients(module_live_server())


def reranking(**extra: Any) -> dict[str, Any]:
    return {"type": "BEDROCK_RERANKING_MODEL",
            "bedrockRerankingConfiguration": {"modelConfiguration": MODEL, **extra}}  # fmt: skip


def test_rerank_scores_inline_sources(clients: Clients) -> None:
    sources = [{"type": "INLINE", "inlineDocumentSource": {"type": "TEXT", "textDocument": {"text": text}}}
               for text in DOCS.values()]  # fmt: skip
    sources.append({"type": "INLINE", "inlineDocumentSource": {"type": "JSON", "jsonDocument": {"step": "descale"}}})
    response = clients.runtime.rerank(
        queries=[{"type": "TEXT", "textQuery": {"text": "how to descale the espresso machine"}}],
        sources=sources,
        rerankingConfiguration={"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {
            "modelConfiguration": MODEL, "numberOfResults": 4}},
    )  # fmt: skip
    results = response["results"]
    # query words: how, descale, the, espresso, machine -> descale doc has 4 of 5, grinder 2, milk and JSON 1
    assert [(r["index"], round(r["relevanceScore"], 2)) for r in results] == [(0, 0.8), (1, 0.4), (2, 0.2), (3, 0.2)]
    assert results[0]["document"]["textDocument"]["text"] == DOCS["descale"]
    assert results[3]["document"] == {"type": "JSON", "jsonDocument": {"step": "descale"}}


def test_retrieve_reranks_what_it_found(clients: Clients) -> None:
    kb = create_kb(clients.agent, "rerank")
    source = create_custom_source(clients.agent, kb)
    documents = [text_document(name, text) for name, text in DOCS.items()]
    clients.agent.ingest_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source, documents=documents)
    query = {"text": "espresso machine descale"}

    def ids(config: dict[str, Any]) -> list[tuple[str, float]]:
        results = clients.runtime.retrieve(knowledgeBaseId=kb, retrievalQuery=query,
                                           retrievalConfiguration={"vectorSearchConfiguration": config})  # fmt: skip
        return [(r["location"]["customDocumentLocation"]["id"], round(r["score"], 3))
                for r in results["retrievalResults"]]  # fmt: skip

    plain = ids({"numberOfResults": 3})
    reranked = ids({"numberOfResults": 3, "rerankingConfiguration": reranking(numberOfRerankedResults=2)})
    assert reranked == [("descale", 1.0), ("grinder", round(1 / 3, 3))]  # overlap of the 3 query words
    assert {doc for doc, _ in reranked} <= {doc for doc, _ in plain}
    assert len(ids({"numberOfResults": 3, "rerankingConfiguration": reranking()})) == 3

    answer = clients.runtime.retrieve_and_generate(
        input={"text": "espresso machine descale"},
        retrieveAndGenerateConfiguration={"type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {
            "knowledgeBaseId": kb, "modelArn": "m", "retrievalConfiguration": {"vectorSearchConfiguration": {
                "numberOfResults": 3, "rerankingConfiguration": reranking(numberOfRerankedResults=1)}}}},
    )  # fmt: skip
    references = [r for c in answer["citations"] for r in c["retrievedReferences"]]
    assert {r["location"]["customDocumentLocation"]["id"] for r in references} == {"descale"}


def test_rerank_refusals(clients: Clients) -> None:
    query = [{"type": "TEXT", "textQuery": {"text": "x y z"}}]
    mismatched = [{"type": "INLINE", "inlineDocumentSource": {"type": "JSON", "textDocument": {"text": "a"}}}]
    config = {"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {"modelConfiguration": MODEL}}
    error = error_of(lambda: clients.runtime.rerank(queries=query, sources=mismatched, rerankingConfiguration=config))
    assert "sources[0].inlineDocumentSource of type JSON has no matching document" in error.response["Error"]["Message"]


def test_rerank_function_keeps_ties_in_search_order() -> None:
    hits = [Hit(f"c{i}", text, 0.5, f"d{i}", "s", {}, {}) for i, text in enumerate(["alpha beta", "beta", "alpha"])]
    ranked = rerank(OverlapReranker(), "alpha", hits)
    assert [(h.chunk_id, h.score) for h in ranked] == [("c0", 1.0), ("c2", 1.0), ("c1", 0.0)]
    assert rerank(OverlapReranker(), "alpha", hits, top_n=1)[0].chunk_id == "c0"
    assert rerank(OverlapReranker(), "alpha", []) == []


@pytest.mark.slow
def test_grounding_relevance_baseline_prefers_the_answering_passage() -> None:
    from app.core.wiring import GroundingRelevanceReranker

    reranker = GroundingRelevanceReranker()
    scores = reranker.scores("How often should the espresso machine be descaled?", [
        "The office kitchen is cleaned every Friday by the facilities team.",
        "Descale the espresso machine every two weeks with citric acid.",
    ])  # fmt: skip
    assert scores.shape == (2,) and scores[1] > scores[0] and scores.min() >= 0 and scores.max() <= 1
