"""Round 15's polarity pairs (``scripts/grounding/datasets/polarity_pairs.py``): a negation the claim drops, and a
change made inside a shortened sentence, each beside its faithful twin."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parents[3] / "scripts" / "grounding" / d) for d in ("datasets", ".")]

import polarity_pairs  # noqa: E402  (a script folder, put on the path just above)


@pytest.mark.parametrize(
    ("sentence", "denies"),
    [
        ("The earbuds are not waterproof.", True),
        ("There weren't that many games around at the time.", True),
        ("He was never allowed to return to his chair.", True),
        ("Smoking cannot be allowed here.", True),
        ("The earbuds are waterproof.", False),
        ("Nothing is known of his youth.", False),  # not a negated auxiliary: left to the other rules
    ],
)
def test_a_sentence_denies_with_a_negated_auxiliary_or_never(sentence: str, denies: bool) -> None:
    assert polarity_pairs.negated(sentence) is denies


def test_a_negated_sentence_gives_itself_beside_the_same_words_without_the_negation() -> None:
    sentence = "The Aero 3 earbuds are not waterproof, and they resist light splashes only."
    for seed in range(10):
        group = polarity_pairs.polarity_group(sentence, [], random.Random(seed))
        assert group
        (faithful, one, _kind), (changed, zero, kind) = group
        assert (one, zero, kind) == (1, 0, "negation_removed")
        assert polarity_pairs.negated(faithful) and not polarity_pairs.negated(changed)
        assert changed == faithful.replace("are not", "are")  # the shortening, if any, is the same on both sides


def test_a_plain_sentence_gives_its_shortening_beside_the_shortening_changed() -> None:
    sentence = "The coastal trail is 14 km long, which takes about four hours to walk."
    kinds = set()
    for seed in range(30):
        group = polarity_pairs.polarity_group(sentence, ["14"], random.Random(seed))
        assert group
        (short, one, _kind), (changed, zero, kind) = group
        assert (one, zero) == (1, 0) and short == "The coastal trail is 14 km long."
        assert changed != short and len(changed.split()) == len(short.split())
        kinds.add(kind)
    assert kinds <= {"short_number", "short_unit", "short_antonym", "short_quantifier"} and len(kinds) > 1
    assert polarity_pairs.polarity_group("A sentence with nothing to drop at all.", [], random.Random(0)) is None


def test_a_change_to_a_name_is_not_an_antonym() -> None:
    assert polarity_pairs.renames(
        "The film stars Mark Strong and Tom Hardy.", "The film stars Mark Weak and Tom Hardy."
    )
    assert not polarity_pairs.renames("Strong winds closed the bridge.", "Weak winds closed the bridge.")
    assert not polarity_pairs.renames("He had more than sixty roles.", "He had less than sixty roles.")


def test_rows_keep_each_group_under_one_twin_key() -> None:
    chosen = [("earbuds", ["The Aero 3 earbuds are not waterproof.", "The case holds 3 charges of 20 hours."])]
    rows = polarity_pairs.polarity_rows(chosen, random.Random(0), negations=True)
    assert [(row["label"], row["twin"]) for row in rows] == [(1, "polarity:earbuds#0"), (0, "polarity:earbuds#0")]
    assert all(row["premise"] == " ".join(chosen[0][1]) for row in rows)
    assert rows[1]["source"] == "polarity_changed"
