"""Native routes for guardrail test cases: list, add, delete, and run them all (as the console's "Run all"
and ``ragkb guardrail test`` do). A run's interventions are written to the violation log (path ``test``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.core.errors import ResourceNotFound
from app.core.guardrails.cases import run_cases
from app.core.guardrails.store import DRAFT
from app.http.deps import NativePrincipal, ServicesDep
from app.http.native.grounding import GUARDRAIL_TAG, GuardrailPath, VersionQuery
from app.http.native.schemas.guardrail_tests import (
    CreateTestCaseRequest,
    TestCaseList,
    TestCaseResult,
    TestCaseView,
    TestRunResponse,
)
from app.http.native.schemas.resources import ERROR_RESPONSES

router = APIRouter(responses=ERROR_RESPONSES, tags=[GUARDRAIL_TAG])
CasePath = Annotated[str, Path(description="Test case id.", examples=["7HD2LQ0M5C"])]


@router.get("/guardrails/{guardrail}/test-cases", summary="List a guardrail's test cases")
def list_cases(guardrail: GuardrailPath, services: ServicesDep, principal: NativePrincipal) -> TestCaseList:
    record = services.guardrails.find(guardrail)
    cases = services.console.guardrail_tests.list(record.id)
    return TestCaseList(test_cases=[TestCaseView.from_case(c) for c in cases])


@router.post(
    "/guardrails/{guardrail}/test-cases",
    status_code=201,
    summary="Add a test case",
    description="What the guardrail should do with one text: `expected` NONE or GUARDRAIL_INTERVENED. An OUTPUT "
    "case with `sources` and a `query` is judged by the guardrail's contextual grounding filters; an INPUT case "
    "never intervenes under them.",
)
def add_case(
    guardrail: GuardrailPath, body: CreateTestCaseRequest, services: ServicesDep, principal: NativePrincipal
) -> TestCaseView:
    record = services.guardrails.find(guardrail)
    case = services.console.guardrail_tests.add(
        guardrail_id=record.id, name=body.name, source=body.source, text=body.text, sources=body.sources,
        query=body.query, expected=body.expected,
    )  # fmt: skip
    return TestCaseView.from_case(case)


@router.delete("/guardrails/{guardrail}/test-cases/{case}", status_code=204, summary="Delete a test case")
def delete_case(
    guardrail: GuardrailPath, case: CasePath, services: ServicesDep, principal: NativePrincipal
) -> Response:
    record = services.guardrails.find(guardrail)
    store = services.console.guardrail_tests
    if not any(c.id == case for c in store.list(record.id)):
        raise ResourceNotFound(f"guardrail {record.id} has no test case {case!r}")
    store.delete(case)
    return Response(status_code=204)


@router.post(
    "/guardrails/{guardrail}/test-cases/run",
    summary="Run a guardrail's test cases",
    description="Every case checked with the guardrail at `version` (default DRAFT): the action taken, the "
    "filters' scores and whether it is the expected one.",
)
def run(
    guardrail: GuardrailPath, services: ServicesDep, principal: NativePrincipal, version: VersionQuery = DRAFT
) -> TestRunResponse:
    draft = services.guardrails.find(guardrail)
    record = draft if version == DRAFT else services.guardrails.get(draft.id, version)
    results = run_cases(
        services.checker, record, services.console.guardrail_tests.list(record.id), log=services.console.violations,
        guard=lambda: services.guard,
    )
    passed = sum(r.passed for r in results)
    return TestRunResponse(
        guardrail_id=record.id, version=record.version, passed=passed, failed=len(results) - passed,
        results=[TestCaseResult.from_result(r) for r in results],
    )  # fmt: skip
