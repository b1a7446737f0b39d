"""The adversarial grounding suite (issue 11, item 6) through the library's default checker (v1) and the service's
(v3), each at its default threshold.

Every case of ``tests/grounding/cases`` is one test: the verdict is Bedrock's (``detected`` when the
grounding score is under ``DEFAULT_GROUNDING_THRESHOLD``) and must match the hand-written label.
The cases are data; ``bench/checks/bench_grounding_adversarial.py`` prints the same results per category.
The fast tests below check the suite itself (size, coverage, limits, quotes).
"""

from __future__ import annotations

import re

import pytest

from grounding import (
    DEFAULT_GROUNDING_THRESHOLD,
    FilterConfig,
    GroundingChecker,
    GroundingPolicy,
    GroundingResult,
    HybridChecker,
    assess,
)
from grounding.check import default_checker
from grounding.inputs import validate
from ingest.sentences import sentence_spans
from tests.grounding.cases import CASES, CATEGORIES, Case

QUOTED = re.compile(r'"([^"]+)"')

# The cases the default checker (v1) gets wrong today, measured (docs/grounding.md has the per-category table).
# With order_flip (2026-12-02): part-certificate, a faithful paraphrase at 0.549 before, now passes; part-co2, a
# partial answer that should pass, now falls under the threshold. With order_flip counting only the negations of
# what the claim kept (round 5): neg-espresso-never (0.197) and attr-part-time-faithful (0.718) now pass;
# part-certificate (0.543) and quote-span-verbatim (0.542), faithful, fall just under 0.55 again, and
# quote-lab-coats-misquote (0.585) passes: its "be worn" is aligned to the source's first "be worn", so the
# "not" before the second one reads as part of a deleted clause. With the quantity features and the attribute
# opposites (2026-12-04): the unit changes (°F, miles, kg), the number moved from a count (14 months), the three
# hedges made absolute and the two "unpaid" flips are caught (64 -> 74 of 103).
# Strict: a case that starts passing fails here, so this list can only shrink with evidence.
KNOWN_MISSES = frozenset({
    "rel-acquirer-swap", "rel-mentor-swap", "rel-extinguisher-swap", "rel-weight-swap", "rel-reports-to-swap",
    "num-dose-interval", "num-days-as-weeks", "num-max-dose-faithful", "neg-smoking-faithful",
    "attr-full-time", "attr-mandatory-optional", "attr-optional-faithful",
    "para-fire-112-long", "para-evacuation", "para-vitamin", "quote-overtime-verbatim",
    "quote-conclusion-population", "quote-unattended-verbatim", "quote-span-verbatim", "quote-lab-coats-misquote",
    "part-only-nausea", "part-co2", "part-certificate",
    "part-warranty-all", "multi-trial-faithful", "multi-roast-one-false", "multi-six-faithful", "abst-sorry-cocoa",
    "abst-but-guess",
})  # fmt: skip


@pytest.fixture(scope="session")
def checker() -> GroundingChecker:
    return default_checker()


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case.id, marks=pytest.mark.xfail(strict=True, reason="a known miss of v1"))
        if case.id in KNOWN_MISSES
        else pytest.param(case, id=case.id)
        for case in CASES
    ],
)
def test_adversarial_case(checker: GroundingChecker, case: Case) -> None:
    assert_verdict(case, checker.check(list(case.sources), case.query, case.answer), DEFAULT_GROUNDING_THRESHOLD)


def assert_verdict(case: Case, result: GroundingResult, threshold: float) -> None:
    """Bedrock's verdict on ``result`` at ``threshold`` (a grounding-only policy) is the case's label."""
    policy = GroundingPolicy(filters=(FilterConfig("GROUNDING", threshold=threshold),))
    [grounding] = assess(result, policy).filters
    verdict = "ungrounded" if grounding.detected else "grounded"
    weakest = result.weakest_claim
    assert verdict == case.expected, (
        f"{case.category}: expected {case.expected} ({case.note}), got score {result.grounding:.3f} "
        f"at threshold {threshold}; weakest claim: {weakest.text if weakest else None!r}"
    )


# The cases v3 (HybridChecker in fp32, the service's default checker since 2026-12-05 evening, there in bf16) gets
# wrong at its own calibrated threshold (0.50), measured 2026-12-05 evening: 25 of 103 (v1: 29). Two cases sit within
# 0.005 of the threshold (part-certificate 0.499 in fp32, 0.501 in bf16; abst-but-guess 0.496, right), so their
# verdicts may differ between CPUs: they are checked, not strictly.
KNOWN_MISSES_V3 = frozenset({
    "abst-sorry-cocoa", "abst-then-presume", "attr-mandatory-optional", "attr-optional-faithful",
    "multi-roast-one-false", "multi-six-faithful", "multi-trial-faithful", "neg-smoking-faithful", "num-days-as-weeks",
    "num-dose-interval", "num-max-dose-faithful", "para-fire-after-leaving", "para-vitamin", "part-co2",
    "part-only-nausea", "part-warranty-all", "quote-conclusion-population", "quote-lab-coats-misquote",
    "rel-acquirer-swap", "rel-comparison-swap", "rel-extinguisher-swap", "rel-mentor-swap", "rel-reports-to-swap",
    "rel-weight-swap",
})  # fmt: skip
BORDERLINE_V3 = frozenset({"part-certificate", "abst-but-guess"})


@pytest.fixture(scope="session")
def v3() -> HybridChecker:
    return HybridChecker()


def _v3_param(case: Case) -> object:
    if case.id in BORDERLINE_V3:
        return pytest.param(case, id=case.id, marks=pytest.mark.xfail(strict=False, reason="within 0.005 of 0.50"))
    if case.id in KNOWN_MISSES_V3:
        return pytest.param(case, id=case.id, marks=pytest.mark.xfail(strict=True, reason="a known miss of v3"))
    return pytest.param(case, id=case.id)


@pytest.mark.slow
@pytest.mark.parametrize("case", [_v3_param(case) for case in CASES])
def test_adversarial_case_through_v3(v3: HybridChecker, case: Case) -> None:
    threshold = v3.default_threshold
    assert_verdict(case, v3.check(list(case.sources), case.query, case.answer, threshold=threshold), threshold)


# --- the suite itself --------------------------------------------------------------------------------------


def test_the_suite_covers_every_category_with_both_verdicts() -> None:
    assert len(CASES) >= 70
    assert len({case.id for case in CASES}) == len(CASES)
    for category in CATEGORIES:
        verdicts = [case.expected for case in CASES if case.category == category]
        assert len(verdicts) >= 6, category
        assert {"grounded", "ungrounded"} <= set(verdicts), category


def test_every_case_is_a_valid_check_input() -> None:
    for case in CASES:
        validate(list(case.sources), case.query, case.answer)
        assert all(source.strip() for source in case.sources), case.id
        assert case.category in CATEGORIES and case.expected in ("grounded", "ungrounded"), case.id
        assert case.note.strip(), case.id


def test_multi_sentence_answers_have_three_to_six_sentences() -> None:
    for case in CASES:
        if case.category == "multi_sentence":
            assert 3 <= len(sentence_spans(case.answer)) <= 6, case.id


def test_a_grounded_quote_is_verbatim_and_a_misquote_is_not() -> None:
    for case in CASES:
        if case.category != "quote":
            continue
        [quoted] = QUOTED.findall(case.answer)
        words = quoted.rstrip(".,").lower()  # a quoted clause may close with a full stop of its own
        in_source = any(words in source.lower() for source in case.sources)
        assert in_source == (case.expected == "grounded"), case.id
