"""Human evaluation jobs, their items and the reviewers' ratings, in ``<home>/human_eval.sqlite``.

A job has instructions, one rating method and one or more reviewers; every reviewer rates every item
(their own queue: the items they have not rated yet). A rating is a list of integers, one meaning per
method (:data:`METHODS`):

===========  ======================================================================================
``thumbs``   one value per response: 1 up, 0 down
``likert``   one value per response: 1 (poor) to 5 (excellent)
``compare``  one value: the index of the better of two responses (0 or 1)
``rank``     one value per response: its rank, 1 the best (a permutation of 1..n)
===========  ======================================================================================

Example::

    store = HumanEvalStore(home)
    job = store.create(name="answers", method="likert", reviewers=("ana", "ben"), items=items)
    store.rate(job.id, 0, reviewer="ana", value=[4])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, cast

from app.core.console.human_eval.datasets import Item, Response
from app.core.errors import RequestError, ResourceNotFound
from retrieval import new_id, open_database, utc_now

Method = Literal["thumbs", "likert", "compare", "rank"]
METHODS: dict[Method, str] = {
    "thumbs": "Thumbs up or down, per response",
    "likert": "Likert scale 1-5, per response",
    "compare": "Pick the better of two responses",
    "rank": "Rank the responses, best first",
}
MAX_REVIEWERS = 20


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    instructions: str
    method: Method
    reviewers: tuple[str, ...]
    items: int
    created_at: str


@dataclass(frozen=True)
class Rating:
    item: int
    reviewer: str
    value: tuple[int, ...]
    rated_at: str


class HumanEvalStore:
    """Jobs, items and ratings; safe to share between threads."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "human_eval.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, instructions TEXT NOT NULL, "
            "method TEXT NOT NULL, reviewers TEXT NOT NULL, items INTEGER NOT NULL, created_at TEXT NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS items (job_id TEXT NOT NULL, idx INTEGER NOT NULL, record TEXT NOT NULL, "
            "PRIMARY KEY (job_id, idx))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS ratings (job_id TEXT NOT NULL, idx INTEGER NOT NULL, reviewer TEXT NOT NULL, "
            "value TEXT NOT NULL, rated_at TEXT NOT NULL, PRIMARY KEY (job_id, idx, reviewer))"
        )

    def close(self) -> None:
        self._db.close()

    def create(
        self, *, name: str, method: str, reviewers: Sequence[str], items: Sequence[Item], instructions: str = ""
    ) -> Job:
        """A new job; raises :class:`RequestError` for a bad name, method, reviewer list or item set."""
        name, people = name.strip(), tuple(dict.fromkeys(r.strip() for r in reviewers if r.strip()))
        if not name or len(name) > 100:
            raise RequestError("a job needs a name of 1-100 characters")
        if method not in METHODS:
            raise RequestError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        if not people or len(people) > MAX_REVIEWERS or any(len(p) > 50 for p in people):
            raise RequestError(f"a job needs 1-{MAX_REVIEWERS} reviewers, each named in 1-50 characters")
        if not items:
            raise RequestError("a job needs at least one item")
        counts = {len(item.responses) for item in items}
        if method == "compare" and counts != {2}:
            raise RequestError("'compare' needs exactly two responses per prompt")
        if method == "rank" and min(counts) < 2:
            raise RequestError("'rank' needs at least two responses per prompt")
        job = Job(new_id(), name, instructions.strip(), cast(Method, method), people, len(items), utc_now())
        self._insert(job, items)
        return job

    def _insert(self, job: Job, items: Sequence[Item]) -> None:
        """Store a validated job and its items, together."""
        with self._db.lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute(
                    "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (job.id, job.name, job.instructions, job.method, json.dumps(job.reviewers), job.items,
                     job.created_at),
                )  # fmt: skip
                self._db.executemany(
                    "INSERT INTO items VALUES (?, ?, ?)",
                    [(job.id, i, json.dumps(asdict(item))) for i, item in enumerate(items)],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def job(self, job_id: str) -> Job:
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise ResourceNotFound(f"no human evaluation job {job_id!r}")
        return Job(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5], row[6])

    def jobs(self) -> list[Job]:
        rows = self._db.execute("SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC").fetchall()
        return [self.job(row[0]) for row in rows]

    def item(self, job_id: str, index: int) -> Item:
        row = self._db.execute("SELECT record FROM items WHERE job_id = ? AND idx = ?", (job_id, index)).fetchone()
        if row is None:
            raise ResourceNotFound(f"job {job_id} has no item {index + 1}")
        return item_from_record(json.loads(row[0]))

    def items(self, job_id: str) -> list[Item]:
        rows = self._db.execute("SELECT record FROM items WHERE job_id = ? ORDER BY idx", (job_id,))
        return [item_from_record(json.loads(row[0])) for row in rows]

    def rate(self, job_id: str, index: int, *, reviewer: str, value: Sequence[int]) -> Rating:
        """Store (or replace) ``reviewer``'s rating of item ``index``; raises :class:`RequestError` if invalid."""
        job = self.job(job_id)
        if reviewer not in job.reviewers:
            raise RequestError(f"{reviewer!r} is not a reviewer of this job")
        item = self.item(job_id, index)
        check_value(job.method, len(item.responses), value)
        rating = Rating(index, reviewer, tuple(value), utc_now())
        self._put_rating(job_id, rating)
        return rating

    def _put_rating(self, job_id: str, rating: Rating) -> None:
        """Store a validated rating, replacing the reviewer's earlier one of the same item."""
        self._db.execute(
            "INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?, ?)",
            (job_id, rating.item, rating.reviewer, json.dumps(list(rating.value)), rating.rated_at),
        )

    def ratings(self, job_id: str, *, reviewer: str | None = None) -> list[Rating]:
        query, args = "SELECT idx, reviewer, value, rated_at FROM ratings WHERE job_id = ?", [job_id]
        if reviewer is not None:
            query, args = query + " AND reviewer = ?", [job_id, reviewer]
        rows = self._db.execute(query + " ORDER BY idx, reviewer", args)
        return [Rating(r[0], r[1], tuple(json.loads(r[2])), r[3]) for r in rows]

    def queue(self, job_id: str, reviewer: str) -> list[int]:
        """The items ``reviewer`` has not rated yet, in order."""
        job = self.job(job_id)
        done = {r.item for r in self.ratings(job_id, reviewer=reviewer)}
        return [i for i in range(job.items) if i not in done]

    def export_rows(self, job_id: str) -> list[dict[str, Any]]:
        """One row per rating and response: what the JSONL and CSV exports hold."""
        job, items = self.job(job_id), self.items(job_id)
        rows = []
        for rating in self.ratings(job_id):
            item = items[rating.item]
            for position, response in enumerate(item.responses):
                rows.append({
                    "job": job.name, "method": job.method, "item": rating.item + 1, "prompt": item.prompt,
                    "model": response.model, "response": response.text, "reviewer": rating.reviewer,
                    "rating": response_rating(job.method, rating.value, position),
                    "grounding": response.grounding, "relevance": response.relevance, "rated_at": rating.rated_at,
                })  # fmt: skip
        return rows


def check_value(method: str, responses: int, value: Sequence[int]) -> None:
    """Raise :class:`RequestError` unless ``value`` is a valid rating for ``method`` (see the module docstring)."""
    values = list(value)
    ok = {
        "thumbs": len(values) == responses and all(v in (0, 1) for v in values),
        "likert": len(values) == responses and all(1 <= v <= 5 for v in values),
        "compare": len(values) == 1 and values[0] in (0, 1),
        "rank": sorted(values) == list(range(1, responses + 1)),
    }.get(method, False)
    if not ok:
        raise RequestError(f"not a valid {method} rating for {responses} response(s): {values}")


def response_rating(method: str, value: Sequence[int], position: int) -> int:
    """The rating one response got: thumbs 0/1, Likert 1-5, compare 1 if it won else 0, rank its rank."""
    if method == "compare":
        return int(value[0] == position)
    return int(value[position])


def item_from_record(record: dict[str, Any]) -> Item:
    """An item from the JSON the store keeps (:func:`dataclasses.asdict` of it)."""
    return Item(
        prompt=record["prompt"], responses=tuple(Response(**r) for r in record["responses"]),
        reference=record["reference"], category=record["category"], sources=tuple(record["sources"]),
    )  # fmt: skip
