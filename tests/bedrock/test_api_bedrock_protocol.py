"""The Bedrock routes against botocore's service models: methods, paths, status codes, field policies,
server-side constraint checks, pagination, guardrail verdicts and the compatibility document."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore.model import Shape

from app.core.errors import RequestError
from app.core.guardrails.apply import (
    Guardrail,
    GuardrailNotFound,
    PolicyResult,
    Source,
    TextBlock,
    apply_guardrail,
    find_guardrail,
    text_units,
)
from app.http.app import create_app
from app.http.bedrock import agent as routes_bedrock_agent
from app.http.bedrock import agent_documents as routes_bedrock_documents
from app.http.bedrock import agent_jobs as routes_bedrock_jobs
from app.http.bedrock import agent_runtime as routes_bedrock_retrieval
from app.http.bedrock import agent_sessions as routes_bedrock_sessions
from app.http.bedrock import agent_tags as routes_bedrock_tags
from app.http.bedrock import converse as converse_routes
from app.http.bedrock import evaluation_jobs as routes_bedrock_evaluation
from app.http.bedrock import guardrails as routes_bedrock_guardrails
from app.http.bedrock import runtime as runtime_routes
from app.http.bedrock.protocol import (
    AGENT,
    AGENT_RUNTIME,
    CONTROL,
    RUNTIME,
    FieldPolicy,
    operation_model,
    page,
    policy,
    validate,
)
from app.http.errors import kind_of
from app.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "bedrock-compatibility.md"
OPERATIONS = {
    AGENT: {
        "CreateKnowledgeBase",
        "ListKnowledgeBases",
        "GetKnowledgeBase",
        "DeleteKnowledgeBase",
        "CreateDataSource",
        "ListDataSources",
        "GetDataSource",
        "DeleteDataSource",
        "StartIngestionJob",
        "GetIngestionJob",
        "ListIngestionJobs",
        "StopIngestionJob",
        "IngestKnowledgeBaseDocuments",
        "DeleteKnowledgeBaseDocuments",
        "GetKnowledgeBaseDocuments",
        "ListKnowledgeBaseDocuments",
        "UpdateKnowledgeBase",
        "UpdateDataSource",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    },
    AGENT_RUNTIME: {
        "Retrieve",
        "RetrieveAndGenerate",
        "RetrieveAndGenerateStream",
        "Rerank",
        "CreateSession",
        "GetSession",
        "ListSessions",
        "UpdateSession",
        "EndSession",
        "DeleteSession",
    },
    RUNTIME: {"ApplyGuardrail", "Converse", "ConverseStream", "InvokeModel"},
    CONTROL: {
        "CreateGuardrail",
        "UpdateGuardrail",
        "GetGuardrail",
        "ListGuardrails",
        "DeleteGuardrail",
        "CreateGuardrailVersion",
        "CreateEvaluationJob",
        "GetEvaluationJob",
        "ListEvaluationJobs",
        "StopEvaluationJob",
    },
}
POLICIES: list[tuple[str, str, FieldPolicy]] = [
    (AGENT, "CreateKnowledgeBase", routes_bedrock_agent.CREATE_KB),
    (AGENT, "ListKnowledgeBases", routes_bedrock_agent.LIST_KBS),
    (AGENT, "GetKnowledgeBase", routes_bedrock_agent.KB_ID),
    (AGENT, "DeleteKnowledgeBase", routes_bedrock_agent.KB_ID),
    (AGENT, "CreateDataSource", routes_bedrock_agent.CREATE_DATA_SOURCE),
    (AGENT, "ListDataSources", routes_bedrock_agent.LIST_DATA_SOURCES),
    (AGENT, "GetDataSource", routes_bedrock_agent.DATA_SOURCE_ID),
    (AGENT, "DeleteDataSource", routes_bedrock_agent.DATA_SOURCE_ID),
    (AGENT, "UpdateKnowledgeBase", routes_bedrock_agent.UPDATE_KB),
    (AGENT, "UpdateDataSource", routes_bedrock_agent.UPDATE_DATA_SOURCE),
    (AGENT, "TagResource", routes_bedrock_tags.TAG),
    (AGENT, "UntagResource", routes_bedrock_tags.UNTAG),
    (AGENT, "ListTagsForResource", routes_bedrock_tags.LIST_TAGS),
    (AGENT, "StartIngestionJob", routes_bedrock_jobs.START_JOB),
    (AGENT, "GetIngestionJob", routes_bedrock_jobs.JOB_ID),
    (AGENT, "StopIngestionJob", routes_bedrock_jobs.JOB_ID),
    (AGENT, "ListIngestionJobs", routes_bedrock_jobs.LIST_JOBS),
    (AGENT, "IngestKnowledgeBaseDocuments", routes_bedrock_documents.INGEST_DOCUMENTS),
    (AGENT, "DeleteKnowledgeBaseDocuments", routes_bedrock_documents.DELETE_DOCUMENTS),
    (AGENT, "GetKnowledgeBaseDocuments", routes_bedrock_documents.GET_DOCUMENTS),
    (AGENT, "ListKnowledgeBaseDocuments", routes_bedrock_documents.LIST_DOCUMENTS),
    (AGENT_RUNTIME, "Retrieve", routes_bedrock_retrieval.RETRIEVE),
    (AGENT_RUNTIME, "RetrieveAndGenerate", routes_bedrock_retrieval.RETRIEVE_AND_GENERATE),
    (AGENT_RUNTIME, "RetrieveAndGenerateStream", routes_bedrock_retrieval.RETRIEVE_AND_GENERATE),
    (AGENT_RUNTIME, "Rerank", routes_bedrock_retrieval.RERANK),
    (AGENT_RUNTIME, "CreateSession", routes_bedrock_sessions.CREATE_SESSION),
    (AGENT_RUNTIME, "GetSession", routes_bedrock_sessions.SESSION_ID),
    (AGENT_RUNTIME, "ListSessions", routes_bedrock_sessions.LIST_SESSIONS),
    (AGENT_RUNTIME, "UpdateSession", routes_bedrock_sessions.UPDATE_SESSION),
    (AGENT_RUNTIME, "EndSession", routes_bedrock_sessions.SESSION_ID),
    (AGENT_RUNTIME, "DeleteSession", routes_bedrock_sessions.SESSION_ID),
    (RUNTIME, "ApplyGuardrail", runtime_routes.APPLY_GUARDRAIL),
    (RUNTIME, "Converse", converse_routes.CONVERSE),
    (RUNTIME, "InvokeModel", converse_routes.INVOKE_MODEL),
    (RUNTIME, "ConverseStream", converse_routes.CONVERSE_STREAM),
    (CONTROL, "CreateGuardrail", routes_bedrock_guardrails.CREATE_GUARDRAIL),
    (CONTROL, "UpdateGuardrail", routes_bedrock_guardrails.UPDATE_GUARDRAIL),
    (CONTROL, "GetGuardrail", routes_bedrock_guardrails.GET_GUARDRAIL),
    (CONTROL, "ListGuardrails", routes_bedrock_guardrails.LIST_GUARDRAILS),
    (CONTROL, "DeleteGuardrail", routes_bedrock_guardrails.DELETE_GUARDRAIL),
    (CONTROL, "CreateGuardrailVersion", routes_bedrock_guardrails.CREATE_GUARDRAIL_VERSION),
    (CONTROL, "CreateEvaluationJob", routes_bedrock_evaluation.CREATE_JOB),
    (CONTROL, "GetEvaluationJob", routes_bedrock_evaluation.JOB_ID),
    (CONTROL, "ListEvaluationJobs", routes_bedrock_evaluation.LIST_JOBS),
    (CONTROL, "StopEvaluationJob", routes_bedrock_evaluation.JOB_ID),
]


def bedrock_routes(tmp_path: Path) -> dict[str, tuple[str, str, int]]:
    """``{operation: (method, path, success status)}`` of every route outside ``/v1``, from the OpenAPI schema."""
    schema = create_app(Settings(home=tmp_path, embedder="hash")).openapi()
    routes = {}
    for path, methods in schema["paths"].items():
        if path.startswith("/v1/") or path in ("/healthz", "/readyz"):
            continue
        for method, spec in methods.items():
            success = [int(code) for code in spec["responses"] if code.startswith("2")]
            assert len(success) == 1, (path, method)
            routes[spec["summary"]] = (method.upper(), path, success[0])
    return routes


def http_of(service: str, operation: str) -> tuple[str, str, int]:
    http = operation_model(service, operation).http
    return http["method"], http["requestUri"], http.get("responseCode", 200)


@pytest.mark.parametrize(("service", "operation"), [(s, o) for s, ops in OPERATIONS.items() for o in sorted(ops)])
def test_route_matches_the_service_model(tmp_path: Path, service: str, operation: str) -> None:
    assert bedrock_routes(tmp_path)[operation] == http_of(service, operation)


def test_every_bedrock_route_is_an_operation(tmp_path: Path) -> None:
    assert set(bedrock_routes(tmp_path)) == set().union(*OPERATIONS.values())
    assert {operation for _, operation, _ in POLICIES} == set().union(*OPERATIONS.values())


@pytest.mark.parametrize(("service", "operation", "fields"), POLICIES, ids=[p[1] for p in POLICIES])
def test_policy_paths_exist_in_the_input_shape(service: str, operation: str, fields: FieldPolicy) -> None:
    shape = operation_model(service, operation).input_shape
    for path in fields.paths() | set(fields.reasons):
        assert _resolve(shape, path) is not None, f"{operation}: {path}"
    required = set(shape.required_members)
    top = {p.split(".")[0].removesuffix("[]") for p in fields.paths()}
    assert required <= fields.paths() | top, f"{operation} refuses a required field"


def test_docs_list_every_operation() -> None:
    text = DOC.read_text()
    for service, operations in OPERATIONS.items():
        for operation in operations:
            method, uri, status = http_of(service, operation)
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
            row = next((line for line in text.splitlines() if f"`{snake}`" in line and line.startswith("|")), "")
            assert f"`{method} {uri}`" in row and f"| {status} |" in row, f"{operation} row: {row!r}"


# -- validation ------------------------------------------------------------------------------------
def retrieve_shape() -> Shape:
    return operation_model(AGENT_RUNTIME, "Retrieve").input_shape


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"knowledgeBaseId": "KB12345678"}, 'Missing required parameter in input: "retrievalQuery"'),
        ({"knowledgeBaseId": "KB12345678", "retrievalQuery": {"text": "x"}, "k": 5}, 'Unknown parameter in input: "k"'),
        (
            {"knowledgeBaseId": "KB12345678", "retrievalQuery": {"text": 5}},
            "Invalid type for parameter retrievalQuery.text",
        ),
        (
            {"knowledgeBaseId": "KB-1", "retrievalQuery": {"text": "x"}},
            "Value 'KB-1' at 'knowledgeBaseId' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: ^[0-9a-zA-Z]+$",
        ),
        (
            {
                "knowledgeBaseId": "KB12345678",
                "retrievalQuery": {"text": "x"},
                "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 0}},
            },
            "valid min value: 1",
        ),
        (
            {
                "knowledgeBaseId": "KB12345678",
                "retrievalQuery": {"text": "x"},
                "retrievalConfiguration": {"vectorSearchConfiguration": {"overrideSearchType": "FAST"}},
            },
            "Value 'FAST' at 'retrievalConfiguration.vectorSearchConfiguration.overrideSearchType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [HYBRID, SEMANTIC]",
        ),
        (
            {
                "knowledgeBaseId": "KB12345678",
                "retrievalQuery": {"text": "x"},
                "retrievalConfiguration": {
                    "vectorSearchConfiguration": {
                        "filter": {"equals": {"key": "a", "value": 1}, "notEquals": {"key": "a", "value": 2}}
                    }
                },
            },
            "Can only set one of the following keys",
        ),
    ],
)
def test_validate_reports_like_aws(params: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RequestError) as caught:
        validate(params, retrieve_shape())
    assert fragment in str(caught.value)


def test_validate_counts_errors_and_hides_sensitive_values() -> None:
    secret = "s" * 20001
    params = {
        "knowledgeBaseId": "KB12345678",
        "retrievalQuery": {"text": secret},
        "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 500}},
    }
    with pytest.raises(RequestError) as caught:
        validate(params, retrieve_shape())
    message = str(caught.value)
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value at 'retrievalQuery.text' failed to satisfy constraint: "
        "Member must have length less than or equal to 20000" in message
    )
    assert "sss" not in message
    assert "Value '500' at 'retrievalConfiguration.vectorSearchConfiguration.numberOfResults'" in message


def test_validate_accepts_a_full_valid_request() -> None:
    params: dict[str, Any] = {
        "knowledgeBaseId": "KB12345678",
        "retrievalQuery": {"text": "x"},
        "retrievalConfiguration": {
            "vectorSearchConfiguration": {
                "numberOfResults": 100,
                "overrideSearchType": "HYBRID",
                "filter": {"andAll": [{"equals": {"key": "a", "value": "b"}}, {"in": {"key": "c", "value": [1, 2]}}]},
            }
        },
    }
    validate(params, retrieve_shape())  # no exception: and the same request with 101 results fails
    params["retrievalConfiguration"]["vectorSearchConfiguration"]["numberOfResults"] = 101
    with pytest.raises(RequestError):
        validate(params, retrieve_shape())


def test_field_policy_names_the_unsupported_field() -> None:
    fields = policy(["a.b", "items[].x"], ignored=["token"], reasons={"a.c": "c is for later"})
    assert fields.unsupported({"a": {"b": {"deep": 1}}, "token": "t", "items": [{"x": 1}, {"x": 2}]}) is None
    assert fields.unsupported({"items": [{"x": 1}, {"x": 2, "y": 3}]}) == "items[].y"
    assert fields.unsupported({"items": []}) is None
    with pytest.raises(RequestError, match="c is for later"):
        fields.check({"a": {"c": {"d": 1}}})
    with pytest.raises(RequestError, match=r"^z is not supported"):
        fields.check({"z": [1, 2]})


def test_page_tokens() -> None:
    items = list(range(5))
    assert page(items, max_results=2, next_token=None) == ([0, 1], "2")
    assert page(items, max_results=2, next_token="4") == ([4], None)
    assert page(items, max_results=None, next_token=None) == (items, None)
    for bad in ("x", "6", "-1"):
        with pytest.raises(RequestError, match="nextToken"):
            page(items, max_results=2, next_token=bad)


# -- guardrails ------------------------------------------------------------------------------------
class BlockWord:
    """A test policy: intervenes when a guarded block contains ``word``."""

    def __init__(self, word: str) -> None:
        self.word = word

    def assess(self, *, source: Source, blocks: Sequence[TextBlock], full: bool) -> PolicyResult:
        hits = [b for b in blocks if self.word in b.text and "grounding_source" not in b.qualifiers]
        words = [{"match": self.word, "action": "BLOCKED", "detected": True}] if hits else []
        return PolicyResult(
            {"wordPolicy": {"customWords": words, "managedWordLists": []}},
            bool(hits),
            {"wordPolicyUnits": text_units(blocks)},
        )


def test_guardrail_policies_decide_the_action() -> None:
    guardrail = Guardrail("words", frozenset({"1"}), (BlockWord("decaf"),), blocked_output_message="Blocked.")
    source_text = TextBlock("We never serve decaf.", frozenset({"grounding_source"}))
    blocked = apply_guardrail(
        guardrail,
        version="1",
        source="OUTPUT",
        region="eu-west-1",
        full=False,
        blocks=[source_text, TextBlock("Try our decaf!")],
    )
    assert (blocked["action"], blocked["outputs"]) == ("GUARDRAIL_INTERVENED", [{"text": "Blocked."}])
    assert blocked["assessments"][0]["wordPolicy"]["customWords"][0]["match"] == "decaf"
    assert blocked["usage"]["wordPolicyUnits"] == 2
    assert blocked["guardrailCoverage"]["textCharacters"] == {"guarded": 14, "total": 35}
    assert blocked["assessments"][0]["appliedGuardrailDetails"]["guardrailArn"] == (
        "arn:aws:bedrock:eu-west-1:000000000000:guardrail/words"
    )
    passed = apply_guardrail(
        guardrail,
        version="1",
        source="OUTPUT",
        region="eu-west-1",
        full=False,
        blocks=[source_text, TextBlock("Try our espresso!")],
    )
    assert (passed["action"], passed["outputs"]) == ("NONE", [])


def test_find_guardrail() -> None:
    guardrails = {"words": Guardrail("words", frozenset({"DRAFT"}))}
    assert find_guardrail(guardrails, "arn:aws:bedrock:us-east-1:123456789012:guardrail/words", "DRAFT").id == "words"
    for identifier, version in (("other", "DRAFT"), ("words", "2")):
        with pytest.raises(GuardrailNotFound) as caught:
            find_guardrail(guardrails, identifier, version)
        kind = kind_of(caught.value)
        assert kind is not None and (kind.status, kind.aws) == (404, "ResourceNotFoundException")


def _resolve(shape: Shape | None, path: str) -> Shape | None:
    for part in path.split("."):
        if shape is None:
            return None
        name, is_item = (part[:-2], True) if part.endswith("[]") else (part, False)
        shape = getattr(shape, "members", {}).get(name)
        if shape is not None and is_item:
            shape = getattr(shape, "member", None)
    return shape
