"""The home directory: every knowledge base, by name and id, isolated in its own folder.

Layout::

    <home>/registry.sqlite          names, ids, chunking and embedder of each knowledge base
    <home>/kbs/<ID>/catalog.sqlite  that knowledge base's documents, chunks, keyword index, jobs
    <home>/kbs/<ID>/vectors.faiss   its vector index (a cache of the vectors in the catalog)

Ids are 10 upper-case alphanumerics, the form Bedrock's clients require; names are for people.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ingest.chunking import ChunkingConfig
from retrieval.errors import RetrievalError
from retrieval.stamps import new_id, utc_now
from retrieval.store.sqlite import open_database

_NAME = re.compile(r"^[0-9a-zA-Z][0-9a-zA-Z_.-]{0,99}$")


class KnowledgeBaseNotFound(RetrievalError):
    """No knowledge base has that name or id."""


class KnowledgeBaseExists(RetrievalError):
    """A knowledge base with that name already exists."""


class InvalidName(RetrievalError):
    """A knowledge-base name outside ``[0-9a-zA-Z][0-9a-zA-Z_.-]{0,99}``."""


@dataclass(frozen=True)
class KnowledgeBaseInfo:
    id: str
    name: str
    description: str
    chunking: ChunkingConfig
    embedder: str
    created_at: str
    updated_at: str


class Registry(Protocol):
    """Knowledge bases by name and id: :class:`Home` (SQLite, one folder each) or
    :class:`~retrieval.store.postgres.registry.PostgresRegistry`."""

    def create(
        self, name: str, *, chunking: ChunkingConfig, embedder: str, description: str = ""
    ) -> KnowledgeBaseInfo: ...
    def get(self, name_or_id: str, *, visible: Callable[[str], bool] = ...) -> KnowledgeBaseInfo: ...
    def find(self, name_or_id: str) -> KnowledgeBaseInfo | None: ...
    def list(self) -> list[KnowledgeBaseInfo]: ...
    def set_chunking(self, kb_id: str, chunking: ChunkingConfig) -> KnowledgeBaseInfo: ...
    def update(self, kb_id: str, *, name: str, description: str) -> KnowledgeBaseInfo: ...
    def touch(self, kb_id: str) -> None: ...
    def delete(self, name_or_id: str) -> KnowledgeBaseInfo: ...
    def close(self) -> None: ...


def not_found(name_or_id: str) -> KnowledgeBaseNotFound:
    """The one not-found error of every registry, whether the knowledge base does not exist or is not visible."""
    return KnowledgeBaseNotFound(
        f"no knowledge base named {name_or_id!r}; `ragkb kb list` lists them, `ragkb sync DIR --kb NAME` creates one"
    )


def validate_name(name: str) -> None:
    """Raise :class:`InvalidName` unless ``name`` is 1-100 of ``[0-9a-zA-Z_.-]``, starting with a letter or digit."""
    if not _NAME.match(name):
        raise InvalidName(
            f"invalid knowledge base name {name!r}: use 1-100 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )


class Home:
    """The registry of knowledge bases under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._db = open_database(root / "registry.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS knowledge_bases (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            "description TEXT NOT NULL, chunking TEXT NOT NULL, embedder TEXT NOT NULL, "
            "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()

    def directory(self, kb_id: str) -> Path:
        return self.root / "kbs" / kb_id

    def create(self, name: str, *, chunking: ChunkingConfig, embedder: str, description: str = "") -> KnowledgeBaseInfo:
        validate_name(name)
        now = utc_now()
        info = KnowledgeBaseInfo(new_id(), name, description, chunking, embedder, now, now)
        try:
            self._db.execute(
                "INSERT INTO knowledge_bases VALUES(?, ?, ?, ?, ?, ?, ?)",
                (info.id, name, description, json.dumps(chunking.to_bedrock()), embedder, now, now),
            )
        except sqlite3.IntegrityError as exc:
            raise KnowledgeBaseExists(f"a knowledge base named {name!r} already exists") from exc
        self.directory(info.id).mkdir(parents=True, exist_ok=True)
        return info

    def get(self, name_or_id: str, *, visible: Callable[[str], bool] = lambda kb_id: True) -> KnowledgeBaseInfo:
        """The knowledge base with this name or id, if ``visible(its id)``; else KnowledgeBaseNotFound.

        One message for both cases, naming no other knowledge base: a caller that may see only some
        learns nothing about the rest (not even whether a name exists).
        """
        row = self._db.execute(
            "SELECT * FROM knowledge_bases WHERE name = ? OR id = ? ORDER BY name = ? DESC LIMIT 1",
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
        return [_info(r) for r in self._db.execute("SELECT * FROM knowledge_bases ORDER BY name")]

    def set_chunking(self, kb_id: str, chunking: ChunkingConfig) -> KnowledgeBaseInfo:
        """Change how a knowledge base chunks. Callers make sure it holds no documents yet."""
        self._db.execute(
            "UPDATE knowledge_bases SET chunking = ?, updated_at = ? WHERE id = ?",
            (json.dumps(chunking.to_bedrock()), utc_now(), kb_id),
        )
        return self.get(kb_id)

    def update(self, kb_id: str, *, name: str, description: str) -> KnowledgeBaseInfo:
        """Rename a knowledge base and replace its description (Bedrock's ``UpdateKnowledgeBase``)."""
        if not _NAME.match(name):
            raise InvalidName(
                f"invalid knowledge base name {name!r}: use 1-100 letters, digits, '_', '.' or '-', "
                "starting with a letter or digit"
            )
        try:
            self._db.execute(
                "UPDATE knowledge_bases SET name = ?, description = ?, updated_at = ? WHERE id = ?",
                (name, description, utc_now(), kb_id),
            )
        except sqlite3.IntegrityError as exc:
            raise KnowledgeBaseExists(f"a knowledge base named {name!r} already exists") from exc
        return self.get(kb_id)

    def touch(self, kb_id: str) -> None:
        self._db.execute("UPDATE knowledge_bases SET updated_at = ? WHERE id = ?", (utc_now(), kb_id))

    def delete(self, name_or_id: str) -> KnowledgeBaseInfo:
        """Forget a knowledge base and remove its folder (catalog, WAL, vector index) entirely.

        Its registry row is zeroed (``secure_delete``) and the registry's WAL truncated, so neither
        its name nor its description stays readable in the home's files.
        """
        info = self.get(name_or_id)
        self._db.execute("DELETE FROM knowledge_bases WHERE id = ?", (info.id,))
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # Not ignore_errors: a knowledge base reported deleted must not leave files behind unsaid.
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.directory(info.id))
        return info


def _info(row: Any) -> KnowledgeBaseInfo:
    return KnowledgeBaseInfo(
        id=row[0],
        name=row[1],
        description=row[2],
        chunking=ChunkingConfig.from_bedrock(json.loads(row[3])),
        embedder=row[4],
        created_at=row[5],
        updated_at=row[6],
    )
