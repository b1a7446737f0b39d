"""Bedrock-compatible routes for boto3's ``bedrock-runtime`` client: ``ApplyGuardrail``.

The guardrail is the built-in ``passthrough`` one (no policies, action ``NONE``) or one created with
``create_guardrail`` / ``POST /v1/guardrails``, whose contextual grounding filters run the grounding
checker (``app/http/bedrock/assessment.py``). An unknown identifier or version is a
``ResourceNotFoundException``. Text blocks only: image blocks are a ``ValidationException``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import RequestError
from app.core.services import Services
from app.http.bedrock.assessment import Source, TextBlock, apply_guardrail, resolve_guardrail
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
    guardrail = resolve_guardrail(
        services.guardrails, params["guardrailIdentifier"], params["guardrailVersion"],
        checker=lambda: services.checker,
    )  # fmt: skip
    blocks = []
    for i, block in enumerate(params["content"]):
        if "text" not in block:
            raise RequestError(f"content[{i}] has no text block")
        blocks.append(TextBlock(block["text"]["text"], frozenset(block["text"].get("qualifiers", ()))))
    return apply_guardrail(
        guardrail, version=params["guardrailVersion"], source=params["source"], blocks=blocks,
        full=params.get("outputScope") == "FULL", region=services.settings.aws_region,
    )  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """A guardrail's verdict on one text: ``text`` is the text itself, or the blocked message when it intervened."""

    intervened: bool
    text: str
    response: dict[str, Any]  # ApplyGuardrailResponse, for a trace


def guard_text(
    services: Services, configuration: dict[str, Any], *, source: Source, text: str,
    sources: Sequence[str] = (), query: str | None = None,
) -> Verdict:  # fmt: skip
    """Run the guardrail of a ``guardrailConfiguration`` (``guardrailId``/``guardrailIdentifier`` and
    ``guardrailVersion``) on ``text``, as ``apply_guardrail`` would with ``sources`` qualified
    ``grounding_source`` and ``query`` qualified ``query``: the one way retrieve-and-generate and
    Converse apply a guardrail."""
    identifier = configuration.get("guardrailId") or configuration["guardrailIdentifier"]
    version = configuration["guardrailVersion"]
    guardrail = resolve_guardrail(services.guardrails, identifier, version, checker=lambda: services.checker)
    blocks = [TextBlock(item, frozenset({"grounding_source"})) for item in sources]
    if query is not None:
        blocks.append(TextBlock(query, frozenset({"query"})))
    blocks.append(TextBlock(text, frozenset({"guard_content"})))
    response = apply_guardrail(
        guardrail, version=version, source=source, blocks=blocks, full=False, region=services.settings.aws_region
    )
    intervened = response["action"] == "GUARDRAIL_INTERVENED"
    return Verdict(intervened, response["outputs"][0]["text"] if intervened else text, response)
