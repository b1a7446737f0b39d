"""Human evaluation jobs in PostgreSQL: what :class:`~app.core.console.human_eval.store.HumanEvalStore` keeps in
``human_eval.sqlite`` (jobs, items, ratings), so reviewers on any replica rate the same job."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from app.core.console.human_eval.datasets import Item
from app.core.console.human_eval.store import HumanEvalStore, Job, Rating, item_from_record
from app.core.errors import ResourceNotFound
from retrieval import Database

_JOB = "SELECT id, name, instructions, method, reviewers, items, created_at FROM human_eval_jobs"


class PostgresHumanEvalStore(HumanEvalStore):
    """A :class:`HumanEvalStore` whose rows are in ``database`` (validation is the parent's). Closing it leaves
    the shared pool open."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def close(self) -> None:
        pass

    def _insert(self, job: Job, items: Sequence[Item]) -> None:
        with self.database.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO human_eval_jobs (id, name, instructions, method, reviewers, items, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (job.id, job.name, job.instructions, job.method, json.dumps(job.reviewers), job.items,
                 job.created_at),
            )  # fmt: skip
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO human_eval_items VALUES (%s, %s, %s)",
                    [(job.id, i, json.dumps(asdict(item))) for i, item in enumerate(items)],
                )

    def job(self, job_id: str) -> Job:
        with self.database.connection() as conn:
            row = conn.execute(_JOB + " WHERE id = %s", (job_id,)).fetchone()
        if row is None:
            raise ResourceNotFound(f"no human evaluation job {job_id!r}")
        return _job(row)

    def jobs(self) -> list[Job]:
        with self.database.connection() as conn:
            return [_job(row) for row in conn.execute(_JOB + " ORDER BY created_at DESC, seq DESC").fetchall()]

    def item(self, job_id: str, index: int) -> Item:
        with self.database.connection() as conn:
            row = conn.execute(
                "SELECT record FROM human_eval_items WHERE job_id = %s AND idx = %s", (job_id, index)
            ).fetchone()
        if row is None:
            raise ResourceNotFound(f"job {job_id} has no item {index + 1}")
        return item_from_record(json.loads(row[0]))

    def items(self, job_id: str) -> list[Item]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT record FROM human_eval_items WHERE job_id = %s ORDER BY idx", (job_id,)
            ).fetchall()
        return [item_from_record(json.loads(row[0])) for row in rows]

    def _put_rating(self, job_id: str, rating: Rating) -> None:
        with self.database.connection() as conn:
            conn.execute(
                "INSERT INTO human_eval_ratings VALUES (%s, %s, %s, %s, %s) ON CONFLICT (job_id, idx, reviewer) "
                "DO UPDATE SET value = excluded.value, rated_at = excluded.rated_at",
                (job_id, rating.item, rating.reviewer, json.dumps(list(rating.value)), rating.rated_at),
            )

    def ratings(self, job_id: str, *, reviewer: str | None = None) -> list[Rating]:
        query, args = "SELECT idx, reviewer, value, rated_at FROM human_eval_ratings WHERE job_id = %s", [job_id]
        if reviewer is not None:
            query, args = query + " AND reviewer = %s", [job_id, reviewer]
        with self.database.connection() as conn:
            rows = conn.execute(query + ' ORDER BY idx, reviewer COLLATE "C"', args).fetchall()
        return [Rating(r[0], r[1], tuple(json.loads(r[2])), r[3]) for r in rows]


def _job(row: tuple[Any, ...]) -> Job:
    return Job(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5], row[6])
