"""Applying a guardrail (Bedrock's ``ApplyGuardrail``): what a guardrail is, and how its verdict is reported.

:func:`apply_stored_guardrail` is the one entry every surface calls (``bedrock-runtime``'s
``ApplyGuardrail``, ``RetrieveAndGenerate`` with a ``guardrailConfiguration``, the native
``POST /v1/guardrails/{name}/apply``): it resolves the guardrail and renders ``ApplyGuardrailResponse``.

A :class:`Guardrail` is a list of policies. Each :class:`GuardrailPolicy` reads the text blocks of a
request and returns a :class:`PolicyResult`: its part of Bedrock's ``GuardrailAssessment`` (for instance
``{"contextualGroundingPolicy": {"filters": [...]}}``), whether it intervenes, and the usage units it
consumed. :func:`apply_guardrail` runs the policies and renders ``ApplyGuardrailResponse``.

Guardrails come from two places (:func:`resolve_guardrail`): the built-in ``passthrough`` (versions
``DRAFT`` and ``1``, no policies, action always ``NONE``) and the guardrails stored in
``app/core/guardrails/store.py``, whose contextual grounding filters run as a
:class:`ContextualGroundingPolicy`: sources are the blocks qualified ``grounding_source``, the query
the blocks qualified ``query``, the answer the blocks qualified ``guard_content`` (or, when none is,
the unqualified ones), as Bedrock reads them. Their other policies (sensitive information, words,
topics, content) run as one :class:`ConfiguredPolicies` on the same
guarded blocks; when it anonymizes, ``outputs`` holds each guarded block with its matches masked.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.core.errors import GuardrailNotFound, RequestError
from app.core.grounding_checks import check_answer
from app.core.guardrails.policies import assessment_view
from app.core.guardrails.store import GuardrailRecord, GuardrailStore
from app.settings import Settings
from grounding import GroundingChecker, GroundingPolicy
from guardrails import Guard, Policies

Source = Literal["INPUT", "OUTPUT"]
TEXT_UNIT_CHARS = 1000  # Bedrock bills guardrails per text unit of up to 1,000 characters
USAGE_KEYS = (
    "topicPolicyUnits", "contentPolicyUnits", "wordPolicyUnits", "sensitiveInformationPolicyUnits",
    "sensitiveInformationPolicyFreeUnits", "contextualGroundingPolicyUnits",
)  # fmt: skip
_ARN = re.compile(r"^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/(?P<id>[a-z0-9]+)$")

BLOCKED_REASON = "Guardrail blocked."  # ApplyGuardrail's actionReason when the content is replaced
MASKED_REASON = "Guardrail masked."  # ... when only sensitive information was masked
ACCOUNT_ID = "000000000000"  # the account every ragkb ARN names


def guardrail_arn(region: str, guardrail_id: str) -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:guardrail/{guardrail_id}"


@dataclass(frozen=True)
class TextBlock:
    """One ``text`` content block; ``qualifiers`` are Bedrock's ``grounding_source``, ``query``, ``guard_content``."""

    text: str
    qualifiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyResult:
    """A policy's part of the assessment; ``masked``: the guarded blocks' texts with matches masked, when the
    policy anonymized something (it intervened without blocking)."""

    assessment: Mapping[str, Any] = field(default_factory=dict)
    intervened: bool = False
    usage: Mapping[str, int] = field(default_factory=dict)
    masked: tuple[str, ...] | None = None
    blocked: bool | None = None  # None: as ``intervened``


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


def guardrail_id(identifier: str) -> str:
    """The id in a guardrail identifier: the identifier itself, or the last part of a guardrail ARN."""
    match = _ARN.match(identifier)
    return match.group("id") if match else identifier


def find_guardrail(guardrails: Mapping[str, Guardrail], identifier: str, version: str) -> Guardrail:
    """The guardrail named by id or ARN at ``version``; raises :class:`GuardrailNotFound`."""
    wanted = guardrail_id(identifier)
    guardrail = guardrails.get(wanted)
    if guardrail is None:
        raise GuardrailNotFound(f"guardrail {identifier} does not exist")
    if version not in guardrail.versions:
        raise GuardrailNotFound(f"guardrail {wanted} has no version {version!r}")
    return guardrail


