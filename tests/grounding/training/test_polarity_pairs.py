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
        ("Never again did he return.", True),
        ("They won't sell the house.", True),
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
        (faithful, one, _label3, _kind), (changed, zero, label3, kind) = group
        assert (one, zero, label3, kind) == (1, 0, "contradiction", "negation_removed")
        assert polarity_pairs.negated(faithful) and not polarity_pairs.negated(changed)
        assert changed == faithful.replace("are not", "are")  # the shortening, if any, is the same on both sides


def test_a_plain_sentence_gives_its_shortening_beside_the_shortening_changed() -> None:
    sentence = "The coastal trail is 14 km long, which takes about four hours to walk."
    kinds = set()
    for seed in range(30):
        group = polarity_pairs.polarity_group(sentence, ["14"], random.Random(seed))
        assert group
        (short, one, _label3, _kind), (changed, zero, _changed3, kind) = group
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
    sentence = "The film, released in 2004, stars Mark Strong and a large cast."
    for seed in range(30):  # "strong" is an antonym rule's word: the generator must refuse it inside the name
        group = polarity_pairs.polarity_group(sentence, [], random.Random(seed))
        assert group is None or "Weak" not in group[1][0]


def test_a_weaker_quantifier_still_follows_and_is_never_the_changed_claim() -> None:
    assert polarity_pairs.weakens("All students passed the exam.", "Some students passed the exam.")
    assert not polarity_pairs.weakens("Some students passed the exam.", "All students passed the exam.")
    sentence = "All students at the school passed the exam, which surprised the teachers."
    for seed in range(30):
        group = polarity_pairs.polarity_group(sentence, [], random.Random(seed))
        assert group is None or not group[1][0].startswith("Some students")


def test_a_denial_keeps_the_phrase_that_limits_it_and_a_limited_denial_is_left_alone() -> None:
    sentence = "Before 1920, women could not vote in the country (as in most others)."
    for seed in range(10):
        group = polarity_pairs.polarity_group(sentence, [], random.Random(seed))
        assert group and all(claim.startswith("Before 1920") for claim, *_rest in group)
    shorter = polarity_pairs.shortened_keeping_limits("Before 1920, women could not vote, which angered many.")
    assert shorter == "Before 1920, women could not vote."
    limited = "It is not only waterproof but also dustproof."
    assert polarity_pairs.polarity_group(limited, [], random.Random(0)) is None


def test_rows_keep_each_group_under_one_twin_key() -> None:
    chosen = [("earbuds", ["The Aero 3 earbuds are not waterproof.", "The case holds 3 charges of 20 hours."])]
    rows = polarity_pairs.polarity_rows(chosen, random.Random(0), negations=True)
    assert [(row["label"], row["twin"]) for row in rows] == [(1, "polarity:earbuds#0"), (0, "polarity:earbuds#0")]
    assert all(row["premise"] == " ".join(chosen[0][1]) for row in rows)
    assert rows[1]["source"] == "polarity_changed"
