"""Open a knowledge base, or the service's other stores, on either storage backend, so one test runs against
both (contract tests).

``embedded``: SQLite + FAISS in a temporary folder; ``postgres``: a fresh database of the test run's
PostgreSQL cluster (the ``postgres_url`` fixture, which skips where PostgreSQL with pgvector is missing).
"""

from __future__ import annotations

import pytest

from app.core.wiring import StateStores
from app.settings import Settings
from ingest.chunking import ChunkingConfig
from retrieval import Database, Home, KnowledgeBase, PostgresKnowledgeBase, PostgresRegistry
from retrieval.embedding import Embedder

BACKENDS = ("embedded", "postgres")


def open_kb(
    backend: str, request: pytest.FixtureRequest, *, embedder: Embedder, chunking: ChunkingConfig
) -> KnowledgeBase:
    """A new, empty knowledge base on ``backend``; closed (and its pool too) when the test ends."""
    if backend == "embedded":
        tmp_path = request.getfixturevalue("tmp_path")
        kb = KnowledgeBase(directory=tmp_path / "kb", embedder=embedder, chunking=chunking)
        request.addfinalizer(kb.close)
        return kb
    database = Database(request.getfixturevalue("postgres_url"), max_size=4)
    request.addfinalizer(database.close)
    info = PostgresRegistry(database).create("kb", chunking=chunking, embedder=embedder.name)
    return PostgresKnowledgeBase(database=database, kb_id=info.id, embedder=embedder, chunking=chunking)


def open_state_stores(backend: str, request: pytest.FixtureRequest) -> StateStores:
    """Where the service keeps API keys, guardrails, sessions, tags and evaluation jobs on ``backend``, chosen
    as the service chooses (``app.core.wiring.StateStores``); the pool is closed when the test ends."""
    home = request.getfixturevalue("tmp_path") / "home"
    settings = Settings(home=home, embedder="hash")
    if backend == "embedded":
        return StateStores(Home(home), settings)
    database = Database(request.getfixturevalue("postgres_url"), max_size=4)
    request.addfinalizer(database.close)
    return StateStores(PostgresRegistry(database), settings)
