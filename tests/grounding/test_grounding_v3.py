"""The hybrid checker's plumbing (features, evidence, labels, model file) with fake encoder and pair scorer.

The shipped model's verdicts are in ``test_grounding_model.py`` and ``test_grounding_adversarial.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from grounding import HYBRID_GROUNDING_THRESHOLD, HashEncoder, HybridChecker, ModelFileError, OverlapScorer
from grounding.crossencoder.check import Calibration
from grounding.crossencoder.hybrid import HYBRID_FEATURES, HybridModel
from grounding.crossencoder.windows import READ_ALL, WINDOW_WORDS, source_windows
from grounding.evidence import source_units
from grounding.features import FEATURE_NAMES
from grounding.scorer import LogisticModel

UK = "London is the capital of the UK. Tokyo is the capital of Japan."


def model(weights: dict[str, float], *, threshold: float = 0.5, faithful: Sequence[float] = ()) -> HybridModel:
    coef = np.array([weights.get(name, 0.0) for name in HYBRID_FEATURES])
    claim = LogisticModel(HYBRID_FEATURES, np.zeros(len(coef)), np.ones(len(coef)), coef, 0.0, threshold)
    return HybridModel(claim, Calibration(1.0, 0.0, np.asarray(faithful, dtype=np.float64), threshold, 0.5))


class ContradictingScorer(OverlapScorer):
    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        scores = super().grounding(pairs)
        scores[:, 1] = 0.9
        return scores


def test_the_cross_encoder_and_v1_features_both_count() -> None:
    # Overlap fake: "London" is in the sources, so the pair model fully supports the swapped claim; v1's
    # new-name feature is 0 for it and 1 for "Osaka", found nowhere.
    weights = {"ce_support": 0.5, "new_name": -20.0}
    checker = HybridChecker(HashEncoder(), OverlapScorer(), model=model(weights))
    kept = checker.check([UK], "What is the capital of Japan?", "The capital of Japan is London.")
    new = checker.check([UK], "What is the capital of Japan?", "The capital of Japan is Osaka.")
    assert kept.grounding == pytest.approx(1 / (1 + np.exp(-0.5 * np.log((1 - 1e-4) / 1e-4))))
    assert kept.claims[0].label == "supported"
    assert new.grounding < 0.01
    assert new.claims[0].label != "supported"
    assert "new_name" in new.claims[0].flags


def test_evidence_is_the_cross_encoders_best_unit_and_a_contradiction_is_labelled() -> None:
    checker = HybridChecker(HashEncoder(), ContradictingScorer(), model=model({"ce_support": -10.0}))
    result = checker.check([UK], "What is the capital of Japan?", "Tokyo is the capital of Japan.")
    [claim] = result.claims
    assert claim.label == "contradicted"
    assert claim.evidence is not None
    assert claim.evidence.text == "Tokyo is the capital of Japan."
    assert UK[claim.evidence.start : claim.evidence.end] == claim.evidence.text
    assert claim.evidence.similarity == pytest.approx(1.0)  # the pair model's P(supported), overlap fake: all words


def test_the_cross_encoder_support_enters_as_a_logit() -> None:
    checker = HybridChecker(HashEncoder(), OverlapScorer(), model=model({"ce_support": 1.0}))
    result = checker.check([UK], "Where?", "Tokyo is the capital of Japan.")  # every word found: P = 1, clipped
    assert result.grounding == pytest.approx(1 - 1e-4, abs=1e-6)


class CountingScorer(OverlapScorer):
    """Counts the pairs read; P(supported) is 0.2 for a window with all the claim's words, higher for the others
    (1 - 0.8 x the overlap), so the first window read is the least supporting one."""

    def __init__(self) -> None:
        self.pairs = 0

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        self.pairs += len(pairs)
        scores = super().grounding(pairs)
        scores[:, 0] = 1.0 - 0.8 * scores[:, 0]
        return scores


# A short input (three sources, 63 words: every window is read); the claim's words are in the first source.
HANDBOOK = [
    "The warehouse in Leeds opens at 6 am on weekdays.",
    " ".join(f"Paragraph {i} is about gardening and soil number {i}." for i in range(3)),
    " ".join(f"Paragraph {i} is about gardening and soil number {i}." for i in range(3, 6)),
]


@pytest.mark.parametrize(("weight", "pairs"), [(1.0, 1), (-1.0, 3)])
def test_early_exit_only_while_more_support_can_only_raise_the_score(weight: float, pairs: int) -> None:
    # Three windows; the claim's words are in the first, read first, whose P(supported) 0.2 scores 0.2 or 0.8 (over
    # the 0.1 threshold either way). With a negative weight on ce_support a window left unread (P up to 0.87)
    # could lower the score, so every window is read.
    early, every = CountingScorer(), CountingScorer()
    answer = "The Leeds warehouse opens at 6 am."
    fast = HybridChecker(HashEncoder(), early, model=model({"ce_support": weight}, threshold=0.1))
    exact = HybridChecker(HashEncoder(), every, model=model({"ce_support": weight}, threshold=0.1), early_exit=False)
    results = [checker.check(HANDBOOK, "When?", answer, threshold=0.1) for checker in (fast, exact)]
    assert (early.pairs, every.pairs) == (pairs, 3)
    assert results[0].claims[0].label == results[1].claims[0].label


def test_v3_reads_a_long_input_in_one_focus_window_a_claim_or_every_window_when_asked() -> None:
    # As v2 since 2026-12-05 (the model, fitted on reads of every window, kept or gained on every held-out set);
    # focus=False reads every window, as before.
    source = " ".join([*(f"Paragraph {i} is about gardening and soil number {i}." for i in range(30)), *HANDBOOK])
    windows = source_windows([source], source_units([source]))
    assert len(source.split()) > WINDOW_WORDS and 1 < len(windows) <= READ_ALL
    focused, every = CountingScorer(), CountingScorer()
    for scorer, options in ((focused, {}), (every, {"focus": False})):  # the default, then every window
        checker = HybridChecker(HashEncoder(), scorer, model=model({"ce_support": 1.0}), early_exit=False, **options)
        checker.check([source], "When?", "The Leeds warehouse opens at 6 am.")
    assert (focused.pairs, every.pairs) == (1, len(windows))


def test_an_abstention_has_no_claims_and_full_grounding() -> None:
    checker = HybridChecker(HashEncoder(), OverlapScorer(), model=model({}))
    result = checker.check([UK], "What is the capital of France?", "I don't know.")
    assert (result.grounding, result.claims, result.abstained) == (1.0, (), True)


def test_long_answers_are_lifted_by_the_faithful_quantiles() -> None:
    faithful = np.linspace(0.2, 1.0, 101)
    checker = HybridChecker(HashEncoder(), OverlapScorer(), model=model({}, faithful=faithful))
    answer = "Tokyo is the capital of Japan. London is the capital of the UK. Tokyo is in Japan."
    result = checker.check([UK], "Capitals?", answer)
    assert len(result.claims) == 3
    assert {c.score for c in result.claims} == {0.5}
    assert result.grounding > 0.5  # the lowest of three equally good claims is lifted


def test_a_model_file_for_other_features_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "hybrid_model.json"
    path.write_text(json.dumps({"features": list(FEATURE_NAMES), "mean": [], "scale": [], "coef": [],
                                "intercept": 0, "threshold": 0.5}))  # fmt: skip
    with pytest.raises(ModelFileError, match="trained on"):
        HybridModel.load(path)


def test_the_shipped_model_file_matches_the_code() -> None:
    shipped = HybridModel.load()
    assert shipped.claim.features == HYBRID_FEATURES
    assert 0.05 <= shipped.claim.threshold <= 0.95
    assert shipped.claim.threshold == HYBRID_GROUNDING_THRESHOLD  # the help texts' figure for the default checker
    assert len(shipped.lengths.faithful) in (0, 101)  # off, or on with its quantile table (train_hybrid.py)


@pytest.mark.slow
def test_the_shipped_hybrid_separates_a_changed_number_from_a_faithful_claim() -> None:
    checker = HybridChecker()
    source = ["Employees get 16 weeks of paid parental leave. Requests go to HR two months ahead."]
    faithful = checker.check(source, "How long is parental leave?", "Parental leave is 16 weeks, paid.")
    changed = checker.check(source, "How long is parental leave?", "Parental leave is 20 weeks, paid.")
    assert faithful.grounding >= checker.default_threshold > changed.grounding
    assert "new_number" in changed.claims[0].flags


def test_v1s_quantity_features_reach_the_hybrid_after_the_read() -> None:
    # Overlap fake: every word of "212 °F" is in the source, so the pair model fully supports it; v1's
    # quantity_conflict sees 212 stated in °C and takes the claim down, in its own column after ce_support.
    oven = ["The oven heats to 212 °C before baking."]
    checker = HybridChecker(HashEncoder(), OverlapScorer(), model=model({"ce_support": 0.5, "quantity_conflict": -20}))
    swapped = checker.check(oven, "How hot is the oven?", "The oven heats to 212 °F before baking.")
    copied = checker.check(oven, "How hot is the oven?", "The oven heats to 212 °C before baking.")
    assert HYBRID_FEATURES[-2:] == ("quantity_conflict", "quantifier_raised")
    assert copied.claims[0].label == "supported" and copied.grounding > 0.98
    assert swapped.grounding < 0.01 and "quantity_conflict" in swapped.claims[0].flags
