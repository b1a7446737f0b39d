"""A knowledge base whose every piece of state is in PostgreSQL: :class:`PostgresKnowledgeBase`.

Same API and answers as the embedded :class:`~retrieval.knowledge_base.KnowledgeBase` (it inherits the
embedding, writing and hit-building code), with the parts that live in memory there done in SQL here:

- dense search: pgvector's HNSW index (cosine) with ``hnsw.iterative_scan = relaxed_order``, so a filtered
  query keeps scanning the graph until ``k`` rows pass the filter; when the scan gives up first (pgvector's
  ``hnsw.max_scan_tuples``, 20,000 by default: a filter passing under about 0.05 % of the rows) the query
  is answered by exact search over the rows that pass the filter. A filter the metadata index narrows to
  at most ``filters.FEW_PASSING`` chunks is answered by exact search over them at once (both sides);
- keyword search: PostgreSQL full-text search (``tsvector`` with the English stemmer, GIN), fused with the
  dense ranking by reciprocal rank exactly as the embedded store fuses FTS5's;
- metadata filters: :func:`~retrieval.store.postgres.filters.compile_filter` on the chunks' ``jsonb`` (its
  GIN index narrows ``equals``, ``in`` and ``listContains``).

Nothing is cached in the process, so any number of replicas serve the same knowledge base; a document's
chunks are replaced in one transaction, so readers see the old or the new document, never a mix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
from psycopg import sql

from ingest.chunking import ChunkingConfig
from retrieval.embedding import Embedder
from retrieval.errors import ModelMismatch
from retrieval.filters import Filter
from retrieval.knowledge_base import KnowledgeBase, KnowledgeBaseBusy
from retrieval.store.postgres import filters
from retrieval.store.postgres.catalog import PostgresCatalog
from retrieval.store.postgres.database import DIMENSION, Database
from retrieval.store.postgres.filters import SqlFilter, compile_filter, few_passing
from retrieval.types import SyncReport

# HNSW candidate list per query (recall vs latency; docs/deployment.md has the measurements).
EF_SEARCH = 200


class PostgresKnowledgeBase(KnowledgeBase):
    """Knowledge base ``kb_id`` of ``database`` (its registry row and chunk partition must exist:
    :class:`~retrieval.store.postgres.registry.PostgresRegistry` makes them).

    >>> kb = PostgresKnowledgeBase(database=db, kb_id=info.id, embedder=HashEmbedder(), chunking=info.chunking)
    >>> [hit.text for hit in kb.retrieve("vacation days", k=3)]
    """

    jobs_die_with_their_process = False  # the queue's: ``ragkb worker`` runs them or takes them over

    def __init__(self, *, database: Database, kb_id: str, embedder: Embedder, chunking: ChunkingConfig) -> None:
        # Not KnowledgeBase.__init__: there is no folder, no SQLite file and no in-memory index here.
        if embedder.dimension != DIMENSION:
            raise ModelMismatch(
                f"the PostgreSQL store keeps {DIMENSION}-dimensional vectors; {embedder.name} makes "
                f"{embedder.dimension}. Use a {DIMENSION}-dimensional model (the bundled all-MiniLM-L6-v2)"
            )
        self.database = database
        self.kb_id = kb_id
        self.embedder = embedder
        self.chunking = chunking
        self.query_embedder = embedder
        self.rows = PostgresCatalog(database, kb_id)
        self.catalog = self.rows  # type: ignore[assignment]  # the SQLite Catalog's methods, on PostgreSQL
        self.keywords = None  # PostgreSQL's own full-text index is the keyword side (_keyword_hits)
        self._keyword_change = ([], [])
        self._keyword_pool = None
        self._check_embedder()

    def close(self) -> None:
        """The connection pool is the database's; only the keyword thread (if a hybrid search started it) stops."""
        if self._keyword_pool is not None:
            self._keyword_pool.shutdown()

    def count(self) -> int:
        return self.catalog.chunk_count()

    def save(self) -> None:
        """Every write is committed where it is searched: nothing to persist."""

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        with self.catalog.transaction():
            yield

    def _index_replace(self, removed: list[int], added: list[tuple[int, np.ndarray]]) -> None:
        """The vectors were written with the chunks (``chunks.embedding``): no separate index to update."""

    @contextlib.contextmanager
    def job_ledger(self, job_id: str) -> Iterator[None]:
        with self.rows.ledger(job_id):
            yield

    def job_statistics(self, job_id: str, report: SyncReport) -> dict[str, int]:
        """Scans and failures as this run counted them (a run that takes a job over scans everything
        again); the work done, from the ledger, over every run of the job."""
        done = self.rows.job_outcomes(job_id)
        counted = replace(
            report,
            new_documents_indexed=done.get("new", 0),
            modified_documents_indexed=done.get("modified", 0) + done.get("metadata+modified", 0),
            metadata_documents_modified=done.get("metadata", 0) + done.get("metadata+modified", 0),
            documents_deleted=done.get("deleted", 0),
        )
        return counted.statistics()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """A session-level advisory lock on a connection held for the job: it dies with the holder's
        connection, so a killed worker never blocks the job that takes over."""
        with self.database.connection() as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (self._lock_key,)).fetchone()
            if not row or not row[0]:
                raise KnowledgeBaseBusy("another ingestion job is running on this knowledge base; wait for it")
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (self._lock_key,))

    @property
    def _lock_key(self) -> str:
        return f"ragkb-sync:{self.kb_id}"

    # -- search -----------------------------------------------------------------------------
    def _allowed_ids(self, filter: Filter | None) -> SqlFilter | None:
        """The filter as a SQL condition on ``chunks`` (``None`` for no filter)."""
        return None if filter is None else compile_filter(filter)

    def _dense_hits(self, vectors: np.ndarray, *, k: int, allowed: SqlFilter | None) -> list[list[tuple[int, float]]]:
        rows_of = sql.SQL("kb_id = {} AND searchable AND embedding IS NOT NULL AND {}")
        where = rows_of.format(sql.Literal(self.kb_id), sql.SQL("TRUE") if allowed is None else allowed.condition)
        walked = rows_of.format(sql.Literal(self.kb_id), sql.SQL("TRUE") if allowed is None else allowed.walk_condition)
        graph = sql.SQL("SELECT id, embedding <=> %s AS d FROM chunks WHERE {} ORDER BY embedding <=> %s LIMIT %s")
        exact = sql.SQL(
            "WITH passing AS MATERIALIZED (SELECT id, embedding FROM chunks WHERE {} LIMIT {}) "
            "SELECT id, embedding <=> %s AS d, (SELECT count(*) FROM passing) FROM passing ORDER BY d LIMIT %s"
        )
        # The rows an indexed filter passes, found on the metadata index, searched exactly when few (the count
        # tells): one pass over them, no graph walk through thousands of rejected neighbours.
        few = None if allowed is None or not allowed.indexed or filters.FEW_PASSING <= 0 else filters.FEW_PASSING
        results: list[list[tuple[int, float]]] = []
        with self.database.connection() as conn, conn.transaction():
            conn.execute(
                "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                "set_config('hnsw.ef_search', %s, true)",
                (str(max(EF_SEARCH, k)),),
            )
            for vector in np.asarray(vectors, dtype=np.float32):
                if few is not None:
                    rows = conn.execute(exact.format(where, sql.Literal(few + 1)), (vector, k)).fetchall()
                    if not rows or rows[0][2] <= few:
                        results.append([(int(i), 1.0 - float(d)) for i, d, _ in rows])
                        continue
                rows = conn.execute(graph.format(walked), (vector, vector, k)).fetchall()
                if len(rows) < k and allowed is not None:  # the filter leaves few rows: search them exactly
                    rows = [row[:2] for row in conn.execute(exact.format(where, sql.SQL("ALL")), (vector, k))]
                # relaxed_order may return the graph's rows slightly out of order: sort by distance.
                results.append([(int(i), 1.0 - float(d)) for i, d in sorted(rows, key=lambda row: row[1])])
        return results

    def _keyword_hits(self, query: str, *, limit: int, allowed: SqlFilter | None) -> list[tuple[int, float]]:
        if allowed is None:
            return self.rows.keyword_search(query, limit=limit)
        with self.database.connection() as conn:
            few = few_passing(conn, self.kb_id, allowed)
        if few is not None:  # the index found the few chunks passing the filter: score them from their words
            return self.rows.keyword_search(query, limit=limit, among=few)
        return self.rows.keyword_search(query, limit=limit, where=allowed.condition)

    # -- reranking (issue 17): the hits' stored vectors, so a reranker does not embed them again ------------
    def chunk_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The ``embedding`` of each of these chunks that has one (see ``KnowledgeBase.chunk_vectors``)."""
        keys = list(set(chunk_ids))
        if not keys:
            return {}
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT chunk_id, embedding FROM chunks "
                "WHERE kb_id = %s AND chunk_id = ANY(%s) AND embedding IS NOT NULL",
                (self.kb_id, keys),
            ).fetchall()
        # pgvector's loader gives numpy, or a ``Vector`` for binary results.
        return {
            chunk_id: np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)
            for chunk_id, value in rows
        }
