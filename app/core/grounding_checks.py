"""One grounding check as the service and the CLI run it: the checker's scores judged by a policy. Its
plain-JSON view (``POST /v1/grounding/check``, ``ragkb check --json``) is ``app.core.views.outcome_view``.

Example::

    outcome = check_with_filters(checker, sources=["Tokyo is the capital of Japan."],
                                 query="What is the capital of Japan?", answer="Tokyo.", grounding_threshold=0.6)
    outcome.blocked  # False

A guardrail brings its own policy: ``check_answer(checker, ..., policy=guardrail_policy)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grounding import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    Action,
    Assessment,
    FilterConfig,
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
    grounding_action: Action = "BLOCK", relevance_action: Action = "BLOCK", checker: GroundingChecker | None = None,
) -> GroundingPolicy:  # fmt: skip
    """Both filters; raises ``InvalidInput`` out of [0, 0.99]. Thresholds not given: the grounding one is
    ``checker``'s calibrated default (v3's 0.50, v2's 0.45, v1's 0.55; the library's, v1's, when no checker is
    named), the relevance one the library's."""
    default = DEFAULT_GROUNDING_THRESHOLD if checker is None else checker.default_threshold
    grounding = default if grounding_threshold is None else grounding_threshold
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


def check_with_filters(
    checker: GroundingChecker, *, sources: Sequence[str], query: str, answer: str,
    grounding_threshold: float | None = None, relevance_threshold: float | None = None,
    grounding_action: Action = "BLOCK", relevance_action: Action = "BLOCK",
) -> CheckOutcome:  # fmt: skip
    """Check ``answer`` against both filters (:func:`grounding_policy`); a grounding threshold not given is
    ``checker``'s own calibrated default, so the policy always fits the checker that runs."""
    policy = grounding_policy(
        grounding_threshold=grounding_threshold, relevance_threshold=relevance_threshold,
        grounding_action=grounding_action, relevance_action=relevance_action, checker=checker,
    )  # fmt: skip
    return check_answer(checker, sources=sources, query=query, answer=answer, policy=policy)
