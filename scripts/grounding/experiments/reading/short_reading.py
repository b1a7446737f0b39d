"""How should v2 read a short answer: judge the question's premises too, or take them as given?

v2 reads a short answer ("Deadpool 2" to "Which 20th Century Fox film cast Zazie Beetz as Domino?") as the claim
``"<question> <answer>"`` against a window of the sources, so a question that names something the sources do not
(Zazie Beetz, Domino) fails the answer with it. A grounding check judges the answer: the question is the user's.
Variants, each recalibrated on ``calibrate_crossencoder.py``'s sets (one Platt map, threshold from those sets):

- ``claim``: today's, ``(window, "<question> <answer>")``;
- ``given``: the question put before the window as given context, ``("<question> <window>", "<question> <answer>")``;
- ``answer``: ``("<question> <window>", "<answer>")``.

Only short answers read differently; every other claim's read is the cached one.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/short_reading.py
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT  # noqa: E402
from featurize_pairs import prepare, reads_scorer  # noqa: E402
from metrics import roc_auc  # noqa: E402
from short_calibration import Reads, calibration_sets, judged, one_map  # noqa: E402
from train_hybrid import EVAL_SETS  # noqa: E402

from grounding.crossencoder import PairScorer  # noqa: E402
from grounding.crossencoder.check import read_claims  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402


class Rewriting:
    """A pair scorer that reads short answers' pairs in another form (``variant``) and the rest as they are."""

    def __init__(self, inner: PairScorer, variant: str) -> None:
        self.inner, self.variant = inner, variant
        self.questions: dict[str, tuple[str, str]] = {}  # a short answer's claim text -> (question, answer)
        self.cache: dict[tuple[str, str], npt.NDArray[np.float32]] = {}

    def _form(self, pair: tuple[str, str]) -> tuple[str, str]:
        window, claim = pair
        if claim not in self.questions or self.variant == "claim":
            return pair
        question, answer = self.questions[claim]
        return f"{question} {window}", claim if self.variant == "given" else answer

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        forms = [self._form(p) for p in pairs]
        new = sorted({f for f in forms if f not in self.cache})
        if new:
            self.cache.update(zip(new, self.inner.grounding(new), strict=True))
        return np.array([self.cache[f] for f in forms], np.float32).reshape(-1, 2)

    def relevance(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        raise NotImplementedError


def reread(reads: Reads, path: Path, *, scorer: Rewriting) -> Reads:
    """``reads`` with its short answers read again through ``scorer``."""
    prepared, lexicon = prepare(path), load_lexicon()
    claims = list(reads.claims)
    for k, i in enumerate(reads.keep):
        if not reads.short[k]:
            continue
        sources, split, units = prepared[i]
        for claim in split:
            scorer.questions[claim.text] = (claim.text[: claim.focus_start].strip(), claim.text[claim.focus_start :])
        got = read_claims(scorer, split, sources, units, lexicon=lexicon, focus=True)
        claims[k] = np.array([r.support for r in got], np.float64)
    return reads.with_claims(claims)


def main() -> None:
    inner = reads_scorer()
    calibration = calibration_sets(OUT)
    evals = {name: Reads(OUT / f"{name}.eval.jsonl") for name in EVAL_SETS}
    for variant in ("claim", "given", "answer"):
        scorer = Rewriting(inner, variant)
        cal = {n: reread(r, OUT / f"{n}.train.jsonl", scorer=scorer) for n, r in calibration.items()}
        held = {n: reread(r, OUT / f"{n}.eval.jsonl", scorer=scorer) for n, r in evals.items()}
        maps = one_map(cal)
        a, b = maps[True]
        threshold, cells = judged(cal, held, maps)
        print(f"{variant}: a={a:.3f} b={b:.3f} threshold {threshold}\n  held out: {cells}", flush=True)
        for title, sets in (("calibration sets", cal), ("held out", held)):
            overall = " ".join(f"{n} {roc_auc(r.labels, r.scores(maps)):.3f}" for n, r in sets.items() if r.short.any())
            short = {n: r.weakest(r.short) for n, r in sets.items() if r.short.any()}
            inside = " ".join(f"{n} {roc_auc(*s):.3f}" for n, s in short.items() if 0 < s[0].sum() < len(s[0]))
            print(f"  {title}, AUROC: {overall}; among short answers: {inside}", flush=True)
    print("sets:", " ".join(EVAL_SETS))


if __name__ == "__main__":
    main()
