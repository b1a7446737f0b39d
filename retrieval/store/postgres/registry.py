"""The registry of knowledge bases in PostgreSQL: the same methods as :class:`~retrieval.home.Home`.

Creating a knowledge base adds its row and its own partition of ``chunks`` (with its own HNSW graph and
keyword index); deleting one drops the partition and, by cascade, every other row it owns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ingest.chunking import ChunkingConfig
from retrieval.home import KnowledgeBaseExists, KnowledgeBaseInfo, KnowledgeBaseNotFound, not_found, validate_name
from retrieval.stamps import new_id, utc_now
from retrieval.store.postgres.database import Database

_COLUMNS = "id, name, description, chunking, embedder, created_at, updated_at"


class PostgresRegistry:
    """Knowledge bases by name and id, in ``database``; safe to share between threads and processes."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def close(self) -> None:
        self.database.close()

    def create(self, name: str, *, chunking: ChunkingConfig, embedder: str, description: str = "") -> KnowledgeBaseInfo:
        validate_name(name)
        now = utc_now()
        info = KnowledgeBaseInfo(new_id(), name, description, chunking, embedder, now, now)
        try:
            with self.database.connection() as conn, conn.transaction():
                conn.execute(
                    f"INSERT INTO knowledge_bases ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (info.id, name, description, Jsonb(chunking.to_bedrock()), embedder, now, now),
                )
                for table in ("chunks", "keyword_postings"):
                    conn.execute(
                        sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({})").format(
                            _partition(info.id, table), sql.Identifier(table), sql.Literal(info.id)
                        )
                    )
        except psycopg.errors.UniqueViolation as exc:
            raise KnowledgeBaseExists(f"a knowledge base named {name!r} already exists") from exc
        return info

    def get(self, name_or_id: str, *, visible: Callable[[str], bool] = lambda kb_id: True) -> KnowledgeBaseInfo:
        """As :meth:`Home.get`: the one not-found message whether it does not exist or is not visible."""
        with self.database.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM knowledge_bases WHERE name = %s OR id = %s ORDER BY name = %s DESC LIMIT 1",
                (name_or_id, name_or_id, name_or_id),
            ).fetchone()
        if row is None or not visible(row[0]):
            raise not_found(name_or_id)
        return _info(row)

    def find(self, name_or_id: str) -> KnowledgeBaseInfo | None:
        try:
            return self.get(name_or_id)
        except KnowledgeBaseNotFound:
            return None

    def list(self) -> list[KnowledgeBaseInfo]:
        with self.database.connection() as conn:
            rows = conn.execute(f'SELECT {_COLUMNS} FROM knowledge_bases ORDER BY name COLLATE "C"').fetchall()
        return [_info(r) for r in rows]

    def set_chunking(self, kb_id: str, chunking: ChunkingConfig) -> KnowledgeBaseInfo:
        with self.database.connection() as conn:
            conn.execute(
                "UPDATE knowledge_bases SET chunking = %s, updated_at = %s WHERE id = %s",
                (Jsonb(chunking.to_bedrock()), utc_now(), kb_id),
            )
        return self.get(kb_id)

    def update(self, kb_id: str, *, name: str, description: str) -> KnowledgeBaseInfo:
        """As :meth:`Home.update`: rename a knowledge base and replace its description."""
        validate_name(name)
        try:
            with self.database.connection() as conn:
                conn.execute(
                    "UPDATE knowledge_bases SET name = %s, description = %s, updated_at = %s WHERE id = %s",
                    (name, description, utc_now(), kb_id),
                )
        except psycopg.errors.UniqueViolation as exc:
            raise KnowledgeBaseExists(f"a knowledge base named {name!r} already exists") from exc
        return self.get(kb_id)

    def touch(self, kb_id: str) -> None:
        with self.database.connection() as conn:
            conn.execute("UPDATE knowledge_bases SET updated_at = %s WHERE id = %s", (utc_now(), kb_id))

    def delete(self, name_or_id: str) -> KnowledgeBaseInfo:
        """Forget a knowledge base: its chunk and postings partitions are dropped, its other rows go by cascade."""
        info = self.get(name_or_id)
        with self.database.connection() as conn, conn.transaction():
            for table in ("chunks", "keyword_postings"):
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_partition(info.id, table)))
            conn.execute("DELETE FROM knowledge_bases WHERE id = %s", (info.id,))
        return info


def _partition(kb_id: str, table: str) -> sql.Identifier:
    """The knowledge base's partition of ``table`` (``chunks`` or ``keyword_postings``)."""
    if not re.fullmatch(r"[0-9A-Z]{10}", kb_id):  # ids are new_id()'s; anything else is a bug
        raise AssertionError(f"not a knowledge base id: {kb_id!r}")
    return sql.Identifier(f"{table}_{kb_id.lower()}")


def _info(row: Any) -> KnowledgeBaseInfo:
    return KnowledgeBaseInfo(
        id=row[0], name=row[1], description=row[2], chunking=ChunkingConfig.from_bedrock(row[3]),
        embedder=row[4], created_at=row[5], updated_at=row[6],
    )  # fmt: skip
