"""Should v2 calibrate a short answer read with its question apart from a claim that stands alone?

v2 reads a short answer ("Delhi") as ``"<question> <answer>"`` (:func:`grounding.claims.split_claims`). On
HaluEval, where 561 of 1,000 answers are short, v2's AUROC is 0.663 overall but 0.82 among the short answers and
0.96 among the sentence answers: the two readings sit on different scales (a grounded short answer averages
P(supported) 0.34, a grounded sentence 0.88), and HaluEval's grounded answers are mostly short, its ungrounded
ones mostly sentences. One Platt map for both cannot fix that; two can. This script fits both ways on the
calibration sets of ``calibrate_crossencoder.py`` (same seeded samples; data the cross-encoder never trained on)
and prints every held-out set's balanced accuracy (at each variant's threshold from the calibration sets) and
AUROC.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/short_calibration.py

Reads v2's cached reads (``featurize_pairs.py``, focus windows as v2 reads); the calibration sets' reads are
made on first use (about 50 pairs/s on 2 idle cores).
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from calibrate_crossencoder import SETS  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from featurize_pairs import featurize_pairs  # noqa: E402
from metrics import balanced_accuracy, best_threshold, roc_auc  # noqa: E402
from train import platt, platt_apply  # noqa: E402
from train_hybrid import EVAL_SETS  # noqa: E402

from grounding.claims import split_claims  # noqa: E402

PER_SET, SEED = 1500, 13


class Reads:
    """One set's examples: labels, v2's raw P(supported) per claim, and whether the answer is short."""

    def __init__(self, path: Path, keep: list[int] | None = None) -> None:
        rows = read_jsonl(path)
        reads = featurize_pairs(path, focus=True)
        self.keep = keep = list(range(len(rows))) if keep is None else keep
        self.labels = np.array([int(rows[i]["label"] == "grounded") for i in keep])
        self.claims = [reads[i][:, 0].astype(np.float64) for i in keep]
        self.short = np.array([is_short(rows[i]["query"], rows[i]["answer"]) for i in keep])

    def with_claims(self, claims: list[np.ndarray]) -> Reads:
        """The same examples with other reads of their claims."""
        other = copy.copy(self)
        other.claims = claims
        return other

    def weakest(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.labels[mask], np.array(
            [c.min() if len(c) else 1.0 for c, m in zip(self.claims, mask, strict=True) if m]
        )

    def scores(self, maps: dict[bool, tuple[float, float]]) -> np.ndarray:
        """Answer scores: the weakest calibrated claim (1.0 without claims), each answer by its reading's map."""
        a_b = [maps[bool(s)] for s in self.short]
        return np.array(
            [platt_apply(a, b, c).min() if len(c) else 1.0 for c, (a, b) in zip(self.claims, a_b, strict=True)]
        )


def is_short(query: str, answer: str) -> bool:
    claims = split_claims(answer, query=query)[0]
    return bool(claims) and claims[0].focus_start > 0


def calibration_sets(data: Path) -> dict[str, Reads]:
    """``calibrate_crossencoder.py``'s samples: the same seeded draw of ``PER_SET`` answers per set."""
    rng, sets = random.Random(SEED), {}
    for name in SETS:
        path = data / f"{name}.train.jsonl"
        n = len(read_jsonl(path))
        sets[name] = Reads(path, rng.sample(range(n), min(PER_SET, n)))
    return sets


def judged(
    calibration: dict[str, Reads], held: dict[str, Reads], maps: dict[bool, tuple[float, float]]
) -> tuple[float, str]:
    """The default threshold the calibration sets choose (a multiple of 0.05, as ``calibrate_crossencoder.py``)
    and each held-out set's ``BA/AUROC`` at it, one line."""
    threshold, cells, _ = _judged(calibration, held, maps)
    return threshold, " ".join(cells)


def _judged(
    calibration: dict[str, Reads], held: dict[str, Reads], maps: dict[bool, tuple[float, float]]
) -> tuple[float, list[str], list[float]]:
    """:func:`judged`'s threshold, its cells one a set, and each held-out set's AUROC."""
    threshold = round(best_threshold({n: (r.labels, r.scores(maps)) for n, r in calibration.items()}) * 20) / 20
    cells, aurocs = [], []
    for reads in held.values():
        scores = reads.scores(maps)
        aurocs.append(roc_auc(reads.labels, scores))
        predicted = (scores >= threshold).astype(int)
        cells.append(f"{balanced_accuracy(reads.labels, predicted):.3f}/{aurocs[-1]:.3f}")
    return threshold, cells, aurocs


def one_map(calibration: dict[str, Reads]) -> dict[bool, tuple[float, float]]:
    """One Platt map for every answer, short or not, fitted on the calibration sets' weakest claims (as
    ``calibrate_crossencoder.py`` fits the shipped one)."""
    a_b = platt({n: r.weakest(np.ones(len(r.labels), bool)) for n, r in calibration.items()})
    return {True: a_b, False: a_b}


def one_map_row(calibration: dict[str, Reads], held: dict[str, Reads]) -> str:
    """With :func:`one_map`, one line: the threshold, each held-out set's ``BA/AUROC``, the mean held-out AUROC, and
    each calibration set's AUROC with their mean (what a variant is chosen by)."""
    maps = one_map(calibration)
    threshold, cells, aurocs = _judged(calibration, held, maps)
    own = [roc_auc(r.labels, r.scores(maps)) for r in calibration.values()]
    mean = f"{np.mean(aurocs):.3f} | " + " ".join(f"{a:.3f}" for a in own) + f" (mean {np.mean(own):.4f})"
    return f"{threshold:.2f} " + " ".join(cells) + f"  {mean}"


def main() -> None:
    calibration = calibration_sets(OUT)
    for name, reads in calibration.items():
        short = reads.short
        print(f"{name}: {len(short)} answers, {short.sum()} short ({reads.labels[short].sum()} grounded)")
    everything = {n: r.weakest(np.ones(len(r.labels), bool)) for n, r in calibration.items()}
    one = platt(everything)
    shorts = {n: r.weakest(r.short) for n, r in calibration.items() if r.short.any()}
    rest = {n: r.weakest(~r.short) for n, r in calibration.items()}
    two = {True: platt(shorts), False: platt(rest)}
    variants = {"one map": {True: one, False: one}, "two maps": two}
    evals = {name: Reads(OUT / f"{name}.eval.jsonl") for name in EVAL_SETS}
    print("held-out short answers:", {n: int(r.short.sum()) for n, r in evals.items()})
    for title, maps in variants.items():
        threshold, cells = judged(calibration, evals, maps)
        described = ", ".join(f"{'short' if k else 'other'} a={a:.3f} b={b:.3f}" for k, (a, b) in maps.items())
        print(f"{title} ({described}); threshold {threshold}\n  {cells}")
    print("sets:", " ".join(EVAL_SETS))


if __name__ == "__main__":
    main()
