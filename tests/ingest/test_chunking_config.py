"""Chunking configuration: invalid values named, and Bedrock's chunkingConfiguration both ways."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.chunking import ChunkingConfig
from ingest.errors import InvalidChunkingConfig
from tests.ingest.chunking_texts import (
    fixed,
)

# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"strategy": "fixed", "max_tokens": 0}, "max_tokens must be in 1-8192, got 0"),
        ({"strategy": "fixed", "max_tokens": 8193}, "max_tokens must be in 1-8192, got 8193"),
        ({"strategy": "fixed", "overlap_percentage": 100}, "overlap_percentage must be in 0-99, got 100"),
        ({"strategy": "fixed", "overlap_percentage": -1}, "overlap_percentage must be in 0-99, got -1"),
        (
            {"strategy": "bogus"},
            "strategy must be one of default, fixed, none, hierarchical, semantic, got 'bogus'",
        ),
        ({"strategy": "semantic", "buffer_size": 2}, "buffer_size must be in 0-1, got 2"),
        (
            {"strategy": "semantic", "breakpoint_percentile": 49},
            "breakpoint_percentile must be in 50-99, got 49",
        ),
        ({"strategy": "hierarchical", "parent_max_tokens": 8193}, "parent_max_tokens must be in 1-8192"),
        ({"strategy": "hierarchical", "child_max_tokens": 0}, "child_max_tokens must be in 1-8192"),
        (
            {"strategy": "hierarchical", "parent_max_tokens": 100, "child_max_tokens": 300},
            r"child_max_tokens \(300\) must not exceed parent_max_tokens \(100\)",
        ),
        ({"strategy": "fixed", "max_tokens": "200"}, "max_tokens must be an integer in 1-8192, got '200'"),
        ({"strategy": "fixed", "max_tokens": True}, "max_tokens must be an integer"),
    ],
)
def test_invalid_config_names_the_field_and_range(options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidChunkingConfig, match=message):
        ChunkingConfig(**options)  # type: ignore[arg-type]


def test_default_forces_200_and_20() -> None:
    config = ChunkingConfig(strategy="default", max_tokens=500, overlap_percentage=0)
    assert (config.max_tokens, config.overlap_percentage) == (200, 20)


BEDROCK_CONFIGS: list[dict[str, Any]] = [
    {"chunkingStrategy": "NONE"},
    {
        "chunkingStrategy": "FIXED_SIZE",
        "fixedSizeChunkingConfiguration": {"maxTokens": 512, "overlapPercentage": 15},
    },
    {
        "chunkingStrategy": "HIERARCHICAL",
        "hierarchicalChunkingConfiguration": {
            "levelConfigurations": [{"maxTokens": 1500}, {"maxTokens": 300}],
            "overlapTokens": 60,
        },
    },
    {
        "chunkingStrategy": "SEMANTIC",
        "semanticChunkingConfiguration": {
            "maxTokens": 300,
            "bufferSize": 1,
            "breakpointPercentileThreshold": 90,
        },
    },
]


@pytest.mark.parametrize("bedrock", BEDROCK_CONFIGS, ids=lambda b: b["chunkingStrategy"])
def test_bedrock_round_trip(bedrock: dict[str, object]) -> None:
    config = ChunkingConfig.from_bedrock(bedrock)
    assert config.to_bedrock() == bedrock
    assert ChunkingConfig.from_bedrock(config.to_bedrock()) == config


def test_bedrock_values_map_to_fields() -> None:
    assert ChunkingConfig.from_bedrock(BEDROCK_CONFIGS[1]) == fixed(512, 15)
    assert ChunkingConfig.from_bedrock(BEDROCK_CONFIGS[2]) == ChunkingConfig(
        strategy="hierarchical", parent_max_tokens=1500, child_max_tokens=300, overlap_tokens=60
    )
    semantic = ChunkingConfig.from_bedrock({"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": {}})
    assert (semantic.max_tokens, semantic.buffer_size, semantic.breakpoint_percentile) == (300, 0, 95)


def test_default_maps_to_fixed_size_200_20_and_matches_botocore() -> None:
    botocore_session = pytest.importorskip("botocore.session")
    from botocore.validate import ParamValidator

    assert ChunkingConfig().to_bedrock() == {
        "chunkingStrategy": "FIXED_SIZE",
        "fixedSizeChunkingConfiguration": {"maxTokens": 200, "overlapPercentage": 20},
    }
    model = botocore_session.get_session().get_service_model("bedrock-agent")
    shape = model.shape_for("ChunkingConfiguration")
    for config in [ChunkingConfig(), *(ChunkingConfig.from_bedrock(b) for b in BEDROCK_CONFIGS)]:
        report = ParamValidator().validate(config.to_bedrock(), shape)
        assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize(
    ("bedrock", "message"),
    [
        ({}, "chunkingStrategy must be one of"),
        ({"chunkingStrategy": "SMART"}, "got 'SMART'"),
        (
            {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": {"maxTokens": 0}},
            "max_tokens",
        ),
        (
            {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": "big"},
            "must be a JSON object",
        ),
        (
            {
                "chunkingStrategy": "HIERARCHICAL",
                "hierarchicalChunkingConfiguration": {
                    "levelConfigurations": [{"maxTokens": 300}],
                    "overlapTokens": 60,
                },
            },
            "exactly two levels",
        ),
        ({"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": {"bufferSize": 3}}, "buffer_size"),
    ],
)
def test_invalid_bedrock_configs(bedrock: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidChunkingConfig, match=message):
        ChunkingConfig.from_bedrock(bedrock)
