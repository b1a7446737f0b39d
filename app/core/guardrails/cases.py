"""Test cases for guardrails, in ``<home>/guardrail_tests.sqlite``, and running them.

A case is what a guardrail should do with one piece of text: the text (a user's input or a model's
output), the sources and query that a contextual grounding check reads, and the expected action
(``NONE`` or ``GUARDRAIL_INTERVENED``). Running a guardrail's cases checks each as ``POST
/v1/guardrails/{id}/check`` does and reports pass or fail with the filters' scores; a case whose
guardrail intervened is also written to the violation log (path ``test``). Every policy type runs (sensitive
information, words, topics, content and prompt attacks, contextual grounding). The console runs them in one
click, the CLI as ``ragkb guardrail test NAME``.

Example::

    cases = GuardrailTestStore(home)
    cases.add(guardrail_id=g.id, name="off-topic", source="OUTPUT", text="Paris is in France.",
              sources=("The drum must reach 200 °C.",), query="How hot is the drum?",
              expected="GUARDRAIL_INTERVENED")
    results = run_cases(checker, store.get(g.id), cases.list(g.id))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from app.core.errors import RequestError, ResourceNotFound
from app.core.guardrails.apply import (
    ConfiguredPolicies,
    ContextualGroundingPolicy,
    GuardrailPolicy,
    Source,
    TextBlock,
)
from app.core.guardrails.store import GuardrailRecord
from app.core.guardrails.violations import ViolationLog
from grounding import GroundingChecker
from guardrails import Guard
from retrieval import new_id, open_database, utc_now

Expected = Literal["NONE", "GUARDRAIL_INTERVENED"]
EXPECTED: tuple[Expected, ...] = ("NONE", "GUARDRAIL_INTERVENED")
SOURCES = ("INPUT", "OUTPUT")


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    id: str
    guardrail_id: str
    name: str
    source: str
    text: str
    sources: tuple[str, ...]
    query: str
    expected: Expected
    created_at: str


@dataclass(frozen=True)
class CaseResult:
    case: TestCase
    action: Expected
    scores: dict[str, float]

    @property
    def passed(self) -> bool:
        return self.action == self.case.expected


class GuardrailTestStore:
    """Test cases per guardrail; safe to share between threads."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "guardrail_tests.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS cases (id TEXT PRIMARY KEY, guardrail_id TEXT NOT NULL, name TEXT NOT NULL, "
            "source TEXT NOT NULL, text TEXT NOT NULL, sources TEXT NOT NULL, query TEXT NOT NULL, "
            "expected TEXT NOT NULL, created_at TEXT NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()

    def add(
        self, *, guardrail_id: str, name: str, source: str, text: str, sources: Sequence[str] = (), query: str = "",
        expected: str = "NONE",
    ) -> TestCase:  # fmt: skip
        """A new case; raises :class:`RequestError` for a missing name or text or a bad source or action."""
        if not name.strip() or len(name) > 100:
            raise RequestError("a test case needs a name of 1-100 characters")
        if not text.strip():
            raise RequestError("a test case needs the text to check")
        if source not in SOURCES:
            raise RequestError(f"source must be INPUT or OUTPUT, got {source!r}")
        if expected not in EXPECTED:
            raise RequestError(f"the expected action must be NONE or GUARDRAIL_INTERVENED, got {expected!r}")
        clean = tuple(s for s in sources if s.strip())
        case = TestCase(
            new_id(), guardrail_id, name.strip(), source, text, clean, query, cast(Expected, expected), utc_now()
        )
        self._insert(case)
        return case

    def _insert(self, case: TestCase) -> None:
        """Store a validated case."""
        self._db.execute(
            "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case.id, case.guardrail_id, case.name, case.source, case.text, json.dumps(case.sources), case.query,
             case.expected, case.created_at),
        )  # fmt: skip

    def list(self, guardrail_id: str) -> list[TestCase]:
        rows = self._db.execute(
            "SELECT * FROM cases WHERE guardrail_id = ? ORDER BY created_at, rowid", (guardrail_id,)
        )
        return [_case(row) for row in rows]

    def delete(self, case_id: str) -> None:
        if not self._db.execute("DELETE FROM cases WHERE id = ?", (case_id,)).rowcount:
            raise ResourceNotFound(f"no guardrail test case {case_id!r}")


def run_case(
    checker: GroundingChecker, guardrail: GuardrailRecord, case: TestCase, *, guard: Callable[[], Guard] | None = None
) -> CaseResult:
    """What ``guardrail`` does with ``case``, through the same policies as ``ApplyGuardrail``: its sensitive
    information, word, topic and content policies (when ``guard`` is given) read the case's text on INPUT or
    OUTPUT; its contextual grounding filters judge an OUTPUT that has sources and a query (INPUT has nothing
    to check against). Scores: each grounding filter's score, and 1.0 for every other policy that acted on
    something it detected (its assessment key, e.g. ``sensitiveInformationPolicy``)."""
    source = cast(Source, case.source)
    policies: list[GuardrailPolicy] = []
    if guard is not None and not guardrail.policies.empty:
        policies.append(ConfiguredPolicies(guardrail.policies, guard=guard))
    grounding = guardrail.grounding_policy()
    if grounding is not None and source == "OUTPUT" and case.sources and case.query.strip():
        policies.append(ContextualGroundingPolicy(grounding, checker=lambda: checker))
    blocks = [TextBlock(text, frozenset({"grounding_source"})) for text in case.sources]
    blocks += [TextBlock(case.query, frozenset({"query"})), TextBlock(case.text, frozenset({"guard_content"}))]
    intervened, scores = False, {}
    for policy in policies:
        result = policy.assess(source=source, blocks=blocks, full=True)
        intervened = intervened or result.intervened
        for key, value in result.assessment.items():
            if key == "contextualGroundingPolicy":
                scores.update({f["type"]: round(float(f["score"]), 4) for f in value.get("filters", [])})
            elif _acted(value):
                scores[key] = 1.0
    return CaseResult(case, "GUARDRAIL_INTERVENED" if intervened else "NONE", scores)


def _acted(assessment: object) -> bool:
    """Whether a policy's assessment holds an item that was detected and acted on (blocked or anonymized)."""
    if isinstance(assessment, dict):
        if assessment.get("detected") is True and assessment.get("action") not in (None, "NONE"):
            return True
        return any(_acted(v) for v in assessment.values())
    return isinstance(assessment, list) and any(_acted(v) for v in assessment)


def run_cases(
    checker: GroundingChecker, guardrail: GuardrailRecord, cases: Sequence[TestCase], *,
    log: ViolationLog | None = None, guard: Callable[[], Guard] | None = None,
) -> list[CaseResult]:  # fmt: skip
    """Every case's result, in order; interventions go to ``log`` (path ``test``) when one is given."""
    results = [run_case(checker, guardrail, case, guard=guard) for case in cases]
    if log is not None:
        for result in results:
            if result.action == "GUARDRAIL_INTERVENED":
                log.record(
                    guardrail_id=guardrail.id, version=guardrail.version, path="test", source=result.case.source,
                    scores=result.scores, action=result.action, excerpt=result.case.text,
                )  # fmt: skip
    return results


def _case(row: tuple[object, ...]) -> TestCase:
    case_id, guardrail_id, name, source, text, sources, query, expected, created_at = row
    return TestCase(
        str(case_id), str(guardrail_id), str(name), str(source), str(text), tuple(json.loads(str(sources))),
        str(query), cast(Expected, expected), str(created_at),
    )  # fmt: skip
