"""Grounding v3 ("hybrid", the service's default since 2026-12-05 evening): v1's features plus the v2
cross-encoder's reading in one calibrated model.

Neither model alone is good enough (``docs/grounding-v2.md``): the cross-encoder reads inference (NLI-style
pairs, long faithful answers) but misses changed names and numbers in otherwise copied sentences; v1's features
see exactly those (a number or name found nowhere in the sources) but not inference. Here each claim gets v1's
:data:`grounding.features.V1_FEATURES` (``order_flip`` included since 2026-12-03 evening) plus ``ce_support``:
the cross-encoder's P(supported) for the claim's best window, as a logit; v1's two quantity features come last
(2026-12-04 evening), fitted on top of the rest with its coefficients fixed, as v1's own are. A logistic
regression on these (``grounding/data/hybrid_model.json``, written by ``scripts/grounding/train_hybrid.py``) is
fitted on v1's training sets, which the cross-encoder never saw, with v1's sign constraints, out-of-fold
calibration and threshold choice. The answer's score is its weakest claim's, adjusted for the number of claims as in
:mod:`grounding.crossencoder.check`. Relevance is v1's. A claim under the threshold is ``contradicted`` when a
window it read gives P(contradicted) >= 0.5 or v1 sees an opposite.

Tried and dropped, measured in ``docs/grounding-v2.md``: the cross-encoder's P(contradicted) as a feature, a
"names that never share a source sentence" feature, and rule-made swaps as extra training data (each lowered
HaluEval without helping elsewhere); and for short answers read with their question, ``ce_support`` left out or
given a column of its own (the first helped HaluEval only, the second fitted too few such answers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from grounding.check import Analysis, analyse
from grounding.crossencoder import PairScorer
from grounding.crossencoder.check import Calibration, ClaimRead, read_claims
from grounding.encoder import MiniLMEncoder, TextEncoder
from grounding.evidence import source_units
from grounding.features import FEATURE_NAMES, ClaimFeatures
from grounding.inputs import threshold_of, validate
from grounding.quantities import QUANTITY_FEATURES
from grounding.scorer import DATA_DIR, LogisticModel, Models, load_models
from grounding.types import ClaimLabel, ClaimResult, Evidence, GroundingResult

# v1's features as v3 was fitted on them, the read, and since 2026-12-04 evening v1's quantity features, fitted on
# top of the rest as v1's are (scripts/grounding/train_hybrid.py --base): a claim where both are 0 scores as before.
HYBRID_V1 = (*FEATURE_NAMES, "order_flip")
HYBRID_FEATURES = (*HYBRID_V1, "ce_support", *QUANTITY_FEATURES)
_SUPPORT = HYBRID_FEATURES.index("ce_support")
HYBRID_MODEL = DATA_DIR / "hybrid_model.json"
_LOGIT_CLIP = 1e-4


@dataclass(frozen=True, eq=False)
class HybridModel:
    """The claim model and the faithful-claim quantiles of the answer-length adjustment."""

    claim: LogisticModel
    lengths: Calibration  # only ``answer`` is used: identity Platt, the faithful quantiles

    @classmethod
    def load(cls, path: Path = HYBRID_MODEL) -> HybridModel:
        claim = LogisticModel.from_file(path, expected=HYBRID_FEATURES)
        faithful = np.asarray(json.loads(path.read_text(encoding="utf-8")).get("faithful", []), dtype=np.float64)
        return cls(claim, Calibration(1.0, 0.0, faithful, claim.threshold, 0.5))


def hybrid_rows(analysis: Analysis, reads: Sequence[ClaimRead]) -> npt.NDArray[np.float64]:
    """The :data:`HYBRID_FEATURES` of each claim, ``(n_claims, len(HYBRID_FEATURES))``."""
    rows = [hybrid_row(features, read.support) for features, read in zip(analysis.features, reads, strict=True)]
    return np.array(rows, dtype=np.float64).reshape(-1, len(HYBRID_FEATURES))


def hybrid_row(features: ClaimFeatures, p_supported: float) -> npt.NDArray[np.float64]:
    """One claim's :data:`HYBRID_FEATURES` for this P(supported) of its best window."""
    return hybrid_columns(features.v1_values[None, :], np.array([support_logit(p_supported)]))[0]


