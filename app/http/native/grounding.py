"""Native routes for grounding checks and guardrails (``/v1/grounding/check``, ``/v1/guardrails``).

Guardrails made here are the same ones boto3's ``bedrock`` client sees (and ``bedrock-runtime``'s
``apply_guardrail`` applies). Keys scoped to some knowledge bases may check answers and read
guardrails, but not create or delete them (403).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.core.errors import Forbidden, GuardrailNotFound
from app.core.grounding_checks import check_answer, check_with_filters
from app.core.guardrails.apply import TextBlock, apply_stored_guardrail
from app.core.guardrails.config import policies_from_bedrock
from app.core.guardrails.store import DRAFT, GroundingFilter, GuardrailRecord
from app.core.keys import Principal
from app.core.services import Services
from app.core.views import outcome_view
from app.http.deps import NativePrincipal, ServicesDep
from app.http.native.schemas.grounding import (
    LIMITS,
    CreateGuardrailRequest,
    CreateGuardrailVersionRequest,
    GroundingCheckRequest,
    GroundingCheckResponse,
    Guardrail,
    GuardrailCheckRequest,
    GuardrailDetail,
    GuardrailFilterSpec,
    GuardrailList,
)
from app.http.native.schemas.guardrail_policies import ApplyGuardrailRequest, ApplyGuardrailResponse
from app.http.native.schemas.resources import ERROR_RESPONSES, ErrorResponse
from grounding import FilterType, GroundingPolicy

router = APIRouter(responses=ERROR_RESPONSES)
CHECK_TAG = "grounding"
GUARDRAIL_TAG = "guardrails"
GuardrailPath = Annotated[str, Path(description="Guardrail name or id.", examples=["rag-answers"])]
VersionQuery = Annotated[str, Query(pattern=r"^(DRAFT|[1-9][0-9]{0,7})$", description="DRAFT or a number.")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "A guardrail with that name exists."}
}


@router.post(
    "/grounding/check",
    tags=[CHECK_TAG],
    summary="Check an answer's grounding and relevance",
    description="Scores how well `answer` is supported by `sources` (grounding: the lowest score of its claims) "
    "and how well it addresses `query` (relevance), both in [0, 1], against thresholds as Bedrock's contextual "
    "grounding check does: a filter is `detected` when its score is below its threshold, and `blocked` is true "
    "when a filter with action BLOCK detected. Each claim comes with its span in the answer, score, label, "
    "flags and best evidence (source index and span). " + LIMITS,
)
def check(body: GroundingCheckRequest, services: ServicesDep, principal: NativePrincipal) -> GroundingCheckResponse:
    """``POST /v1/grounding/check {"sources": [...], "query": "...", "answer": "..."}``"""
    outcome = check_with_filters(
        services.checker, sources=body.sources, query=body.query, answer=body.answer,
        grounding_threshold=body.grounding_threshold, relevance_threshold=body.relevance_threshold,
        grounding_action=body.actions.grounding, relevance_action=body.actions.relevance,
    )  # fmt: skip
    return GroundingCheckResponse.model_validate(outcome_view(outcome))


@router.post(
    "/guardrails",
    status_code=201,
    tags=[GUARDRAIL_TAG],
    summary="Create a guardrail",
    description="A guardrail with a contextual grounding policy (a GROUNDING and/or a RELEVANCE filter, each with "
    "a threshold in [0, 0.99], an action and an enabled flag), Bedrock's sensitive information, word, topic and "
    "content policies (`policies`, in Bedrock's shapes), and the messages that replace blocked content. "
    "Created as version DRAFT; freeze it with `POST .../versions`. A name already taken is 409.",
    responses=CONFLICT,
)
def create_guardrail(
    body: CreateGuardrailRequest, services: ServicesDep, principal: NativePrincipal, response: Response
) -> GuardrailDetail:
    _may_change(principal)
    record = services.guardrails.create(**_definition(body))
    response.headers["Location"] = f"/v1/guardrails/{record.id}"
    return _detail(services, record)


@router.put(
    "/guardrails/{guardrail}",
    tags=[GUARDRAIL_TAG],
    summary="Replace a guardrail's DRAFT",
    description="The same body as creating one; it replaces the DRAFT's whole definition (a policy left out is "
    "removed, as Bedrock's UpdateGuardrail does). Numbered versions keep theirs. A name taken by another "
    "guardrail is 409.",
    responses=CONFLICT,
)
def update_guardrail(
    guardrail: GuardrailPath, body: CreateGuardrailRequest, services: ServicesDep, principal: NativePrincipal
) -> GuardrailDetail:
    _may_change(principal)
    record = services.guardrails.update(services.guardrails.find(guardrail).id, **_definition(body))
    return _detail(services, record)


def _definition(body: CreateGuardrailRequest) -> dict[str, Any]:
    """The store's arguments for a create or replace request."""
    specs: tuple[tuple[FilterType, GuardrailFilterSpec | None], ...] = (
        ("GROUNDING", body.grounding), ("RELEVANCE", body.relevance)
    )  # fmt: skip
    return {
        "name": body.name, "description": body.description,
        "filters": tuple(GroundingFilter(kind, s.threshold, s.action, s.enabled) for kind, s in specs if s is not None),
        "blocked_input_message": body.blocked_input_message, "blocked_output_message": body.blocked_output_message,
        "policies": policies_from_bedrock(body.policies.bedrock() if body.policies else {}),
    }  # fmt: skip


