"""Bedrock's input limits for the grounding check, and the one validation both checkers run."""

from __future__ import annotations

from collections.abc import Sequence

from grounding.errors import InvalidInput

# Bedrock's limits for the contextual grounding check.
MAX_SOURCE_CHARS = 100_000  # all sources together
MAX_QUERY_CHARS = 1_000
MAX_ANSWER_CHARS = 5_000


def validate(sources: Sequence[str], query: str, answer: str) -> None:
    """Raise :class:`~grounding.errors.InvalidInput` unless the inputs are non-blank strings within limits."""
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise InvalidInput("sources must be a list of strings")
    if not sources:
        raise InvalidInput("sources must not be empty")
    for position, source in enumerate(sources):
        if not isinstance(source, str):
            raise InvalidInput(f"sources[{position}] is {type(source).__name__}, not str")
    if not any(source.strip() for source in sources):
        raise InvalidInput("sources are all empty or white space")
    total = sum(len(source) for source in sources)
    if total > MAX_SOURCE_CHARS:
        raise InvalidInput(f"sources have {total} characters together, more than {MAX_SOURCE_CHARS}")
    for name, value, limit in (("query", query, MAX_QUERY_CHARS), ("answer", answer, MAX_ANSWER_CHARS)):
        if not isinstance(value, str):
            raise InvalidInput(f"{name} is {type(value).__name__}, not str")
        if not value.strip():
            raise InvalidInput(f"{name} is empty or white space")
        if len(value) > limit:
            raise InvalidInput(f"{name} has {len(value)} characters, more than {limit}")


def threshold_of(value: float) -> float:
    """``value`` as a grounding threshold; raises :class:`InvalidInput` outside [0, 0.99]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 0.99:
        raise InvalidInput(f"threshold must be a number in [0, 0.99], got {value!r}")
    return float(value)
