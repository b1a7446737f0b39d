"""Bedrock-compatible routes for boto3's ``bedrock`` client: guardrails.

``CreateGuardrail``, ``UpdateGuardrail``, ``GetGuardrail``, ``ListGuardrails``, ``DeleteGuardrail`` and
``CreateGuardrailVersion`` at Bedrock's paths, stored by ``app/core/guardrails/store.py`` and applied by
``bedrock-runtime``'s ``ApplyGuardrail``. Policies: contextual grounding, sensitive information, words,
denied topics and content filters (``app/core/guardrails/config.py`` reads them); an automated-reasoning
policy is a ``ValidationException`` naming it. Identifiers are ids or guardrail ARNs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.guardrails.apply import guardrail_id
from app.core.guardrails.config import POLICY_KEYS, policies_from_bedrock
from app.core.guardrails.store import DRAFT, GroundingFilter
from app.http.bedrock.protocol import CONTROL, bedrock_input, page, policy
from app.http.bedrock.views import guardrail_arn, guardrail_summary, guardrail_view
from app.http.deps import AwsPrincipal, ServicesDep

router = APIRouter(tags=["bedrock"])

_FIELDS = [
    "name", "description", "contextualGroundingPolicyConfig.filtersConfig", "blockedInputMessaging",
    "blockedOutputsMessaging", *POLICY_KEYS,
]  # fmt: skip
_REASONS = {
    "automatedReasoningPolicyConfig": "automatedReasoningPolicyConfig is not supported: ragkb has no automated "
    "reasoning policies; see docs/bedrock-compatibility.md",
    "crossRegionConfig": "crossRegionConfig is not supported: a ragkb guardrail runs where the server runs",
}
CREATE_GUARDRAIL = policy(_FIELDS, ignored=["clientRequestToken", "tags", "kmsKeyId"], reasons=_REASONS)
UPDATE_GUARDRAIL = policy(["guardrailIdentifier", *_FIELDS], ignored=["kmsKeyId"], reasons=_REASONS)
GET_GUARDRAIL = policy(["guardrailIdentifier", "guardrailVersion"])
LIST_GUARDRAILS = policy(["guardrailIdentifier", "maxResults", "nextToken"])
DELETE_GUARDRAIL = policy(["guardrailIdentifier", "guardrailVersion"])
CREATE_GUARDRAIL_VERSION = policy(["guardrailIdentifier", "description"], ignored=["clientRequestToken"])

CreateInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "CreateGuardrail", CREATE_GUARDRAIL))]
UpdateInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "UpdateGuardrail", UPDATE_GUARDRAIL))]
GetInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "GetGuardrail", GET_GUARDRAIL))]
ListInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "ListGuardrails", LIST_GUARDRAILS))]
DeleteInput = Annotated[dict[str, Any], Depends(bedrock_input(CONTROL, "DeleteGuardrail", DELETE_GUARDRAIL))]
VersionInput = Annotated[
    dict[str, Any], Depends(bedrock_input(CONTROL, "CreateGuardrailVersion", CREATE_GUARDRAIL_VERSION))
]


@router.post("/guardrails", status_code=202, summary="CreateGuardrail")
def create_guardrail(principal: AwsPrincipal, services: ServicesDep, params: CreateInput) -> dict[str, Any]:
    """A new guardrail's ``DRAFT``. Thresholds outside [0, 0.99] and two filters of one type are refused."""
    record = services.guardrails.create(**_definition(params))
    region = services.settings.aws_region
    return {
        "guardrailId": record.id,
        "guardrailArn": guardrail_arn(region, record.id),
        "version": record.version,
        "createdAt": record.created_at,
    }


@router.put("/guardrails/{guardrailIdentifier:path}", status_code=202, summary="UpdateGuardrail")
def update_guardrail(principal: AwsPrincipal, services: ServicesDep, params: UpdateInput) -> dict[str, Any]:
    """Replaces the ``DRAFT``'s whole definition, as Bedrock does: a policy left out is removed."""
    record = services.guardrails.update(guardrail_id(params["guardrailIdentifier"]), **_definition(params))
    return {
        "guardrailId": record.id,
        "guardrailArn": guardrail_arn(services.settings.aws_region, record.id),
        "version": record.version,
        "updatedAt": record.updated_at,
    }


def _definition(params: dict[str, Any]) -> dict[str, Any]:
    """The store's arguments for a ``CreateGuardrail`` / ``UpdateGuardrail`` request."""
    filters = tuple(
        GroundingFilter(f["type"], f["threshold"], f.get("action", "BLOCK"), f.get("enabled", True))
        for f in params.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
    )
    return {
        "name": params["name"], "description": params.get("description", ""), "filters": filters,
        "blocked_input_message": params["blockedInputMessaging"],
        "blocked_output_message": params["blockedOutputsMessaging"],
        "policies": policies_from_bedrock(params),
    }  # fmt: skip


@router.get("/guardrails", summary="ListGuardrails")
def list_guardrails(principal: AwsPrincipal, services: ServicesDep, params: ListInput) -> dict[str, Any]:
    """Every guardrail's ``DRAFT``, or every version of the guardrail named by ``guardrailIdentifier``."""
    identifier = params.get("guardrailIdentifier")
    store = services.guardrails
    records = store.list() if identifier is None else store.versions(guardrail_id(identifier))
    items, next_token = page(records, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    body: dict[str, Any] = {"guardrails": [guardrail_summary(r, region=services.settings.aws_region) for r in items]}
    if next_token is not None:
        body["nextToken"] = next_token
    return body


@router.get("/guardrails/{guardrailIdentifier:path}", summary="GetGuardrail")
def get_guardrail(principal: AwsPrincipal, services: ServicesDep, params: GetInput) -> dict[str, Any]:
    record = services.guardrails.get(guardrail_id(params["guardrailIdentifier"]), params.get("guardrailVersion", DRAFT))
    return guardrail_view(record, region=services.settings.aws_region)


@router.delete("/guardrails/{guardrailIdentifier:path}", status_code=202, summary="DeleteGuardrail")
def delete_guardrail(principal: AwsPrincipal, services: ServicesDep, params: DeleteInput) -> dict[str, Any]:
    """The whole guardrail, or only the numbered ``guardrailVersion``."""
    services.guardrails.delete(guardrail_id(params["guardrailIdentifier"]), params.get("guardrailVersion"))
    return {}


@router.post("/guardrails/{guardrailIdentifier:path}", status_code=202, summary="CreateGuardrailVersion")
def create_guardrail_version(principal: AwsPrincipal, services: ServicesDep, params: VersionInput) -> dict[str, Any]:
    record = services.guardrails.create_version(
        guardrail_id(params["guardrailIdentifier"]), description=params.get("description")
    )
    return {"guardrailId": record.id, "version": record.version}
