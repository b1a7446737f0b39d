"""Bedrock-compatible routes for boto3's ``bedrock-runtime`` client: ``ApplyGuardrail``.

The guardrail is the built-in ``passthrough`` one (no policies, action ``NONE``) or one created with
``create_guardrail`` / ``POST /v1/guardrails``, applied by ``app/core/guardrails/apply.py`` (its
contextual grounding filters run the grounding checker; its other policies the guardrails library). An
unknown identifier or version is a ``ResourceNotFoundException``. Text blocks only: image blocks are a
``ValidationException``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import RequestError
from app.core.guardrails.apply import TextBlock, apply_stored_guardrail
from app.http.bedrock.protocol import RUNTIME, bedrock_input, policy
from app.http.deps import AwsPrincipal, ServicesDep

router = APIRouter(tags=["bedrock-runtime"])

APPLY_GUARDRAIL = policy(
    ["guardrailIdentifier", "guardrailVersion", "source", "content[].text", "outputScope"],
    reasons={"content[].image": "image content is not supported: ragkb guardrails check text blocks"},
)
ApplyInput = Annotated[dict[str, Any], Depends(bedrock_input(RUNTIME, "ApplyGuardrail", APPLY_GUARDRAIL))]


@router.post("/guardrail/{guardrailIdentifier:path}/version/{guardrailVersion}/apply", summary="ApplyGuardrail")
def apply_guardrail_route(principal: AwsPrincipal, services: ServicesDep, params: ApplyInput) -> dict[str, Any]:
    blocks = []
    for i, block in enumerate(params["content"]):
        if "text" not in block:
            raise RequestError(f"content[{i}] has no text block")
        blocks.append(TextBlock(block["text"]["text"], frozenset(block["text"].get("qualifiers", ()))))
    response = apply_stored_guardrail(
        services, params["guardrailIdentifier"], params["guardrailVersion"], source=params["source"], blocks=blocks,
        full=params.get("outputScope") == "FULL",
    )  # fmt: skip
    services.console.violations.record_apply(
        response, path="apply_guardrail", source=params["source"], excerpt=blocks[-1].text if blocks else ""
    )
    return response
