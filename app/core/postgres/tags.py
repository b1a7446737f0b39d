"""Tags of resources in PostgreSQL: what :class:`app.core.tags.TagStore` keeps in ``tags.sqlite``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.core.errors import RequestError
from app.core.tags import MAX_TAGS, TagStore
from retrieval import Database


class PostgresTagStore(TagStore):
    """A :class:`TagStore` whose rows are in ``database``. Closing it leaves the shared pool open."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def close(self) -> None:
        pass

    def tags(self, resource: str) -> dict[str, str]:
        with self.database.connection() as conn:
            rows = conn.execute("SELECT key, value FROM tags WHERE resource = %s ORDER BY key", (resource,))
            return {key: value for key, value in rows}

    def tag(self, resource: str, tags: Mapping[str, str]) -> None:
        with self.database.connection() as conn, conn.transaction():
            # The resource locked (an advisory lock: it may have no rows yet), so two replicas tagging at once
            # cannot pass MAX_TAGS together.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"tags:{resource}",))
            keys = {row[0] for row in conn.execute("SELECT key FROM tags WHERE resource = %s", (resource,))}
            if len(keys | tags.keys()) > MAX_TAGS:
                raise RequestError(f"a resource has at most {MAX_TAGS} tags")
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO tags (resource, key, value) VALUES (%s, %s, %s) "
                    "ON CONFLICT (resource, key) DO UPDATE SET value = excluded.value",
                    [(resource, key, value) for key, value in tags.items()],
                )

    def untag(self, resource: str, keys: Iterable[str]) -> None:
        with self.database.connection() as conn:
            conn.execute("DELETE FROM tags WHERE resource = %s AND key = ANY(%s)", (resource, list(keys)))

    def forget(self, resource: str) -> None:
        with self.database.connection() as conn:
            conn.execute("DELETE FROM tags WHERE resource = %s", (resource,))
