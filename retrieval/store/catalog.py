"""The SQLite catalog of one knowledge base: data sources, documents, chunks, keyword index, jobs.

One file per knowledge base (``<home>/kbs/<id>/catalog.sqlite``) keeps knowledge bases isolated.
The catalog is the source of truth: chunk vectors are stored here too, and the FAISS index is a
derived cache tagged with the catalog ``generation`` it reflects (see ``KnowledgeBase``). Every
document is replaced inside one transaction, so a crash leaves either the old or the new version.

The keyword index is SQLite FTS5 (BM25, Porter stemming): it lives in the same database and the
same transactions as the chunks, so it can never disagree with them, and it updates incrementally
(bm25s would need its own persistence and a rebuild on every change).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.keywords import or_expression, query_words, selective_words
from retrieval.store.ingestion import IngestionTables
from retrieval.store.rows import ChunkRecord, DocumentRow, DocumentSummary, NewChunk, StoredDocument
from retrieval.store.sqlite import Connection, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_sources (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL, config TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY, data_source_id TEXT NOT NULL, uri TEXT NOT NULL,
    content_hash TEXT NOT NULL, metadata_hash TEXT NOT NULL, embed_metadata_hash TEXT NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, metadata TEXT NOT NULL, updated_at TEXT NOT NULL,
    UNIQUE (data_source_id, uri));
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    chunk_id TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL, token_count INTEGER NOT NULL,
    location TEXT NOT NULL, metadata TEXT NOT NULL, parent_id TEXT, searchable INTEGER NOT NULL,
    vector BLOB);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE INDEX IF NOT EXISTS chunks_chunk_id ON chunks(chunk_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, tokenize='porter unicode61');
CREATE TABLE IF NOT EXISTS ingestion_jobs (
    id TEXT PRIMARY KEY, data_source_id TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, statistics TEXT NOT NULL, failures TEXT NOT NULL, description TEXT);
"""


