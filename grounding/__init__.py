"""Grounding and relevance checks for generated answers (Bedrock's contextual grounding check, offline).

    from grounding import check, assess
    result = check(sources, query, answer)
    result.grounding, result.relevance, result.claims
    assess(result).blocked

See ``docs/grounding.md`` for the method, the training data and the measured quality.
"""

from grounding.check import MAX_ANSWER_CHARS, MAX_QUERY_CHARS, MAX_SOURCE_CHARS, Checker, check
from grounding.encoder import HashEncoder, MiniLMEncoder, TextEncoder
from grounding.errors import GroundingError, InvalidInput
from grounding.policy import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    Assessment,
    FilterAssessment,
    FilterConfig,
    GroundingPolicy,
    assess,
)
from grounding.types import ClaimResult, Evidence, GroundingResult

__all__ = [
    "DEFAULT_GROUNDING_THRESHOLD", "DEFAULT_RELEVANCE_THRESHOLD", "MAX_ANSWER_CHARS", "MAX_QUERY_CHARS",
    "MAX_SOURCE_CHARS", "Assessment", "Checker", "ClaimResult", "Evidence", "FilterAssessment", "FilterConfig",
    "GroundingError", "GroundingPolicy", "GroundingResult", "HashEncoder", "InvalidInput", "MiniLMEncoder",
    "TextEncoder", "assess", "check",
]  # fmt: skip
