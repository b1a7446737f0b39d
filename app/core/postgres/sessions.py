"""Conversation sessions in PostgreSQL: a :class:`app.core.sessions.SessionStore` shared by replicas, so a
follow-up question may reach another replica than the first one and still be read in its session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import psycopg
from psycopg.types.json import Jsonb

from app.core.errors import SessionConflict, SessionNotFound
from app.core.sessions import Session, SessionStatus, Turn, parse_stamp, stamp
from retrieval import Database

_COLUMNS = "id, created_at, updated_at, ended_at, metadata"


class PostgresSessionStore:
    """Sessions and their turns in ``database`` (the same contract tests as the SQLite store). A change
    checks the session's status under a row lock, so an ``end`` on one replica and a turn on another cannot
    both win. ``clock`` tells the time; closing the store leaves the shared pool open."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database = database
        self.clock = clock

    def close(self) -> None:
        pass

    def create(self, *, metadata: Mapping[str, str] | None = None) -> Session:
        now = stamp(self.clock())
        session_id = str(uuid.uuid4())
        with self.database.connection() as conn:
            conn.execute(
                f"INSERT INTO sessions ({_COLUMNS}) VALUES (%s, %s, %s, NULL, %s)",
                (session_id, now, now, Jsonb(dict(metadata or {}))),
            )
        return self.get(session_id)

    def get(self, session_id: str) -> Session:
        with self.database.connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = %s", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"session {session_id} does not exist")
        return _session(row)

    def status(self, session: Session) -> SessionStatus:
        return session.status(self.clock())

    def all(self) -> list[Session]:
        with self.database.connection() as conn:
            return [_session(row) for row in conn.execute(f"SELECT {_COLUMNS} FROM sessions ORDER BY created_at, id")]

    def update(self, session_id: str, *, metadata: Mapping[str, str]) -> Session:
        with self.database.connection() as conn, conn.transaction():
            self._active(conn, session_id, "update")
            conn.execute(
                "UPDATE sessions SET metadata = %s, updated_at = %s WHERE id = %s",
                (Jsonb(dict(metadata)), stamp(self.clock()), session_id),
            )
        return self.get(session_id)

    def end(self, session_id: str) -> Session:
        with self.database.connection() as conn, conn.transaction():
            self._active(conn, session_id, "end")
            now = stamp(self.clock())
            conn.execute("UPDATE sessions SET ended_at = %s, updated_at = %s WHERE id = %s", (now, now, session_id))
        return self.get(session_id)

    def delete(self, session_id: str) -> None:
        with self.database.connection() as conn, conn.transaction():
            if self._locked(conn, session_id).status(self.clock()) == "ACTIVE":
                raise SessionConflict(f"session {session_id} is ACTIVE: end it with end_session before deleting it")
            conn.execute("DELETE FROM sessions WHERE id = %s", (session_id,))

    def add_turn(self, session_id: str, *, kb_id: str, question: str, answer: str) -> None:
        with self.database.connection() as conn, conn.transaction():
            self._active(conn, session_id, "continue")
            now = stamp(self.clock())
            conn.execute(
                "INSERT INTO session_turns (session_id, kb_id, question, answer, at) VALUES (%s, %s, %s, %s, %s)",
                (session_id, kb_id, question, answer, now),
            )
            conn.execute("UPDATE sessions SET updated_at = %s WHERE id = %s", (now, session_id))

    def turns(self, session_id: str, *, kb_id: str) -> list[Turn]:
        self.get(session_id)
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT kb_id, question, answer, at FROM session_turns WHERE session_id = %s AND kb_id = %s "
                "ORDER BY id",
                (session_id, kb_id),
            ).fetchall()
        return [Turn(kb, question, answer, parse_stamp(at)) for kb, question, answer, at in rows]

    def _locked(self, conn: psycopg.Connection, session_id: str) -> Session:
        row = conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = %s FOR UPDATE", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"session {session_id} does not exist")
        return _session(row)

    def _active(self, conn: psycopg.Connection, session_id: str, action: str) -> Session:
        session = self._locked(conn, session_id)
        status = session.status(self.clock())
        if status != "ACTIVE":
            raise SessionConflict(f"session {session_id} is {status}: it cannot {action}")
        return session


def _session(row: tuple[str, str, str, str | None, dict[str, str]]) -> Session:
    session_id, created, updated, ended, metadata = row
    return Session(
        session_id, parse_stamp(created), parse_stamp(updated), None if ended is None else parse_stamp(ended), metadata
    )
