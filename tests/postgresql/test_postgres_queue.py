"""The PostgreSQL job queue: one unfinished job per knowledge base, claims that exclude each other, leases
that run out, heartbeats that carry stop requests, the advisory lock a running sync holds."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.jobs.worker import Worker
from app.core.services import Services
from app.settings import Settings
from ingest.chunking import ChunkingConfig
from retrieval import Database, IngestionJob, JobAlreadyQueued, JobQueue, PostgresKnowledgeBase, PostgresRegistry
from retrieval.embedding import HashEmbedder
from retrieval.knowledge_base import KnowledgeBaseBusy
from retrieval.sync import FolderSource, SyncBusy, sync_folder


@pytest.fixture
def database(postgres_url: str) -> Database:
    db = Database(postgres_url, max_size=4)
    yield db
    db.close()


def _kb(database: Database, name: str) -> PostgresKnowledgeBase:
    info = PostgresRegistry(database).create(name, chunking=ChunkingConfig(), embedder=HashEmbedder().name)
    return PostgresKnowledgeBase(database=database, kb_id=info.id, embedder=HashEmbedder(), chunking=ChunkingConfig())


def test_one_unfinished_job_per_knowledge_base_and_exclusive_claims(database: Database) -> None:
    queue = JobQueue(database, lease_s=30)
    first, other = _kb(database, "first"), _kb(database, "other")
    queue.enqueue(first.kb_id, IngestionJob.new("DS", status="STARTING"))
    with pytest.raises(JobAlreadyQueued, match="still running"):
        queue.enqueue(first.kb_id, IngestionJob.new("DS", status="STARTING"))
    queue.enqueue(other.kb_id, IngestionJob.new("DS", status="STARTING"))  # another knowledge base: fine
    a, b = queue.claim("a"), queue.claim("b")
    assert a is not None and b is not None and {a.kb_id, b.kb_id} == {first.kb_id, other.kb_id}
    assert queue.claim("c") is None  # both held
    first.catalog.put_job(replace(a.job if a.kb_id == first.kb_id else b.job, status="COMPLETE"))
    queue.enqueue(first.kb_id, IngestionJob.new("DS", status="STARTING"))  # finished: a new one may start


def test_a_lapsed_lease_is_taken_over_and_a_heartbeat_keeps_it(database: Database) -> None:
    queue = JobQueue(database, lease_s=0.5)
    kb = _kb(database, "kb")
    job = queue.enqueue(kb.kb_id, IngestionJob.new("DS", status="STARTING"))
    held = queue.claim("a")
    assert held is not None and held.attempt == 1
    for _ in range(4):  # renewed faster than it lapses: nobody else gets it
        time.sleep(0.2)
        assert queue.heartbeat(held, "a") == "running"
        assert queue.claim("b") is None
    time.sleep(0.7)  # "a" died: no heartbeat
    taken = queue.claim("b")
    assert taken is not None and taken.job.id == job.id and taken.attempt == 2


def test_stop_requests(database: Database) -> None:
    queue = JobQueue(database, lease_s=30)
    kb = _kb(database, "kb")
    waiting = queue.enqueue(kb.kb_id, IngestionJob.new("DS", status="STARTING"))
    stopped = queue.request_stop(kb.kb_id, waiting.id)
    assert stopped is not None and stopped.status == "STOPPED"  # nobody held it: stopped at once
    running = queue.enqueue(kb.kb_id, IngestionJob.new("DS", status="STARTING"))
    claim = queue.claim("a")
    assert claim is not None and queue.heartbeat(claim, "a") == "running"
    stopping = queue.request_stop(kb.kb_id, running.id)
    assert stopping is not None and stopping.status == "STOPPING"
    assert queue.heartbeat(claim, "a") == "stop"
    # A progress report does not undo the stop request; the end of the job does.
    kb.catalog.put_job(replace(claim.job, status="IN_PROGRESS"))
    assert [j.status for j in kb.catalog.jobs() if j.id == running.id] == ["STOPPING"]
    kb.catalog.put_job(replace(claim.job, status="STOPPED"))
    assert queue.heartbeat(claim, "a") == "gone"
    assert queue.request_stop(kb.kb_id, running.id) is None


def test_a_running_sync_holds_the_knowledge_base(database: Database, postgres_url: str) -> None:
    kb = _kb(database, "kb")
    other_process = Database(postgres_url, max_size=2)  # as another worker would connect
    same_kb = PostgresKnowledgeBase(database=other_process, kb_id=kb.kb_id, embedder=HashEmbedder(),
                                    chunking=ChunkingConfig())  # fmt: skip
    with kb.exclusive(), pytest.raises(KnowledgeBaseBusy), same_kb.exclusive():
        pass
    with same_kb.exclusive():  # released: free again
        pass
    other_process.close()


def test_a_sync_beside_a_queued_job_is_refused_and_leaves_it_queued(database: Database, tmp_path: Path) -> None:
    """``ragkb sync`` (in process) finding a job the queue owns, waiting for a worker or for the take-over of
    a dead worker's, refuses to run and leaves the job alone: the embedded store would mark it FAILED as
    interrupted, but here a worker will still run it."""
    (tmp_path / "a.txt").write_text("Vacation days are booked in the HR portal.", encoding="utf-8")
    queue = JobQueue(database, lease_s=30)
    kb = _kb(database, "kb")
    waiting = queue.enqueue(kb.kb_id, IngestionJob.new("DS", status="STARTING"))
    with pytest.raises(SyncBusy, match=f"ingestion job {waiting.id} is STARTING.*ragkb worker"):
        sync_folder(kb, FolderSource("DS", tmp_path))
    claim = queue.claim("a")  # claimed, then its worker died: the job waits for its lease to run out
    assert claim is not None
    kb.catalog.put_job(replace(claim.job, status="IN_PROGRESS"))
    with pytest.raises(SyncBusy, match="is IN_PROGRESS"):
        sync_folder(kb, FolderSource("DS", tmp_path))
    assert [(j.id, j.status, j.failures) for j in kb.catalog.jobs()] == [(waiting.id, "IN_PROGRESS", ())]
    kb.catalog.put_job(replace(claim.job, status="COMPLETE"))
    job_id, report = sync_folder(kb, FolderSource("DS", tmp_path))  # nothing queued: the sync runs
    assert report.new_documents_indexed == 1 and job_id != waiting.id


def test_a_job_that_cannot_run_ends_failed_instead_of_coming_back(postgres_url: str, tmp_path: Path) -> None:
    """A claimed job whose data source is gone (or whose knowledge base another embedder built) cannot run on
    any worker: it ends FAILED with the reason instead of returning after every lease, forever."""
    services = Services(Settings(home=tmp_path / "home", embedder="hash", database_url=postgres_url))
    try:
        info = services.create_knowledge_base("kb", chunking=ChunkingConfig())
        assert isinstance(services.home, PostgresRegistry)
        queue = JobQueue(services.home.database, lease_s=30)
        job = queue.enqueue(info.id, IngestionJob.new("DS-GONE", status="STARTING"))
        claim = queue.claim("w")
        assert claim is not None
        Worker(services, queue).execute(claim)
        with services.home.database.connection() as conn:
            status, failures = conn.execute("SELECT status, failures FROM ingestion_jobs WHERE id = %s",
                                            (job.id,)).fetchone()  # fmt: skip
        assert status == "FAILED" and "DS-GONE" in failures[0]
        assert queue.claim("w") is None
    finally:
        services.close()
