"""One knowledge base's catalog in PostgreSQL: the same methods as the SQLite
:class:`~retrieval.store.catalog.Catalog`, on rows tagged with the knowledge base's id.

Chunk vectors live in ``chunks.embedding`` (``vector(384)``, HNSW) and their words in ``chunks.keywords``
(``tsvector``, GIN), both written by the same statement as the chunk, so neither can disagree with it.
Calls inside :meth:`PostgresCatalog.transaction` share one connection and commit together; other calls
borrow a pooled connection each (autocommit).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from retrieval.knowledge_base import KnowledgeBaseBusy
from retrieval.store.postgres import keyword
from retrieval.store.postgres.database import Database
from retrieval.store.rows import ChunkRecord, DocumentRow, DocumentSummary, NewChunk, StoredDocument
from retrieval.types import DataSource, IngestionJob, JobStatus

_CHUNK_COLUMNS = "id, document_id, chunk_id, text, location, metadata, parent_id"


class PostgresCatalog:
    """Typed access to one knowledge base's rows. Safe to share between threads."""

    def __init__(self, database: Database, kb_id: str) -> None:
        self.database = database
        self.kb_id = kb_id
        self._local = threading.local()

    def close(self) -> None:
        """The pool belongs to the database, not to one knowledge base: nothing to release."""

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection]:
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with self.database.connection() as conn:
            yield conn

    @contextmanager
    def transaction(self, *, vectors_changed: bool = True) -> Iterator[None]:
        """All catalog calls of this thread inside commit together, or none do (nested: one transaction)."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self.database.connection() as conn, conn.transaction():
            self._local.conn, self._local.vectors_changed = conn, vectors_changed
            try:
                yield
            finally:
                self._local.conn = None

    @contextmanager
    def ledger(self, job_id: str) -> Iterator[None]:
        """Inside, this thread's document writes and deletions are recorded as ``job_id``'s work."""
        self._local.job = job_id
        try:
            yield
        finally:
            self._local.job = None

    def job_outcomes(self, job_id: str) -> dict[str, int]:
        """How many documents ``job_id`` left in each outcome (new, modified, metadata, metadata+modified,
        deleted), over every worker that ran it."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT outcome, count(*) FROM job_ledger WHERE kb_id = %s AND job_id = %s GROUP BY outcome",
                (self.kb_id, job_id),
            ).fetchall()
        return {outcome: int(n) for outcome, n in rows}

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._conn() as conn:
            row = conn.execute("SELECT value FROM kb_meta WHERE kb_id = %s AND key = %s", (self.kb_id, key)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO kb_meta VALUES (%s, %s, %s) ON CONFLICT (kb_id, key) DO UPDATE SET value = excluded.value",
                (self.kb_id, key, value),
            )

    def generation(self) -> int:
        """Vectors are searched where they are stored: there is no derived index to invalidate."""
        return 0

    def revision(self) -> int:
        return 0

    def erase_deleted(self) -> None:
        """Deleted rows leave the table files at VACUUM (autovacuum); see docs/deployment.md."""

    # -- data sources and jobs --------------------------------------------------------------
    def put_data_source(self, source: DataSource) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO data_sources VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (kb_id, id) DO UPDATE SET "
                "name = excluded.name, config = excluded.config, updated_at = excluded.updated_at",
                (self.kb_id, source.id, source.name, source.type, Jsonb(source.config), source.created_at,
                 source.updated_at),
            )  # fmt: skip

    def data_sources(self) -> list[DataSource]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id, name, type, config, created_at, updated_at FROM data_sources WHERE kb_id = %s "
                "ORDER BY created_at, id",
                (self.kb_id,),
            ).fetchall()
        return [DataSource(*r) for r in rows]

    def delete_data_source(self, data_source_id: str) -> None:
        with self.transaction(), self._conn() as conn:
            conn.execute("DELETE FROM ingestion_jobs WHERE kb_id = %s AND data_source_id = %s",
                         (self.kb_id, data_source_id))  # fmt: skip
            conn.execute("DELETE FROM data_sources WHERE kb_id = %s AND id = %s", (self.kb_id, data_source_id))

    def put_job(self, job: IngestionJob) -> None:
        """Store a new job, or a stored one's status, ``updated_at``, statistics and failures. A job that
        ends releases its lease (the queue's columns are :mod:`retrieval.store.postgres.queue`'s)."""
        with self._conn() as conn, _one_unfinished_job():
            conn.execute(
                "INSERT INTO ingestion_jobs (kb_id, id, data_source_id, status, started_at, updated_at, statistics, "
                "failures, description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (kb_id, id) DO UPDATE SET updated_at = excluded.updated_at, "
                # A stop request (STOPPING) stands until the job ends; progress reports do not undo it.
                "status = CASE WHEN ingestion_jobs.status = 'STOPPING' AND excluded.status = 'IN_PROGRESS' "
                "THEN 'STOPPING' ELSE excluded.status END, "
                "statistics = excluded.statistics, failures = excluded.failures",
                (self.kb_id, job.id, job.data_source_id, job.status, job.started_at, job.updated_at,
                 Jsonb(job.statistics), Jsonb(list(job.failures)), job.description),
            )  # fmt: skip

    def jobs(self, *, status: JobStatus | None = None) -> list[IngestionJob]:
        query = (
            "SELECT id, data_source_id, status, started_at, updated_at, statistics, failures, description "
            "FROM ingestion_jobs WHERE kb_id = %s"
        )
        params: tuple[str, ...] = (self.kb_id,)
        if status is not None:
            query, params = query + " AND status = %s", (*params, status)
        with self._conn() as conn:
            rows = conn.execute(query + " ORDER BY started_at, queued_at", params).fetchall()
        return [IngestionJob(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6]), r[7]) for r in rows]

    # -- documents --------------------------------------------------------------------------
    def documents(self, data_source_id: str) -> dict[str, DocumentRow]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id, data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, size, mtime_ns "
                "FROM documents WHERE kb_id = %s AND data_source_id = %s",
                (self.kb_id, data_source_id),
            ).fetchall()
        return {r[2]: DocumentRow(*r) for r in rows}

    def document_summaries(self, data_source_id: str, *, uri: str | None = None) -> list[DocumentSummary]:
        where, params = "d.kb_id = %s AND d.data_source_id = %s", [self.kb_id, data_source_id]
        if uri is not None:
            where, params = where + " AND d.uri = %s", [*params, uri]
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT d.uri, d.data_source_id, d.size, d.updated_at, d.metadata, (SELECT count(*) FROM chunks c "
                "WHERE c.kb_id = d.kb_id AND c.document_id = d.id AND c.searchable) "
                f'FROM documents d WHERE {where} ORDER BY d.uri COLLATE "C"',
                params,
            ).fetchall()
        return [DocumentSummary(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def document_count(self) -> int:
        with self._conn() as conn:
            return _count(conn.execute("SELECT count(*) FROM documents WHERE kb_id = %s", (self.kb_id,)))

    def upsert_document(
        self, *, data_source_id: str, uri: str, hashes: tuple[str, str, str], size: int, mtime_ns: int,
        metadata: dict[str, Any], now: str,
    ) -> int:  # fmt: skip
        """Insert or update a document row; returns its id. Call inside ``transaction()``."""
        with self._conn() as conn:
            job = getattr(self._local, "job", None)
            if job is not None:
                self._record_outcome(conn, job, data_source_id, uri, hashes)
            row = conn.execute(
                "INSERT INTO documents (kb_id, data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, "
                "size, mtime_ns, metadata, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (kb_id, data_source_id, uri) DO UPDATE SET content_hash = excluded.content_hash, "
                "metadata_hash = excluded.metadata_hash, embed_metadata_hash = excluded.embed_metadata_hash, "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, metadata = excluded.metadata, "
                "updated_at = excluded.updated_at RETURNING id",
                (self.kb_id, data_source_id, uri, *hashes, size, mtime_ns, Jsonb(metadata), now),
            ).fetchone()
        assert row is not None  # RETURNING of an upsert always has its row
        return int(row[0])

    def _record_outcome(
        self, conn: psycopg.Connection, job: str, data_source_id: str, uri: str, hashes: tuple[str, str, str]
    ) -> None:
        """The job's outcome for this document, as the sync counts it, from the row it is about to replace."""
        old = conn.execute(
            "SELECT content_hash, metadata_hash FROM documents WHERE kb_id = %s AND data_source_id = %s AND uri = %s",
            (self.kb_id, data_source_id, uri),
        ).fetchone()
        if old is None:
            outcome = "new"
        elif old[0] != hashes[0]:
            outcome = "modified"
        elif old[1] != hashes[1]:
            outcome = "metadata+modified" if getattr(self._local, "vectors_changed", True) else "metadata"
        else:
            outcome = "modified"
        self._ledger(conn, job, data_source_id, uri, outcome)

    def _ledger(self, conn: psycopg.Connection, job: str, data_source_id: str, uri: str, outcome: str) -> None:
        conn.execute(
            "INSERT INTO job_ledger VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (self.kb_id, job, uri, data_source_id, outcome),
        )

    def touch_document(self, document_id: int, *, size: int, mtime_ns: int) -> None:
        with self._conn() as conn:
            conn.execute("UPDATE documents SET size = %s, mtime_ns = %s WHERE id = %s", (size, mtime_ns, document_id))

    def delete_document(self, document_id: int) -> list[int]:
        """Delete a document and its chunks (cascade); returns the deleted chunk ids."""
        with self.transaction(), self._conn() as conn:
            job = getattr(self._local, "job", None)
            if job is not None:
                row = conn.execute("SELECT data_source_id, uri FROM documents WHERE id = %s", (document_id,)).fetchone()
                if row is not None:
                    self._ledger(conn, job, row[0], row[1], "deleted")
            ids = self.chunk_ids_of(document_id)
            conn.execute("DELETE FROM chunks WHERE kb_id = %s AND document_id = %s", (self.kb_id, document_id))
            conn.execute("DELETE FROM documents WHERE id = %s", (document_id,))
        return ids

    # -- chunks -----------------------------------------------------------------------------
    def chunk_ids_of(self, document_id: int) -> list[int]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id FROM chunks WHERE kb_id = %s AND document_id = %s ORDER BY id", (self.kb_id, document_id)
            ).fetchall()
        return [r[0] for r in rows]

    def replace_chunks(self, document_id: int, chunks: Sequence[NewChunk]) -> tuple[list[int], list[int]]:
        """Swap a document's chunks for ``chunks``; returns (removed ids, new ids). Inside a transaction."""
        with self._conn() as conn:
            removed = [r[0] for r in conn.execute(
                "DELETE FROM chunks WHERE kb_id = %s AND document_id = %s RETURNING id", (self.kb_id, document_id)
            ).fetchall()]  # fmt: skip
            if not chunks:
                return removed, []
            ids = conn.execute("SELECT nextval('chunks_id_seq') FROM generate_series(1, %s)", (len(chunks),)).fetchall()
            added = [int(r[0]) for r in ids]
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO chunks (id, kb_id, document_id, chunk_id, idx, text, token_count, location, metadata, "
                    "parent_id, searchable, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (rowid, self.kb_id, document_id, c.chunk_id, c.index, c.text, c.token_count,
                         Jsonb(c.location), Jsonb(c.metadata), c.parent_id, c.searchable,
                         None if c.vector is None else np.asarray(c.vector, dtype=np.float32))
                        for rowid, c in zip(added, chunks, strict=True)
                    ],
                )  # fmt: skip
        return removed, added

    def update_chunk_metadata(self, document_id: int, metadata: dict[str, Any]) -> None:
        """Replace the document-level metadata on every chunk, keeping chunk-level keys (page numbers)."""
        with self._conn() as conn:
            conn.execute(
                "UPDATE chunks SET metadata = %s || (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) "
                "FROM jsonb_each(metadata) WHERE key LIKE 'x-amz-bedrock-kb-%%') "
                "WHERE kb_id = %s AND document_id = %s",
                (Jsonb(metadata), self.kb_id, document_id),
            )

    def chunk_count(self, *, searchable_only: bool = True) -> int:
        where = " AND searchable" if searchable_only else ""
        with self._conn() as conn:
            return _count(conn.execute(f"SELECT count(*) FROM chunks WHERE kb_id = %s{where}", (self.kb_id,)))

    def get_chunks(self, ids: Iterable[int]) -> dict[int, ChunkRecord]:
        ids = list(ids)
        if not ids:
            return {}
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE kb_id = %s AND id = ANY(%s)", (self.kb_id, ids)
            ).fetchall()
        return {r[0]: ChunkRecord(*r) for r in rows}

    def get_chunks_by_chunk_id(self, chunk_ids: Iterable[str]) -> dict[str, ChunkRecord]:
        keys = list(set(chunk_ids))
        if not keys:
            return {}
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE kb_id = %s AND chunk_id = ANY(%s)", (self.kb_id, keys)
            ).fetchall()
        return {r[2]: ChunkRecord(*r) for r in rows}

    def iter_vectors(self, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) of every searchable chunk, in batches (``ragkb kb export``)."""
        with self.database.connection() as conn, conn.transaction(), conn.cursor(name="vectors") as cursor:
            cursor.execute(
                "SELECT id, embedding FROM chunks WHERE kb_id = %s AND searchable AND embedding IS NOT NULL "
                "ORDER BY id",
                (self.kb_id,),
            )
            while rows := cursor.fetchmany(batch):
                ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                yield ids, np.stack([_vector(r[1]) for r in rows])

    def dump_documents(self) -> Iterator[tuple[StoredDocument, list[NewChunk]]]:
        """Every document with its chunks (vectors included), for ``ragkb kb export``."""
        with self._conn() as conn:
            documents = conn.execute(
                "SELECT id, data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, size, mtime_ns, "
                "metadata, updated_at FROM documents WHERE kb_id = %s ORDER BY id",
                (self.kb_id,),
            ).fetchall()
        for r in documents:
            with self._conn() as conn:
                rows = conn.execute(
                    "SELECT chunk_id, idx, text, token_count, location, metadata, parent_id, searchable, embedding "
                    "FROM chunks WHERE kb_id = %s AND document_id = %s ORDER BY id",
                    (self.kb_id, r[0]),
                ).fetchall()
            document = StoredDocument(r[1], r[2], (r[3], r[4], r[5]), r[6], r[7], r[8], r[9])
            yield document, [_new_chunk(c) for c in rows]

    def iter_texts(self) -> Iterator[tuple[int, str]]:
        with self._conn() as conn:
            yield from conn.execute("SELECT id, text FROM chunks WHERE kb_id = %s AND searchable ORDER BY id",
                                    (self.kb_id,)).fetchall()  # fmt: skip

    def iter_metadata(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self._conn() as conn:
            yield from conn.execute("SELECT id, metadata FROM chunks WHERE kb_id = %s AND searchable ORDER BY id",
                                    (self.kb_id,)).fetchall()  # fmt: skip

    def keyword_search(
        self, query: str, *, limit: int, where: sql.Composable | None = None, among: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """Full-text matches of the query's words among the chunks passing ``where`` (or those of the ids
        ``among``), ranked by BM25 (higher is better): (chunk id, score) best first
        (:func:`retrieval.store.postgres.keyword.keyword_search`)."""
        with self._conn() as conn:
            return keyword.keyword_search(conn, self.kb_id, query, limit=limit, where=where, among=among)


@contextmanager
def _one_unfinished_job() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:  # ingestion_jobs_one_unfinished
        raise KnowledgeBaseBusy(
            "another ingestion job is queued or running on this knowledge base; wait for it"
        ) from exc


def _vector(value: Any) -> np.ndarray:
    """pgvector's value as numpy (its loader gives numpy or, for binary results, a ``Vector``)."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


def _new_chunk(row: Any) -> NewChunk:
    vector = None if row[8] is None else _vector(row[8])
    return NewChunk(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], vector)


def _count(cursor: psycopg.Cursor[Any]) -> int:
    row = cursor.fetchone()
    return 0 if row is None else int(row[0])
