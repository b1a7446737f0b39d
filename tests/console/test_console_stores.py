"""The console's stores (playground history, human evaluation jobs, guardrail test cases, violation log) on both
backends, chosen as the service chooses (``app.core.wiring.StateStores.console``): SQLite files under the home,
or a real PostgreSQL. Then two "replicas" (two pools on one database) share them, and no SQLite file appears."""

from __future__ import annotations

import pytest

from app.core.console import ConsoleStores
from app.core.console.conversations import Turn
from app.core.console.human_eval.datasets import Item, Response
from app.core.errors import RequestError, ResourceNotFound
from app.core.wiring import StateStores
from app.settings import Settings
from retrieval import Answer, Database, Hit, PostgresRegistry
from tests.backends import BACKENDS, open_state_stores


@pytest.fixture(params=BACKENDS)
def console(request: pytest.FixtureRequest) -> ConsoleStores:
    stores = open_state_stores(request.param, request).console()
    request.addfinalizer(stores.close)
    return stores


def _turn(turn_id: str, conversation: str, query: str, at: str) -> Turn:
    hit = Hit(chunk_id="c1", text="The drum reaches 200 °C.", score=0.91234, document_uri="s3://b/roasting.txt",
              data_source_id="DS", location={}, metadata={"year": 2020})  # fmt: skip
    return Turn(turn_id, conversation, "KB1", query, Answer("About 200 °C.", ()), (hit,), None, asked_at=at)


def test_playground_history(console: ConsoleStores) -> None:
    history = console.history
    history.add(_turn("t1", "c1", "How hot is the drum?", "2026-12-01T10:00:00Z"), owner="ana")
    history.add(_turn("t2", "c1", "And the beans?", "2026-12-01T10:00:00Z"), owner="ana")  # same instant: order kept
    history.add(_turn("t3", "c2", "Green tea?", "2026-12-01T11:00:00Z"), owner="ana")
    history.add(_turn("t4", "c3", "Other owner", "2026-12-01T12:00:00Z"), owner="ben")
    turns = history.conversation("c1", owner="ana")
    assert [t["id"] for t in turns] == ["t1", "t2"]
    assert turns[0]["hits"][0] == {"text": "The drum reaches 200 °C.", "score": 0.9123, "source": "roasting.txt",
                                   "uri": "s3://b/roasting.txt", "location": {}, "metadata": {"year": 2020},
                                   "chunk_id": "c1"}  # fmt: skip
    assert history.conversations(owner="ana") == [
        {"id": "c2", "kb": "KB1", "first": "Green tea?", "turns": 1, "last": "2026-12-01T11:00:00Z"},
        {"id": "c1", "kb": "KB1", "first": "How hot is the drum?", "turns": 2, "last": "2026-12-01T10:00:00Z"},
    ]
    assert history.conversations(owner="ana", limit=1)[0]["id"] == "c2"
    assert [t["id"] for t in history.turns(owner="ana")] == ["t1", "t2", "t3"]
    assert history.conversation("c1", owner="ben") == []  # another owner's conversation stays hidden


def test_human_evaluation_jobs(console: ConsoleStores) -> None:
    store = console.evaluations
    items = [Item(prompt=f"q{i}", responses=(Response(model="m1", text="a"), Response(model="m2", text="b")))
             for i in range(3)]  # fmt: skip
    first = store.create(name="first", method="compare", reviewers=["ana", "ben", "ana"], items=items)
    job = store.create(name="answers", method="likert", reviewers=["ben", "ana"], items=items, instructions=" go ")
    assert job.reviewers == ("ben", "ana") and job.instructions == "go" and job.items == 3
    assert store.job(job.id) == job
    assert [j.id for j in store.jobs()] == [job.id, first.id]  # newest first
    assert store.items(job.id) == items and store.item(job.id, 2) == items[2]
    store.rate(job.id, 1, reviewer="ana", value=[4, 5])
    store.rate(job.id, 1, reviewer="ana", value=[2, 3])  # replaces
    store.rate(job.id, 0, reviewer="ben", value=[1, 1])
    assert [(r.item, r.reviewer, r.value) for r in store.ratings(job.id)] == [(0, "ben", (1, 1)), (1, "ana", (2, 3))]
    assert store.queue(job.id, "ana") == [0, 2] and store.queue(job.id, "ben") == [1, 2]
    assert [(r["item"], r["model"], r["rating"]) for r in store.export_rows(job.id)] == [
        (1, "m1", 1), (1, "m2", 1), (2, "m1", 2), (2, "m2", 3)
    ]  # fmt: skip
    with pytest.raises(RequestError, match="not a valid likert rating"):
        store.rate(job.id, 2, reviewer="ana", value=[9, 1])
    with pytest.raises(RequestError, match="not a reviewer"):
        store.rate(job.id, 2, reviewer="cy", value=[1, 1])
    with pytest.raises(ResourceNotFound, match="has no item 4"):
        store.item(job.id, 3)
    with pytest.raises(ResourceNotFound, match="no human evaluation job"):
        store.job("missing")
    with pytest.raises(RequestError, match="exactly two responses"):
        store.create(name="bad", method="compare", reviewers=["ana"], items=[Item(prompt="q", responses=())])
    assert len(store.jobs()) == 2  # the refused job left nothing


