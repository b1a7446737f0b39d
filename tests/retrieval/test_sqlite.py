"""The one SQLite helper: the registry, every catalog, the API keys and the guardrails open their files
through it, in WAL mode with deleted rows zeroed, one connection shared by threads under one lock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.core.errors import GuardrailNotFound
from app.core.guardrails.store import GuardrailStore
from app.core.keys import KeyStore
from ingest.chunking import ChunkingConfig
from retrieval.home import Home
from retrieval.store.catalog import Catalog
from retrieval.store.sqlite import Connection, open_database


def pragmas(db: Connection) -> tuple[str, int, int, int]:
    return (
        db.execute("PRAGMA journal_mode").fetchone()[0],
        db.execute("PRAGMA secure_delete").fetchone()[0],
        db.execute("PRAGMA synchronous").fetchone()[0],
        db.execute("PRAGMA foreign_keys").fetchone()[0],
    )


def test_open_database_sets_wal_and_secure_delete(tmp_path: Path) -> None:
    plain = open_database(tmp_path / "plain.sqlite")
    tuned = open_database(tmp_path / "tuned.sqlite", synchronous="NORMAL", foreign_keys=True)
    assert pragmas(plain) == ("wal", 1, 2, 0)  # synchronous 2 = FULL, SQLite's default
    assert pragmas(tuned) == ("wal", 1, 1, 1)
    plain.close()
    tuned.close()


def test_the_registry_and_the_catalog_share_the_helper(tmp_path: Path) -> None:
    home = Home(tmp_path)
    catalog = Catalog(tmp_path / "catalog.sqlite")
    assert isinstance(home._db, Connection) and isinstance(catalog._db, Connection)
    assert pragmas(home._db) == ("wal", 1, 2, 0)
    assert pragmas(catalog._db) == ("wal", 1, 1, 1)
    catalog.close()
    home.close()


def test_the_key_and_guardrail_stores_share_the_helper(tmp_path: Path) -> None:
    keys, guardrails = KeyStore(tmp_path), GuardrailStore(tmp_path)
    assert isinstance(keys._db, Connection) and isinstance(guardrails._db, Connection)
    assert pragmas(keys._db) == pragmas(guardrails._db) == ("wal", 1, 2, 0)
    _, info = keys.create(description="ci")
    assert keys.revoke(info.id) and not keys.revoke(info.id)  # what a DELETE removed still counts
    draft = guardrails.create(name="answers")
    guardrails.delete(draft.id)
    with pytest.raises(GuardrailNotFound):
        guardrails.delete(draft.id)
    keys.close()
    guardrails.close()


def test_threads_creating_knowledge_bases_at_once_all_land(tmp_path: Path) -> None:
    home = Home(tmp_path)
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            for i in range(10):
                home.create(f"kb-{n}-{i}", chunking=ChunkingConfig(), embedder="hash")
        except BaseException as exc:  # collected and asserted below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(home.list()) == 80
    home.close()
