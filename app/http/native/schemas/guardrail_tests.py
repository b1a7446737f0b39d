"""The wire format of guardrail test cases (``/v1/guardrails/{guardrail}/test-cases``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.guardrails.cases import CaseResult, TestCase
from app.http.native.schemas.base import RequestModel
from grounding import MAX_ANSWER_CHARS, MAX_QUERY_CHARS

ExpectedAction = Literal["NONE", "GUARDRAIL_INTERVENED"]


class CreateTestCaseRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "invented weight is blocked",
                    "text": "Anyone may carry 90 kg sacks alone.",
                    "sources": ["Green coffee sacks weigh up to 70 kg. Nobody may carry more than 25 kg alone."],
                    "query": "How much may one person carry alone?",
                    "expected": "GUARDRAIL_INTERVENED",
                }
            ]
        }
    )
    name: str = Field(min_length=1, max_length=100, description="What the case shows.")
    text: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS, description="The text the guardrail judges.")
    source: Literal["INPUT", "OUTPUT"] = Field(default="OUTPUT", description="A user's input or a model's output.")
    sources: list[str] = Field(default=[], max_length=100, description="Grounding sources (contextual grounding).")
    query: str = Field(default="", max_length=MAX_QUERY_CHARS, description="The question the text answers.")
    expected: ExpectedAction = Field(default="NONE", description="The action the guardrail should take.")


class TestCaseView(BaseModel):
    __test__ = False  # not a pytest class

    id: str
    name: str
    source: str
    text: str
    sources: list[str]
    query: str
    expected: ExpectedAction
    created_at: str

    @classmethod
    def from_case(cls, case: TestCase) -> TestCaseView:
        return cls(
            id=case.id, name=case.name, source=case.source, text=case.text, sources=list(case.sources),
            query=case.query, expected=case.expected, created_at=case.created_at,
        )  # fmt: skip


class TestCaseList(BaseModel):
    __test__ = False

    test_cases: list[TestCaseView]


class TestCaseResult(BaseModel):
    __test__ = False

    case: TestCaseView
    action: ExpectedAction = Field(description="What the guardrail did.")
    scores: dict[str, float] = Field(description="The filters' scores (GROUNDING, RELEVANCE).")
    passed: bool

    @classmethod
    def from_result(cls, result: CaseResult) -> TestCaseResult:
        return cls(case=TestCaseView.from_case(result.case), action=result.action, scores=result.scores,
                   passed=result.passed)  # fmt: skip


class TestRunResponse(BaseModel):
    __test__ = False

    guardrail_id: str
    version: str
    passed: int
    failed: int
    results: list[TestCaseResult]
