"""Bedrock's contextual grounding policy: thresholds, BLOCK / NONE, and ``detected = score < threshold``.

A policy has up to two filters, ``GROUNDING`` and ``RELEVANCE``, each with a threshold in
[0, 0.99] and an action: ``BLOCK`` (replace the answer with the blocked message) or ``NONE``
(report only). :func:`assess` applies a policy to a :class:`~grounding.types.GroundingResult` the
way Bedrock's ApplyGuardrail reports it: per filter ``score``, ``threshold``, ``detected`` and the
action taken, ``BLOCKED`` or ``NONE``.

Example::

    policy = GroundingPolicy(filters=(FilterConfig("GROUNDING", threshold=0.5),))
    assessment = assess(result, policy)
    assessment.blocked, assessment.filters[0].detected
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grounding.errors import InvalidInput
from grounding.types import GroundingResult

FilterType = Literal["GROUNDING", "RELEVANCE"]
Action = Literal["BLOCK", "NONE"]
ActionTaken = Literal["BLOCKED", "NONE"]
MAX_THRESHOLD = 0.99

# The library's default checker's (v1) defaults, chosen on training data only (out-of-fold predictions): the
# threshold that maximises the mean balanced accuracy over the training datasets, rounded to 0.05 (a test keeps
# these equal to grounding_model.json / relevance_model.json). The v2 cross-encoder has its own (crossencoder.json).
# See docs/grounding.md.
DEFAULT_GROUNDING_THRESHOLD = 0.55
DEFAULT_RELEVANCE_THRESHOLD = 0.45
# v3's (hybrid_model.json, chosen the same way; a test keeps them equal): the service's default checker since
# 2026-12-05 evening (RAGKB_GROUNDING_MODEL=hybrid). The library's check() and these policy defaults stay v1's.
HYBRID_GROUNDING_THRESHOLD = 0.5


@dataclass(frozen=True)
class FilterConfig:
    """One filter of a policy; raises :class:`~grounding.errors.InvalidInput` for a bad threshold."""

    type: FilterType
    threshold: float = DEFAULT_GROUNDING_THRESHOLD
    action: Action = "BLOCK"

    def __post_init__(self) -> None:
        if self.type not in ("GROUNDING", "RELEVANCE"):
            raise InvalidInput(f"filter type must be GROUNDING or RELEVANCE, got {self.type!r}")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int | float):
            raise InvalidInput(f"threshold must be a number, got {type(self.threshold).__name__}")
        if not 0.0 <= self.threshold <= MAX_THRESHOLD:
            raise InvalidInput(f"threshold must be in [0, {MAX_THRESHOLD}], got {self.threshold}")
        if self.action not in ("BLOCK", "NONE"):
            raise InvalidInput(f"action must be BLOCK or NONE, got {self.action!r}")


@dataclass(frozen=True)
class GroundingPolicy:
    """The filters to apply, at most one per type. The default checks both at the default thresholds."""

    filters: tuple[FilterConfig, ...] = (
        FilterConfig("GROUNDING", DEFAULT_GROUNDING_THRESHOLD),
        FilterConfig("RELEVANCE", DEFAULT_RELEVANCE_THRESHOLD),
    )

    def __post_init__(self) -> None:
        types = [f.type for f in self.filters]
        if len(set(types)) != len(types):
            raise InvalidInput(f"at most one filter per type, got {types}")


@dataclass(frozen=True)
class FilterAssessment:
    """One filter's outcome, shaped like Bedrock's ``GuardrailContextualGroundingFilter``."""

    type: FilterType
    threshold: float
    score: float
    detected: bool
    action: ActionTaken


@dataclass(frozen=True)
class Assessment:
    """All filters' outcomes; ``blocked`` when any filter with action BLOCK detected."""

    filters: tuple[FilterAssessment, ...]

    @property
    def blocked(self) -> bool:
        return any(f.action == "BLOCKED" for f in self.filters)


def assess(result: GroundingResult, policy: GroundingPolicy = GroundingPolicy()) -> Assessment:
    """Apply ``policy`` to ``result``: ``detected = score < threshold``, BLOCKED if detected and BLOCK."""
    outcomes = []
    for config in policy.filters:
        score = result.grounding if config.type == "GROUNDING" else result.relevance
        detected = score < config.threshold
        taken: ActionTaken = "BLOCKED" if detected and config.action == "BLOCK" else "NONE"
        outcomes.append(FilterAssessment(config.type, config.threshold, score, detected, taken))
    return Assessment(filters=tuple(outcomes))
