"""The cross-encoder checker's plumbing (windows, evidence spans, calibration, labels) with fake pair scorers.

The trained model's verdicts are tested in ``test_grounding_model.py`` and ``test_grounding_adversarial.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from grounding import Calibration, CrossEncoderChecker, InvalidInput, OverlapScorer, check
from grounding.crossencoder.windows import FOCUS_WORDS, WINDOW_WORDS, focus_window, source_windows
from grounding.evidence import source_units

UK = "London is the capital of the UK. Tokyo is the capital of Japan. The Thames flows through London."


class RecordingScorer(OverlapScorer):
    """The overlap fake that remembers what it was asked and can declare fixed contradictions."""

    def __init__(self, contradiction: float = 0.0) -> None:
        self.asked: list[tuple[str, str]] = []
        self.contradiction = contradiction

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        self.asked.extend(pairs)
        scores = super().grounding(pairs)
        scores[:, 1] = self.contradiction
        return scores


def checker(scorer: OverlapScorer | None = None, *, early_exit: bool = True) -> CrossEncoderChecker:
    return CrossEncoderChecker(scorer or OverlapScorer(), calibration=Calibration.identity(), early_exit=early_exit)


def test_windows_cover_every_unit_in_order_within_the_word_limit() -> None:
    sources = [" ".join(f"Sentence {i} talks about topic {i % 7} in some detail." for i in range(80)), UK]
    units = source_units(sources)
    windows = source_windows(sources, units)
    covered = sorted({i for w in windows for i in range(w.first, w.last + 1)})
    assert covered == list(range(len(units)))
    for window in windows:
        assert sources[window.source_index].find(window.text) >= 0
        assert len(window.text.split()) <= WINDOW_WORDS
        assert {units[i].source_index for i in range(window.first, window.last + 1)} == {window.source_index}
    # Neighbouring windows of one source overlap by a unit, so a fact across two sentences is read together.
    same = [(a, b) for a, b in itertools.pairwise(windows) if a.source_index == b.source_index]
    assert same and all(b.first == a.last for a, b in same)


def test_a_long_source_is_read_only_in_the_focus_window_of_each_claim() -> None:
    filler = " ".join(f"Paragraph {i} is about gardening and soil number {i}." for i in range(400))
    facts = "The warehouse in Leeds opens at 6 am on weekdays. Deliveries arrive at the north gate."
    source = f"{filler} {facts} {filler}"
    scorer = RecordingScorer()
    answer = "The Leeds warehouse opens at 6 am. Deliveries arrive at the north gate."
    result = checker(scorer).check([source], "When does the warehouse open?", answer)
    assert len(scorer.asked) == 2  # one window a claim, whatever the threshold
    for (premise, _), fact in zip(scorer.asked, ("warehouse in Leeds", "north gate"), strict=True):
        assert fact in premise and len(premise.split()) <= FOCUS_WORDS
    evidence = result.claims[0].evidence
    assert evidence is not None
    assert source[evidence.start : evidence.end] == evidence.text == "The warehouse in Leeds opens at 6 am on weekdays."


def test_a_focus_window_grows_from_the_best_unit_towards_the_claims_words_within_one_source() -> None:
    sources = [
        "Bees visit flowers. The hive is painted blue. Its queen lays eggs in spring. Wasps live elsewhere.",
        "A second source about the blue hive.",
    ]
    units = source_units(sources)
    scores = np.array([0.0, 1.0, 0.3, 0.5, 0.9], dtype=np.float32)  # the best unit, then its neighbour with words
    window = focus_window(sources, units, scores, words=12)
    assert window.text == "The hive is painted blue. Its queen lays eggs in spring."
    assert (window.first, window.last, window.source_index) == (1, 2, 0)
    assert focus_window(sources, units, scores, words=3).text == "The hive is painted blue."  # one unit at least
    whole = focus_window(sources, units, scores, words=100)
    assert whole.text == sources[0]  # never across sources


# A short input (108 words in three sources, so every window is read): the facts are in the middle source.
FILLER = [" ".join(f"Paragraph {i} is about gardening and soil number {i}." for i in range(k, k + 5)) for k in (0, 5)]
FACTS = "The warehouse in Leeds opens at 6 am on weekdays. Deliveries arrive at the north gate."
HANDBOOK = [FILLER[0], FACTS, FILLER[1]]


def test_a_claim_its_best_window_supports_reads_no_other_window() -> None:
    assert sum(len(s.split()) for s in HANDBOOK) <= WINDOW_WORDS
    assert len(source_windows(HANDBOOK, source_units(HANDBOOK))) == 3
    answer = "The Leeds warehouse opens at 6 am. Deliveries arrive at the north gate."
    early, every, unnamed = RecordingScorer(), RecordingScorer(), RecordingScorer()
    fast = checker(early).check(HANDBOOK, "How do deliveries work?", answer, threshold=0.5)
    exact = checker(every, early_exit=False).check(HANDBOOK, "How do deliveries work?", answer, threshold=0.5)
    checker(unnamed).check(HANDBOOK, "How do deliveries work?", answer)  # no threshold named: every window
    assert len(early.asked) == 2 < len(every.asked) == len(unnamed.asked) == 6  # one window a claim, with its words
    assert [premise for premise, _ in early.asked] == [HANDBOOK[1], HANDBOOK[1]]
    assert [c.label for c in fast.claims] == [c.label for c in exact.claims] == ["supported", "supported"]
    assert [c.evidence for c in fast.claims] == [c.evidence for c in exact.claims]


def test_a_claim_under_the_threshold_reads_every_window_and_scores_exactly() -> None:
    answer = "The Leeds warehouse opens at 6 am. Parcels come to an Osaka airport by drone."
    early, every = RecordingScorer(), RecordingScorer()
    fast = checker(early).check(HANDBOOK, "How do deliveries work?", answer, threshold=0.5)
    exact = checker(every, early_exit=False).check(HANDBOOK, "How do deliveries work?", answer, threshold=0.5)
    assert len(early.asked) == 1 + 3  # the first claim stops at its window, the second reads them all
    assert fast == exact and fast.grounding < fast.threshold


def test_early_exit_follows_the_threshold_of_the_call() -> None:
    # The overlap fake gives the paraphrase 4 of 6 words; over a threshold of 0.9 that settles nothing.
    answer = "The Leeds warehouse opens early on weekdays."
    for threshold, pairs in ((0.5, 1), (0.9, 3)):
        scorer = RecordingScorer()
        result = checker(scorer).check(HANDBOOK, "When?", answer, threshold=threshold)
        assert len(scorer.asked) == pairs
        exact = checker(early_exit=False).check(HANDBOOK, "When?", answer, threshold=threshold)
        assert result.claims[0].label == exact.claims[0].label


def test_claims_spans_evidence_and_weakest_claim() -> None:
    answer = "Tokyo is the capital of Japan. Paris has the Louvre."
    result = checker().check([UK], "Tell me about capitals.", answer)
    first, second = result.claims
    assert answer[first.start : first.end] == first.text == "Tokyo is the capital of Japan."
    assert first.label == "supported"
    assert first.evidence is not None and first.evidence.text == "Tokyo is the capital of Japan."
    assert second.label == "unsupported" and "new_name" in second.flags
    assert result.grounding == pytest.approx(min(c.score for c in result.claims), abs=0.05)
    assert result.grounding < result.threshold


def test_contradiction_from_the_model_labels_the_claim_contradicted() -> None:
    result = checker(RecordingScorer(contradiction=0.9)).check([UK], "What is it?", "Lima is the biggest city in Peru.")
    assert result.claims[0].label == "contradicted"
    none = checker(RecordingScorer(contradiction=0.1)).check([UK], "What is it?", "Lima is the biggest city in Peru.")
    assert none.claims[0].label == "unsupported"


def test_abstention_makes_no_claim() -> None:
    result = checker().check([UK], "What is the capital of France?", "The documents do not say.")
    assert (result.abstained, result.claims, result.grounding) == (True, (), 1.0)


@pytest.mark.parametrize(
    ("sources", "query", "answer"),
    [([], "q", "a"), (["  "], "q", "a"), (["s"], "", "a"), (["s"], "q", "x" * 5001), (["x" * 100_001], "q", "a")],
)
def test_bad_input_is_refused(sources: list[str], query: str, answer: str) -> None:
    with pytest.raises(InvalidInput):
        checker().check(sources, query, answer)


def test_check_takes_any_checker() -> None:
    result = check([UK], "What is the capital of Japan?", "Tokyo is the capital of Japan.", checker=checker())
    assert result.claims[0].label == "supported"


def test_length_adjustment_keeps_one_claim_and_lifts_long_faithful_answers() -> None:
    # Faithful claims score between 0.6 and 1.0 (uniform): among 8 of them, a minimum of 0.7 is ordinary.
    calibration = Calibration(1.0, 0.0, np.linspace(0.6, 1.0, 101), 0.5, 0.5)
    assert calibration.answer([0.7]) == pytest.approx(0.7)
    eight = calibration.answer([0.7] + [0.95] * 7)
    assert eight > 0.9
    # A clearly false claim stays false however many true claims surround it.
    assert calibration.answer([0.05] + [0.99] * 7) == pytest.approx(0.05)
    # Monotone: a lower minimum never gives a higher answer score.
    scores = [calibration.answer([m] + [0.9] * 4) for m in np.linspace(0.0, 1.0, 21)]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(scores))


def test_platt_scaling_is_monotone_and_shipped_calibration_loads() -> None:
    shipped = Calibration.load()
    p = np.linspace(0.01, 0.99, 50)
    calibrated = shipped.claim(p)
    assert np.all(np.diff(calibrated) > 0)
    assert 0.0 < shipped.threshold < 1.0 and 0.0 < shipped.relevance_threshold < 1.0
    # The length adjustment is chosen by the calibration script: no quantiles (off) or a sorted table of 101.
    assert len(shipped.faithful) in (0, 101) and np.all(np.diff(shipped.faithful) >= 0)


def test_calibration_without_quantiles_scores_an_answer_by_its_weakest_claim() -> None:
    calibration = Calibration(1.0, 0.0, np.zeros(0), 0.5, 0.5)
    assert calibration.answer([0.7] + [0.95] * 7) == pytest.approx(0.7)


def test_quantities_that_moved_are_flagged_against_the_claims_evidence_sentence() -> None:
    from tests.grounding.cases.case import ROASTER_MANUAL

    flags = {
        answer: checker().check([ROASTER_MANUAL], query, answer).claims[0].flags
        for query, answer in [
            ("When are espresso roasts dropped?", "Espresso roasts are dropped at 212 °F."),
            ("When does first crack start?", "First crack always begins exactly 8 minutes after loading."),
            ("When are espresso roasts dropped?", "Espresso roasts are dropped at 212 °C."),
        ]
    }
    moved, raised, faithful = flags.values()
    assert "quantity_conflict" in moved and "quantifier_raised" in raised
    assert not {"quantity_conflict", "quantifier_raised"} & set(faithful)


class StitchingScorer(OverlapScorer):
    """A fake that, like the trained model, reads a claim as supported against the whole two-sentence source and as
    contradicted against any single sentence that lacks one of its names."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        self.asked.extend(pairs)
        rows = []
        for premise, claim in pairs:
            missing = any(name not in premise for name in ("London", "Tokyo", "Japan", "UK") if name in claim)
            rows.append((0.05, 0.95) if missing else (0.9, 0.1))
        return np.array(rows, dtype=np.float32)


