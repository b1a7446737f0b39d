"""Tags of resources (Bedrock's ``TagResource``), kept in ``<home>/tags.sqlite`` by resource id.

A resource has at most :data:`MAX_TAGS` tags (AWS's limit); tagging a key again replaces its value. Deleting
a knowledge base forgets its tags (``Services.delete_knowledge_base``).

    store = TagStore(home)
    store.tag("KB12345678", {"team": "hr"})
    store.tags("KB12345678")  # {"team": "hr"}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from app.core.errors import RequestError
from retrieval import open_database

MAX_TAGS = 50  # AWS's limit of user tags per resource


class TagStore:
    """Tags in one SQLite file; safe to share between threads."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "tags.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS tags (resource TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
            "PRIMARY KEY (resource, key))"
        )

    def close(self) -> None:
        self._db.close()

    def tags(self, resource: str) -> dict[str, str]:
        rows = self._db.execute("SELECT key, value FROM tags WHERE resource = ? ORDER BY key", (resource,))
        return {key: value for key, value in rows}

    def tag(self, resource: str, tags: Mapping[str, str]) -> None:
        """Add or replace ``tags``; a :class:`RequestError` when the resource would pass :data:`MAX_TAGS`."""
        with self._db.lock:
            if len(self.tags(resource).keys() | tags.keys()) > MAX_TAGS:
                raise RequestError(f"a resource has at most {MAX_TAGS} tags")
            self._db.executemany(
                "INSERT INTO tags VALUES (?, ?, ?) ON CONFLICT (resource, key) DO UPDATE SET value = excluded.value",
                [(resource, key, value) for key, value in tags.items()],
            )

    def untag(self, resource: str, keys: Iterable[str]) -> None:
        """Remove the tags with these keys (keys the resource lacks are ignored, as AWS does)."""
        self._db.executemany("DELETE FROM tags WHERE resource = ? AND key = ?", [(resource, key) for key in keys])

    def forget(self, resource: str) -> None:
        self._db.execute("DELETE FROM tags WHERE resource = ?", (resource,))
