"""Ingestion jobs queued in PostgreSQL for ``ragkb worker`` processes, on any number of machines.

A job row is the queue entry: ``STARTING`` until a worker claims it. :meth:`JobQueue.claim` takes the
oldest claimable job with ``FOR UPDATE SKIP LOCKED`` (workers never wait on each other's rows) and gives
the worker a lease; :meth:`JobQueue.heartbeat` extends it and reports a stop request. A job whose lease
ran out (its worker was killed, its machine lost) is claimable again and runs anew under the same id,
which :func:`~retrieval.sync.sync_folder` finishes incrementally. At most one unfinished job exists per
knowledge base (a unique partial index), and the job itself runs under the knowledge base's advisory
lock, so even a worker that lost its lease while alive cannot run beside its successor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import psycopg
from psycopg.types.json import Jsonb

from retrieval.errors import RetrievalError
from retrieval.stamps import utc_now
from retrieval.store.postgres.database import Database
from retrieval.types import IngestionJob

UNFINISHED = ("STARTING", "IN_PROGRESS", "STOPPING")
Beat = Literal["running", "stop", "gone"]


class JobAlreadyQueued(RetrievalError):
    """The knowledge base has an unfinished ingestion job."""


@dataclass(frozen=True)
class Claim:
    """A job a worker now holds: run it, heartbeat it, then :meth:`JobQueue.release` it."""

    kb_id: str
    job: IngestionJob
    attempt: int  # 1 the first time; more when it is taken over from a worker that died


class JobQueue:
    """The queue of ``database``'s ingestion jobs; ``lease_s`` is how long a claim lasts unrenewed."""

    def __init__(self, database: Database, *, lease_s: float) -> None:
        self.database = database
        self.lease_s = lease_s

    def enqueue(self, kb_id: str, job: IngestionJob) -> IngestionJob:
        """Store ``job`` as ``STARTING``; raises :class:`JobAlreadyQueued` if the knowledge base has one."""
        job = replace(job, status="STARTING")
        try:
            with self.database.connection() as conn:
                conn.execute(
                    "INSERT INTO ingestion_jobs (kb_id, id, data_source_id, status, started_at, updated_at, "
                    "statistics, failures, description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (kb_id, job.id, job.data_source_id, job.status, job.started_at, job.updated_at,
                     Jsonb(job.statistics), Jsonb(list(job.failures)), job.description),
                )  # fmt: skip
        except psycopg.errors.UniqueViolation as exc:
            raise JobAlreadyQueued(self._busy_message(kb_id)) from exc
        return job

    def claim(self, worker: str) -> Claim | None:
        """The oldest unfinished job nobody holds a live lease on, now leased to ``worker``; or ``None``."""
        with self.database.connection() as conn:
            row = conn.execute(
                "UPDATE ingestion_jobs j SET worker = %s, attempts = attempts + 1, "
                "lease_until = clock_timestamp() + make_interval(secs => %s) "
                "FROM (SELECT kb_id, id FROM ingestion_jobs WHERE status IN ('STARTING', 'IN_PROGRESS', 'STOPPING') "
                "AND (lease_until IS NULL OR lease_until < clock_timestamp()) ORDER BY queued_at "
                "FOR UPDATE SKIP LOCKED LIMIT 1) next "
                "WHERE j.kb_id = next.kb_id AND j.id = next.id RETURNING j.kb_id, j.id, j.data_source_id, j.status, "
                "j.started_at, j.updated_at, j.statistics, j.failures, j.description, j.attempts, j.stop_requested",
                (worker, self.lease_s),
            ).fetchone()
        if row is None:
            return None
        job = IngestionJob(row[1], row[2], row[3], row[4], row[5], row[6], tuple(row[7]), row[8])
        return Claim(row[0], job, int(row[9]))

    def heartbeat(self, claim: Claim, worker: str) -> Beat:
        """Extend the lease; ``stop`` when a stop was requested, ``gone`` when the job ended or was deleted."""
        with self.database.connection() as conn:
            row = conn.execute(
                "UPDATE ingestion_jobs SET worker = %s, lease_until = clock_timestamp() + make_interval(secs => %s) "
                "WHERE kb_id = %s AND id = %s AND status IN ('STARTING', 'IN_PROGRESS', 'STOPPING') "
                "RETURNING stop_requested",
                (worker, self.lease_s, claim.kb_id, claim.job.id),
            ).fetchone()
        if row is None:
            return "gone"
        return "stop" if row[0] else "running"

    def release(self, claim: Claim) -> None:
        """Give the job back without finishing it (another worker may claim it at once)."""
        with self.database.connection() as conn:
            conn.execute(
                "UPDATE ingestion_jobs SET worker = NULL, lease_until = NULL WHERE kb_id = %s AND id = %s",
                (claim.kb_id, claim.job.id),
            )

    def fail(self, claim: Claim, reason: str) -> None:
        """End the claimed job FAILED with ``reason`` (it cannot run: retrying after every lease would not help);
        nothing if it is gone with its knowledge base or already finished."""
        with self.database.connection() as conn:
            conn.execute(
                "UPDATE ingestion_jobs SET status = 'FAILED', updated_at = %s, failures = failures || %s, "
                "worker = NULL, lease_until = NULL "
                "WHERE kb_id = %s AND id = %s AND status IN ('STARTING', 'IN_PROGRESS', 'STOPPING')",
                (utc_now(), Jsonb([reason]), claim.kb_id, claim.job.id),
            )

    def request_stop(self, kb_id: str, job_id: str) -> IngestionJob | None:
        """Ask the job's worker to stop (``STOPPING``); a job no worker holds yet stops at once. Returns
        the job as now stored, or ``None`` if it is not unfinished."""
        with self.database.connection() as conn:
            row = conn.execute(
                "UPDATE ingestion_jobs SET stop_requested = true, updated_at = %s, "
                "status = CASE WHEN worker IS NULL AND status = 'STARTING' THEN 'STOPPED' ELSE 'STOPPING' END "
                "WHERE kb_id = %s AND id = %s AND status IN ('STARTING', 'IN_PROGRESS', 'STOPPING') "
                "RETURNING id, data_source_id, status, started_at, updated_at, statistics, failures, description",
                (utc_now(), kb_id, job_id),
            ).fetchone()
        if row is None:
            return None
        return IngestionJob(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6]), row[7])

    def unfinished(self, kb_id: str) -> str | None:
        """The id of the knowledge base's unfinished job, if any."""
        with self.database.connection() as conn:
            row = conn.execute(
                "SELECT id FROM ingestion_jobs WHERE kb_id = %s AND status IN ('STARTING', 'IN_PROGRESS', 'STOPPING')",
                (kb_id,),
            ).fetchone()
        return None if row is None else str(row[0])

    def _busy_message(self, kb_id: str) -> str:
        running = self.unfinished(kb_id)
        return f"ingestion job {running} is still running on this knowledge base; wait for it or stop it"
