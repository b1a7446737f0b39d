"""One grounding check as the service and the CLI run it: the checker's scores judged by a policy,
and the plain-JSON view of the outcome that ``POST /v1/grounding/check`` and ``ragkb check --json`` print.

Example::

    policy = grounding_policy(grounding_threshold=0.6)
    outcome = check_answer(checker, sources=["Tokyo is the capital of Japan."],
                           query="What is the capital of Japan?", answer="Tokyo.", policy=policy)
    outcome_view(outcome)["grounding"]  # {"score": ..., "threshold": 0.6, "detected": False, ...}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grounding import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    Action,
    Assessment,
    ClaimResult,
    FilterConfig,
    FilterType,
    GroundingChecker,
    GroundingPolicy,
    GroundingResult,
    assess,
)


@dataclass(frozen=True)
class CheckOutcome:
    """The checker's result, the policy it was judged by and the verdict."""

    result: GroundingResult
    policy: GroundingPolicy
    assessment: Assessment

    @property
    def blocked(self) -> bool:
        return self.assessment.blocked


def grounding_policy(
    *, grounding_threshold: float | None = None, relevance_threshold: float | None = None,
    grounding_action: Action = "BLOCK", relevance_action: Action = "BLOCK",
) -> GroundingPolicy:  # fmt: skip
    """Both filters, at the library's default thresholds unless given; raises ``InvalidInput`` out of [0, 0.99]."""
    grounding = DEFAULT_GROUNDING_THRESHOLD if grounding_threshold is None else grounding_threshold
    relevance = DEFAULT_RELEVANCE_THRESHOLD if relevance_threshold is None else relevance_threshold
    return GroundingPolicy(
        filters=(
            FilterConfig("GROUNDING", grounding, grounding_action),
            FilterConfig("RELEVANCE", relevance, relevance_action),
        )
    )


def check_answer(
    checker: GroundingChecker, *, sources: Sequence[str], query: str, answer: str, policy: GroundingPolicy
) -> CheckOutcome:
    """Check ``answer`` and judge it; claim labels use the policy's grounding threshold (if it has one)."""
    threshold = next((f.threshold for f in policy.filters if f.type == "GROUNDING"), None)
    result = checker.check(sources, query, answer, threshold=threshold)
    return CheckOutcome(result, policy, assess(result, policy))


def outcome_view(outcome: CheckOutcome) -> dict[str, Any]:
    """``{"grounding", "relevance", "blocked", "abstained", "claims"}``; a filter the policy lacks is ``None``."""
    configured = {f.type: f for f in outcome.policy.filters}
    filters: dict[FilterType, dict[str, Any] | None] = {"GROUNDING": None, "RELEVANCE": None}
    for judged in outcome.assessment.filters:
        filters[judged.type] = {
            "score": round(judged.score, 4),
            "threshold": judged.threshold,
            "detected": judged.detected,
            "action": configured[judged.type].action,
            "blocked": judged.action == "BLOCKED",
        }
    return {
        "grounding": filters["GROUNDING"],
        "relevance": filters["RELEVANCE"],
        "blocked": outcome.blocked,
        "abstained": outcome.result.abstained,
        "claims": [claim_view(claim) for claim in outcome.result.claims],
    }


def claim_view(claim: ClaimResult) -> dict[str, Any]:
    """A claim with its span in the answer (end exclusive) and its best evidence in the sources."""
    evidence = claim.evidence
    return {
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "score": round(claim.score, 4),
        "label": claim.label,
        "flags": list(claim.flags),
        "evidence": None
        if evidence is None
        else {
            "source_index": evidence.source_index,
            "start": evidence.start,
            "end": evidence.end,
            "text": evidence.text,
            "similarity": evidence.similarity,
        },
    }
