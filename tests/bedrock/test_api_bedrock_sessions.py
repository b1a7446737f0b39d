"""Sessions: the stores (SQLite and PostgreSQL, a clock moved past 24 hours) and the
``bedrock-agent-runtime`` session operations and ``sessionId`` of retrieve-and-generate through boto3 against
a live server: a follow-up question is answered in its session's context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import SessionConflict, SessionNotFound
from app.core.postgres import schema
from app.core.postgres.sessions import PostgresSessionStore
from app.core.sessions import SESSION_LIFETIME, SessionStore, SqliteSessionStore, Turn, contextual_query
from retrieval import Database
from tests.bedrock_clients import (
    Clients,
    boto_clients,
    create_custom_source,
    create_kb,
    error_of,
    rag_request,
    text_document,
)
from tests.conftest import ServerFactory

VACATION = "Full-time staff get 25 vacation days a year, booked through the HR portal."
PART_TIME_VACATION = "Part-time staff get vacation days pro rata to their contract hours."
PART_TIME_REMOTE = "Part-time staff may work remotely. Part-time staff book remote days with their manager."


# Every SessionStore backend runs the contract tests below, opened on ``where`` (a home, or a database).
STORES: dict[str, Callable[[Any, Callable[[], datetime]], SessionStore]] = {
    "sqlite": lambda home, clock: SqliteSessionStore(home, clock=clock),
    "postgres": lambda database, clock: PostgresSessionStore(schema.prepare(database), clock=clock),
}


@pytest.fixture
def where(backend: str, request: pytest.FixtureRequest) -> Path | Database:
    if backend == "sqlite":
        return request.getfixturevalue("tmp_path")
    database = Database(request.getfixturevalue("postgres_url"), max_size=2)
    request.addfinalizer(database.close)
    return database


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


# -- the store -------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", STORES)
def test_session_lifecycle(where: Path | Database, backend: str) -> None:
    clock = Clock()
    store = STORES[backend](where, clock)
    session = store.create(metadata={"user": "ana"})
    store.add_turn(session.id, kb_id="KB1", question="How many vacation days?", answer="25.")
    store.add_turn(session.id, kb_id="KB2", question="Other base?", answer="-")
    clock.now += timedelta(hours=1)
    store.add_turn(session.id, kb_id="KB1", question="And part-time staff?", answer="Pro rata.")
    store.close()

    store = STORES[backend](where, clock)  # a restart keeps everything
    again = store.get(session.id)
    assert (again.metadata, store.status(again), again.updated_at - again.created_at) == (
        {"user": "ana"}, "ACTIVE", timedelta(hours=1)
    )  # fmt: skip
    assert [t.question for t in store.turns(session.id, kb_id="KB1")] == ["How many vacation days?",
                                                                          "And part-time staff?"]  # fmt: skip
    with pytest.raises(SessionConflict, match="is ACTIVE"):
        store.delete(session.id)
    assert store.status(store.end(session.id)) == "ENDED"
    with pytest.raises(SessionConflict, match="is ENDED"):
        store.add_turn(session.id, kb_id="KB1", question="q", answer="a")
    with pytest.raises(SessionConflict):
        store.end(session.id)
    store.delete(session.id)
    with pytest.raises(SessionNotFound):
        store.get(session.id)
    with pytest.raises(SessionNotFound):
        store.turns(session.id, kb_id="KB1")


@pytest.mark.parametrize("backend", STORES)
def test_sessions_expire_24_hours_after_creation(where: Path | Database, backend: str) -> None:
    clock = Clock()
    store = STORES[backend](where, clock)
    session = store.create()
    clock.now += SESSION_LIFETIME - timedelta(seconds=1)
    store.add_turn(session.id, kb_id="KB1", question="q", answer="a")  # activity does not extend it
    assert store.status(store.get(session.id)) == "ACTIVE"
    clock.now += timedelta(seconds=1)
    assert store.status(store.get(session.id)) == "EXPIRED"
    with pytest.raises(SessionConflict, match="EXPIRED"):
        store.add_turn(session.id, kb_id="KB1", question="q", answer="a")
    store.delete(session.id)  # an expired session may be deleted without ending it
    assert store.all() == []


def test_contextual_query_reads_the_previous_question() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    turns = [Turn("KB", "Where is the office?", "Paris.", at), Turn("KB", "How many vacation days?", "25.", at)]
    assert contextual_query(turns, "And part-time staff?") == "How many vacation days? And part-time staff?"
    assert contextual_query([], "How many vacation days?") == "How many vacation days?"


# -- through boto3 ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clients(module_live_server: ServerFactory) -> Clients:
    return boto_clients(module_live_server())


def test_session_operations(clients: Clients) -> None:
    runtime = clients.runtime
    created = runtime.create_session(sessionMetadata={"app": "handbook"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    session_id, arn = created["sessionId"], created["sessionArn"]
    assert arn == f"arn:aws:bedrock:us-east-1:000000000000:session/{session_id}"
    got = runtime.get_session(sessionIdentifier=arn)
    assert (got["sessionId"], got["sessionStatus"]) == (session_id, "ACTIVE")
    assert got["sessionMetadata"] == {"app": "handbook"}
    assert got["createdAt"] == created["createdAt"]
    updated = runtime.update_session(sessionIdentifier=session_id, sessionMetadata={"app": "v2"})
    assert updated["lastUpdatedAt"] >= updated["createdAt"]
    assert runtime.get_session(sessionIdentifier=session_id)["sessionMetadata"] == {"app": "v2"}
    assert session_id in [s["sessionId"] for s in runtime.list_sessions()["sessionSummaries"]]

    conflict = error_of(lambda: runtime.delete_session(sessionIdentifier=session_id))
    assert conflict.response["Error"]["Code"] == "ConflictException"
    ended = runtime.end_session(sessionIdentifier=session_id)
    assert (ended["sessionId"], ended["sessionStatus"]) == (session_id, "ENDED")
    assert error_of(lambda: runtime.end_session(sessionIdentifier=session_id)).response["Error"]["Code"] == (
        "ConflictException"
    )
    runtime.delete_session(sessionIdentifier=session_id)
    missing = error_of(lambda: runtime.get_session(sessionIdentifier=session_id))
    assert (missing.response["Error"]["Code"], missing.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ResourceNotFoundException", 404
    )  # fmt: skip
    kms = "arn:aws:kms:us-east-1:123456789012:key/" + "a" * 36
    refused = error_of(lambda: runtime.create_session(encryptionKeyArn=kms))
    assert "encryptionKeyArn is not supported" in refused.response["Error"]["Message"]


def test_follow_up_question_is_answered_in_context(clients: Clients) -> None:
    kb = create_kb(clients.agent, "handbook")
    source = create_custom_source(clients.agent, kb)
    documents = [text_document("vacation", VACATION), text_document("part-time-vacation", PART_TIME_VACATION),
                 text_document("part-time-remote", PART_TIME_REMOTE)]  # fmt: skip
    clients.agent.ingest_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source, documents=documents)
    one = {"vectorSearchConfiguration": {"numberOfResults": 1}}

    def cited(answer: dict) -> str:
        return str(answer["citations"][0]["retrievedReferences"][0]["location"]["customDocumentLocation"]["id"])

    first = clients.runtime.retrieve_and_generate(
        **rag_request(kb, "How many vacation days do staff get?", retrievalConfiguration=one)
    )
    assert "vacation days" in first["output"]["text"]
    follow_up = rag_request(kb, "And part-time staff?", retrievalConfiguration=one)
    alone = clients.runtime.retrieve_and_generate(**follow_up)
    assert cited(alone) == "part-time-remote"  # without its context the follow-up lands elsewhere
    in_context = clients.runtime.retrieve_and_generate(**follow_up, sessionId=first["sessionId"])
    assert in_context["sessionId"] == first["sessionId"]
    assert cited(in_context) == "part-time-vacation"
    assert "pro rata" in in_context["output"]["text"]

    clients.runtime.end_session(sessionIdentifier=first["sessionId"])
    ended = error_of(lambda: clients.runtime.retrieve_and_generate(**follow_up, sessionId=first["sessionId"]))
    assert ended.response["Error"]["Code"] == "ValidationException"
    assert "is ENDED" in ended.response["Error"]["Message"]
