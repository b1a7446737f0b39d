"""The playground's conversations in PostgreSQL: what :class:`~app.core.console.conversations.PlaygroundHistory`
keeps in ``playground.sqlite``, shared by every replica (a conversation continues on whichever one answers)."""

from __future__ import annotations

import json
from typing import Any

from app.core.console.conversations import PlaygroundHistory, Turn, turn_record
from retrieval import Database


class PostgresPlaygroundHistory(PlaygroundHistory):
    """A :class:`PlaygroundHistory` whose turns are in ``database``. Closing it leaves the shared pool open."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def close(self) -> None:
        pass

    def add(self, turn: Turn, *, owner: str) -> None:
        with self.database.connection() as conn:
            conn.execute(
                "INSERT INTO playground_turns (id, conversation_id, kb, owner, query, answer, record, asked_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (turn.id, turn.conversation_id, turn.kb, owner, turn.query, turn.answer.text,
                 json.dumps(turn_record(turn)), turn.asked_at),
            )  # fmt: skip

    def conversation(self, conversation_id: str, *, owner: str) -> list[dict[str, Any]]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT record FROM playground_turns WHERE conversation_id = %s AND owner = %s ORDER BY asked_at, seq",
                (conversation_id, owner),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def conversations(self, *, owner: str, limit: int = 50) -> list[dict[str, Any]]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT conversation_id, min(kb), (SELECT query FROM playground_turns AS first "
                "WHERE first.conversation_id = t.conversation_id AND first.owner = t.owner "
                "ORDER BY asked_at, seq LIMIT 1), count(*), max(asked_at) FROM playground_turns t "
                "WHERE owner = %s GROUP BY conversation_id, owner ORDER BY max(asked_at) DESC, conversation_id "
                "LIMIT %s",
                (owner, limit),
            ).fetchall()
        return [{"id": r[0], "kb": r[1], "first": r[2], "turns": r[3], "last": r[4]} for r in rows]

    def turns(self, *, owner: str, conversation_id: str | None = None) -> list[dict[str, Any]]:
        if conversation_id is not None:
            return self.conversation(conversation_id, owner=owner)
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT record FROM playground_turns WHERE owner = %s ORDER BY asked_at, seq", (owner,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]
