"""The service's own stores (API keys, tags, evaluation jobs) on both backends, chosen as the service chooses
(``app.core.wiring.StateStores``): SQLite files under the home, or a real PostgreSQL. Then two "replicas" (two
pools on one database): what one writes, the other sees at once."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from app.core.errors import AuthError, JobConflict, RequestError
from app.core.evaluation_jobs import FINISHED, EvaluationJob, EvaluationRunner
from app.core.guardrails.store import GroundingFilter
from app.core.postgres.evaluation_jobs import PostgresEvaluationJobStore
from app.core.tags import MAX_TAGS
from app.core.wiring import StateStores
from app.settings import Settings
from grounding import Checker, HashEncoder
from retrieval import Database, PostgresRegistry
from tests.backends import BACKENDS, open_state_stores


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest) -> StateStores:
    return open_state_stores(request.param, request)


def test_api_keys(stores: StateStores) -> None:
    keys = stores.keys()
    key, info = keys.create(description="ci")
    scoped, scoped_info = keys.create(kb_ids=["KB1", "KB2"])
    assert key.startswith("rkb_") and len(key) == 47
    assert keys.verify(key).name == f"key:{info.id}" and keys.verify(key).kb_ids is None
    assert keys.verify(scoped).kb_ids == frozenset({"KB1", "KB2"})
    keys.close()

    keys = stores.keys()  # reopened: kept, hashed
    assert [(k.id, k.description, k.kb_ids) for k in keys.list()] == [
        (info.id, "ci", None), (scoped_info.id, "", ("KB1", "KB2"))
    ]  # fmt: skip
    assert keys.revoke(info.id) and not keys.revoke(info.id)
    with pytest.raises(AuthError, match="invalid API key"):
        keys.verify(key)
    assert keys.verify(scoped).allows("KB2") and not keys.verify(scoped).allows("KB3")


def test_tags(stores: StateStores) -> None:
    tags = stores.tags()
    tags.tag("KB1", {"team": "hr", "env": "prod"})
    tags.tag("KB1", {"team": "legal"})
    tags.tag("KB2", {"team": "ops"})
    assert tags.tags("KB1") == {"env": "prod", "team": "legal"}
    tags.untag("KB1", ["env", "missing"])
    assert tags.tags("KB1") == {"team": "legal"}
    with pytest.raises(RequestError, match=f"at most {MAX_TAGS} tags"):
        tags.tag("KB1", {f"k{i}": "v" for i in range(MAX_TAGS)})
    assert tags.tags("KB1") == {"team": "legal"}  # all or nothing
    tags.forget("KB1")
    assert (tags.tags("KB1"), tags.tags("KB2")) == ({}, {"team": "ops"})


def test_evaluation_jobs(stores: StateStores) -> None:
    jobs = stores.evaluation_jobs()
    first = jobs.create("first", {"jobName": "first", "n": 1})
    with pytest.raises(JobConflict, match="already exists"):
        jobs.create("first", {})
    second = jobs.create("second", {"jobName": "second"})
    done = jobs.set_status(first.id, "Completed", ["turn 1: x"])
    assert (done.status, done.failures, done.request) == ("Completed", ("turn 1: x",), {"jobName": "first", "n": 1})
    assert [j.name for j in jobs.all()] == ["first", "second"]
    assert jobs.get(second.id).status == "InProgress"
    jobs.close()


# -- two replicas on one database --------------------------------------------------------------------------
@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> tuple[StateStores, StateStores]:
    """Two processes' stores on one database: each its own pool and (unshared) home."""
    pair = []
    for name in ("a", "b"):
        database = Database(postgres_url, max_size=2)
        pair.append(StateStores(PostgresRegistry(database), Settings(home=tmp_path / name, embedder="hash")))
    yield pair[0], pair[1]
    for stores in pair:
        assert stores.database is not None
        stores.database.close()