class Catalog(IngestionTables):
    """Typed access to one knowledge base's SQLite file. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = open_database(path, synchronous="NORMAL", foreign_keys=True)
        self._db.executescript(_SCHEMA)
        self._fts_secure_delete = _enable_fts_secure_delete(self._db)
        self.erase_deleted()  # finish the erasure a killed process left pending
        # (revision, searchable chunks, chunks containing each word): valid until the next commit.
        self._term_cache: tuple[int, int, dict[str, int]] | None = None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self, *, vectors_changed: bool = True) -> Iterator[None]:
        """All writes inside commit together, or none do.

        Every transaction bumps ``revision`` (caches of chunk metadata key on it); ``vectors_changed``
        also bumps ``generation``, which invalidates the saved vector index.
        """
        with self._db.lock:
            yield from self._transaction(vectors_changed)

    def _transaction(self, vectors_changed: bool) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            for key in ("revision", "generation") if vectors_changed else ("revision",):
                self._db.execute(
                    "INSERT INTO meta(key, value) VALUES(?, '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                    (key,),
                )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def generation(self) -> int:
        """Bumped by every commit that changes vectors."""
        return int(self.get_meta("generation") or 0)

    def revision(self) -> int:
        """Bumped by every commit."""
        return int(self.get_meta("revision") or 0)

    # -- data sources (reading and writing them: IngestionTables) --------------------------------
    def delete_data_source(self, data_source_id: str) -> None:
        """Forget a data source and its ingestion jobs; delete its documents first (they hold vectors)."""
        with self.transaction(vectors_changed=False):
            self._db.execute("DELETE FROM ingestion_jobs WHERE data_source_id = ?", (data_source_id,))
            self._db.execute("DELETE FROM data_sources WHERE id = ?", (data_source_id,))

    # -- documents --------------------------------------------------------------------------
    def documents(self, data_source_id: str) -> dict[str, DocumentRow]:
        rows = self._db.execute(
            "SELECT id, data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, size, "
            "mtime_ns "
            "FROM documents WHERE data_source_id = ?",
            (data_source_id,),
        )
        return {r[2]: DocumentRow(*r) for r in rows}

    def document_summaries(self, data_source_id: str, *, uri: str | None = None) -> list[DocumentSummary]:
        """The data source's documents (or the one at ``uri``) by uri, with their searchable chunk counts."""
        where, params = "d.data_source_id = ?", [data_source_id]
        if uri is not None:
            where, params = where + " AND d.uri = ?", [*params, uri]
        rows = self._db.execute(
            "SELECT d.uri, d.data_source_id, d.size, d.updated_at, d.metadata, "
            "(SELECT count(*) FROM chunks c WHERE c.document_id = d.id AND c.searchable = 1) "
            f"FROM documents d WHERE {where} ORDER BY d.uri",
            params,
        )
        return [DocumentSummary(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def document_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def upsert_document(
        self,
        *,
        data_source_id: str,
        uri: str,
        hashes: tuple[str, str, str],
        size: int,
        mtime_ns: int,
        metadata: dict[str, Any],
        now: str,
    ) -> int:
        """Insert or update a document row; returns its id. Call inside ``transaction()``."""
        content_hash, metadata_hash, embed_hash = hashes
        self._db.execute(
            "INSERT INTO documents(data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, "
            "size, mtime_ns, metadata, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(data_source_id, uri) DO UPDATE SET content_hash = excluded.content_hash, "
            "metadata_hash = excluded.metadata_hash, embed_metadata_hash = excluded.embed_metadata_hash, "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, metadata = excluded.metadata, "
            "updated_at = excluded.updated_at",
            (
                data_source_id,
                uri,
                content_hash,
                metadata_hash,
                embed_hash,
                size,
                mtime_ns,
                json.dumps(metadata),
                now,
            ),
        )
        row = self._db.execute(
            "SELECT id FROM documents WHERE data_source_id = ? AND uri = ?", (data_source_id, uri)
        ).fetchone()
        return int(row[0])

    def touch_document(self, document_id: int, *, size: int, mtime_ns: int) -> None:
        self._db.execute("UPDATE documents SET size = ?, mtime_ns = ? WHERE id = ?", (size, mtime_ns, document_id))

    def delete_document(self, document_id: int) -> list[int]:
        """Delete a document, its chunks and their keyword entries; returns the deleted chunk ids."""
        ids = self.chunk_ids_of(document_id)
        self._delete_fts(ids)
        self._db.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        return ids

    # -- chunks -----------------------------------------------------------------------------
    def chunk_ids_of(self, document_id: int) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))]

    def replace_chunks(self, document_id: int, chunks: Sequence[NewChunk]) -> tuple[list[int], list[int]]:
        """Swap a document's chunks for ``chunks``; returns (removed ids, new ids). Inside a transaction."""
        removed = self.chunk_ids_of(document_id)
        self._delete_fts(removed)
        self._db.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        # Ids are assigned here so the whole document is two executemany calls, not a round trip per chunk.
        first = int(self._db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM chunks").fetchone()[0])
        added = list(range(first, first + len(chunks)))
        self._db.executemany(
            "INSERT INTO chunks(id, document_id, chunk_id, idx, text, token_count, location, metadata, "
            "parent_id, searchable, vector) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    rowid, document_id, c.chunk_id, c.index, c.text, c.token_count, json.dumps(c.location),
                    json.dumps(c.metadata), c.parent_id, int(c.searchable),
                    None if c.vector is None else np.asarray(c.vector, dtype=np.float32).tobytes(),
                )
                for rowid, c in zip(added, chunks, strict=True)
            ),
        )  # fmt: skip
        self._db.executemany(
            "INSERT INTO chunks_fts(rowid, text) VALUES(?, ?)",
            ((rowid, c.text) for rowid, c in zip(added, chunks, strict=True) if c.searchable),
        )
        return removed, added

    def update_chunk_metadata(self, document_id: int, metadata: dict[str, Any]) -> None:
        """Replace the document-level metadata on every chunk, keeping chunk-level keys (page numbers)."""
        rows = self._db.execute("SELECT id, metadata FROM chunks WHERE document_id = ?", (document_id,)).fetchall()
        updates = []
        for chunk_id, raw in rows:
            chunk_level = {k: v for k, v in json.loads(raw).items() if k.startswith("x-amz-bedrock-kb-")}
            updates.append((json.dumps({**metadata, **chunk_level}), chunk_id))
        self._db.executemany("UPDATE chunks SET metadata = ? WHERE id = ?", updates)

    def chunk_count(self, *, searchable_only: bool = True) -> int:
        where = " WHERE searchable = 1" if searchable_only else ""
        return int(self._db.execute(f"SELECT count(*) FROM chunks{where}").fetchone()[0])

    def get_chunks(self, ids: Iterable[int]) -> dict[int, ChunkRecord]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT id, document_id, chunk_id, text, location, metadata, parent_id FROM chunks WHERE id IN ({marks})",
            ids,
        )
        return {r[0]: ChunkRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), r[6]) for r in rows}

    def get_chunks_by_chunk_id(self, chunk_ids: Iterable[str]) -> dict[str, ChunkRecord]:
        keys = list(set(chunk_ids))
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(
            "SELECT id, document_id, chunk_id, text, location, metadata, parent_id FROM chunks "
            f"WHERE chunk_id IN ({marks})",
            keys,
        )
        return {r[2]: ChunkRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), r[6]) for r in rows}

    def vectors_by_chunk_id(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vector of each of these chunks that has one (a hierarchical parent has none)."""
        keys = list(set(chunk_ids))
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(
            f"SELECT chunk_id, vector FROM chunks WHERE chunk_id IN ({marks}) AND vector IS NOT NULL", keys
        )
        return {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in rows}

    def iter_vectors(self, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) of every searchable chunk, in batches: to rebuild the vector index."""
        cursor = self._db.execute("SELECT id, vector FROM chunks WHERE searchable = 1 AND vector IS NOT NULL")
        while rows := cursor.fetchmany(batch):
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            yield ids, vectors

    def dump_documents(self) -> Iterator[tuple[StoredDocument, list[NewChunk]]]:
        """Every document with its chunks (vectors included), for ``ragkb kb export``."""
        documents = self._db.execute(
            "SELECT id, data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, size, mtime_ns, "
            "metadata, updated_at FROM documents ORDER BY id"
        ).fetchall()
        for r in documents:
            rows = self._db.execute(
                "SELECT chunk_id, idx, text, token_count, location, metadata, parent_id, searchable, vector "
                "FROM chunks WHERE document_id = ? ORDER BY id",
                (r[0],),
            ).fetchall()
            document = StoredDocument(r[1], r[2], (r[3], r[4], r[5]), r[6], r[7], json.loads(r[8]), r[9])
            yield document, [
                NewChunk(c[0], c[1], c[2], c[3], json.loads(c[4]), json.loads(c[5]), c[6], bool(c[7]),
                         None if c[8] is None else np.frombuffer(c[8], dtype=np.float32))
                for c in rows
            ]  # fmt: skip

    def iter_texts(self) -> Iterator[tuple[int, str]]:
        """(id, text) of every searchable chunk."""
        yield from self._db.execute("SELECT id, text FROM chunks WHERE searchable = 1")

    def iter_metadata(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for chunk_id, raw in self._db.execute("SELECT id, metadata FROM chunks WHERE searchable = 1"):
            yield chunk_id, json.loads(raw)

    def keyword_search(self, query: str, *, limit: int) -> list[tuple[int, float]]:
        """BM25 over chunk text: (chunk id, score) best first, score = -bm25 (higher is better)."""
        words = query_words(query)
        if not words:
            return []
        total, frequencies = self._term_statistics(words)
        expression = or_expression(selective_words(words, frequencies, total))
        if not expression:
            return []
        rows = self._db.execute(
            "SELECT rowid, bm25(chunks_fts) AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?",
            (expression, limit),
        )
        return [(int(r[0]), -float(r[1])) for r in rows]

    def _term_statistics(self, words: Sequence[str]) -> tuple[int, dict[str, int]]:
        """Searchable chunks, and chunks containing each word (after FTS5's stemming), cached per revision."""
        revision = self.revision()
        if self._term_cache is None or self._term_cache[0] != revision:
            self._term_cache = (revision, self.chunk_count(), {})
        _, total, cache = self._term_cache
        for word in words:
            if word not in cache:
                query = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?"
                cache[word] = int(self._db.execute(query, (or_expression([word]),)).fetchone()[0])
        return total, cache

    def _delete_fts(self, ids: Sequence[int]) -> None:
        """Remove chunks from the keyword index; their text leaves the files at ``erase_deleted``."""
        if not ids:
            return
        self._db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", ((i,) for i in ids))
        self.set_meta("erase_pending", "1")  # in the deleting transaction: a crash cannot lose it

    # -- erasure ----------------------------------------------------------------------------
    def erase_deleted(self) -> None:
        """Remove the text of deleted chunks from every file of the catalog; a no-op when none is pending.

        ``secure_delete`` has zeroed deleted rows in the database pages; what remains is the keyword
        index, which keeps deleted words in its segments until they are merged (rebuilt here with
        FTS5's ``optimize``, unless SQLite >= 3.42 removed them at once with FTS5 ``secure-delete``),
        and the write-ahead log, which holds earlier copies of the pages (checkpointed into the
        database and truncated to zero bytes). The pending mark lives in the catalog, so an erasure
        a crash interrupted is finished on the next open. See docs/knowledge-bases.md, "Erasure".
        """
        with self._db.lock:
            pending = self.get_meta("erase_pending")
            if pending is None:
                return
            if pending != "wal" and not self._fts_secure_delete:
                self._db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')")
            self.set_meta("erase_pending", "wal")
            busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            # Busy: another process reads a snapshot right now; the next save or open truncates the log.
            if not busy:
                self._db.execute("DELETE FROM meta WHERE key = 'erase_pending'")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _enable_fts_secure_delete(db: Connection) -> bool:
    """Ask FTS5 to drop a deleted row's words from its index at once (SQLite >= 3.42); False if too old."""
    try:
        db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('secure-delete', 1)")
    except sqlite3.OperationalError:
        return False
    return True
