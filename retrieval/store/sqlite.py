"""One SQLite connection shared by threads, each statement under a lock: the one thread-safety story of
every SQLite file ragkb keeps (a knowledge base's catalog, the registry of knowledge bases, and the
service's API keys and guardrails).

    db = open_database(home / "registry.sqlite")   # WAL, deleted rows zeroed
    with db.lock:                                  # a transaction: other threads wait for COMMIT
        db.execute("BEGIN IMMEDIATE"); ...; db.execute("COMMIT")
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any


class Rows:
    """A statement's result, read in full while the connection lock is held."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.rows = cursor.fetchall()
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount
        self._next = 0

    def fetchone(self) -> Any:
        return self.fetchmany(1)[0] if self._next < len(self.rows) else None

    def fetchmany(self, size: int) -> list[Any]:
        batch = self.rows[self._next : self._next + size]
        self._next += len(batch)
        return batch

    def fetchall(self) -> list[Any]:
        return self.fetchmany(len(self.rows))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class Connection:
    """One SQLite connection shared by threads: each statement runs under a re-entrant lock, and a
    transaction holds it from BEGIN to COMMIT, so no thread sees (or joins) another's half-done work."""

    def __init__(self, path: Path) -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        with self.lock:
            return Rows(self._db.execute(sql, params))

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        with self.lock:
            self._db.executemany(sql, params)

    def executescript(self, script: str) -> None:
        with self.lock:
            self._db.executescript(script)

    def close(self) -> None:
        with self.lock:
            self._db.close()


def open_database(path: Path, *, synchronous: str | None = None, foreign_keys: bool = False) -> Connection:
    """A shared connection to ``path`` in WAL mode (readers never wait for the writer), with ``secure_delete``:
    a deleted row is overwritten with zeros, not left in free space for a hex editor to find.

    ``synchronous="NORMAL"`` trades the last transactions before a power cut (never consistency) for
    fewer fsyncs; ``foreign_keys`` turns on SQLite's ``REFERENCES`` checks.
    """
    db = Connection(path)
    db.execute("PRAGMA secure_delete=ON")
    db.execute("PRAGMA journal_mode=WAL")
    if synchronous is not None:
        db.execute(f"PRAGMA synchronous={synchronous}")
    if foreign_keys:
        db.execute("PRAGMA foreign_keys=ON")
    return db
