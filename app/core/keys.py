"""API keys for native routes and the principal (who is calling) every route works for.

API keys (``rkb_`` + 43 random characters) are shown once when created and stored as SHA-256
hashes in ``<home>/keys.sqlite``; a key may be scoped to some knowledge bases. Bedrock routes
authenticate with SigV4 instead (``app/http/sigv4.py``), which yields a :class:`Principal` too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import AuthError
from retrieval import open_database, utc_now


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``kb_ids`` ``None`` means every knowledge base."""

    name: str
    kb_ids: frozenset[str] | None = None

    def allows(self, kb_id: str) -> bool:
        return self.kb_ids is None or kb_id in self.kb_ids


ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    description: str
    kb_ids: tuple[str, ...] | None
    created_at: str


class KeyStore:
    """API keys in ``<home>/keys.sqlite``: only hashes are stored."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "keys.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, "
            "description TEXT NOT NULL, kb_ids TEXT, created_at TEXT NOT NULL)"
        )

    def create(self, *, description: str = "", kb_ids: list[str] | None = None) -> tuple[str, ApiKeyInfo]:
        """Returns (the key, shown once; its record)."""
        key = "rkb_" + secrets.token_urlsafe(32)
        info = ApiKeyInfo(secrets.token_hex(4), description, tuple(kb_ids) if kb_ids else None, utc_now())
        self._db.execute(
            "INSERT INTO api_keys VALUES(?, ?, ?, ?, ?)",
            (info.id, key_hash(key), description, json.dumps(kb_ids) if kb_ids else None, info.created_at),
        )
        return key, info

    def list(self) -> list[ApiKeyInfo]:
        rows = self._db.execute("SELECT id, description, kb_ids, created_at FROM api_keys ORDER BY created_at, rowid")
        return [ApiKeyInfo(r[0], r[1], tuple(json.loads(r[2])) if r[2] else None, r[3]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        return self._db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,)).rowcount > 0

    def verify(self, key: str) -> Principal:
        row = self._db.execute("SELECT id, kb_ids FROM api_keys WHERE hash = ?", (key_hash(key),)).fetchone()
        if row is None:
            raise AuthError("invalid API key; create one with `ragkb keys create`")
        return Principal(f"key:{row[0]}", frozenset(json.loads(row[1])) if row[1] else None)

    def close(self) -> None:
        self._db.close()


def bearer_principal(authorization: str | None, keys: KeyStore) -> Principal:
    """The caller of a native route, from ``Authorization: Bearer <key>``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("missing API key: send 'Authorization: Bearer <key>' (create one with `ragkb keys create`)")
    return keys.verify(authorization[7:].strip())


def key_hash(key: str) -> str:
    """What a key is stored as."""
    return hashlib.sha256(key.encode()).hexdigest()
