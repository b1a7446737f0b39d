"""API keys in PostgreSQL: what :class:`app.core.keys.KeyStore` keeps in ``keys.sqlite``, shared by replicas
(a key created through one authenticates on every other at once)."""

from __future__ import annotations

import secrets

from psycopg.types.json import Jsonb

from app.core.errors import AuthError
from app.core.keys import ApiKeyInfo, KeyStore, Principal, key_hash
from retrieval import Database, utc_now


class PostgresKeyStore(KeyStore):
    """A :class:`KeyStore` (same methods, same records) whose rows are in ``database``; only hashes are
    stored. Closing it leaves the shared pool open."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def create(self, *, description: str = "", kb_ids: list[str] | None = None) -> tuple[str, ApiKeyInfo]:
        key = "rkb_" + secrets.token_urlsafe(32)
        info = ApiKeyInfo(secrets.token_hex(4), description, tuple(kb_ids) if kb_ids else None, utc_now())
        with self.database.connection() as conn:
            conn.execute(
                "INSERT INTO api_keys (id, hash, description, kb_ids, created_at) VALUES (%s, %s, %s, %s, %s)",
                (info.id, key_hash(key), description, Jsonb(kb_ids) if kb_ids else None, info.created_at),
            )
        return key, info

    def list(self) -> list[ApiKeyInfo]:
        with self.database.connection() as conn:
            rows = conn.execute("SELECT id, description, kb_ids, created_at FROM api_keys ORDER BY created_at, seq")
            return [ApiKeyInfo(r[0], r[1], tuple(r[2]) if r[2] else None, r[3]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        with self.database.connection() as conn:
            return conn.execute("DELETE FROM api_keys WHERE id = %s", (key_id,)).rowcount > 0

    def verify(self, key: str) -> Principal:
        with self.database.connection() as conn:
            row = conn.execute("SELECT id, kb_ids FROM api_keys WHERE hash = %s", (key_hash(key),)).fetchone()
        if row is None:
            raise AuthError("invalid API key; create one with `ragkb keys create`")
        return Principal(f"key:{row[0]}", frozenset(row[1]) if row[1] else None)

    def close(self) -> None:
        pass
