"""Grounding and relevance checks for generated answers (Bedrock's contextual grounding check, offline).

    from grounding import check, assess
    result = check(sources, query, answer)
    result.grounding, result.relevance, result.claims
    assess(result).blocked

See ``docs/grounding.md`` for the method, the training data and the measured quality.
"""

from grounding.check import Checker, check
from grounding.crossencoder import CrossEncoder, OverlapScorer, PairScorer
from grounding.crossencoder.check import Calibration, CrossEncoderChecker
from grounding.crossencoder.hybrid import HybridChecker
from grounding.encoder import HashEncoder, MiniLMEncoder, TextEncoder
from grounding.errors import GroundingError, InvalidInput
from grounding.inputs import MAX_ANSWER_CHARS, MAX_QUERY_CHARS, MAX_SOURCE_CHARS
from grounding.policy import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    HYBRID_GROUNDING_THRESHOLD,
    Action,
    Assessment,
    FilterAssessment,
    FilterConfig,
    FilterType,
    GroundingPolicy,
    assess,
)
from grounding.scorer import ModelFileError
from grounding.types import ClaimResult, Evidence, GroundingChecker, GroundingResult

__all__ = [
    "DEFAULT_GROUNDING_THRESHOLD", "DEFAULT_RELEVANCE_THRESHOLD", "HYBRID_GROUNDING_THRESHOLD", "MAX_ANSWER_CHARS",
    "MAX_QUERY_CHARS", "MAX_SOURCE_CHARS", "Action", "Assessment", "Calibration", "Checker", "ClaimResult",
    "CrossEncoder", "CrossEncoderChecker", "Evidence", "FilterAssessment", "FilterConfig", "FilterType",
    "GroundingChecker", "GroundingError", "GroundingPolicy", "GroundingResult", "HashEncoder", "HybridChecker",
    "InvalidInput", "MiniLMEncoder", "ModelFileError", "OverlapScorer", "PairScorer", "TextEncoder", "assess", "check",
]  # fmt: skip
