"""Knowledge-base evaluation jobs (Bedrock's ``CreateEvaluationJob`` for ``RagEvaluation``), run in the
background and kept in ``<home>/evaluation_jobs.sqlite``.

A job reads a dataset in Bedrock's format (JSONL, one ``{"conversationTurns": [{"prompt": {"content":
[{"text"}]}, "referenceResponses": [...]}]}`` a line; ``evaluation/rag.py`` reads it), asks each prompt of a
knowledge base (retrieve-only, or retrieve-and-generate) through the ``ask`` function it is given, scores
every turn with ragkb's own metrics (``evaluation.score_turn``: faithfulness, answer relevance, context
relevance and, with reference responses, context coverage) and writes, under its output folder,
``<job name>/<job id>/``:

- ``output.jsonl``: each turn as asked (prompt, references), answered (``output.text`` and the retrieved
  passages, in the layout ``ragkb eval rag`` reads back) and scored;
- ``report.json``: the means and counts (``RagReport.as_dict``);
- ``report.html``: the self-contained report of ``ragkb eval rag --report``.

S3 URIs name local folders (:func:`local_path`): ``s3://<bucket>/<key>`` is ``<root>/<key>`` for the data
root (``RAGKB_DATA_ROOTS``) whose folder is named ``<bucket>``; nothing outside the data roots is read or
written. Statuses are Bedrock's: ``InProgress``, then ``Completed``, ``Failed`` (with ``failureMessages``) or,
after :meth:`EvaluationRunner.stop`, ``Stopping`` and ``Stopped``. A server restart marks unfinished jobs
``Failed``.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.errors import EvaluationJobNotFound, JobConflict, PathNotAllowed, RequestError
from evaluation import DatasetError, RagReport, RagTurn, read_rag_dataset, render_report, score_turn, turn_view
from grounding import GroundingChecker
from retrieval import open_database, utc_now

FINISHED = ("Completed", "Failed", "Stopped")
_ID_ALPHABET = string.ascii_lowercase + string.digits

# One turn asked of the knowledge base: the prompt in, the retrieved passages and the answer (None when
# the job only retrieves) out.
Ask = Callable[[str], tuple[list[str], str | None]]


@dataclass(frozen=True)
class EvaluationJob:
    id: str  # 12 characters of [a-z0-9], as Bedrock's job ARNs end
    name: str
    status: str
    request: dict[str, Any]  # the CreateEvaluationJob input, echoed by GetEvaluationJob
    created_at: str
    updated_at: str
    failures: tuple[str, ...] = ()


def local_path(uri: str, roots: Sequence[Path]) -> Path:
    """The local path an ``s3://bucket/key`` URI names: ``key`` under the data root whose folder is ``bucket``.

    >>> local_path("s3://evals/runs/1/", [Path("/srv/evals")])
    PosixPath('/srv/evals/runs/1')
    """
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    for root in roots:
        resolved_root = root.resolve()
        if resolved_root.name == bucket:
            path = (resolved_root / key).resolve()
            if path != resolved_root and not path.is_relative_to(resolved_root):
                raise PathNotAllowed(f"{uri} leaves the data root {resolved_root}")
            return path
    names = ", ".join(sorted(r.resolve().name for r in roots))
    raise PathNotAllowed(
        f"{uri}: ragkb maps s3://<bucket>/<key> to <key> in the data root named <bucket>, and no data root is "
        f"named {bucket!r} (RAGKB_DATA_ROOTS: {names})"
    )


class EvaluationJobStore:
    """Evaluation jobs in one SQLite file; safe to share between threads."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "evaluation_jobs.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS evaluation_jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            "status TEXT NOT NULL, request TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
            "failures TEXT NOT NULL)"
        )
        # A job this process did not start cannot be running: a restart ends it.
        self._db.execute(
            "UPDATE evaluation_jobs SET status = 'Failed', failures = ? WHERE status IN ('InProgress', 'Stopping')",
            (json.dumps(["the server stopped while the job ran"]),),
        )

    def close(self) -> None:
        self._db.close()

    def create(self, name: str, request: dict[str, Any]) -> EvaluationJob:
        now = utc_now()
        job = EvaluationJob(new_job_id(), name, "InProgress", request, now, now)
        with self._db.lock:
            if self._db.execute("SELECT 1 FROM evaluation_jobs WHERE name = ?", (name,)).fetchone():
                raise JobConflict(f"an evaluation job named {name!r} already exists")
            self._put(job)
        return job

    def watch(self, stop: Callable[[str], None]) -> None:
        """Have ``stop(job_id)`` called when another process asks a job this one runs to stop (never here: one
        process owns this file)."""

    def get(self, job_id: str) -> EvaluationJob:
        row = self._db.execute("SELECT * FROM evaluation_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise EvaluationJobNotFound(f"evaluation job {job_id} does not exist")
        return _job(row)

    def all(self) -> list[EvaluationJob]:
        # rowid breaks ties of jobs created in the same millisecond: creation order (updates keep the rowid).
        return [_job(row) for row in self._db.execute("SELECT * FROM evaluation_jobs ORDER BY created_at, rowid")]

    def set_status(self, job_id: str, status: str, failures: Sequence[str] = ()) -> EvaluationJob:
        job = replace(self.get(job_id), status=status, failures=tuple(failures), updated_at=utc_now())
        self._db.execute(
            "UPDATE evaluation_jobs SET status = ?, failures = ?, updated_at = ? WHERE id = ?",
            (job.status, json.dumps(list(job.failures)), job.updated_at, job.id),
        )
        return job

    def _put(self, job: EvaluationJob) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO evaluation_jobs VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job.id, job.name, job.status, json.dumps(job.request), job.created_at, job.updated_at,
             json.dumps(list(job.failures))),
        )  # fmt: skip


