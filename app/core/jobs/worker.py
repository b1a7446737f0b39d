"""``ragkb worker``: take ingestion jobs from the PostgreSQL queue and run them, one at a time.

Any number of workers, on any machines, serve one database. Each claimed job is held by a lease that a
heartbeat thread renews every third of ``job_lease_s``; the heartbeat also carries stop requests (a
replica's StopIngestionJob) to the running sync. A worker killed mid-job stops renewing: once the lease
runs out another worker claims the job and runs it again under the same id; the sync is incremental, so
what the first worker wrote is kept and the rest is done.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import replace

from app.core.errors import AppError
from app.core.keys import ANONYMOUS
from app.core.services import Services
from retrieval import (
    Claim,
    JobQueue,
    KnowledgeBase,
    RetrievalError,
    SyncBusy,
    SyncError,
    sync_folder,
    utc_now,
)

log = logging.getLogger("ragkb.worker")


class Worker:
    """Runs queued jobs until ``stopping`` is set. ``name`` identifies it in the job rows (host:pid)."""

    def __init__(self, services: Services, queue: JobQueue, *, name: str | None = None, poll_s: float = 1.0) -> None:
        self.services = services
        self.queue = queue
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.poll_s = poll_s

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            claim = self.queue.claim(self.name)
            if claim is None:
                stopping.wait(self.poll_s)
                continue
            self.execute(claim, stopping)

    def execute(self, claim: Claim, stopping: threading.Event | None = None) -> None:
        """Run one claimed job to its end (COMPLETE, STOPPED or FAILED)."""
        log.info("job %s of %s: attempt %d on %s", claim.job.id, claim.kb_id, claim.attempt, self.name)
        try:
            _, kb = self.services.open_kb(claim.kb_id, principal=ANONYMOUS, by_id=True)
            source = self.services.folder_source(self.services.data_source(kb, claim.job.data_source_id))
        except (AppError, RetrievalError) as exc:  # deleted under the job, or it cannot be opened here
            log.warning("job %s: %s", claim.job.id, exc)
            self.queue.fail(claim, str(exc))  # a no-op when the knowledge base is gone with its jobs
            return
        if source is None:  # a CUSTOM data source: nothing to scan
            kb.catalog.put_job(replace(claim.job, status="COMPLETE", updated_at=utc_now()))
            return
        if claim.job.status == "STOPPING":  # stop was asked of a worker that died
            kb.catalog.put_job(replace(claim.job, status="STOPPED", updated_at=utc_now()))
            return
        stop = threading.Event()
        beating = threading.Thread(target=self._heartbeat, args=(claim, stop, stopping), daemon=True)
        beating.start()
        try:
            sync_folder(
                kb, source, limits=self.services.settings.parse_limits(), should_stop=stop.is_set,
                job_id=claim.job.id, workers=self.services.settings.parse_workers,
            )  # fmt: skip
        except SyncBusy:  # another process runs it (its lease lapsed while it was alive): leave it be
            log.warning("job %s: still running elsewhere", claim.job.id)
        except SyncError as exc:
            _fail(kb, claim, str(exc))
        except Exception as exc:  # the job's edge: whatever broke, the job must end FAILED, not hang
            _fail(kb, claim, f"internal error: {type(exc).__name__}: {exc}")
            log.exception("job %s failed", claim.job.id)
        finally:
            stop.set()
            beating.join()

    def _heartbeat(self, claim: Claim, stop: threading.Event, stopping: threading.Event | None) -> None:
        while not stop.wait(self.queue.lease_s / 3):
            beat = self.queue.heartbeat(claim, self.name)
            if beat != "running" or (stopping is not None and stopping.is_set()):
                stop.set()


def _fail(kb: KnowledgeBase, claim: Claim, reason: str) -> None:
    current = next((job for job in kb.catalog.jobs() if job.id == claim.job.id), claim.job)
    kb.catalog.put_job(replace(current, status="FAILED", updated_at=utc_now(), failures=(*current.failures, reason)))
