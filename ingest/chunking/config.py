"""How to chunk: :class:`ChunkingConfig`, validated, and its Bedrock ``ChunkingConfiguration`` form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ingest.errors import InvalidChunkingConfig

Strategy = Literal["default", "fixed", "none", "hierarchical", "semantic"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)

# Inclusive ranges, as Bedrock documents them. Bedrock wants overlapPercentage >= 1 and
# overlapTokens >= 1; 0 (no overlap) is allowed here for local use and kept by to_bedrock.
_RANGES: dict[str, tuple[int, int]] = {
    "max_tokens": (1, 8192),
    "overlap_percentage": (0, 99),
    "parent_max_tokens": (1, 8192),
    "child_max_tokens": (1, 8192),
    "overlap_tokens": (0, 8192),
    "buffer_size": (0, 1),
    "breakpoint_percentile": (50, 99),
}
# Used by from_bedrock for fields a Bedrock config leaves out (the Bedrock console's defaults).
_BEDROCK_DEFAULTS = {
    "FIXED_SIZE": {"maxTokens": 300, "overlapPercentage": 20},
    "HIERARCHICAL": {"parentMaxTokens": 1500, "childMaxTokens": 300, "overlapTokens": 60},
    "SEMANTIC": {"maxTokens": 300, "bufferSize": 0, "breakpointPercentileThreshold": 95},
}


@dataclass(frozen=True)
class ChunkingConfig:
    """One chunking strategy and its sizes; invalid values raise :class:`InvalidChunkingConfig`.

    ``default`` is Bedrock's default chunking: fixed-size, 200 tokens, 20 % overlap (any other
    ``max_tokens``/``overlap_percentage`` given with it is replaced). ``fixed`` uses
    ``max_tokens`` (1-8192) and ``overlap_percentage`` (0-99). ``none`` makes one chunk per
    document. ``hierarchical`` uses ``parent_max_tokens``, ``child_max_tokens`` (each 1-8192,
    child <= parent) and ``overlap_tokens``. ``semantic`` uses ``max_tokens``, ``buffer_size``
    (0-1) and ``breakpoint_percentile`` (50-99). Fields another strategy uses are ignored.

    >>> config = ChunkingConfig(strategy="fixed", max_tokens=100, overlap_percentage=10)
    >>> config.to_bedrock()["fixedSizeChunkingConfiguration"]
    {'maxTokens': 100, 'overlapPercentage': 10}
    >>> ChunkingConfig(strategy="fixed", max_tokens=0)
    Traceback (most recent call last):
    ingest.errors.InvalidChunkingConfig: max_tokens must be in 1-8192, got 0
    """

    strategy: Strategy = "default"
    max_tokens: int = 200
    overlap_percentage: int = 20
    parent_max_tokens: int = 1500
    child_max_tokens: int = 300
    overlap_tokens: int = 60
    buffer_size: int = 0
    breakpoint_percentile: int = 95

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise InvalidChunkingConfig(f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        if self.strategy == "default":
            # Frozen: __post_init__ is the one place allowed to normalise a field.
            object.__setattr__(self, "max_tokens", 200)
            object.__setattr__(self, "overlap_percentage", 20)
        for name, (low, high) in _RANGES.items():
            _check_range(name, getattr(self, name), low, high)
        if self.child_max_tokens > self.parent_max_tokens:
            raise InvalidChunkingConfig(
                f"child_max_tokens ({self.child_max_tokens}) must not exceed "
                f"parent_max_tokens ({self.parent_max_tokens})"
            )

    @property
    def overlap_budget(self) -> int:
        """Fixed-size overlap in tokens: ``round(max_tokens * overlap_percentage / 100)``."""
        return round(self.max_tokens * self.overlap_percentage / 100)

    @classmethod
    def from_bedrock(cls, cfg: Mapping[str, Any]) -> ChunkingConfig:
        """Build from a Bedrock ``ChunkingConfiguration`` (the ``bedrock-agent`` API shape).

        Fields missing from a strategy's sub-configuration take the Bedrock console's
        defaults (fixed 300 tokens / 20 %; hierarchical 1500 / 300 / 60; semantic 300 / 0 / 95).

        >>> c = ChunkingConfig.from_bedrock({"chunkingStrategy": "SEMANTIC",
        ...     "semanticChunkingConfiguration": {"maxTokens": 300, "bufferSize": 1,
        ...                                       "breakpointPercentileThreshold": 90}})
        >>> c.strategy, c.max_tokens, c.buffer_size, c.breakpoint_percentile
        ('semantic', 300, 1, 90)
        """
        if not isinstance(cfg, Mapping):
            raise InvalidChunkingConfig("chunking configuration must be a JSON object")
        name = cfg.get("chunkingStrategy")
        if name == "NONE":
            return cls(strategy="none")
        if name == "FIXED_SIZE":
            sub = _sub_config(cfg, "fixedSizeChunkingConfiguration", name)
            return cls(strategy="fixed", max_tokens=sub["maxTokens"], overlap_percentage=sub["overlapPercentage"])
        if name == "HIERARCHICAL":
            return cls(strategy="hierarchical", **_hierarchical_fields(cfg))
        if name == "SEMANTIC":
            sub = _sub_config(cfg, "semanticChunkingConfiguration", name)
            return cls(
                strategy="semantic",
                max_tokens=sub["maxTokens"],
                buffer_size=sub["bufferSize"],
                breakpoint_percentile=sub["breakpointPercentileThreshold"],
            )
        raise InvalidChunkingConfig(
            f"chunkingStrategy must be one of FIXED_SIZE, NONE, HIERARCHICAL, SEMANTIC, got {name!r}"
        )

    def to_bedrock(self) -> dict[str, Any]:
        """The Bedrock ``ChunkingConfiguration`` for this config (``default`` is FIXED_SIZE 200/20)."""
        match self.strategy:
            case "none":
                return {"chunkingStrategy": "NONE"}
            case "hierarchical":
                levels = [{"maxTokens": self.parent_max_tokens}, {"maxTokens": self.child_max_tokens}]
                return {
                    "chunkingStrategy": "HIERARCHICAL",
                    "hierarchicalChunkingConfiguration": {
                        "levelConfigurations": levels,
                        "overlapTokens": self.overlap_tokens,
                    },
                }
            case "semantic":
                semantic = {
                    "maxTokens": self.max_tokens,
                    "bufferSize": self.buffer_size,
                    "breakpointPercentileThreshold": self.breakpoint_percentile,
                }
                return {"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": semantic}
            case _:
                fixed = {"maxTokens": self.max_tokens, "overlapPercentage": self.overlap_percentage}
                return {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": fixed}


def _check_range(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidChunkingConfig(f"{name} must be an integer in {low}-{high}, got {value!r}")
    if not low <= value <= high:
        raise InvalidChunkingConfig(f"{name} must be in {low}-{high}, got {value}")


def _sub_config(cfg: Mapping[str, Any], key: str, strategy: str) -> dict[str, Any]:
    """``cfg[key]`` with Bedrock's defaults filled in for missing fields."""
    sub = cfg.get(key, {})
    if not isinstance(sub, Mapping):
        raise InvalidChunkingConfig(f"{key} must be a JSON object")
    return {**_BEDROCK_DEFAULTS[strategy], **sub}


def _hierarchical_fields(cfg: Mapping[str, Any]) -> dict[str, Any]:
    sub = _sub_config(cfg, "hierarchicalChunkingConfiguration", "HIERARCHICAL")
    defaults = _BEDROCK_DEFAULTS["HIERARCHICAL"]
    levels = sub.get(
        "levelConfigurations",
        [{"maxTokens": defaults["parentMaxTokens"]}, {"maxTokens": defaults["childMaxTokens"]}],
    )
    if not isinstance(levels, list) or len(levels) != 2 or not all(isinstance(x, Mapping) for x in levels):
        raise InvalidChunkingConfig("levelConfigurations must list exactly two levels: parent, then child")
    return {
        "parent_max_tokens": levels[0].get("maxTokens", defaults["parentMaxTokens"]),
        "child_max_tokens": levels[1].get("maxTokens", defaults["childMaxTokens"]),
        "overlap_tokens": sub["overlapTokens"],
    }
