"""Follow-up questions (``app/core/followups.py``): the rewrite of elliptical follow-ups, the fusion of the
follow-up's rankings, and, with the real MiniLM model behind a live server, the issue's two-turn session
answered with boto3."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.followups import FollowUp, fuse, read_follow_up, retrieve_follow_up, rewrite_elliptical
from app.core.sessions import Turn
from retrieval import Hit
from tests.bedrock_clients import boto_clients, create_custom_source, create_kb, rag_request, text_document
from tests.conftest import ServerFactory

AT = datetime(2026, 1, 1, tzinfo=UTC)
LEAVE = "How many days of annual leave do full-time staff get?"
HANDBOOK = {
    "full-time-leave": "Full-time staff get 25 days of annual leave a year, booked in the HR portal.",
    "part-time-leave": "Part-time staff get annual leave pro rata to their contract hours.",
    "part-time-remote": "Part-time staff may work remotely. Part-time staff agree remote days with their manager.",
    "expenses": "Travel expenses are refunded within 30 days when the receipt is uploaded.",
}


@pytest.mark.parametrize(
    ("previous", "follow_up", "rewritten"),
    [
        (LEAVE, "and for part-time staff?", "How many days of annual leave do part-time staff get?"),
        (LEAVE, "And part-time staff?", "How many days of annual leave do part-time staff get?"),
        ("How many vacation days do staff get?", "What about part-time staff?",
         "How many vacation days do part-time staff get?"),
        ("What are the opening hours of the Paris office?", "and the Berlin office?",
         "What are the opening hours of the Berlin office?"),
        ("What are the opening hours of the Paris office?", "How about the London office",
         "What are the opening hours of the London office?"),
    ],
)  # fmt: skip
def test_an_elliptical_follow_up_replaces_the_matching_phrase(previous: str, follow_up: str, rewritten: str) -> None:
    assert rewrite_elliptical(previous, follow_up) == rewritten


@pytest.mark.parametrize(
    "follow_up",
    [
        "Where is the canteen?",  # a question of its own
        "Who signs the contract for part-time staff?",  # long enough to stand alone
        "and on Sundays?",  # a fragment, but nothing in the previous question ends in "Sundays"
    ],
)
def test_no_rewrite_without_a_fragment_that_matches(follow_up: str) -> None:
    assert rewrite_elliptical(LEAVE, follow_up) is None


def test_read_follow_up_rewrites_or_fuses() -> None:
    turns = [Turn("KB", "Where is the office?", "Paris.", AT), Turn("KB", LEAVE, "25 days.", AT)]
    rewritten = "How many days of annual leave do part-time staff get?"
    fragment = "and for part-time staff?"
    assert read_follow_up(turns, fragment) == FollowUp(rewritten, (rewritten, fragment))
    contextual = f"{LEAVE} Who approves it?"
    assert read_follow_up(turns, "Who approves it?") == FollowUp(contextual, (contextual, "Who approves it?"))
    assert read_follow_up([], "and for part-time staff?") == FollowUp("and for part-time staff?",
                                                                      ("and for part-time staff?",))  # fmt: skip


def _hit(chunk: str, score: float) -> Hit:
    return Hit(chunk, f"text of {chunk}", score, f"{chunk}.md", "DS", {}, {})


def test_fuse_sums_each_hits_scores_over_the_rankings() -> None:
    contextual = [_hit("full-time", 0.9), _hit("part-time", 0.8)]
    alone = [_hit("part-time", 0.7), _hit("remote", 0.6)]
    fused = fuse([contextual, alone], k=2)
    assert [(h.chunk_id, round(h.score, 3)) for h in fused] == [("part-time", 0.75), ("full-time", 0.45)]
    assert [h.chunk_id for h in fuse([contextual, alone], k=5)] == ["part-time", "full-time", "remote"]


def test_retrieve_follow_up_searches_each_query_deep_enough_to_fuse() -> None:
    asked: list[tuple[str, int]] = []

    def retrieve(text: str, k: int) -> list[Hit]:
        asked.append((text, k))
        found = [_hit("part-time", 0.5)] if text == "alone" else [_hit("full-time", 0.6), _hit("part-time", 0.5)]
        return found[:k]

    hits = retrieve_follow_up(FollowUp("context alone", ("context alone", "alone")), k=1, retrieve=retrieve)
    assert [h.chunk_id for h in hits] == ["part-time"] and asked == [("context alone", 10), ("alone", 10)]
    asked.clear()
    assert [h.chunk_id for h in retrieve_follow_up(FollowUp("q", ("q",)), k=1, retrieve=retrieve)] == ["full-time"]
    assert asked == [("q", 1)]


@pytest.mark.slow
def test_the_part_time_follow_up_is_answered_with_the_real_model(live_server: ServerFactory) -> None:
    clients = boto_clients(live_server(embedder="sentence-transformers"))
    kb = create_kb(clients.agent, "handbook")
    source = create_custom_source(clients.agent, kb)
    documents = [text_document(name, text) for name, text in HANDBOOK.items()]
    clients.agent.ingest_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source, documents=documents)
    one = {"vectorSearchConfiguration": {"numberOfResults": 1}}

    def cited(answer: dict) -> str:
        return str(answer["citations"][0]["retrievedReferences"][0]["location"]["customDocumentLocation"]["id"])

    first = clients.runtime.retrieve_and_generate(**rag_request(kb, LEAVE, retrievalConfiguration=one))
    assert cited(first) == "full-time-leave" and "25 days" in first["output"]["text"]
    follow_up = rag_request(kb, "and for part-time staff?", retrievalConfiguration=one)
    second = clients.runtime.retrieve_and_generate(**follow_up, sessionId=first["sessionId"])
    assert cited(second) == "part-time-leave"
    assert "pro rata" in second["output"]["text"]
    # The previous reading, the two questions concatenated, finds the full-time rule: what this module fixes.
    concatenated = rag_request(kb, f"{LEAVE} and for part-time staff?", retrievalConfiguration=one)
    assert cited(clients.runtime.retrieve_and_generate(**concatenated)) == "full-time-leave"
