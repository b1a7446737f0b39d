"""Evaluation jobs in PostgreSQL: what :class:`app.core.evaluation_jobs.EvaluationJobStore` keeps in
``evaluation_jobs.sqlite``, shared by replicas.

A job runs in a thread of the replica that created it. That replica's store renews the job's
``heartbeat_at`` every :data:`HEARTBEAT_S` seconds; a job whose heartbeat is older than :data:`STALE_AFTER_S`
(its replica stopped or was killed) is marked ``Failed`` by whichever replica looks next, while the jobs of
replicas still running are left alone. A stop asked of another replica sets ``Stopping`` in the row; the
owner's heartbeat sees it and stops its thread between turns.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from app.core.errors import EvaluationJobNotFound, JobConflict
from app.core.evaluation_jobs import EvaluationJob, EvaluationJobStore, new_job_id
from retrieval import Database, utc_now

HEARTBEAT_S = 5.0
STALE_AFTER_S = 30.0
_COLUMNS = "id, name, status, request, created_at, updated_at, failures"
_LOST = ["the server stopped while the job ran"]  # as the SQLite store says


class PostgresEvaluationJobStore(EvaluationJobStore):
    """An :class:`EvaluationJobStore` whose rows are in ``database``, owned by this process while they run.
    :meth:`close` stops the heartbeat and leaves the shared pool open."""

    def __init__(self, database: Database, *, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.database = database
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._heartbeat_s = heartbeat_s
        self._on_stop: Callable[[str], None] = lambda job_id: None
        self._closed = threading.Event()
        self._fail_lost()
        self._thread = threading.Thread(target=self._beat, name="ragkb-eval-heartbeat", daemon=True)
        self._thread.start()

    def watch(self, stop: Callable[[str], None]) -> None:
        self._on_stop = stop

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=10)

    def create(self, name: str, request: dict[str, Any]) -> EvaluationJob:
        now = utc_now()
        job = EvaluationJob(new_job_id(), name, "InProgress", request, now, now)
        try:
            with self.database.connection() as conn:
                conn.execute(
                    f"INSERT INTO evaluation_jobs ({_COLUMNS}, owner, heartbeat_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())",
                    (job.id, name, job.status, Jsonb(request), now, now, Jsonb([]), self.owner),
                )
        except psycopg.errors.UniqueViolation as exc:
            raise JobConflict(f"an evaluation job named {name!r} already exists") from exc
        return job

    def get(self, job_id: str) -> EvaluationJob:
        self._fail_lost()
        with self.database.connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM evaluation_jobs WHERE id = %s", (job_id,)).fetchone()
        if row is None:
            raise EvaluationJobNotFound(f"evaluation job {job_id} does not exist")
        return _job(row)

    def all(self) -> list[EvaluationJob]:
        self._fail_lost()
        with self.database.connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM evaluation_jobs ORDER BY created_at, seq").fetchall()
        return [_job(row) for row in rows]

    def set_status(self, job_id: str, status: str, failures: Sequence[str] = ()) -> EvaluationJob:
        # Stopping only a job still in progress: a stop racing the job's end must not leave it Stopping.
        only_from = "AND status = 'InProgress'" if status == "Stopping" else ""
        with self.database.connection() as conn:
            conn.execute(
                f"UPDATE evaluation_jobs SET status = %s, failures = %s, updated_at = %s WHERE id = %s {only_from}",
                (status, Jsonb(list(failures)), utc_now(), job_id),
            )
        return self.get(job_id)

    def _fail_lost(self) -> None:
        with self.database.connection() as conn:
            conn.execute(
                "UPDATE evaluation_jobs SET status = 'Failed', failures = %s, updated_at = %s "
                "WHERE status IN ('InProgress', 'Stopping') AND heartbeat_at < now() - make_interval(secs => %s)",
                (Jsonb(_LOST), utc_now(), STALE_AFTER_S),
            )

    def _beat(self) -> None:
        while not self._closed.wait(self._heartbeat_s):
            try:
                with self.database.connection() as conn:
                    rows = conn.execute(
                        "UPDATE evaluation_jobs SET heartbeat_at = now() "
                        "WHERE owner = %s AND status IN ('InProgress', 'Stopping') RETURNING id, status",
                        (self.owner,),
                    ).fetchall()
                self._fail_lost()
            except psycopg.Error:  # the database away for a moment: the next beat tries again
                continue
            for job_id, status in rows:
                if status == "Stopping":
                    self._on_stop(job_id)


def _job(row: tuple[Any, ...]) -> EvaluationJob:
    job_id, name, status, request, created, updated, failures = row
    return EvaluationJob(job_id, name, status, request, created, updated, tuple(failures))