@router.get("/guardrails", tags=[GUARDRAIL_TAG], summary="List guardrails")
def list_guardrails(services: ServicesDep, principal: NativePrincipal) -> GuardrailList:
    return GuardrailList(guardrails=[Guardrail.from_record(r) for r in services.guardrails.list()])


@router.get(
    "/guardrails/{guardrail}",
    tags=[GUARDRAIL_TAG],
    summary="Get a guardrail",
    description="By name or id; `version` picks a numbered version (default DRAFT).",
)
def get_guardrail(
    guardrail: GuardrailPath, services: ServicesDep, principal: NativePrincipal, version: VersionQuery = DRAFT
) -> GuardrailDetail:
    return _detail(services, _find(services, guardrail, version))


@router.delete(
    "/guardrails/{guardrail}",
    status_code=204,
    tags=[GUARDRAIL_TAG],
    summary="Delete a guardrail",
    description="The guardrail and all its versions, or with `version` one numbered version only.",
)
def delete_guardrail(
    guardrail: GuardrailPath, services: ServicesDep, principal: NativePrincipal, version: VersionQuery | None = None
) -> Response:
    _may_change(principal)
    record = services.guardrails.find(guardrail)
    services.guardrails.delete(record.id, version)
    return Response(status_code=204)


@router.post(
    "/guardrails/{guardrail}/versions",
    status_code=201,
    tags=[GUARDRAIL_TAG],
    summary="Create a guardrail version",
    description="Freezes the DRAFT as the next numbered version (1, 2, ...; numbers are never reused).",
)
def create_guardrail_version(
    guardrail: GuardrailPath, body: CreateGuardrailVersionRequest, services: ServicesDep, principal: NativePrincipal,
    response: Response,
) -> GuardrailDetail:  # fmt: skip
    _may_change(principal)
    record = services.guardrails.create_version(services.guardrails.find(guardrail).id, description=body.description)
    response.headers["Location"] = f"/v1/guardrails/{record.id}?version={record.version}"
    return _detail(services, record)


@router.post(
    "/guardrails/{guardrail}/check",
    tags=[GUARDRAIL_TAG, CHECK_TAG],
    summary="Check an answer with a guardrail",
    description="As `/v1/grounding/check` with the guardrail's enabled filters (a filter that is off, or absent, "
    "is null in the response). " + LIMITS,
)
def check_with_guardrail(
    guardrail: GuardrailPath, body: GuardrailCheckRequest, services: ServicesDep, principal: NativePrincipal,
    version: VersionQuery = DRAFT,
) -> GroundingCheckResponse:  # fmt: skip
    # No filter enabled: the claims are still scored, nothing is judged.
    record = _find(services, guardrail, version)
    policy = record.grounding_policy() or GroundingPolicy(filters=())
    outcome = check_answer(services.checker, sources=body.sources, query=body.query, answer=body.answer, policy=policy)
    services.console.violations.record_check(outcome, guardrail=record, answer=body.answer)
    return GroundingCheckResponse.model_validate(outcome_view(outcome))


@router.post(
    "/guardrails/{guardrail}/apply",
    tags=[GUARDRAIL_TAG],
    summary="Apply a guardrail to text",
    description="Bedrock's ApplyGuardrail: every policy of the guardrail judges the text blocks (sensitive "
    "information and words block by block, topics and content over all of them; grounding needs blocks "
    "qualified `grounding_source` and `query`). `action` is GUARDRAIL_INTERVENED when a policy blocked (`outputs` "
    "holds the blocked message) or masked sensitive information (`outputs` holds each guarded block masked, "
    "`{EMAIL}`). `assessments` are Bedrock's.",
)
def apply_guardrail(
    guardrail: GuardrailPath, body: ApplyGuardrailRequest, services: ServicesDep, principal: NativePrincipal,
    version: VersionQuery = DRAFT,
) -> ApplyGuardrailResponse:  # fmt: skip
    record = _find(services, guardrail, version)
    blocks = [TextBlock(block.text, frozenset(block.qualifiers)) for block in body.content]
    response = apply_stored_guardrail(
        services, record.id, version, source=body.source, blocks=blocks, full=body.output_scope == "FULL"
    )
    return ApplyGuardrailResponse.model_validate(response)


def _find(services: Services, guardrail: str, version: str) -> GuardrailRecord:
    draft = services.guardrails.find(guardrail)
    return draft if version == DRAFT else services.guardrails.get(draft.id, version)


def _detail(services: Services, record: GuardrailRecord) -> GuardrailDetail:
    try:
        versions = [r.version for r in services.guardrails.versions(record.id)]
    except GuardrailNotFound:  # deleted meanwhile
        versions = [record.version]
    return GuardrailDetail(**Guardrail.from_record(record).model_dump(), versions=versions)


def _may_change(principal: Principal) -> None:
    if principal.kb_ids is not None:
        raise Forbidden("this API key is limited to some knowledge bases and may not create or delete guardrails")
