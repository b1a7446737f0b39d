"""The frozen result types of a grounding check, shared by the library and the HTTP layer.

Spans are ``(start, end)`` character offsets, end exclusive, so ``answer[start:end]`` is the claim
and ``sources[source_index][start:end]`` the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

ClaimLabel = Literal["supported", "unsupported", "contradicted"]
# Why a claim scored low, in words a reviewer can check against the evidence.
Flag = Literal[
    "new_number",
    "new_name",
    "negation_flip",
    "antonym",
    "new_content",
    "no_evidence",
    "quantity_conflict",
    "quantifier_raised",
]


@dataclass(frozen=True)
class Evidence:
    """The source sentence that best supports a claim (best token-level alignment among candidates)."""

    source_index: int
    start: int
    end: int
    text: str
    similarity: float  # MiniLM cosine between the claim and this sentence, in [-1, 1]


@dataclass(frozen=True)
class ClaimResult:
    """One claim of the answer and its verdict.

    ``score`` is the calibrated probability that the claim is supported by the sources; ``label`` is
    ``supported`` when ``score >= threshold`` (the threshold passed to :func:`grounding.check`),
    else ``contradicted`` when the best evidence says the opposite (a flipped negation, an
    antonym, a different number or name in an otherwise matching sentence), else ``unsupported``.
    ``text`` is ``answer[start:end]``. For a short answer the claim is read together with the query
    (``"<query> <answer>"``), but the span still points into the answer.
    """

    text: str
    start: int
    end: int
    score: float
    label: ClaimLabel
    evidence: Evidence | None
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class GroundingResult:
    """The outcome of :func:`grounding.check`.

    ``grounding``: in [0, 1], the lowest claim score ("any new information is ungrounded");
    1.0 when the answer makes no claim (an abstention such as "I don't know").
    ``relevance``: in [0, 1], how well the answer addresses the query.
    ``abstained``: the answer only declines to answer; see ``docs/grounding.md``.
    ``threshold``: the grounding threshold the claim labels were given with.
    """

    grounding: float
    relevance: float
    claims: tuple[ClaimResult, ...]
    abstained: bool
    threshold: float

    @property
    def weakest_claim(self) -> ClaimResult | None:
        """The claim with the lowest score (the one that decides ``grounding``), if any."""
        return min(self.claims, key=lambda claim: claim.score, default=None)


class GroundingChecker(Protocol):
    """What the service needs of a checker: :class:`grounding.HybridChecker` (v3: v1's features and the
    cross-encoder combined, the service's default since 2026-12-05 evening), :class:`grounding.Checker` (v1
    features, the library's default; with :class:`grounding.HashEncoder`, the fast fake) or
    :class:`grounding.CrossEncoderChecker` (v2)."""

    @property
    def default_threshold(self) -> float:
        """The grounding threshold claim labels get when none is given."""
        ...

    def check(
        self, sources: Sequence[str], query: str, answer: str, *, threshold: float | None = None
    ) -> GroundingResult:
        """Score ``answer``'s grounding in ``sources`` and its relevance to ``query``."""
        ...