def test_guardrail_test_cases_and_violations(console: ConsoleStores) -> None:
    cases, log = console.guardrail_tests, console.violations
    one = cases.add(guardrail_id="g1", name="off-topic", source="OUTPUT", text="Paris is in France.",
                    sources=("The drum must reach 200 °C.", " "), query="How hot?",
                    expected="GUARDRAIL_INTERVENED")  # fmt: skip
    two = cases.add(guardrail_id="g1", name="fine", source="INPUT", text="How hot is the drum?")
    cases.add(guardrail_id="g2", name="other", source="INPUT", text="x")
    assert cases.list("g1") == [one, two] and one.sources == ("The drum must reach 200 °C.",)
    cases.delete(one.id)
    assert cases.list("g1") == [two]
    with pytest.raises(ResourceNotFound):
        cases.delete(one.id)
    with pytest.raises(RequestError, match="source must be INPUT or OUTPUT"):
        cases.add(guardrail_id="g1", name="bad", source="SIDEWAYS", text="x")

    early = log.record(guardrail_id="g1", version="DRAFT", path="check", source="OUTPUT",
                       scores={"GROUNDING": 0.12}, action="GUARDRAIL_INTERVENED", excerpt="x" * 500)  # fmt: skip
    late = log.record(guardrail_id="g1", version="1", path="test", source="INPUT", scores={},
                      action="GUARDRAIL_INTERVENED")  # fmt: skip
    other = log.record(guardrail_id="g2", version="DRAFT", path="check", source="OUTPUT", scores={},
                       action="GUARDRAIL_INTERVENED")  # fmt: skip
    assert log.list() == [other, late, early]  # newest first (ties in time: the later written first)
    assert log.list(guardrail_id="g1") == [v for v in log.list() if v.guardrail_id == "g1"]
    assert log.list(guardrail_id="g1", path="check") == [early] and len(early.excerpt) == 200
    assert early.scores == {"GROUNDING": 0.12} and log.list(path="check", limit=1) == [other]
    assert log.list(since="2999") == []


def test_replicas_share_the_console_and_write_no_sqlite_files(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    homes = [tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")]
    replicas = []
    for home in homes:  # two processes' worth: each its own pool and home, one database
        database = Database(postgres_url, max_size=2)
        request.addfinalizer(database.close)
        replicas.append(StateStores(PostgresRegistry(database), Settings(home=home, embedder="hash")).console())
    a, b = replicas
    a.history.add(_turn("t1", "c1", "How hot is the drum?", "2026-12-01T10:00:00Z"), owner="ana")
    job = a.evaluations.create(name="j", method="thumbs", reviewers=["ana"],
                               items=[Item(prompt="q", responses=(Response(model="m", text="a"),))])  # fmt: skip
    b.evaluations.rate(job.id, 0, reviewer="ana", value=[1])
    case = b.guardrail_tests.add(guardrail_id="g1", name="n", source="INPUT", text="t")
    entry = b.violations.record(guardrail_id="g1", version="DRAFT", path="check", source="OUTPUT", scores={},
                                action="GUARDRAIL_INTERVENED")  # fmt: skip
    assert [t["id"] for t in b.history.conversation("c1", owner="ana")] == ["t1"]
    assert a.evaluations.queue(job.id, "ana") == []
    assert a.guardrail_tests.list("g1") == [case] and a.violations.list() == [entry]
    assert [p.name for home in homes for p in home.rglob("*.sqlite")] == []