def hybrid_columns(v1_values: npt.NDArray[np.floating], support: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """Claims' :data:`HYBRID_FEATURES` from their v1 values (rows in :data:`grounding.features.V1_FEATURES`
    order) and their ``ce_support`` logits: v1's values up to ``order_flip``, ``ce_support``, then v1's quantity
    features (what ``scripts/grounding/train_hybrid.py`` fits on, and the checker reads)."""
    values, width = np.asarray(v1_values, dtype=np.float64), len(HYBRID_V1)
    quantities = values[:, width : width + len(QUANTITY_FEATURES)]
    return np.hstack([values[:, :width], np.asarray(support, dtype=np.float64).reshape(-1, 1), quantities])


def support_logit(p_supported: float) -> float:
    """``ce_support``: the logit of P(supported), clipped to +-9.2 so a saturated model stays finite."""
    p = min(max(p_supported, _LOGIT_CLIP), 1 - _LOGIT_CLIP)
    return float(np.log(p / (1 - p)))


class HybridChecker:
    """Grounding v3: v1's analysis and the cross-encoder's reading, combined by ``hybrid_model.json``.

    ``encoder=None`` loads the bundled MiniLM and ``scorer=None`` the shipped cross-encoder (about 2 s in
    all); tests may pass :class:`~grounding.encoder.HashEncoder` and :class:`~grounding.crossencoder.OverlapScorer`.
    ``early_exit`` (the default; for calls that pass ``threshold``) stops a claim's reading at its first window when
    the claim's score with that window's reading is already at or above the threshold, as in
    :class:`~grounding.crossencoder.check.CrossEncoderChecker`: the same verdicts. It applies while
    ``ce_support``'s weight is positive, so more windows can only raise a score. ``focus`` (the default since
    2026-12-05) reads a long input as v2 does, one focus window a claim; ``False`` reads every window, as the model
    was fitted. The model is not refitted on focus reads: refitted, it weighs ``ce_support`` more and loses on
    HaluEval; as fitted, focus reads kept or raised every held-out set's AUROC at a fraction of the cost
    (``docs/grounding-v2.md``, v3 in focus windows).
    """

    def __init__(
        self,
        encoder: TextEncoder | None = None,
        scorer: PairScorer | None = None,
        *,
        model: HybridModel | None = None,
        models: Models | None = None,
        early_exit: bool = True,
        focus: bool = True,
    ) -> None:
        if scorer is None:
            from grounding.crossencoder import CrossEncoder

            scorer = CrossEncoder.load()
        self.encoder = encoder if encoder is not None else MiniLMEncoder()
        self.scorer = scorer
        self.model = model or HybridModel.load()
        self.models = models or load_models()
        self.early_exit = early_exit
        self.focus = focus

    @property
    def default_threshold(self) -> float:
        return self.model.claim.threshold

    def check(
        self, sources: Sequence[str], query: str, answer: str, *, threshold: float | None = None
    ) -> GroundingResult:
        """See :func:`grounding.check`."""
        validate(sources, query, answer)
        limit = self.default_threshold if threshold is None else threshold_of(threshold)
        [analysis] = analyse(sources, [(query, answer)], encoder=self.encoder, lexicon=self.models.lexicon)
        if not analysis.claims:
            return GroundingResult(
                grounding=1.0, relevance=1.0, claims=(), abstained=analysis.abstained, threshold=limit
            )
        units = source_units(sources)
        settled = self._passes(analysis, limit) if self.early_exit and threshold is not None else None
        reads = read_claims(
            self.scorer, analysis.claims, sources, units, lexicon=self.models.lexicon, settled=settled,
            focus=self.focus,
        )  # fmt: skip
        scores = self.model.claim.predict(hybrid_rows(analysis, reads))
        claims = []
        for claim, features, candidates, read, score in zip(
            analysis.claims, analysis.features, analysis.candidates, reads, scores, strict=True
        ):
            unit = read.unit or candidates[features.best]
            evidence = Evidence(unit.source_index, unit.start, unit.end, unit.text, round(read.support, 4))
            label: ClaimLabel = "supported"
            if score < limit:
                label = "contradicted" if read.contradiction >= 0.5 or features.opposes else "unsupported"
            text = claim.text[claim.focus_start :]
            claims.append(ClaimResult(text, claim.start, claim.end, float(score), label, evidence, features.flags))
        relevance = float(self.models.relevance.predict(analysis.relevance)[0])  # type: ignore[arg-type]
        grounding = self.model.lengths.answer([c.score for c in claims])
        return GroundingResult(
            grounding=grounding, relevance=relevance, claims=tuple(claims), abstained=False, threshold=limit
        )

    def _passes(self, analysis: Analysis, limit: float) -> Callable[[int, float], bool] | None:
        """Whether claim ``i`` scores at or above ``limit`` with this P(supported) of its best window; ``None``
        (read every window) unless the score rises with ``ce_support`` alone (a positive weight, no products)."""
        claim = self.model.claim
        if claim.coef[_SUPPORT] <= 0 or any(_SUPPORT in pair for pair in claim.interactions):
            return None
        features = analysis.features
        return lambda i, p: float(claim.predict(hybrid_row(features[i], p))[0]) >= limit
