"""The console's stores and numbers, without a browser: human evaluation jobs (datasets, ratings, queues,
exports, summary statistics), guardrail test cases, the violation log and the answer's highlighting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.core.console.human_eval.datasets import Item, Response, auto_scores, history_items, parse_dataset
from app.core.console.human_eval.store import HumanEvalStore
from app.core.console.human_eval.summary import cohen_kappa, spearman, summarise, wilson
from app.core.errors import RequestError
from app.core.guardrails.cases import GuardrailTestStore, run_cases
from app.core.guardrails.store import GroundingFilter, GuardrailStore
from app.core.guardrails.violations import ViolationLog
from app.http.ui.rendering import answer_segments, location_label
from grounding import Checker, HashEncoder

LIFTING = "Green coffee sacks weigh up to 70 kg. Nobody may carry more than 25 kg alone."


def two_models(prompt: str, a: str, b: str) -> str:
    responses = [{"response": a, "modelIdentifier": "model-a"}, {"response": b, "modelIdentifier": "model-b"}]
    return json.dumps({"prompt": prompt, "modelResponses": responses})


# -- datasets -------------------------------------------------------------------------------------------------------
def test_bedrock_human_evaluation_lines_become_items() -> None:
    data = "\n".join([two_models("Q1?", "A.", "B."), "", json.dumps({"prompt": "Q2?", "modelResponses": [
        {"response": "only one"}], "referenceResponse": "ref", "category": "hr"})]).encode()  # fmt: skip
    items = parse_dataset(data)
    assert [(i.prompt, [r.model for r in i.responses]) for i in items] == [
        ("Q1?", ["model-a", "model-b"]), ("Q2?", ["model 1"])
    ]  # fmt: skip
    assert (items[1].reference, items[1].category) == ("ref", "hr")


def test_rag_evaluation_lines_become_items_with_sources() -> None:
    turn = {"prompt": {"content": [{"text": "How heavy?"}]}, "output": {"text": "25 kg.", "retrievedPassages": {
        "retrievalResults": [{"content": {"text": LIFTING}}]}}}  # fmt: skip
    (item,) = parse_dataset(json.dumps({"conversationTurns": [turn]}).encode())
    assert (item.prompt, item.responses[0].text, item.sources) == ("How heavy?", "25 kg.", (LIFTING,))
    (scored,) = auto_scores(Checker(HashEncoder()), [item])
    assert scored.responses[0].grounding is not None and 0 <= scored.responses[0].grounding <= 1


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"{nope", "line 1: not valid JSON"), (b'{"prompt": "q"}', "line 1: 'modelResponses'"),
     (b"\xff\xfe", "not UTF-8"), (b'[1]', "line 1: each line must be a JSON object")],
)  # fmt: skip
def test_bad_datasets_name_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        parse_dataset(data)


def test_playground_turns_become_items_with_their_grounding() -> None:
    turn = {"query": "q?", "answer": "a.", "hits": [{"text": "s"}], "grounding": {"grounding": {"score": 0.8},
            "relevance": {"score": 0.6}}}  # fmt: skip
    (item,) = history_items([turn], model="extractive")
    assert item.responses[0] == Response("extractive", "a.", 0.8, 0.6) and item.sources == ("s",)


# -- jobs, ratings, queues, exports ------------------------------------------------------------------------------------
def items(n: int = 3) -> list[Item]:
    return [
        Item(f"Q{i}?", (Response("model-a", f"a{i}", grounding=0.9 - i / 10), Response("model-b", f"b{i}", 0.2)))
        for i in range(n)
    ]


def test_each_reviewer_has_a_queue_and_ratings_are_validated(tmp_path: Path) -> None:
    store = HumanEvalStore(tmp_path)
    job = store.create(name="pairs", method="compare", reviewers=["ana", " ben ", "ana"], items=items())
    assert job.reviewers == ("ana", "ben") and job.items == 3
    store.rate(job.id, 1, reviewer="ana", value=[0])
    assert store.queue(job.id, "ana") == [0, 2] and store.queue(job.id, "ben") == [0, 1, 2]
    store.rate(job.id, 1, reviewer="ana", value=[1])  # a second rating replaces the first
    assert [r.value for r in store.ratings(job.id)] == [(1,)]
    for bad in ([2], [0, 1], []):
        with pytest.raises(RequestError, match="not a valid compare rating"):
            store.rate(job.id, 0, reviewer="ana", value=bad)
    with pytest.raises(RequestError, match="not a reviewer"):
        store.rate(job.id, 0, reviewer="eve", value=[0])
    rows = store.export_rows(job.id)
    assert [(r["model"], r["rating"], r["reviewer"]) for r in rows] == [("model-a", 0, "ana"), ("model-b", 1, "ana")]
    store.close()
    assert HumanEvalStore(tmp_path).job(job.id) == job  # persisted


@pytest.mark.parametrize(
    ("method", "good", "bad"),
    [("thumbs", [1, 0], [2, 0]), ("likert", [5, 1], [0, 3]), ("rank", [2, 1], [1, 1])],
)
def test_rating_values_per_method(tmp_path: Path, method: str, good: list[int], bad: list[int]) -> None:
    store = HumanEvalStore(tmp_path)
    job = store.create(name=method, method=method, reviewers=["ana"], items=items(1))
    assert store.rate(job.id, 0, reviewer="ana", value=good).value == tuple(good)
    with pytest.raises(RequestError):
        store.rate(job.id, 0, reviewer="ana", value=bad)


def test_jobs_that_cannot_be_rated_are_refused(tmp_path: Path) -> None:
    store = HumanEvalStore(tmp_path)
    one = [Item("q", (Response("m", "a"),))]
    with pytest.raises(RequestError, match="exactly two responses"):
        store.create(name="x", method="compare", reviewers=["ana"], items=one)
    with pytest.raises(RequestError, match="reviewers"):
        store.create(name="x", method="thumbs", reviewers=[" "], items=one)
    with pytest.raises(RequestError, match="method must be one of"):
        store.create(name="x", method="stars", reviewers=["ana"], items=one)


# -- statistics ------------------------------------------------------------------------------------------------------
def test_wilson_interval_matches_the_textbook() -> None:
    low, high = wilson(8, 10)  # Wilson 95 % for 8/10: 0.490 to 0.943
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert wilson(0, 0) == (0.0, 1.0)


def test_cohen_kappa_and_spearman_known_values() -> None:
    # 2x2 table [[20, 5], [10, 15]]: observed 0.7, expected 0.5 -> kappa 0.4
    left = ["y"] * 25 + ["n"] * 25
    right = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(left, right) == pytest.approx(0.4)
    assert cohen_kappa(["y", "y"], ["y", "y"]) is None
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_summary_of_a_two_reviewer_comparison(tmp_path: Path) -> None:
    store = HumanEvalStore(tmp_path)
    job = store.create(name="pairs", method="compare", reviewers=["ana", "ben"], items=items(4))
    for i, (a, b) in enumerate([(0, 0), (0, 0), (0, 1), (1, 1)]):
        store.rate(job.id, i, reviewer="ana", value=[a])
        store.rate(job.id, i, reviewer="ben", value=[b])
    summary = summarise(job, store.items(job.id), store.ratings(job.id))
    rates = {w.model: (w.wins, w.total) for w in summary.win_rates}
    assert rates == {"model-a": (5, 8), "model-b": (3, 8)}
    (agreement,) = summary.agreements
    assert agreement.reviewers == ("ana", "ben") and agreement.items == 4 and agreement.agreed == 0.75
    assert summary.distributions["model-a"] == {0: 3, 1: 5}
    assert summary.auto_agreement is not None and summary.auto_pairs == 8


# -- guardrail tests and the violation log -----------------------------------------------------------------------
def test_guardrail_cases_pass_or_fail_and_interventions_are_logged(tmp_path: Path) -> None:
    guardrails, cases, log = GuardrailStore(tmp_path), GuardrailTestStore(tmp_path), ViolationLog(tmp_path)
    record = guardrails.create(name="answers", filters=(GroundingFilter("GROUNDING", 0.5),))
    query = "How much may one person carry alone?"
    cases.add(guardrail_id=record.id, name="made up", source="OUTPUT", text="Anyone may carry 90 kg alone.",
              sources=[LIFTING], query=query, expected="GUARDRAIL_INTERVENED")  # fmt: skip
    cases.add(guardrail_id=record.id, name="wrong expectation", source="OUTPUT", text="Anyone may carry 90 kg.",
              sources=[LIFTING], query=query, expected="NONE")  # fmt: skip
    cases.add(guardrail_id=record.id, name="input", source="INPUT", text="hello", expected="NONE")
    results = run_cases(Checker(HashEncoder()), record, cases.list(record.id), log=log)
    assert [(r.case.name, r.action, r.passed) for r in results] == [
        ("made up", "GUARDRAIL_INTERVENED", True), ("wrong expectation", "GUARDRAIL_INTERVENED", False),
        ("input", "NONE", True),
    ]  # fmt: skip
    assert results[0].scores["GROUNDING"] < 0.5
    logged = log.list(guardrail_id=record.id)
    assert [(v.path, v.action, v.source) for v in logged] == [("test", "GUARDRAIL_INTERVENED", "OUTPUT")] * 2
    assert log.list(guardrail_id="other") == [] and log.list(path="apply_guardrail") == []
    with pytest.raises(RequestError, match="expected action"):
        cases.add(guardrail_id=record.id, name="x", source="OUTPUT", text="t", expected="BLOCK")


def test_apply_guardrail_responses_are_logged_only_when_they_intervene(tmp_path: Path) -> None:
    log = ViolationLog(tmp_path)
    details = {"guardrailId": "g1", "guardrailVersion": "1"}
    filters = {"contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "score": 0.1}]}}
    log.record_apply(
        {"action": "NONE", "assessments": [{"appliedGuardrailDetails": details}]}, path="p", source="OUTPUT"
    )
    log.record_apply(
        {"action": "GUARDRAIL_INTERVENED", "assessments": [{**filters, "appliedGuardrailDetails": details}]},
        path="apply_guardrail", source="OUTPUT", excerpt="x" * 500,
    )  # fmt: skip
    (entry,) = log.list()
    assert (entry.guardrail_id, entry.version, entry.scores, len(entry.excerpt)) == ("g1", "1", {"GROUNDING": 0.1}, 200)


# -- highlighting ----------------------------------------------------------------------------------------------------
def test_answer_segments_mark_claims_and_place_citation_numbers() -> None:
    answer = "Tokyo is big. It rains."
    claims = [{"start": 0, "end": 13}, {"start": 14, "end": 23}]
    citations = [{"start": 0, "end": 12, "sources": [2]}, {"start": 14, "end": 22, "sources": [1, 2]}]
    segments = answer_segments(answer, claims, citations)
    assert "".join(s.text for s in segments) == answer
    assert [(s.text, s.claim, s.citations) for s in segments] == [
        ("Tokyo is big.", 0, (2,)), (" ", None, ()), ("It rains.", 1, (1, 2))
    ]  # fmt: skip
    assert location_label({"pages": [2], "sheet": None, "row": None}) == "page 2"
    assert location_label({"pages": [], "sheet": "Sales 2025", "row": 2, "row_end": 7}) == "sheet Sales 2025, rows 2-7"


def test_guardrail_cases_run_every_policy_type_not_only_grounding(tmp_path: Path) -> None:
    from guardrails import Directions, Guard, PiiEntity, Policies, SensitivePolicy, Word, WordPolicy

    def never_encode(texts: object) -> np.ndarray:
        raise AssertionError("PII and word policies need no model")

    guardrails, cases = GuardrailStore(tmp_path), GuardrailTestStore(tmp_path)
    policies = Policies(
        sensitive=SensitivePolicy((PiiEntity("EMAIL", Directions("BLOCK", "ANONYMIZE")),), ()),
        words=WordPolicy((Word("decaf", Directions()),)),
    )
    record = guardrails.create(name="inputs", filters=(GroundingFilter("GROUNDING", 0.5),), policies=policies)
    cases.add(guardrail_id=record.id, name="email in", source="INPUT", text="Mail me at ana@example.com",
              expected="GUARDRAIL_INTERVENED")  # fmt: skip
    cases.add(guardrail_id=record.id, name="banned word", source="OUTPUT", text="Try the decaf.", sources=[LIFTING],
              query="What should I drink?", expected="GUARDRAIL_INTERVENED")  # fmt: skip
    cases.add(guardrail_id=record.id, name="clean", source="INPUT", text="How heavy is a pallet?", expected="NONE")
    guard = Guard(never_encode)
    results = run_cases(Checker(HashEncoder()), record, cases.list(record.id), guard=lambda: guard)
    assert [(r.case.name, r.action, r.passed) for r in results] == [
        ("email in", "GUARDRAIL_INTERVENED", True), ("banned word", "GUARDRAIL_INTERVENED", True),
        ("clean", "NONE", True),
    ]  # fmt: skip
    assert results[0].scores == {"sensitiveInformationPolicy": 1.0}
    assert results[1].scores["wordPolicy"] == 1.0 and "GROUNDING" in results[1].scores
    # Without the policies' models the same cases only see grounding: the INPUT email passes.
    assert run_cases(Checker(HashEncoder()), record, cases.list(record.id))[0].action == "NONE"
