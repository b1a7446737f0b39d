"""The anchor features: names and numbers of a claim that the sources never hold together (relation swaps).

``anchor_apart`` is the share of pairs of the claim's anchors (names and numbers found in the sources) that no
single source unit holds together; ``anchor_far`` the share that not even two neighbouring units of one source
hold. The learned weights are checked with the real model in test_grounding_model.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from grounding import Checker, HashEncoder
from grounding.evidence import source_units
from grounding.features import FEATURE_NAMES, SourceFacts
from grounding.lexical import claim_numbers, names

CAPITALS = "London is the capital of the UK. Tokyo is the capital of Japan."


def spread(sources: list[str], claim: str, *, with_units: bool = True) -> tuple[float, float]:
    units = source_units(sources) if with_units else None
    return SourceFacts.of(sources, units).anchor_spread(names(claim), claim_numbers(claim))


@pytest.mark.parametrize(
    ("sources", "claim", "expected"),
    [
        ([CAPITALS], "The capital of Japan is London.", (1.0, 0.0)),  # swapped; the sentences are neighbours
        ([CAPITALS], "The capital of Japan is Tokyo.", (0.0, 0.0)),
        # two sources: never neighbours
        (
            ["London is the capital of the UK.", "Tokyo is the capital of Japan."],
            "Japan's capital is London.",
            (1.0, 1.0),
        ),
        # pierre-curie and curie-warsaw are held together, pierre-warsaw is not
        (
            ["Marie Curie was born in Warsaw. Pierre Curie was born in Paris."],
            "Pierre Curie was born in Warsaw.",
            (1 / 3, 0.0),
        ),
        # a number and a name, two sentences apart
        (
            ["The plant opened in 1998 in Lyon. It closed in 2004. Staff moved to Turin."],
            "It opened in Turin in 1998.",
            (1.0, 1.0),
        ),
        ([CAPITALS], "The capital of Japan is Kyoto.", (0.0, 0.0)),  # Kyoto is a new name, not an anchor
        ([CAPITALS], "London is a capital.", (0.0, 0.0)),  # one anchor: no pair
    ],
)
def test_anchor_spread(sources: list[str], claim: str, expected: tuple[float, float]) -> None:
    assert spread(sources, claim) == pytest.approx(expected)


def test_the_units_are_computed_when_the_caller_has_none() -> None:
    assert spread([CAPITALS], "The capital of Japan is London.", with_units=False) == (1.0, 0.0)


def test_the_checker_puts_them_in_the_feature_rows() -> None:
    [analysis] = Checker(HashEncoder()).analyse(
        [CAPITALS], [("What is the capital of Japan?", "Japan's capital is London.")]
    )
    row = analysis.matrix()[0]
    assert row.shape == (len(FEATURE_NAMES),)
    assert np.allclose(row[[FEATURE_NAMES.index("anchor_apart"), FEATURE_NAMES.index("anchor_far")]], [1.0, 0.0])