class EvaluationRunner:
    """Runs evaluation jobs, each in a thread of its own; :meth:`stop` asks one to stop between turns."""

    def __init__(self, store: EvaluationJobStore) -> None:
        self.store = store
        self._stops: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        store.watch(self._stop_here)

    def start(
        self, job: EvaluationJob, *, dataset: Path, output: Path, ask: Ask, checker: Callable[[], GroundingChecker]
    ) -> None:
        stop = threading.Event()
        with self._lock:
            self._stops[job.id] = stop
            thread = threading.Thread(
                target=self._run, args=(job, dataset, output, ask, checker, stop), name=f"ragkb-eval-{job.id}"
            )
            self._threads.append(thread)
        thread.start()

    def stop(self, job_id: str) -> EvaluationJob:
        """Ask a running job to stop (``Stopping``, then ``Stopped``); ``JobConflict`` once it has finished."""
        job = self.store.get(job_id)
        with self._lock:
            stop = self._stops.get(job_id)
            if job.status != "InProgress":
                raise JobConflict(f"evaluation job {job_id} is {job.status}: only an InProgress job can be stopped")
            if stop is not None:  # else another replica runs it: its store sees the Stopping status
                stop.set()
            return self.store.set_status(job_id, "Stopping")

    def _stop_here(self, job_id: str) -> None:
        with self._lock:
            stop = self._stops.get(job_id)
        if stop is not None:
            stop.set()

    def close(self) -> None:
        with self._lock:
            for stop in self._stops.values():
                stop.set()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=30)

    def _run(
        self, job: EvaluationJob, dataset: Path, output: Path, ask: Ask, checker: Callable[[], GroundingChecker],
        stop: threading.Event,
    ) -> None:  # fmt: skip
        try:
            status, failures = run_evaluation(job, dataset=dataset, output=output, ask=ask, checker=checker, stop=stop)
        except Exception as exc:  # a job thread reports every failure in its job, never dies unseen
            status, failures = "Failed", [f"{type(exc).__name__}: {exc}"]
        with self._lock:
            self._stops.pop(job.id, None)
            self.store.set_status(job.id, status, failures)


def run_evaluation(
    job: EvaluationJob, *, dataset: Path, output: Path, ask: Ask, checker: Callable[[], GroundingChecker],
    stop: threading.Event,
) -> tuple[str, list[str]]:  # fmt: skip
    """Ask, score and write one job (see the module docstring); its final status and failure messages."""
    try:
        turns = read_rag_dataset(dataset)
    except (DatasetError, OSError) as exc:
        return "Failed", [f"the dataset cannot be read: {exc}"]
    folder = output / job.name / job.id
    folder.mkdir(parents=True, exist_ok=True)
    report = RagReport(dataset.name)
    with (folder / "output.jsonl").open("w", encoding="utf-8") as lines:
        for turn in turns:
            if stop.is_set():
                return "Stopped", []
            passages, answer = ask(turn.prompt)
            asked = RagTurn(turn.id, turn.prompt, tuple(passages), answer, turn.references)
            scored = score_turn(checker(), asked)
            report.turns.append(scored)
            lines.write(json.dumps(_output_line(asked, turn_view(scored))) + "\n")
    (folder / "report.json").write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    (folder / "report.html").write_text(render_report(report), encoding="utf-8")
    errors = [f"turn {t.turn.id}: {t.error}" for t in report.turns if t.error]
    return "Completed", errors


def new_job_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def check_dataset(path: Path) -> None:
    """Refuse (``RequestError``) a dataset that is not a readable file, before a job is created for it."""
    if not path.is_file():
        raise RequestError(f"the dataset {path} is not a file")


def _output_line(turn: RagTurn, scores: dict[str, Any]) -> dict[str, Any]:
    """A turn in Bedrock's evaluation layout, with its answer and ragkb's scores."""
    output: dict[str, Any] = {"retrievedPassages": {"retrievalResults": [{"content": {"text": p}}
                                                                          for p in turn.passages]}}  # fmt: skip
    if turn.output is not None:
        output["text"] = turn.output
    conversation: dict[str, Any] = {"prompt": {"content": [{"text": turn.prompt}]}, "output": output, "scores": scores}
    if turn.references:
        conversation["referenceResponses"] = [{"content": [{"text": r}]} for r in turn.references]
    return {"conversationTurns": [conversation]}


def _job(row: tuple[Any, ...]) -> EvaluationJob:
    job_id, name, status, request, created, updated, failures = row
    return EvaluationJob(job_id, name, status, json.loads(request), created, updated, tuple(json.loads(failures)))
