"""Conversations of the playground, kept in ``<home>/playground.sqlite``: each turn's question, answer,
retrieved chunks and grounding as plain JSON (:func:`turn_record`), so a conversation keeps its history
and can become a human evaluation job. ``app/core/console/playground.py`` makes the turns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.grounding_checks import CheckOutcome
from app.core.views import outcome_view
from retrieval import ABSTENTION, Answer, Hit, open_database, utc_now


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and everything the console shows about it."""

    id: str
    conversation_id: str
    kb: str
    query: str
    answer: Answer
    hits: tuple[Hit, ...]
    outcome: CheckOutcome | None
    asked_at: str = field(default_factory=utc_now)

    @property
    def abstained(self) -> bool:
        return self.answer.text == ABSTENTION or not self.hits


class PlaygroundHistory:
    """Conversations of the playground: each turn's question, answer, chunks and grounding, as JSON."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "playground.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS turns (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, kb TEXT NOT NULL, "
            "owner TEXT NOT NULL, query TEXT NOT NULL, answer TEXT NOT NULL, record TEXT NOT NULL, "
            "asked_at TEXT NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()

    def add(self, turn: Turn, *, owner: str) -> None:
        record = turn_record(turn)
        self._db.execute(
            "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (turn.id, turn.conversation_id, turn.kb, owner, turn.query, turn.answer.text, json.dumps(record),
             turn.asked_at),
        )  # fmt: skip

    def conversation(self, conversation_id: str, *, owner: str) -> list[dict[str, Any]]:
        """The turns of one conversation, oldest first, as :func:`turn_record` made them."""
        rows = self._db.execute(
            "SELECT record FROM turns WHERE conversation_id = ? AND owner = ? ORDER BY asked_at, rowid",
            (conversation_id, owner),
        )
        return [json.loads(row[0]) for row in rows]

    def conversations(self, *, owner: str, limit: int = 50) -> list[dict[str, Any]]:
        """The owner's conversations, newest first: id, knowledge base, first question, turns, last time."""
        rows = self._db.execute(
            "SELECT conversation_id, kb, (SELECT query FROM turns AS first WHERE first.conversation_id = "
            "turns.conversation_id ORDER BY asked_at, rowid LIMIT 1), COUNT(*), MAX(asked_at) FROM turns "
            "WHERE owner = ? GROUP BY conversation_id ORDER BY MAX(asked_at) DESC LIMIT ?",
            (owner, limit),
        )
        return [{"id": r[0], "kb": r[1], "first": r[2], "turns": r[3], "last": r[4]} for r in rows]

    def turns(self, *, owner: str, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Every turn of the owner (or of one conversation), oldest first."""
        if conversation_id is not None:
            return self.conversation(conversation_id, owner=owner)
        rows = self._db.execute("SELECT record FROM turns WHERE owner = ? ORDER BY asked_at, rowid", (owner,))
        return [json.loads(row[0]) for row in rows]


def turn_record(turn: Turn) -> dict[str, Any]:
    """A turn as plain JSON: what the history stores and the console renders."""
    hits = list(turn.hits)
    citations = [
        {"start": c.start, "end": c.end, "sources": sorted({hits.index(h) + 1 for h in c.hits if h in hits})}
        for c in turn.answer.citations
    ]
    return {
        "id": turn.id,
        "conversation_id": turn.conversation_id,
        "kb": turn.kb,
        "query": turn.query,
        "answer": turn.answer.text,
        "abstained": turn.abstained,
        "citations": citations,
        "hits": [hit_record(h) for h in hits],
        "grounding": None if turn.outcome is None else outcome_view(turn.outcome),
        "asked_at": turn.asked_at,
    }


def hit_record(hit: Hit) -> dict[str, Any]:
    """A retrieved chunk as the console shows it: text, score, file name, location and metadata."""
    return {
        "text": hit.text,
        "score": round(hit.score, 4),
        "source": hit.document_uri.rsplit("/", 1)[-1],
        "uri": hit.document_uri,
        "location": hit.location,
        "metadata": hit.metadata,
        "chunk_id": hit.chunk_id,
    }