CAPITALS = "London is the capital of the UK. Tokyo is the capital of Japan."


def test_a_claim_whose_names_stand_apart_is_capped_by_its_best_sentence_read_alone() -> None:
    scorer = StitchingScorer()
    swapped = checker(scorer).check([CAPITALS], "What is the capital of Japan?", "The capital of Japan is London.")
    assert [premise for premise, _ in scorer.asked] == [CAPITALS, "London is the capital of the UK."]
    assert swapped.grounding == pytest.approx(0.05) and swapped.claims[0].label == "contradicted"
    # Its names in one sentence: the window alone, as before.
    scorer.asked.clear()
    kept = checker(scorer).check([CAPITALS], "What is the capital of Japan?", "The capital of Japan is Tokyo.")
    assert [premise for premise, _ in scorer.asked] == [CAPITALS] and kept.grounding == pytest.approx(0.9)
    off = CrossEncoderChecker(StitchingScorer(), calibration=Calibration.identity(), names_apart=False)
    assert off.check([CAPITALS], "What is the capital of Japan?", "The capital of Japan is London.").grounding == (
        pytest.approx(0.9)
    )


def test_names_apart_keeps_early_exits_verdicts_and_failing_scores() -> None:
    answer = "Tokyo is the capital of Japan. The capital of Japan is London."
    fast = checker(StitchingScorer()).check([CAPITALS], "What?", answer, threshold=0.5)
    exact = checker(StitchingScorer(), early_exit=False).check([CAPITALS], "What?", answer, threshold=0.5)
    assert [c.label for c in fast.claims] == [c.label for c in exact.claims] == ["supported", "contradicted"]
    assert fast.grounding == exact.grounding < 0.5
