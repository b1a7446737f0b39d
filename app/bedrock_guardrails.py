"""Guardrails for Bedrock's ``ApplyGuardrail``: what a guardrail is, and how its verdict is reported.

A :class:`Guardrail` is a list of policies. Each :class:`GuardrailPolicy` reads the text blocks of a
request and returns a :class:`PolicyResult`: its part of Bedrock's ``GuardrailAssessment`` (for instance
``{"contextualGroundingPolicy": {"filters": [...]}}``), whether it intervenes, and the usage units it
consumed. :func:`apply_guardrail` runs the policies and renders ``ApplyGuardrailResponse``.

Implemented today: the response shape, and one built-in guardrail, ``passthrough`` (versions ``DRAFT``
and ``1``), that has no policies: its action is always ``NONE``. A contextual-grounding policy plugs in
as one more ``GuardrailPolicy`` (it reads the blocks qualified ``grounding_source`` and ``query`` and
assesses the ``guard_content`` ones).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.bedrock_views import guardrail_arn
from app.errors import ResourceNotFound

Source = Literal["INPUT", "OUTPUT"]
TEXT_UNIT_CHARS = 1000  # Bedrock bills guardrails per text unit of up to 1,000 characters
USAGE_KEYS = (
    "topicPolicyUnits", "contentPolicyUnits", "wordPolicyUnits", "sensitiveInformationPolicyUnits",
    "sensitiveInformationPolicyFreeUnits", "contextualGroundingPolicyUnits",
)  # fmt: skip
_ARN = re.compile(r"^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/(?P<id>[a-z0-9]+)$")


class GuardrailNotFound(ResourceNotFound):
    """No guardrail with that identifier and version."""


@dataclass(frozen=True)
class TextBlock:
    """One ``text`` content block; ``qualifiers`` are Bedrock's ``grounding_source``, ``query``, ``guard_content``."""

    text: str
    qualifiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyResult:
    assessment: Mapping[str, Any] = field(default_factory=dict)
    intervened: bool = False
    usage: Mapping[str, int] = field(default_factory=dict)


class GuardrailPolicy(Protocol):
    def assess(self, *, source: Source, blocks: Sequence[TextBlock], full: bool) -> PolicyResult:
        """Judge ``blocks``; ``full`` asks for every filter's assessment, not only those that intervened."""
        ...


@dataclass(frozen=True)
class Guardrail:
    id: str
    versions: frozenset[str]
    policies: tuple[GuardrailPolicy, ...] = ()
    blocked_input_message: str = "Sorry, the model cannot answer this question."
    blocked_output_message: str = "Sorry, the model cannot answer this question."


def builtin_guardrails() -> dict[str, Guardrail]:
    return {"passthrough": Guardrail(id="passthrough", versions=frozenset({"DRAFT", "1"}))}


def find_guardrail(guardrails: Mapping[str, Guardrail], identifier: str, version: str) -> Guardrail:
    """The guardrail named by id or ARN at ``version``; raises :class:`GuardrailNotFound`."""
    match = _ARN.match(identifier)
    guardrail_id = match.group("id") if match else identifier
    guardrail = guardrails.get(guardrail_id)
    if guardrail is None:
        raise GuardrailNotFound(f"guardrail {identifier} does not exist (known: {', '.join(sorted(guardrails))})")
    if version not in guardrail.versions:
        raise GuardrailNotFound(f"guardrail {guardrail_id} has no version {version!r}")
    return guardrail


def apply_guardrail(
    guardrail: Guardrail, *, version: str, source: Source, blocks: Sequence[TextBlock], full: bool, region: str
) -> dict[str, Any]:
    """Bedrock's ``ApplyGuardrailResponse`` for ``blocks`` (``full``: outputScope ``FULL``)."""
    started = time.perf_counter()
    results = [policy.assess(source=source, blocks=blocks, full=full) for policy in guardrail.policies]
    intervened = any(result.intervened for result in results)
    usage = dict.fromkeys(USAGE_KEYS, 0)
    assessment: dict[str, Any] = {}
    for result in results:
        assessment |= result.assessment
        for key, units in result.usage.items():
            usage[key] = usage.get(key, 0) + units
    total = sum(len(block.text) for block in blocks)
    guarded = sum(len(block.text) for block in _guarded(blocks)) if guardrail.policies else 0
    coverage = {"textCharacters": {"guarded": guarded, "total": total}}
    assessment["invocationMetrics"] = {
        "guardrailProcessingLatency": round((time.perf_counter() - started) * 1000),
        "usage": usage,
        "guardrailCoverage": coverage,
    }
    assessment["appliedGuardrailDetails"] = {
        "guardrailId": guardrail.id,
        "guardrailVersion": version,
        "guardrailArn": guardrail_arn(region, guardrail.id),
        "guardrailOrigin": ["REQUEST"],
        "guardrailOwnership": "SELF",
    }
    message = guardrail.blocked_input_message if source == "INPUT" else guardrail.blocked_output_message
    return {
        "usage": usage,
        "action": "GUARDRAIL_INTERVENED" if intervened else "NONE",
        "actionReason": "Guardrail blocked." if intervened else "No action.",
        "outputs": [{"text": message}] if intervened else [],
        "assessments": [assessment],
        "guardrailCoverage": coverage,
    }


def text_units(blocks: Sequence[TextBlock]) -> int:
    """Text units a policy consumes on ``blocks`` (for a policy's ``usage``)."""
    return sum(math.ceil(len(block.text) / TEXT_UNIT_CHARS) for block in blocks if block.text)


def _guarded(blocks: Sequence[TextBlock]) -> list[TextBlock]:
    """The blocks policies judge: those marked ``guard_content``, else all but grounding sources and queries."""
    marked = [block for block in blocks if "guard_content" in block.qualifiers]
    if marked:
        return marked
    return [block for block in blocks if not block.qualifiers & {"grounding_source", "query"}]