def resolve_guardrail(
    store: GuardrailStore, identifier: str, version: str, *, checker: Callable[[], GroundingChecker],
    guard: Callable[[], Guard],
) -> Guardrail:  # fmt: skip
    """A built-in guardrail, or a stored one at ``version`` (``checker`` and ``guard`` are called only when a
    policy needs them)."""
    builtins = builtin_guardrails()
    wanted = guardrail_id(identifier)
    if wanted in builtins:
        return find_guardrail(builtins, wanted, version)
    return stored_guardrail(store.get(wanted, version), checker=checker, guard=guard)


def stored_guardrail(
    record: GuardrailRecord, *, checker: Callable[[], GroundingChecker], guard: Callable[[], Guard]
) -> Guardrail:
    policy = record.grounding_policy()
    policies: list[GuardrailPolicy] = []
    if not record.policies.empty:
        policies.append(ConfiguredPolicies(record.policies, guard=guard))
    if policy is not None:
        policies.append(ContextualGroundingPolicy(policy, checker=checker))
    return Guardrail(
        id=record.id, versions=frozenset({record.version}), policies=tuple(policies),
        blocked_input_message=record.blocked_input_message, blocked_output_message=record.blocked_output_message,
    )  # fmt: skip


class GuardrailServices(Protocol):
    """What applying a stored guardrail needs of :class:`app.core.services.Services` (a Protocol, so this
    module does not import the services module that imports it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def guardrails(self) -> GuardrailStore: ...

    @property
    def checker(self) -> GroundingChecker: ...

    @property
    def guard(self) -> Guard: ...


def apply_stored_guardrail(
    services: GuardrailServices, identifier: str, version: str, *, source: Source, blocks: Sequence[TextBlock],
    full: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Resolve the guardrail named by id or ARN at ``version`` and apply it: Bedrock's ``ApplyGuardrailResponse``.

    Raises :class:`GuardrailNotFound` for an unknown guardrail or version, ``RequestError`` for content a
    policy cannot judge (grounding without sources or query)."""
    guardrail = resolve_guardrail(
        services.guardrails, identifier, version, checker=lambda: services.checker, guard=lambda: services.guard
    )
    return apply_guardrail(
        guardrail, version=version, source=source, blocks=blocks, full=full, region=services.settings.aws_region
    )


class ContextualGroundingPolicy:
    """Bedrock's ``contextualGroundingPolicy``: the grounding checker's scores against the filters' thresholds.

    Applies to model output (``source`` ``OUTPUT``); on ``INPUT`` it reports nothing, as there is no
    answer to check. Every enabled filter is reported (``score``, ``threshold``, ``detected`` =
    ``score < threshold``, ``action`` ``BLOCKED`` when a ``BLOCK`` filter detects, else ``NONE``),
    whatever the ``outputScope``. Several ``grounding_source`` blocks are several sources; several
    ``query`` (or guarded) blocks are joined into one query (answer), one per line.
    """

    def __init__(self, policy: GroundingPolicy, *, checker: Callable[[], GroundingChecker]) -> None:
        self.policy = policy
        self.checker = checker

    def assess(self, *, source: Source, blocks: Sequence[TextBlock], full: bool) -> PolicyResult:
        if source == "INPUT":
            return PolicyResult()
        sources = [block.text for block in blocks if "grounding_source" in block.qualifiers]
        queries = [block.text for block in blocks if "query" in block.qualifiers]
        guarded = guarded_blocks(blocks)
        if not sources or not queries:
            missing = " and ".join(
                name for name, found in (("grounding_source", sources), ("query", queries)) if not found
            )
            raise RequestError(
                f"the guardrail's contextual grounding policy needs content qualified {missing}: send the "
                "sources as text blocks with qualifiers ['grounding_source'] and the question with ['query']"
            )
        if not guarded:
            raise RequestError(
                "there is no content to check: send the answer as a text block qualified ['guard_content'] "
                "or without qualifiers"
            )
        answer = "\n".join(block.text for block in guarded)
        outcome = check_answer(
            self.checker(), sources=sources, query="\n".join(queries), answer=answer, policy=self.policy
        )
        assessment = outcome.assessment
        filters = [
            {"type": f.type, "threshold": f.threshold, "score": round(f.score, 4), "action": f.action,
             "detected": f.detected}
            for f in assessment.filters
        ]  # fmt: skip
        used = [block for block in blocks if block.qualifiers & {"grounding_source", "query"}] + guarded
        return PolicyResult(
            {"contextualGroundingPolicy": {"filters": filters}},
            assessment.blocked,
            {"contextualGroundingPolicyUnits": text_units(used)},
        )


