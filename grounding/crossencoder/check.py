"""Grounding v2: the check on the trained cross-encoder (opt-in: ``RAGKB_GROUNDING_MODEL=crossencoder``).

One call: validate; split the answer into claims (:mod:`grounding.claims`); cut the sources into
sentence-aligned windows (:mod:`grounding.crossencoder.windows`); let each claim read its windows with the pair model
(every window of an input of at most 150 words; of a longer one, its focus window: at most 40 words around its
best sentence by keyword score); a claim's support is its best window's, calibrated; the answer's grounding is its
weakest claim's, adjusted for the number of claims so that a faithful answer of eight claims passes as often as one
of one sentence (below); relevance is the pair model's relevance head on ``(query, answer)``.

**Answer-length calibration.** The minimum of eight noisy claim scores is lower than one claim's score even
when all eight are true, so an uncorrected minimum flags long faithful answers far more often. With ``F`` the
distribution of calibrated scores of *faithful* claims (a quantile table fitted on data the model was not
trained on), the answer's score is ``F⁻¹(1 - (1 - F(m))ⁿ)`` for the lowest score ``m`` of ``n`` claims: the
score a single claim would need to be as unusual as this minimum is among ``n`` faithful ones. For ``n = 1``
it is ``m``; a clearly false claim (``F(m)`` near 0) stays near 0.

**Names apart** (since 2026-12-05): a window of several sentences lets the model stitch a changed claim from pieces
of two ("The capital of Japan is London." against "London is the capital of the UK. Tokyo is the capital of
Japan.": supported 0.79), while either sentence alone contradicts it (0.99). So a claim two of whose anchors
(names, numbers) the sources hold only in different sentences (v1's ``anchor_apart`` > 0, lexical) also reads its
best sentence by keyword score alone, and its support becomes ``min(max(s_w, s_u), max(s_u, 1 - c_u))`` (``s_w``
the window's P(supported), ``s_u`` and ``c_u`` the sentence's P(supported) and P(contradicted)): the better of
window and sentence, capped where the sentence contradicts the claim and does not support it (the sentence is then
the evidence when it reads higher than the window). Other claims (most: 0-2 % of HaluEval's and FaithDial's) read
as before; measured in docs/grounding-v2.md ("Names apart").

Evidence: the sentence of the best window sharing most of the claim's content words (IDF-weighted). Flags are
the lexical ones of v1 (``new_number``, ``new_name``, ``negation_flip``, ``antonym``, ``new_content``), which
explain a low score; the score is the model's alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from grounding.claims import Claim, split_claims
from grounding.crossencoder import PairScorer
from grounding.crossencoder.windows import (
    WINDOW_WORDS,
    Window,
    focus_window,
    ranked_windows,
    source_windows,
    unit_words,
)
from grounding.evidence import Unit, lexical_scores, source_units
from grounding.features import Lexicon, SourceFacts, name_runs
from grounding.inputs import threshold_of, validate
from grounding.lexical import (
    antonym_conflict,
    claim_numbers,
    content_stems,
    names,
    polarity,
    weighted_coverage,
)
from grounding.quantities import quantity_features
from grounding.scorer import DATA_DIR, ModelFileError, load_lexicon, weakest_for_length
from grounding.types import ClaimLabel, ClaimResult, Evidence, Flag, GroundingResult

CALIBRATION = DATA_DIR / "crossencoder.json"


@dataclass(frozen=True, eq=False)
class Calibration:
    """Platt scaling of the pair model's support logit, the faithful-claim quantiles, and default thresholds."""

    a: float
    b: float
    faithful: npt.NDArray[np.float64]  # quantiles 0, 0.01, ..., 1 of faithful claims' scores; empty: no adjustment
    threshold: float
    relevance_threshold: float

    @classmethod
    def load(cls, path: Path = CALIBRATION) -> Calibration:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFileError(f"{path} not found; run scripts/grounding/calibrate_crossencoder.py") from None
        return cls(data["a"], data["b"], np.asarray(data["faithful"], dtype=np.float64), data["threshold"],
                   data["relevance_threshold"])  # fmt: skip

    @classmethod
    def identity(cls) -> Calibration:
        """No scaling and no length adjustment (what the calibration script starts from)."""
        return cls(1.0, 0.0, np.zeros(0), 0.5, 0.5)

    def claim(self, p_supported: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        p = np.clip(p_supported, 1e-6, 1 - 1e-6)
        return 1.0 / (1.0 + np.exp(-(self.a * np.log(p / (1 - p)) + self.b)))

    def answer(self, claim_scores: Sequence[float]) -> float:
        """The length-adjusted weakest-claim score (:func:`~grounding.scorer.weakest_for_length`)."""
        return weakest_for_length(claim_scores, self.faithful)


class CrossEncoderChecker:
    """Checks answers with a :class:`~grounding.crossencoder.PairScorer` (the trained cross-encoder by default).

    ``scorer=None`` loads the shipped model (about 1 s); tests may pass
    :class:`~grounding.crossencoder.OverlapScorer`. ``calibration=None`` reads ``grounding/data/crossencoder.json``.
    ``early_exit`` (the default) applies to calls that pass ``threshold`` (the service always does): a claim's
    reading stops at its first window by keyword score when that window alone supports it at or above the
    threshold (:func:`read_claims`; it matters only for an input of several short sources, read whole: a longer
    input is read in one focus window a claim anyway). The same verdicts; a supported claim's score is then that
    window's (possibly below its best window's), an unsupported one's is exact. Calls without ``threshold``, and
    ``early_exit=False``, read every window. ``names_apart`` (the default): a claim whose names the sources hold
    only in different sentences also reads its best sentence alone (:func:`read_names_apart`); verdicts under
    early exit stay those of reading every window.
    """

    def __init__(
        self,
        scorer: PairScorer | None = None,
        *,
        calibration: Calibration | None = None,
        lexicon: Lexicon | None = None,
        early_exit: bool = True,
        names_apart: bool = True,
    ) -> None:
        if scorer is None:
            from grounding.crossencoder import CrossEncoder

            scorer = CrossEncoder.load()
        self.scorer = scorer
        self.calibration = calibration or Calibration.load()
        self.lexicon = lexicon or load_lexicon()
        self.early_exit = early_exit
        self.names_apart = names_apart

    @property
    def default_threshold(self) -> float:
        return self.calibration.threshold

    def check(
        self, sources: Sequence[str], query: str, answer: str, *, threshold: float | None = None
    ) -> GroundingResult:
        """See :func:`grounding.check`."""
        validate(sources, query, answer)
        limit = self.calibration.threshold if threshold is None else threshold_of(threshold)
        claims, abstained = split_claims(answer, query=query)
        if not claims:
            return GroundingResult(grounding=1.0, relevance=1.0, claims=(), abstained=abstained, threshold=limit)
        units = source_units(sources)
        facts = SourceFacts.of(sources, units)
        # Early exit only where the caller named the threshold it judges at: without one, the score may be
        # compared with anything (evaluations, AUROC), so every window is read.
        settled = self._passes(limit) if self.early_exit and threshold is not None else None
        reads = read_claims(self.scorer, claims, sources, units, lexicon=self.lexicon, settled=settled)
        if self.names_apart:
            reads = read_names_apart(self.scorer, claims, units, reads, facts=facts, lexicon=self.lexicon)
        relevance = float(self.scorer.relevance([(query, " ".join(claim.text for claim in claims))])[0])
        results = []
        for claim, read in zip(claims, reads, strict=True):
            score = float(self.calibration.claim(np.array([read.support]))[0]) if read.unit else 0.0
            results.append(self._claim_result(claim, read.unit, score=score, raw=read.support,
                                              contradicted=read.contradiction >= 0.5, threshold=limit,
                                              facts=facts))  # fmt: skip
        grounding = self.calibration.answer([c.score for c in results])
        return GroundingResult(
            grounding=grounding, relevance=relevance, claims=tuple(results), abstained=False, threshold=limit
        )

    def _passes(self, limit: float) -> Callable[[int, float], bool]:
        """Whether a claim whose window gave this P(supported) is supported whatever its other windows say (its
        score, the calibrated best window, can only rise with more windows read)."""
        return lambda _, support: float(self.calibration.claim(np.array([support]))[0]) >= limit

    def _claim_result(
        self,
        claim: Claim,
        unit: Unit | None,
        *,
        score: float,
        raw: float,
        contradicted: bool,
        threshold: float,
        facts: SourceFacts,
    ) -> ClaimResult:
        label: ClaimLabel = "supported"
        if score < threshold:
            label = "contradicted" if contradicted else "unsupported"
        evidence = None
        if unit is not None:  # a unit's text is its source's span
            evidence = Evidence(unit.source_index, unit.start, unit.end, unit.text, round(raw, 4))
        flags = _flags(claim, unit, facts, self.lexicon)
        text = claim.text[claim.focus_start :]
        return ClaimResult(text, claim.start, claim.end, score, label, evidence, flags)


@dataclass(frozen=True)
class ClaimRead:
    """What the pair model made of one claim: its best window's P(supported), the highest P(contradicted)
    over the windows read, and the evidence unit (``None`` when the sources gave nothing to read)."""

    support: float
    contradiction: float
    unit: Unit | None


def read_claims(
    scorer: PairScorer,
    claims: Sequence[Claim],
    sources: Sequence[str],
    units: Sequence[Unit],
    *,
    lexicon: Lexicon,
    settled: Callable[[int, float], bool] | None = None,
    focus: bool = True,
) -> list[ClaimRead]:
    """Let each claim read its windows of ``sources`` (:mod:`grounding.crossencoder.windows`: every window of an
    input of at most 150 words, the best few by keyword score of many short sources, the claim's focus window of
    a longer input); ``units`` are ``source_units(sources)``.

    A claim of a long input reads one window, its focus window (``focus=False``: its windows as a short input's
    are, every window of a few, the best three by keyword score of more; v3 read so until 2026-12-05). Otherwise
    ``settled=None`` reads every claim's windows in one batch, and with ``settled`` reading stops early where it
    cannot change a verdict: each claim first reads its best window by keyword score (all claims in one batch), and
    only the claims for which ``settled(claim index, P(supported) of that window)`` is false read their other
    windows (a second batch). A settled claim's support is then that window's, which may be below what a window
    left unread would give; pass a ``settled`` that is true only where the claim's verdict is already "supported"
    whatever the other windows say.
    """
    keyword = [
        lexical_scores(sorted(content_stems(c.text)), units, idf=lexicon.idf, default_idf=lexicon.default_idf)
        for c in claims
    ]
    if focus and units and sum(unit_words(unit) for unit in units) > WINDOW_WORDS:
        # A long input: each claim reads only its focus window (measured better than the full windows there).
        windows = [focus_window(sources, units, scores) for scores in keyword]
        chosen = [[i] for i in range(len(claims))]
        probabilities = _read(scorer, windows, claims, chosen)
        return _reads(windows, units, chosen, probabilities, keyword)
    windows = source_windows(sources, units)
    ranked = [ranked_windows(windows, scores) for scores in keyword]
    if settled is None:
        chosen = [sorted(order) for order in ranked]
        probabilities = _read(scorer, windows, claims, chosen)
    else:
        first = _read(scorer, windows, claims, [order[:1] for order in ranked])
        chosen = [
            order[:1] if len(rows) and settled(i, float(rows[0, 0])) else order
            for i, (order, rows) in enumerate(zip(ranked, first, strict=True))
        ]
        rest = _read(scorer, windows, claims, [picked[1:] for picked in chosen])
        probabilities = [np.concatenate([a, b]) for a, b in zip(first, rest, strict=True)]
    return _reads(windows, units, chosen, probabilities, keyword)


def read_names_apart(
    scorer: PairScorer,
    claims: Sequence[Claim],
    units: Sequence[Unit],
    reads: Sequence[ClaimRead],
    *,
    facts: SourceFacts,
    lexicon: Lexicon,
) -> list[ClaimRead]:
    """``reads`` with each claim whose anchors stand apart (``anchor_apart`` > 0) read against its best unit by
    keyword score alone too (module docstring, "Names apart"): support ``min(max(s_w, s_u), max(s_u, 1 - c_u))``, the
    better of window and unit, capped where the unit contradicts the claim; the unit is the evidence when it reads
    higher. One short pair per such claim, all in one batch; the others are returned as they were."""
    apart = []
    for index, (claim, read) in enumerate(zip(claims, reads, strict=True)):
        focus = claim.text[claim.focus_start :]
        stated = claim_numbers(focus)
        # Fewer than two names and numbers make no pair of anchors: skip the sources' word index (about 70 ms
        # on a 100,000-character source) for such claims.
        if read.unit is None or not units or len(name_runs(focus)) + len(set(stated)) < 2:
            continue
        if facts.anchor_spread(focus, stated)[0] > 0:
            apart.append(index)
    if not apart:
        return list(reads)
    best = []
    for index in apart:
        stems = sorted(content_stems(claims[index].text))
        scores = lexical_scores(stems, units, idf=lexicon.idf, default_idf=lexicon.default_idf)
        best.append(units[int(np.argsort(-scores, kind="stable")[0])])
    pairs = [(unit.text, claims[index].text) for index, unit in zip(apart, best, strict=True)]
    out = list(reads)
    for index, unit, (alone, against) in zip(apart, best, scorer.grounding(pairs).tolist(), strict=True):
        read = out[index]
        support = capped_support(read.support, alone=alone, against=against)
        contradiction = max(read.contradiction, against) if support < read.support else read.contradiction
        out[index] = ClaimRead(support, contradiction, unit if alone > read.support else read.unit)
    return out


def capped_support(window: float, *, alone: float, against: float) -> float:
    """A names-apart claim's support from its window's P(supported) and its best unit's P(supported) (``alone``) and
    P(contradicted) (``against``): ``min(max(s_w, s_u), max(s_u, 1 - c_u))`` (module docstring)."""
    return min(max(window, alone), max(alone, 1.0 - against))


def _reads(
    windows: Sequence[Window],
    units: Sequence[Unit],
    chosen: Sequence[Sequence[int]],
    probabilities: Sequence[npt.NDArray[np.float32]],
    keyword: Sequence[npt.NDArray[np.float32]],
) -> list[ClaimRead]:
    reads = []
    for picked, rows, scores in zip(chosen, probabilities, keyword, strict=True):
        if not len(rows):
            reads.append(ClaimRead(0.0, 0.0, None))
            continue
        best = int(np.argmax(rows[:, 0]))
        unit = _evidence_unit(windows[picked[best]], units, scores)
        reads.append(ClaimRead(float(rows[best, 0]), float(rows[:, 1].max()), unit))
    return reads


def _read(
    scorer: PairScorer, windows: Sequence[Window], claims: Sequence[Claim], picked: Sequence[Sequence[int]]
) -> list[npt.NDArray[np.float32]]:
    """Per claim, the ``(len(picked[i]), 2)`` grounding probabilities of its picked windows, all in one batch."""
    pairs = [(windows[w].text, claim.text) for claim, chosen in zip(claims, picked, strict=True) for w in chosen]
    probabilities = scorer.grounding(pairs) if pairs else np.zeros((0, 2), dtype=np.float32)
    out, position = [], 0
    for chosen in picked:
        out.append(probabilities[position : position + len(chosen)].reshape(-1, 2))
        position += len(chosen)
    return out


def _evidence_unit(window: Window, units: Sequence[Unit], scores: npt.NDArray[np.float32]) -> Unit:
    inside = scores[window.first : window.last + 1]
    return units[window.first + int(np.argmax(inside))]


def _flags(claim: Claim, unit: Unit | None, facts: SourceFacts, lexicon: Lexicon) -> tuple[Flag, ...]:
    focus = claim.text[claim.focus_start :]
    flags: list[Flag] = []
    if facts.new_numbers(claim_numbers(focus)):
        flags.append("new_number")
    if facts.new_names(names(focus)):
        flags.append("new_name")
    if unit is not None and polarity(claim.text) != polarity(unit.text):
        flags.append("negation_flip")
    if unit is not None and antonym_conflict(claim.text, unit.text):
        flags.append("antonym")
    if weighted_coverage(content_stems(focus), set(facts.stems), lexicon.idf, lexicon.default_idf) < 0.75:
        flags.append("new_content")
    if unit is None:
        flags.append("no_evidence")
    # A hedge is compared with the claim's evidence sentence (v1's features rank every source sentence for the
    # claim instead: that index costs about 300 ms on a 100,000-character source, and v2 has its evidence already)
    conflict, raised = quantity_features(focus, facts.quantities, facts.numbers, unit.text if unit else None)
    if conflict:
        flags.append("quantity_conflict")
    if raised:
        flags.append("quantifier_raised")
    return tuple(flags)
