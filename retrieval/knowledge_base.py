"""One knowledge base: its catalog, its vector index and the embedder that built it.

Reads: ``retrieve`` / ``retrieve_many`` (semantic or hybrid, metadata filter, top-k).
Writes: ``write_document`` / ``delete_document`` / ``update_metadata``, each one catalog
transaction followed by the matching in-memory index update, then ``save()`` persists the index.

Consistency: the catalog (SQLite) is the source of truth and stores every vector. The vector store's
file is a cache stamped with the catalog generation it reflects; when they disagree (a crash between
a commit and ``save()``) it is rebuilt from the catalog on open. So a crash at any point leaves either
the previous or the new state of each document, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import ChunkingConfig
from ingest.metadata import plain_values
from ingest.types import MetadataAttribute
from retrieval.documents import DocumentWrite, hit_of, new_chunk
from retrieval.embedding import Embedder, embed_whole, prepare_for_embedding
from retrieval.embedding.query import check_recorded_embedder
from retrieval.errors import CorruptStore, InvalidQuery, RetrievalError
from retrieval.filters import Filter
from retrieval.store.catalog import Catalog
from retrieval.store.keyword_index import KeywordIndex
from retrieval.store.metadata_index import MetadataIndex
from retrieval.store.rows import NewChunk, StoredDocument
from retrieval.store.vectors import FaissStore, VectorStore
from retrieval.types import DEFAULT_SEARCH_TYPE, Hit, SearchType, SyncReport

MAX_QUERY_CHARS = 1000
MAX_K = 100
RRF_K = 60


class KnowledgeBaseBusy(RetrievalError):
    """Another ingestion job holds the knowledge base (:meth:`KnowledgeBase.exclusive`)."""


class KnowledgeBase:
    """Open with the embedder that built it; a different one raises :class:`ModelMismatch`.

    ``vector_store``: the :class:`VectorStore` class that searches the vectors (FAISS by default,
    ``InMemoryStore`` the numpy fake); a file another store wrote is rebuilt from the catalog.
    ``keyword_index``: a :class:`KeywordIndex` (tantivy, early-terminating BM25) kept beside the catalog's
    FTS5 and used whenever it is current; ``None`` (the default here) searches keywords with FTS5 only.
    ``query_embedder``: embeds queries instead of ``embedder`` (which still embeds documents); it must
    give the same vectors to a measured tolerance (:func:`~retrieval.embedding.query.may_query`: ONNX fp32
    for a knowledge base built with PyTorch fp32 or bf16), else :class:`ModelMismatch` is raised.

    >>> kb = KnowledgeBase(directory=Path("/tmp/kb"), embedder=HashEmbedder(), chunking=ChunkingConfig())
    >>> [hit.text for hit in kb.retrieve("vacation days", k=3)]
    """

    # An unfinished job found while holding exclusive() was left by a dead process: every job runs under
    # that lock. False where a queue hands unfinished jobs on (PostgreSQL: a worker runs a queued job, and
    # takes over a dead worker's when its lease runs out), so a sync must not fail them (retrieval/sync.py).
    jobs_die_with_their_process = True

    def __init__(
        self, *, directory: Path, embedder: Embedder, chunking: ChunkingConfig,
        vector_store: type[VectorStore] = FaissStore, query_embedder: Embedder | None = None,
        keyword_index: type[KeywordIndex] | None = None,
    ) -> None:  # fmt: skip
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.embedder = embedder
        self.query_embedder = query_embedder or embedder
        self._vector_store = vector_store
        self.chunking = chunking
        self.catalog = Catalog(directory / "catalog.sqlite")
        self._check_embedder()
        self._lock = threading.RLock()
        self.store = self._load_index()
        self._metadata_index: tuple[int, MetadataIndex] | None = None
        self.keywords: KeywordIndex | None = None
        if keyword_index is not None:
            folder, texts = directory / "keywords", self.catalog.iter_texts
            self.keywords = keyword_index(folder, generation=self._generation, texts=texts)
        self._keyword_change: tuple[list[int], list[tuple[int, str]]] = ([], [])
        self._keyword_pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._keyword_pool is not None:
            self._keyword_pool.shutdown()
        if self.keywords is not None:
            self.keywords.close()
        self.catalog.erase_deleted()
        self.catalog.close()

    # -- reads ------------------------------------------------------------------------------
    def retrieve(
        self, query: str, *, k: int = 5, search_type: SearchType = DEFAULT_SEARCH_TYPE, filter: Filter | None = None
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query``; see :class:`~retrieval.types.Hit` for the score."""
        return self.retrieve_many([query], k=k, search_type=search_type, filter=filter)[0]

    def retrieve_many(
        self,
        queries: Sequence[str],
        *,
        k: int = 5,
        search_type: SearchType = DEFAULT_SEARCH_TYPE,
        filter: Filter | None = None,
    ) -> list[list[Hit]]:
        for query in queries:
            validate_query(query)
        if not 1 <= k <= MAX_K:
            raise InvalidQuery(f"numberOfResults must be between 1 and {MAX_K}, got {k}")
        if search_type not in ("SEMANTIC", "HYBRID"):
            raise InvalidQuery(f"search type must be SEMANTIC or HYBRID, got {search_type!r}")
        allowed = self._allowed_ids(filter)
        # Hierarchical knowledge bases return parents: fetch extra children so k parents remain.
        depth = k * 3 if self._is_hierarchical() else k
        # The keyword side runs in a thread while the queries are embedded (both release the GIL).
        keyword_hits = None
        if search_type == "HYBRID":
            if self._keyword_pool is None:
                self._keyword_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keywords")
            keyword_hits = self._keyword_pool.submit(
                lambda: [self._keyword_hits(q, limit=max(depth, 50), allowed=allowed) for q in queries]
            )
        vectors = self.embed_texts(list(queries), embedder=self.query_embedder)
        dense = self._dense_hits(vectors, k=max(depth, 50) if search_type == "HYBRID" else depth, allowed=allowed)
        keyword = keyword_hits.result() if keyword_hits is not None else [[] for _ in queries]
        results: list[list[Hit]] = []
        for dense_hits, keyword_ranked in zip(dense, keyword, strict=True):
            ranked = reciprocal_rank_fusion([dense_hits, keyword_ranked]) if search_type == "HYBRID" else dense_hits
            results.append(self._to_hits(ranked, k=k))
        return results

    def _dense_hits(self, vectors: np.ndarray, *, k: int, allowed: Any) -> list[list[tuple[int, float]]]:
        """Per query vector, the ``k`` nearest searchable chunks that ``allowed`` admits, best first.
        ``allowed`` is what :meth:`_allowed_ids` made of the filter (a backend's own representation)."""
        with self._lock:
            self._reload_if_changed_elsewhere()
            return self.store.search_many(vectors, k=k, allowed_ids=allowed)

    def chunk_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The unit vectors stored for these chunks (``Hit.chunk_id``), made by ``embedder``; a chunk without
        one (a hierarchical parent: its children are embedded) is left out. A reranker reads these instead of
        embedding the hits again."""
        return self.catalog.vectors_by_chunk_id(chunk_ids)

    def count(self) -> int:
        with self._lock:
            self._reload_if_changed_elsewhere()
            return self.store.count()

    # -- writes -----------------------------------------------------------------------------
    def write_document(self, doc: DocumentWrite, *, now: str) -> int:
        """Replace one document's chunks; returns how many searchable chunks it has."""
        return self.write_documents([doc], now=now)[0]

    def write_documents(self, docs: Sequence[DocumentWrite], *, now: str) -> list[int]:
        """Replace each document's chunks, embedding all of them in one batched call, one transaction
        per document. Returns each document's number of searchable chunks."""
        searchable = [c for doc in docs for c in doc.chunks if c.searchable]
        texts = [prepare_for_embedding(c.text, c.metadata) for c in searchable]
        vectors = iter(self.embed_texts(texts)) if texts else iter(())
        written: list[int] = []
        for doc in docs:
            rows = [new_chunk(c, next(vectors) if c.searchable else None) for c in doc.chunks]
            with self._writing():
                document_id = self.catalog.upsert_document(
                    data_source_id=doc.data_source_id,
                    uri=doc.uri,
                    hashes=doc.hashes,
                    size=doc.size,
                    mtime_ns=doc.mtime_ns,
                    metadata=plain_values(doc.metadata),
                    now=now,
                )
                removed, added = self.catalog.replace_chunks(document_id, rows)
                words = [(i, r.text) for i, r in zip(added, rows, strict=True) if r.searchable]
                self._keyword_change = (removed, words)
                keep = [(i, r.vector) for i, r in zip(added, rows, strict=True) if r.vector is not None]
                self._index_replace(removed, keep)
            written.append(len(keep))
        return written

    def write_embedded(self, document: StoredDocument, chunks: Sequence[NewChunk]) -> None:
        """Store a document whose chunks carry their vectors already (``ragkb kb import``): no embedding."""
        with self._writing():
            document_id = self.catalog.upsert_document(
                data_source_id=document.data_source_id, uri=document.uri, hashes=document.hashes,
                size=document.size, mtime_ns=document.mtime_ns, metadata=document.metadata, now=document.updated_at,
            )  # fmt: skip
            removed, added = self.catalog.replace_chunks(document_id, chunks)
            self._keyword_change = (removed, [(i, c.text) for i, c in zip(added, chunks, strict=True) if c.searchable])
            keep = [(i, c.vector) for i, c in zip(added, chunks, strict=True) if c.vector is not None]
            self._index_replace(removed, keep)

    def delete_document(self, document_id: int) -> None:
        with self._writing():
            removed = self.catalog.delete_document(document_id)
            self._keyword_change = (removed, [])
            self._index_replace(removed, [])

    def _index_replace(self, removed: list[int], added: list[tuple[int, np.ndarray]]) -> None:
        """Bring the in-memory vector index in line with a catalog change (inside ``_writing``)."""
        self.store.delete(np.asarray(removed, dtype=np.int64))
        if added:
            self.store.add(np.asarray([i for i, _ in added], dtype=np.int64), np.stack([v for _, v in added]))

    @contextlib.contextmanager
    def job_ledger(self, job_id: str) -> Iterator[None]:
        """Inside, writes count as ``job_id``'s work where the store records it (PostgreSQL: so a job that
        another worker takes over reports exact statistics). Here a job runs in one process: no ledger."""
        yield

    def job_statistics(self, job_id: str, report: SyncReport) -> dict[str, int]:
        """Bedrock's statistics of the job that ``report`` counts (in one process: the report itself)."""
        return report.statistics()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held by the one ingestion job that runs on this knowledge base at a time, across processes (a
        lock file here); raises :class:`KnowledgeBaseBusy` while another holds it. The lock dies with its
        holder, so a killed job never blocks the next one."""
        with open(self.directory / "sync.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise KnowledgeBaseBusy("another ingestion job is running on this knowledge base; wait for it") from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def update_metadata(
        self,
        document_id: int,
        *,
        metadata: Mapping[str, MetadataAttribute],
        hashes: tuple[str, str, str],
        data_source_id: str,
        uri: str,
        size: int,
        mtime_ns: int,
        now: str,
    ) -> None:
        """A sidecar-only change whose embedded attributes did not change: no re-embedding."""
        with self.catalog.transaction(vectors_changed=False):
            self.catalog.upsert_document(
                data_source_id=data_source_id,
                uri=uri,
                hashes=hashes,
                size=size,
                mtime_ns=mtime_ns,
                metadata=plain_values(metadata),
                now=now,
            )
            self.catalog.update_chunk_metadata(document_id, plain_values(metadata))

    def save(self) -> None:
        """Persist the vector index stamped with the catalog generation (atomic replace), and erase
        the text of deleted chunks from the catalog's files (``Catalog.erase_deleted``)."""
        with self._lock:
            self.store.save(self.directory / "vectors.faiss")
            _atomic_write(self.directory / "vectors.json", json.dumps({"generation": self._generation}))
            if self.keywords is not None:
                self.keywords.commit(self.catalog.generation())
            self.catalog.erase_deleted()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One catalog transaction plus the matching index update, invisible to readers until both are
        done. A crash between them is repaired on the next open (the index is rebuilt from the catalog)."""
        with self._lock:
            with self.catalog.transaction():
                before = self.catalog.generation()
                self._keyword_change = ([], [])
                yield
            self._generation = self.catalog.generation()
            if self.keywords is not None:  # the transaction bumped the generation by one
                removed, added = self._keyword_change
                self.keywords.apply(removed=removed, added=added, before=before, after=before + 1)

    def _reload_if_changed_elsewhere(self) -> None:
        """Another process (a CLI sync while the server runs) committed vectors: pick them up."""
        if self.catalog.generation() != self._generation:
            self.store = self._load_index()

    # -- embedding --------------------------------------------------------------------------
    def embed_texts(self, texts: list[str], *, embedder: Embedder | None = None) -> np.ndarray:
        """Embed every text whole with ``embedder`` (default the documents' one): :func:`embed_whole`."""
        return embed_whole(texts, embedder or self.embedder)

    # -- internals --------------------------------------------------------------------------
    def _check_embedder(self) -> None:
        """Record the embedder on first use; then refuse another (:func:`check_recorded_embedder`)."""
        name, dimension = self.catalog.get_meta("embedder"), self.catalog.get_meta("dimension")
        if name is None:
            self.catalog.set_meta("embedder", self.embedder.name)
            self.catalog.set_meta("dimension", str(self.embedder.dimension))
            name, dimension = self.embedder.name, str(self.embedder.dimension)
        check_recorded_embedder(name, int(dimension or 0), documents=self.embedder, queries=self.query_embedder)

    def _load_index(self) -> VectorStore:
        self._generation = self.catalog.generation()
        path, stamp = self.directory / "vectors.faiss", self.directory / "vectors.json"
        stamped = json.loads(stamp.read_text()).get("generation") if stamp.exists() else None
        if stamped == self._generation and path.exists():
            with contextlib.suppress(CorruptStore):  # a damaged cache is rebuilt below
                return self._vector_store.load(path)
        store = self._vector_store(self.embedder.dimension)
        batches = list(self.catalog.iter_vectors())
        if batches:  # one add, so the index type is chosen (and trained) once for the whole collection
            store.add(np.concatenate([i for i, _ in batches]), np.concatenate([v for _, v in batches]))
        return store

    def _is_hierarchical(self) -> bool:
        return self.chunking.strategy == "hierarchical"

    def _allowed_ids(self, filter: Filter | None) -> Any:
        """Ids of the searchable chunks that pass ``filter`` (ascending), or ``None`` for no filter."""
        if filter is None:
            return None
        revision = self.catalog.revision()
        cached = self._metadata_index
        if cached is None or cached[0] != revision:
            cached = self._metadata_index = (revision, MetadataIndex.build(self.catalog.iter_metadata()))
        return cached[1].allowed_ids(filter)

    def _keyword_search(self, query: str, *, limit: int) -> list[tuple[int, float]]:
        """tantivy when it reflects the catalog as it is now, else the catalog's FTS5 (always current)."""
        if self.keywords is not None and self.keywords.is_current(self.catalog.generation()):
            return self.keywords.search(query, limit=limit)
        return self.catalog.keyword_search(query, limit=limit)

    def _keyword_hits(self, query: str, *, limit: int, allowed: Any) -> list[tuple[int, float]]:
        if allowed is None:
            return self._keyword_search(query, limit=limit)
        # A filter is applied before the cut: widen the keyword search until enough pass it.
        hits = self._keyword_search(query, limit=limit * 20)
        if not hits or not len(allowed):
            return []
        # ``allowed`` is ascending (MetadataIndex.allowed_ids): a binary search per hit, no set of all ids.
        hit_ids = np.fromiter((chunk_id for chunk_id, _ in hits), dtype=np.int64, count=len(hits))
        slots = np.minimum(np.searchsorted(allowed, hit_ids), len(allowed) - 1)
        passes = allowed[slots] == hit_ids
        return [hit for hit, ok in zip(hits, passes.tolist(), strict=True) if ok][:limit]

    def _to_hits(self, ranked: list[tuple[int, float]], *, k: int) -> list[Hit]:
        records = self.catalog.get_chunks(i for i, _ in ranked)
        parents = self.catalog.get_chunks_by_chunk_id(r.parent_id for r in records.values() if r.parent_id is not None)
        hits: list[Hit] = []
        seen: set[str] = set()
        for chunk_row_id, score in ranked:
            record = records.get(chunk_row_id)
            if record is None:
                continue
            shown = parents.get(record.parent_id, record) if record.parent_id else record
            if shown.chunk_id in seen:
                continue
            seen.add(shown.chunk_id)
            hits.append(hit_of(shown, score))
            if len(hits) == k:
                break
        return hits


def validate_query(query: str) -> None:
    if not isinstance(query, str) or not query.strip():
        raise InvalidQuery("the query text is empty; send at least one word")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the query is {len(query)} characters; the limit is {MAX_QUERY_CHARS}")


def reciprocal_rank_fusion(rankings: Sequence[Sequence[tuple[int, float]]]) -> list[tuple[int, float]]:
    """Fuse rankings by RRF (k=60), normalised so 1.0 means first in every ranking."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (item, _) in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank + 1)
    best = len(rankings) / (RRF_K + 1)
    return sorted(((i, s / best) for i, s in scores.items()), key=lambda pair: -pair[1])


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
