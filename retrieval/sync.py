"""Incremental folder sync: make a knowledge base match a folder, touching only what changed.

Per file (path relative to the folder = the document's uri):
- size and mtime as recorded: unchanged, not even read;
- same content hash: unchanged (its new mtime is recorded);
- only the ``.metadata.json`` sidecar changed: metadata updated in place, no re-embedding, unless an
  attribute marked ``includeForEmbedding`` changed (then its chunks are re-embedded, since the vectors
  depend on it); counted as ``numberOfMetadataDocumentsModified``;
- new or modified content: parsed, chunked, embedded; a file that fails keeps its previous version
  (if any) and is reported with its reason;
- gone from the folder: its chunks leave the catalog, the keyword index and the vector index.
Each document is one transaction, so a sync killed at any point and run again finishes the work
with no duplicate and no missing chunk.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.errors import InvalidMetadata
from ingest.metadata import load_sidecar, sidecar_path
from ingest.parsers import ParseLimits
from ingest.pipeline import DocumentResult, process_file
from ingest.types import MetadataAttribute
from retrieval.documents import DATA_SOURCE_KEY, DocumentWrite
from retrieval.errors import RetrievalError
from retrieval.folders import (
    OUTSIDE,
    FolderRefused,
    FolderSource,
    Scanned,
    confined_root,
    read_confined,
    scan,
    still_confined,
)
from retrieval.knowledge_base import KnowledgeBase, KnowledgeBaseBusy
from retrieval.parent_watch import exit_with_parent
from retrieval.stamps import utc_now
from retrieval.store.rows import DocumentRow
from retrieval.types import FileFailure, IngestionJob, JobStatus, SyncReport

Progress = Callable[[int, int], None]


class SyncError(RetrievalError):
    """The sync cannot run at all: unreadable folder, another sync in progress."""


class SyncBusy(SyncError):
    """Another ingestion job is running on the knowledge base."""


def sync_folder(
    kb: KnowledgeBase,
    source: FolderSource,
    *,
    limits: ParseLimits = ParseLimits(),
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    job_id: str | None = None,
    workers: int = 0,
) -> tuple[str, SyncReport]:
    """Bring ``kb`` in line with ``source``; returns (job id, report). Raises :class:`SyncError`.

    ``workers`` > 0 parses and chunks in that many worker processes while this process embeds and
    writes, so parsing overlaps embedding (semantic chunking needs the embedder and always parses
    here). Chunks of several documents are embedded together in batches of about ``EMBED_BATCH``.
    """
    report = SyncReport()
    job = IngestionJob.new(source.id, status="IN_PROGRESS", job_id=job_id)
    with _exclusive(kb), kb.job_ledger(job.id):
        _fail_interrupted_jobs(kb, keep=job.id)
        try:  # resolved at every job: the folder may have been replaced by a link since it was registered
            root = confined_root(source)
        except FolderRefused as exc:
            raise SyncError(str(exc)) from exc
        job = _record(kb, job, report)
        scanned = list(
            scan(
                source, root, fail=lambda uri, why: _fail(report, uri, why),
                warn=lambda uri, why: report.warnings.append(FileFailure(uri, why)),
            )
        )  # fmt: skip
        known = kb.catalog.documents(source.id)
        done = 0

        def tick() -> None:
            nonlocal done, job
            done += 1
            if progress:
                progress(done, len(scanned))
            if done % 5 == 0:  # progress counters for whoever watches the job
                job = _record(kb, job, report)

        todo: list[_ToParse] = []
        stopped = False
        for item in scanned:
            if should_stop():
                stopped = True
                break
            decision = _decide(kb, source, item, known.get(item.uri), report=report)
            if decision is None:
                tick()
            else:
                todo.append(decision)
        if len(todo) < 8:
            workers = 0  # starting worker processes costs more than parsing a handful of files
        if not stopped:
            stopped = _parse_and_write(kb, source, todo, limits=limits, workers=workers, report=report,
                                       tick=tick, should_stop=should_stop)  # fmt: skip
        if not stopped:
            present = {s.uri for s in scanned}
            for uri, row in known.items():
                if uri not in present:
                    kb.delete_document(row.id)
                    report.documents_deleted += 1
        kb.save()
        job = _record(kb, replace(job, status="STOPPED" if stopped else "COMPLETE"), report)
    return job.id, report


EMBED_BATCH = 64  # chunks embedded together (across documents); 16-64 measured best on 2 cores


@dataclass(frozen=True)
class _ToParse:
    item: Scanned
    row: DocumentRow | None
    hashes: tuple[str, str, str]


def _decide(
    kb: KnowledgeBase, source: FolderSource, item: Scanned, row: DocumentRow | None, *, report: SyncReport
) -> _ToParse | None:
    """Handle everything that needs no parsing; return what must be parsed (new or changed content)."""
    report.documents_scanned += 1
    sidecar_bytes = _read_or_empty(sidecar_path(item.path))
    if sidecar_bytes:
        report.metadata_documents_scanned += 1
    metadata_hash = sha256_hex(sidecar_bytes)
    if row and (row.size, row.mtime_ns, row.metadata_hash) == (item.size, item.mtime_ns, metadata_hash):
        return None
    try:
        content_hash = sha256_hex(read_confined(item))
    except OSError as exc:
        _fail(report, item.uri, f"cannot read file: {exc.strerror or exc}")
        return None
    metadata, embed_hash = _metadata(item.path, report, item.uri)
    hashes = (content_hash, metadata_hash, embed_hash)
    if row and row.content_hash == content_hash:
        if row.metadata_hash == metadata_hash:
            kb.catalog.touch_document(row.id, size=item.size, mtime_ns=item.mtime_ns)
            return None
        report.metadata_documents_modified += 1
        if row.embed_metadata_hash == embed_hash:
            kb.update_metadata(
                row.id,
                metadata=with_data_source(metadata, source.id),
                hashes=hashes,
                data_source_id=source.id,
                uri=item.uri,
                size=item.size,
                mtime_ns=item.mtime_ns,
                now=utc_now(),
            )
            return None
    return _ToParse(item, row, hashes)


def _parse_and_write(
    kb: KnowledgeBase,
    source: FolderSource,
    todo: Sequence[_ToParse],
    *,
    limits: ParseLimits,
    workers: int,
    report: SyncReport,
    tick: Callable[[], None],
    should_stop: Callable[[], bool],
) -> bool:
    """Parse ``todo`` (in workers when asked), embed in cross-document batches, write; True if stopped."""
    batch: list[tuple[_ToParse, DocumentWrite]] = []

    def flush() -> None:
        written = kb.write_documents([write for _, write in batch], now=utc_now())
        for (decision, _), count in zip(batch, written, strict=True):
            report.chunks_indexed += count
            if decision.row is None:
                report.new_documents_indexed += 1
            else:
                report.modified_documents_indexed += 1
            tick()
        batch.clear()

    with _parser(kb, limits=limits, workers=workers) as parse:
        for decision, result in zip(todo, parse([d.item.path for d in todo]), strict=True):
            if should_stop():
                return True
            if result.status == "failed":
                _fail(report, decision.item.uri, result.reason or "failed")
                tick()
                continue
            if not still_confined(source, decision.item):  # swapped for a link while it was parsed
                _fail(report, decision.item.uri, OUTSIDE)
                tick()
                continue
            item = decision.item
            chunks = [
                replace(
                    c, location=replace(c.location, source=item.uri), metadata=with_data_source(c.metadata, source.id)
                )
                for c in result.chunks
            ]
            metadata = with_data_source(result.metadata, source.id)
            write = DocumentWrite(source.id, item.uri, chunks, metadata, decision.hashes, item.size, item.mtime_ns)
            batch.append((decision, write))
            if sum(len(w.chunks) for _, w in batch) >= EMBED_BATCH:
                flush()
        if batch:
            flush()
    return False


@contextmanager
def _parser(
    kb: KnowledgeBase, *, limits: ParseLimits, workers: int
) -> Iterator[Callable[[list[Path]], Iterator[DocumentResult]]]:
    """A function that parses and chunks paths, yielding results in order, in worker processes or here."""
    chunking = kb.chunking
    if workers <= 0 or chunking.strategy == "semantic":
        yield lambda paths: (process_file(p, chunking=chunking, limits=limits, embed=kb.embed_texts) for p in paths)
        return
    # spawn, not fork: the parent holds torch's thread pools, which do not survive a fork.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent, initargs=(os.getpid(),),
    ) as pool:  # fmt: skip
        job = functools.partial(process_file, chunking=chunking, limits=limits)
        try:
            yield lambda paths: pool.map(job, paths)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _metadata(path: Path, report: SyncReport, uri: str) -> tuple[dict[str, MetadataAttribute], str]:
    try:
        metadata = load_sidecar(path)
    except InvalidMetadata as exc:
        report.warnings.append(FileFailure(uri, f"metadata ignored: {exc}"))
        metadata = {}
    return metadata, embedded_metadata_hash(metadata)


def embedded_metadata_hash(metadata: Mapping[str, MetadataAttribute]) -> str:
    """Changes exactly when an attribute that is embedded with the text changes."""
    embedded = sorted((k, repr(a.value)) for k, a in metadata.items() if a.include_for_embedding)
    return sha256_hex(repr(embedded).encode())


def with_data_source(metadata: Mapping[str, MetadataAttribute], source_id: str) -> dict[str, MetadataAttribute]:
    return {**metadata, DATA_SOURCE_KEY: MetadataAttribute(source_id, "STRING", include_for_embedding=False)}


def _fail(report: SyncReport, uri: str, reason: str) -> None:
    report.documents_failed += 1
    report.failures.append(FileFailure(uri, reason))


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(kb: KnowledgeBase, job: IngestionJob, report: SyncReport) -> IngestionJob:
    """Store ``job`` with the report's statistics and failures so far; returns what was stored."""
    failures = tuple(f"{f.uri}: {f.reason}" for f in report.failures)
    job = replace(job, updated_at=utc_now(), statistics=kb.job_statistics(job.id, report), failures=failures)
    kb.catalog.put_job(job)
    return job