class ConfiguredPolicies:
    """A guardrail's sensitive-information, word, topic and content policies as one policy: runs
    :class:`guardrails.Guard` on the guarded blocks (``guard`` is called on first use: it loads MiniLM)."""

    def __init__(self, policies: Policies, *, guard: Callable[[], Guard]) -> None:
        self.policies = policies
        self.guard = guard

    def assess(self, *, source: Source, blocks: Sequence[TextBlock], full: bool) -> PolicyResult:
        guarded = guarded_blocks(blocks)
        result = self.guard().assess(self.policies, source=source, texts=[block.text for block in guarded])
        return PolicyResult(
            assessment_view(result, self.policies, full=full),
            result.intervened,
            self._usage(source, guarded),
            masked=result.masked if result.anonymized else None,
            blocked=result.blocked,
        )

    def _usage(self, source: Source, guarded: Sequence[TextBlock]) -> dict[str, int]:
        units = text_units(guarded)
        p = self.policies
        usage = {}
        if p.sensitive is not None:
            paid = any(e.directions.action(source) for e in p.sensitive.entities)
            usage["sensitiveInformationPolicyUnits" if paid else "sensitiveInformationPolicyFreeUnits"] = units
        if p.words is not None:
            usage["wordPolicyUnits"] = units
        if p.topics is not None:
            usage["topicPolicyUnits"] = units
        if p.content is not None:
            usage["contentPolicyUnits"] = units
        return usage


def apply_guardrail(
    guardrail: Guardrail, *, version: str, source: Source, blocks: Sequence[TextBlock], full: bool, region: str
) -> dict[str, Any]:
    """Bedrock's ``ApplyGuardrailResponse`` for ``blocks`` (``full``: outputScope ``FULL``)."""
    started = time.perf_counter()
    results = [policy.assess(source=source, blocks=blocks, full=full) for policy in guardrail.policies]
    intervened = any(result.intervened for result in results)
    blocked = any(result.intervened if result.blocked is None else result.blocked for result in results)
    usage = dict.fromkeys(USAGE_KEYS, 0)
    assessment: dict[str, Any] = {}
    for result in results:
        assessment |= result.assessment
        for key, units in result.usage.items():
            usage[key] = usage.get(key, 0) + units
    total = sum(len(block.text) for block in blocks)
    guarded = sum(len(block.text) for block in guarded_blocks(blocks)) if guardrail.policies else 0
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
    if blocked:
        outputs = [{"text": message}]
    elif intervened:
        masked = next(result.masked for result in results if result.masked is not None)
        outputs = [{"text": text} for text in masked]
    else:
        outputs = []
    reason = BLOCKED_REASON if blocked else MASKED_REASON if intervened else "No action."
    return {
        "usage": usage,
        "action": "GUARDRAIL_INTERVENED" if intervened else "NONE",
        "actionReason": reason,
        "outputs": outputs,
        "assessments": [assessment],
        "guardrailCoverage": coverage,
    }


def text_units(blocks: Sequence[TextBlock]) -> int:
    """Text units a policy consumes on ``blocks`` (for a policy's ``usage``)."""
    return sum(math.ceil(len(block.text) / TEXT_UNIT_CHARS) for block in blocks if block.text)


def guarded_blocks(blocks: Sequence[TextBlock]) -> list[TextBlock]:
    """The blocks policies judge: those marked ``guard_content``, else all but grounding sources and queries."""
    marked = [block for block in blocks if "guard_content" in block.qualifiers]
    if marked:
        return marked
    return [block for block in blocks if not block.qualifiers & {"grounding_source", "query"}]
