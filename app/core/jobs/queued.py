"""Ingestion jobs when knowledge bases live in PostgreSQL: queued in the database for ``ragkb worker``
processes (``app/core/jobs/worker.py``) instead of run in this process. The same methods as
:class:`~app.core.jobs.JobRunner`, so the HTTP routes and the CLI use either without knowing which.
"""

from __future__ import annotations

from dataclasses import replace

from app.core.errors import JobConflict, JobNotFound
from retrieval import FolderSource, IngestionJob, JobAlreadyQueued, JobQueue, KnowledgeBase, new_id, utc_now


class QueuedJobs:
    """Jobs as rows of the queue; any replica may start, stop or read any job."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def start(
        self, kb_id: str, kb: KnowledgeBase, source: FolderSource | None, data_source_id: str, *,
        description: str | None = None,
    ) -> IngestionJob:  # fmt: skip
        """Queue a sync of ``source`` for a worker (``None``, a CUSTOM data source: completes at once).

        Raises :class:`JobConflict` when the knowledge base has an unfinished job.
        """
        job = IngestionJob.new(data_source_id, status="STARTING", job_id=new_id(), description=description)
        try:
            job = self.queue.enqueue(kb_id, job)
        except JobAlreadyQueued as exc:
            raise JobConflict(str(exc)) from exc
        if source is None:  # nothing to scan: no worker needed
            job = replace(job, status="COMPLETE", updated_at=utc_now())
            kb.catalog.put_job(job)
        return job

    def stop(self, kb_id: str, kb: KnowledgeBase, job_id: str) -> IngestionJob:
        job = self.get(kb, job_id)
        return self.queue.request_stop(kb_id, job_id) or job

    def get(self, kb: KnowledgeBase, job_id: str) -> IngestionJob:
        for job in kb.catalog.jobs():
            if job.id == job_id:
                return job
        raise JobNotFound(f"no ingestion job {job_id!r} in this knowledge base")

    def running(self, kb_id: str) -> bool:
        return self.queue.unfinished(kb_id) is not None

    def close(self) -> None:
        """Jobs belong to the workers: closing a replica stops none of them."""
