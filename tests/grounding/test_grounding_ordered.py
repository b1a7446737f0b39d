"""Ordered containment (``grounding.ordered``): what a claim kept of a source sentence, in order, and dropped."""

from __future__ import annotations

import random

import pytest

from grounding.evidence import source_units
from grounding.features import FEATURE_NAMES, V1_FEATURES, SourceFacts
from grounding.ordered import ORDER_FEATURES, matched
from grounding.scorer import load_lexicon

CRP = (
    "Also, CRP alone increased secretion of IL-8, IL-6, and tumor necrosis factor from HMDMs and did not inhibit "
    "LPS-induced secretion of these cytokines. The trial enrolled 120 patients in Oslo."
)


def ordered(source: str, claim: str) -> dict[str, float]:
    facts = SourceFacts.of([source], source_units([source]))
    return dict(zip(ORDER_FEATURES, facts.ordered(claim, load_lexicon()), strict=True))


def test_matched_is_a_longest_common_subsequence() -> None:
    ours, theirs = matched(list("abcde"), list("xaybzdq"))
    assert len(ours) == 3 and [list("abcde")[i] for i in ours] == [list("xaybzdq")[j] for j in theirs]
    assert matched([], ["a"]) == ([], [])


def _textbook(claim: list[str], unit: list[str]) -> tuple[list[int], list[int]]:
    """The full dynamic-programming table and the same walk: what ``matched`` computed before it skipped cells."""
    rows, cols = len(claim), len(unit)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            same = claim[i] == unit[j]
            table[i][j] = table[i + 1][j + 1] + 1 if same else max(table[i + 1][j], table[i][j + 1])
    ours, theirs, i, j = [], [], 0, 0
    while i < rows and j < cols:
        if claim[i] == unit[j]:
            ours.append(i)
            theirs.append(j)
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return ours, theirs


def test_matched_picks_the_same_subsequence_as_the_full_table() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        words = rng.randint(1, 6)
        claim = [str(rng.randrange(words)) for _ in range(rng.randint(0, 10))]
        unit = [str(rng.randrange(words + 2)) for _ in range(rng.randint(0, 20))]
        assert matched(claim, unit) == _textbook(claim, unit), (claim, unit)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        # Words deleted, order kept: all of it kept, nothing added, no negation lost or flipped.
        (
            "Also, CRP alone increased secretion of IL-8, IL-6.",
            {"order_kept": 1.0, "order_extra": 0.0, "order_dropped": 0.0, "order_flip": 0.0},
        ),
        # The negation of the kept stretch removed: dropped and flipped.
        ("CRP alone inhibited LPS-induced secretion of these cytokines.", {"order_dropped": 1.0, "order_flip": 1.0}),
        # A negation added to a stretch that has none.
        ("CRP alone did not increase secretion of IL-8.", {"order_flip": 1.0}),
    ],
)
def test_compressions_negations_and_flips(claim: str, expected: dict[str, float]) -> None:
    got = ordered(CRP, claim)
    assert {name: got[name] for name in expected} == expected


def test_a_replaced_name_breaks_the_sequence_and_is_content() -> None:
    got = ordered(CRP, "The trial enrolled 120 patients in Bergen.")
    assert got["order_kept"] < 0.9 and got["order_extra"] == 1.0
    assert ordered(CRP, "The trial enrolled 120 patients in Oslo.")["order_kept"] == 1.0


def test_a_claim_with_no_word_of_the_source_keeps_nothing() -> None:
    assert ordered(CRP, "Penguins migrate south.")["order_kept"] == 0.0


def test_order_flip_is_the_first_v1_extra_after_the_shared_features() -> None:
    assert V1_FEATURES[len(FEATURE_NAMES)] == "order_flip"


@pytest.mark.parametrize(
    ("source", "claim", "flip"),
    [
        # A deleted clause takes its negation with it (faithful compressions of long_answers.train).
        (
            "Here, we show that TLR9 signals leading to the activation of type I IFN, but not proinflammatory "
            "cytokine genes, require TLR9 trafficking from endosomes.",
            "Here, we show that TLR9 signals leading to the activation of type I IFN require TLR9 trafficking "
            "from endosomes.",
            0.0,
        ),
        (
            "Although mechanisms regulating replication timing are not clear, novel genome-wide studies provide "
            "a thorough survey.",
            "Novel genome-wide studies provide a thorough survey.",
            0.0,
        ),
        # A negation before a clause boundary governs nothing the claim kept.
        (
            "He seemed to say that he was not blaming anyone, but could not help noticing the boots.",
            "but could not help noticing the boots.",
            0.0,
        ),
        # A negation removed in place, or added, where the claim kept what it negates.
        ("The drug was tested in mice and the drug did not reduce pain.", "The drug reduced pain.", 1.0),
        ("No patients improved after surgery.", "Patients improved after surgery.", 1.0),
        ("The drug reduced pain in the trial.", "The drug didn't reduce pain in the trial.", 1.0),
        ("Visitors must sign in at reception.", "Visitors do not need to sign in at reception.", 1.0),
        # A negated phrase replaced by other words inside the matched stretch.
        (
            "Smoking is not permitted anywhere on the campus, including the car parks.",
            "Smoking is allowed in the campus car parks.",
            1.0,
        ),
        # A negated clause of the source, cut from its answer sentence: of the sentences that keep its one content
        # word, it is aligned with the one that also says "but not during" (long_answers.eval).
        (
            "We compared lip-smacking versus chewing. Speech movements are faster than chewing movements. We found "
            "that the lips move with a 5 Hz rhythm during lip-smacking, but not during chewing.",
            "but not during chewing.",
            0.0,
        ),
        # Two negations that say the same thing ("None of" / "No").
        (
            "None of the 40 water samples taken in March exceeded the legal limit for lead.",
            "No water sample taken in March was above the legal limit for lead.",
            0.0,
        ),
    ],
)
def test_order_flip_counts_only_the_negations_of_what_the_claim_kept(source: str, claim: str, flip: float) -> None:
    assert ordered(source, claim)["order_flip"] == flip


def test_the_negation_flip_flag_follows_order_flip() -> None:
    from grounding.check import Checker
    from grounding.encoder import HashEncoder

    checker = Checker(HashEncoder())
    source = "CRP alone increased secretion of IL-8 and IL-6 from HMDMs and did not inhibit secretion of TNF."
    kept = checker.check([source], "What did CRP do?", "CRP alone increased secretion of IL-8 and IL-6 from HMDMs.")
    flipped = checker.check([source], "What did CRP do?", "CRP alone inhibited secretion of TNF.")
    assert "negation_flip" not in kept.claims[0].flags
    assert "negation_flip" in flipped.claims[0].flags
