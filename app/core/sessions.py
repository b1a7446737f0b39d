"""Conversation sessions: Bedrock's ``CreateSession`` family and the ``sessionId`` of retrieve-and-generate.

A session is a UUID, optional metadata (up to 50 string pairs) and the turns asked in it (question, answer,
knowledge base). Its status is ``ACTIVE`` until it is ended (``ENDED``) or until :data:`SESSION_LIFETIME`
after its creation (``EXPIRED``), as a Bedrock knowledge-base session lasts 24 hours and cannot be extended.
Only an ``ACTIVE`` session takes new turns; only a session that is no longer ``ACTIVE`` may be deleted
(Bedrock asks for ``EndSession`` first).

Stores implement :class:`SessionStore`; :class:`SqliteSessionStore` keeps them in ``<home>/sessions.sqlite``.
A follow-up question is answered in context with :func:`contextual_query`.

    store = SqliteSessionStore(home)
    session = store.create()
    store.add_turn(session.id, kb_id="KB12345678", question="How many vacation days?", answer="25 days.")
    contextual_query(store.turns(session.id, kb_id="KB12345678"), "And for part-time staff?")
    # 'How many vacation days? And for part-time staff?'
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from app.core.errors import SessionConflict, SessionNotFound
from retrieval import open_database

SESSION_LIFETIME = timedelta(hours=24)  # Bedrock's knowledge-base sessions; not extensible
CONTEXT_TURNS = 1  # previous questions a follow-up is read with
SessionStatus = Literal["ACTIVE", "EXPIRED", "ENDED"]


@dataclass(frozen=True)
class Session:
    id: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def status(self, now: datetime) -> SessionStatus:
        if self.ended_at is not None:
            return "ENDED"
        return "EXPIRED" if now >= self.created_at + SESSION_LIFETIME else "ACTIVE"


@dataclass(frozen=True)
class Turn:
    kb_id: str
    question: str
    answer: str
    at: datetime


class SessionStore(Protocol):
    """Where sessions live. Every method taking an id raises :class:`SessionNotFound` for an unknown one."""

    def create(self, *, metadata: Mapping[str, str] | None = None) -> Session: ...

    def get(self, session_id: str) -> Session: ...

    def status(self, session: Session) -> SessionStatus:
        """The session's status now (the store's clock)."""
        ...

    def all(self) -> list[Session]:
        """Every session, oldest first."""
        ...

    def update(self, session_id: str, *, metadata: Mapping[str, str]) -> Session:
        """Replace the metadata of an ``ACTIVE`` session (else :class:`SessionConflict`)."""
        ...

    def end(self, session_id: str) -> Session:
        """End an ``ACTIVE`` session (else :class:`SessionConflict`)."""
        ...

    def delete(self, session_id: str) -> None:
        """Delete a session that is no longer ``ACTIVE`` (else :class:`SessionConflict`), turns included."""
        ...

    def add_turn(self, session_id: str, *, kb_id: str, question: str, answer: str) -> None:
        """Record a turn in an ``ACTIVE`` session (else :class:`SessionConflict`)."""
        ...

    def turns(self, session_id: str, *, kb_id: str) -> list[Turn]:
        """The session's turns on ``kb_id``, oldest first."""
        ...

    def close(self) -> None: ...


def contextual_query(turns: Sequence[Turn], question: str) -> str:
    """The text a follow-up question is retrieved and answered with: the last :data:`CONTEXT_TURNS`
    questions of the session, then the question, so "and for part-time staff?" keeps its subject.

    >>> contextual_query([Turn("KB", "How many vacation days?", "25.", at)], "And part-time staff?")
    'How many vacation days? And part-time staff?'
    """
    previous = [turn.question for turn in turns[-CONTEXT_TURNS:]] if CONTEXT_TURNS else []
    return " ".join([*previous, question])


class SqliteSessionStore:
    """Sessions and their turns in ``<home>/sessions.sqlite``; safe to share between threads.

    ``clock`` tells the time (tests move it past :data:`SESSION_LIFETIME`).
    """

    def __init__(self, home: Path, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._db = open_database(home / "sessions.sqlite", foreign_keys=True)
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
            "updated_at TEXT NOT NULL, ended_at TEXT, metadata TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS turns (session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, "
            "kb_id TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, at TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS turns_by_session ON turns (session_id, kb_id);"
        )

    def close(self) -> None:
        self._db.close()

    def create(self, *, metadata: Mapping[str, str] | None = None) -> Session:
        now = self.clock()
        session = Session(str(uuid.uuid4()), now, now, None, dict(metadata or {}))
        self._db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, NULL, ?)",
            (session.id, stamp(now), stamp(now), json.dumps(dict(session.metadata))),
        )
        return self.get(session.id)  # as stored: timestamps in milliseconds

    def get(self, session_id: str) -> Session:
        row = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"session {session_id} does not exist")
        return _session(row)

    def status(self, session: Session) -> SessionStatus:
        return session.status(self.clock())

    def all(self) -> list[Session]:
        return [_session(row) for row in self._db.execute("SELECT * FROM sessions ORDER BY created_at, id")]

    def update(self, session_id: str, *, metadata: Mapping[str, str]) -> Session:
        with self._db.lock:
            self._active(session_id, "update")
            self._db.execute(
                "UPDATE sessions SET metadata = ?, updated_at = ? WHERE id = ?",
                (json.dumps(dict(metadata)), stamp(self.clock()), session_id),
            )
            return self.get(session_id)

    def end(self, session_id: str) -> Session:
        with self._db.lock:
            self._active(session_id, "end")
            now = stamp(self.clock())
            self._db.execute("UPDATE sessions SET ended_at = ?, updated_at = ? WHERE id = ?", (now, now, session_id))
            return self.get(session_id)

    def delete(self, session_id: str) -> None:
        with self._db.lock:
            if self.get(session_id).status(self.clock()) == "ACTIVE":
                raise SessionConflict(f"session {session_id} is ACTIVE: end it with end_session before deleting it")
            self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def add_turn(self, session_id: str, *, kb_id: str, question: str, answer: str) -> None:
        with self._db.lock:
            self._active(session_id, "continue")
            now = stamp(self.clock())
            self._db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (session_id, kb_id, question, answer, now))
            self._db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))

    def turns(self, session_id: str, *, kb_id: str) -> list[Turn]:
        self.get(session_id)
        rows = self._db.execute(
            "SELECT kb_id, question, answer, at FROM turns WHERE session_id = ? AND kb_id = ? ORDER BY rowid",
            (session_id, kb_id),
        )
        return [Turn(kb, question, answer, parse_stamp(at)) for kb, question, answer, at in rows]

    def _active(self, session_id: str, action: str) -> Session:
        session = self.get(session_id)
        status = session.status(self.clock())
        if status != "ACTIVE":
            raise SessionConflict(f"session {session_id} is {status}: it cannot {action}")
        return session


def stamp(moment: datetime) -> str:
    """How a moment is stored: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _session(row: tuple[str, str, str, str | None, str]) -> Session:
    session_id, created, updated, ended, metadata = row
    return Session(
        session_id,
        parse_stamp(created),
        parse_stamp(updated),
        None if ended is None else parse_stamp(ended),
        json.loads(metadata),
    )