UNFINISHED: tuple[JobStatus, ...] = ("STARTING", "IN_PROGRESS", "STOPPING")
INTERRUPTED = "interrupted: the process running the job stopped (killed or crashed) before it finished"


def fail_interrupted_jobs(kb: KnowledgeBase) -> int:
    """Mark jobs that a dead process left unfinished FAILED, with the reason; returns how many.

    Every job runs holding ``sync.lock``; when no process holds it, an unfinished job's process is
    gone (a ``kill -9``, a crash, a power cut) and the job would otherwise stay IN_PROGRESS forever.
    Does nothing while a job runs. Called when a knowledge base is opened, and by every sync.
    """
    try:
        with _exclusive(kb):
            return _fail_interrupted_jobs(kb)
    except SyncError:  # a job is running now (here or in another process): its jobs are alive
        return 0


def _fail_interrupted_jobs(kb: KnowledgeBase, *, keep: str | None = None) -> int:
    """Unfinished jobs while we hold the lock were interrupted (except ``keep``, about to run): say so. Where
    a queue owns unfinished jobs (PostgreSQL), one is not interrupted but queued or awaiting take-over: this
    sync is refused (:class:`SyncBusy`) and the job left to its worker."""
    jobs = [job for status in UNFINISHED for job in kb.catalog.jobs(status=status) if job.id != keep]
    if jobs and not kb.jobs_die_with_their_process:
        raise SyncBusy(
            f"ingestion job {jobs[0].id} is {jobs[0].status} on this knowledge base: a `ragkb worker` runs it "
            "(or takes it over if its worker died); wait for it to finish, or stop it, then sync again"
        )
    for job in jobs:
        kb.catalog.put_job(replace(job, status="FAILED", updated_at=utc_now(), failures=(*job.failures, INTERRUPTED)))
    return len(jobs)


@contextmanager
def _exclusive(kb: KnowledgeBase) -> Iterator[None]:
    try:
        with kb.exclusive():
            yield
    except KnowledgeBaseBusy as exc:
        raise SyncBusy(str(exc)) from exc
