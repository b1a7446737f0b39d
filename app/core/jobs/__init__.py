"""Asynchronous ingestion jobs for the service: one running job per knowledge base, stoppable.

Each job runs in a thread of its own, so a one-file job of one knowledge base never waits for a
long job of another; a second job on the same knowledge base is refused while one runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from app.core.errors import JobConflict, JobNotFound
from ingest import ParseLimits
from retrieval import FolderSource, IngestionJob, KnowledgeBase, SyncError, new_id, sync_folder, utc_now


@dataclass
class _Running:
    job_id: str
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class JobRunner:
    """Runs folder syncs, each in its own thread: at most one per knowledge base."""

    def __init__(self, *, limits: ParseLimits, workers: int = 0) -> None:
        self._limits = limits
        self._workers = workers
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._closed = False

    def start(
        self, kb_id: str, kb: KnowledgeBase, source: FolderSource | None, data_source_id: str, *,
        description: str | None = None,
    ) -> IngestionJob:  # fmt: skip
        """Queue a sync of ``source`` (``None`` for a CUSTOM data source: nothing to scan, completes at once).

        Raises :class:`JobConflict` when a job of this knowledge base is still starting or running.
        """
        with self._lock:
            if self._closed:
                raise JobConflict("the service is shutting down; start the job again once it is back")
            if kb_id in self._running:
                raise JobConflict(
                    f"ingestion job {self._running[kb_id].job_id} is still running on this knowledge base; "
                    "wait for it or stop it"
                )
            running = _Running(new_id())
            self._running[kb_id] = running
            job = IngestionJob.new(data_source_id, status="STARTING", job_id=running.job_id, description=description)
            kb.catalog.put_job(job)
            running.thread = threading.Thread(
                target=self._run, args=(kb_id, kb, source, job, running), name=f"ragkb-job-{kb_id}"
            )
            running.thread.start()
        return job

    def stop(self, kb_id: str, kb: KnowledgeBase, job_id: str) -> IngestionJob:
        job = self.get(kb, job_id)
        with self._lock:
            running = self._running.get(kb_id)
            if running is not None and running.job_id == job_id:
                running.stop.set()
                job = replace(job, status="STOPPING")
        return job

    def get(self, kb: KnowledgeBase, job_id: str) -> IngestionJob:
        for job in kb.catalog.jobs():
            if job.id == job_id:
                return job
        raise JobNotFound(f"no ingestion job {job_id!r} in this knowledge base")

    def running(self, kb_id: str) -> bool:
        with self._lock:
            return kb_id in self._running

    def close(self) -> None:
        """Stop every running job and wait for them to end (a stopped job ends STOPPED)."""
        with self._lock:
            self._closed = True
            threads = [running.thread for running in self._running.values() if running.thread is not None]
            for running in self._running.values():
                running.stop.set()
        for thread in threads:
            thread.join()

    def _run(
        self, kb_id: str, kb: KnowledgeBase, source: FolderSource | None, job: IngestionJob, running: _Running
    ) -> None:
        try:
            if source is None:
                kb.catalog.put_job(replace(job, status="COMPLETE", updated_at=utc_now()))
                return
            sync_folder(
                kb, source, limits=self._limits, should_stop=running.stop.is_set, job_id=job.id,
                workers=self._workers,
            )  # fmt: skip
        except SyncError as exc:
            kb.catalog.put_job(replace(job, status="FAILED", updated_at=utc_now(), failures=(str(exc),)))
        except Exception as exc:  # the job's edge: whatever broke, the job must end FAILED, not hang IN_PROGRESS
            reason = f"internal error: {type(exc).__name__}: {exc}"
            kb.catalog.put_job(replace(job, status="FAILED", updated_at=utc_now(), failures=(reason,)))
            raise
        finally:
            with self._lock:
                self._running.pop(kb_id, None)
