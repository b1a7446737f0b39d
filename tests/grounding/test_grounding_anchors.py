"""The anchor features: names and numbers of a claim that the sources never hold together (relation swaps).

``anchor_apart`` is the share of pairs of the claim's anchors (names and numbers found in the sources) that no
single source unit holds together (a unit with a pronoun also holds the anchors of the unit before it);
``anchor_far`` the share that not even two neighbouring units of one source hold. The learned weights are checked
with the real model in test_grounding_model.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from grounding import Checker, HashEncoder
from grounding.evidence import source_units
from grounding.features import FEATURE_NAMES, V1_FEATURES, SourceFacts
from grounding.lexical import claim_numbers

CAPITALS = "London is the capital of the UK. Tokyo is the capital of Japan."


def spread(sources: list[str], claim: str, *, with_units: bool = True) -> tuple[float, float]:
    units = source_units(sources) if with_units else None
    return SourceFacts.of(sources, units).anchor_spread(claim, claim_numbers(claim))


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
        # a run of names is one anchor: "Albert Einstein" and "Warsaw" share no sentence
        (
            ["Marie Curie was born in Warsaw. Albert Einstein was born in Ulm."],
            "Albert Einstein was born in Warsaw.",
            (1.0, 0.0),
        ),
        # ... but a shared surname holds "Pierre Curie" wherever "Curie" is named: this swap is not seen here
        (
            ["Marie Curie was born in Warsaw. Pierre Curie was born in Paris."],
            "Pierre Curie was born in Warsaw.",
            (0.0, 0.0),
        ),
        # a number and a name, two sentences apart
        (
            ["The plant opened in 1998 in Lyon. Staff were hired locally. Years later, staff moved to Turin."],
            "It opened in Turin in 1998.",
            (1.0, 1.0),
        ),
        # a sentence with a pronoun also holds the anchors of the sentence before it (its likely antecedent)
        (["Tokyo is the capital of Japan. It has 14 million people."], "Tokyo has 14 million people.", (0.0, 0.0)),
        (["Tokyo is large. Kyoto is old. It has 1.5 million people."], "Tokyo has 1.5 million people.", (1.0, 1.0)),
        ([CAPITALS], "The capital of Japan is Kyoto.", (0.0, 0.0)),  # Kyoto is a new name, not an anchor
        ([CAPITALS], "London is a capital.", (0.0, 0.0)),  # one anchor: no pair
        # a run of names is one anchor, held wherever any part of it is named
        (
            ["It was designed by Helen Marsh. Marsh had worked under Arthur Blyth."],
            "Helen Marsh worked under Arthur Blyth.",
            (0.0, 0.0),
        ),
        # a unit that continues the one before holds the anchors of the whole run: a fragment the sentence
        # splitter cut at "av." ...
        (
            ["Substances abused included caffeine in 39 patients (av. 441 mg/d) and ergotamine in 11 patients."],
            "Ergotamine was abused by 11 patients, caffeine by 39.",
            (0.0, 0.0),
        ),
        # ... or the second 64-word piece of a long sentence
        (
            ["Helen Marsh " + " ".join(["designed the long bridge over the wide river"] * 9) + " in 1928."],
            "Helen Marsh designed it in 1928.",
            (0.0, 0.0),
        ),
        # ... but a list line without a full stop is not continued by the next one
        (
            ["Date of birth 26 June 1968\n\nPlace of birth Bangor, Wales\n\nHeight 191 cm"],
            "He was 191 cm in 1968.",
            (1.0, 1.0),
        ),
        # "Drop" opens an instruction; the sources never write it capitalised, so it is no name
        (
            ["Filter roasts: drop the beans at 205 °C. Espresso roasts are dropped at 212 °C."],
            "Drop at 212 °C.",
            (0.0, 0.0),
        ),
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
    assert row.shape == (len(V1_FEATURES),)  # the shared features first, then v1's extra ones
    assert np.allclose(row[[FEATURE_NAMES.index("anchor_apart"), FEATURE_NAMES.index("anchor_far")]], [1.0, 0.0])
