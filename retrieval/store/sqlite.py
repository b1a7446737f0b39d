"""One SQLite connection shared by threads, each statement under a lock (the catalog's plumbing)."""

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