def test_replicas_share_keys_guardrails_sessions_and_tags(replicas: tuple[StateStores, StateStores]) -> None:
    a, b = replicas
    key, _ = a.keys().create(kb_ids=["KB1"])
    assert b.keys().verify(key).kb_ids == frozenset({"KB1"})
    guardrail = a.guardrails().create(name="answers", filters=(GroundingFilter("GROUNDING", 0.7),))
    a.guardrails().create_version(guardrail.id)
    assert b.guardrails().get(guardrail.id, "1").filters == (GroundingFilter("GROUNDING", 0.7),)
    assert b.guardrails().create_version(guardrail.id).version == "2"  # numbers are shared too
    session = a.sessions().create()
    a.sessions().add_turn(session.id, kb_id="KB1", question="How many vacation days?", answer="25.")
    b.sessions().add_turn(session.id, kb_id="KB1", question="And part-time?", answer="Pro rata.")
    assert [t.question for t in a.sessions().turns(session.id, kb_id="KB1")] == [
        "How many vacation days?", "And part-time?"
    ]  # fmt: skip
    b.tags().tag("KB1", {"team": "hr"})
    assert a.tags().tags("KB1") == {"team": "hr"}


def test_a_stop_asked_of_another_replica_reaches_the_job(
    replicas: tuple[StateStores, StateStores], tmp_path: Path
) -> None:
    a, b = replicas
    assert a.database is not None
    dataset = tmp_path / "questions.jsonl"
    dataset.write_text("".join(
        json.dumps({"conversationTurns": [{"prompt": {"content": [{"text": f"question {i}?"}]}}]}) + "\n"
        for i in range(3)
    ))  # fmt: skip
    asked, release = threading.Event(), threading.Event()

    def ask(prompt: str) -> tuple[list[str], str | None]:
        asked.set()
        release.wait(10)
        return ["a passage"], None

    store_a = PostgresEvaluationJobStore(a.database, heartbeat_s=0.1)
    runner_a, runner_b = EvaluationRunner(store_a), EvaluationRunner(b.evaluation_jobs())
    job = store_a.create("long", {})
    runner_a.start(job, dataset=dataset, output=tmp_path / "out", ask=ask, checker=lambda: Checker(HashEncoder()))
    assert asked.wait(10)
    assert runner_b.stop(job.id).status == "Stopping"  # replica B does not run the job
    time.sleep(1.0)  # ten heartbeats of replica A
    release.set()
    deadline = time.monotonic() + 20
    while runner_b.store.get(job.id).status not in FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runner_b.store.get(job.id).status == "Stopped"  # after one turn of three
    runner_a.close()
    with pytest.raises(JobConflict, match="only an InProgress job"):
        runner_b.stop(job.id)
    store_a.close()
    runner_b.store.close()


def test_a_job_whose_replica_died_fails_and_a_live_ones_does_not(
    replicas: tuple[StateStores, StateStores],
) -> None:
    a, b = replicas
    assert a.database is not None
    alive = PostgresEvaluationJobStore(a.database, heartbeat_s=0.1)
    running = alive.create("running", {})
    dead = alive.create("orphan", {})
    with a.database.connection() as conn:  # the orphan's process stopped 31 s ago (owner gone, heartbeat old)
        conn.execute(
            "UPDATE evaluation_jobs SET owner = 'gone', heartbeat_at = now() - interval '31 seconds' WHERE id = %s",
            (dead.id,),
        )
    time.sleep(0.3)
    other = b.evaluation_jobs()  # another replica starting leaves the live job alone
    assert {j.name: j.status for j in other.all()} == {"running": "InProgress", "orphan": "Failed"}
    assert other.get(dead.id).failures == ("the server stopped while the job ran",)
    assert other.get(running.id) == EvaluationJob(running.id, "running", "InProgress", {}, running.created_at,
                                                  running.updated_at)  # fmt: skip
    alive.close()
    other.close()
