"""Does the cross-encoder's reading help v1 when v1's shipped model is kept as it is? Fits, on v3's training sets
(which the cross-encoder never saw), a correction on top of v1's calibrated logit, and compares on every held-out
set:

- ``v1``: the shipped v1 model alone (threshold re-chosen on the training sets, for a like-for-like comparison,
  and at its shipped 0.55);
- ``shift``: v1's logit + w * ce_support + b (w >= 0);
- ``veto``: v1's logit + w * min(ce_support - c, 0) for a few c: the cross-encoder can only lower a claim's score,
  and only where it reads the claim as unsupported;
- ``v3``: the shipped v3 model, for reference.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/v1_features/v1_plus_ce.py [--focus]

Reads the cached v1 features and cross-encoder reads (``featurize.py``, ``featurize_pairs.py``), as
``train_hybrid.py`` does; prints held-out balanced accuracy at each variant's threshold and AUROC.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT  # noqa: E402
from featurize import Featurized, concat, featurize  # noqa: E402
from metrics import balanced_accuracy, best_threshold, roc_auc  # noqa: E402
from train import answer_scores, predictor, training_rows  # noqa: E402
from train_hybrid import EVAL_SETS, EXTENSION_JOINED, TRAIN_SETS, hybrid  # noqa: E402

from grounding.crossencoder.hybrid import HYBRID_FEATURES, HYBRID_MODEL  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.features import V1_FEATURES  # noqa: E402
from grounding.scorer import DATA_DIR, load_lexicon  # noqa: E402

CE = HYBRID_FEATURES.index("ce_support")
MODEL_FILE = DATA_DIR / "grounding_model.json"
V1_COLUMNS = [HYBRID_FEATURES.index(n) for n in V1_FEATURES]


def v1_logit(rows: np.ndarray) -> np.ndarray:
    """The shipped v1 model's calibrated logit of claim rows in :data:`HYBRID_FEATURES` order."""
    params = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    if params["features"] != list(V1_FEATURES):
        raise SystemExit(f"{MODEL_FILE}: not v1's features")
    mean, scale, coef = (np.asarray(params[k], np.float64) for k in ("mean", "scale", "coef"))
    return ((rows[:, V1_COLUMNS] - mean) / scale) @ coef + params["intercept"]


def fit_correction(
    offset: np.ndarray, column: np.ndarray, *, y: np.ndarray, w: np.ndarray, intercept: bool
) -> tuple[float, float]:
    """``(weight, bias)`` of ``offset + weight * column + bias`` (weight >= 0), weighted logistic loss."""
    w = w * len(w) / w.sum()

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        t = offset + p[0] * column + (p[1] if intercept else 0.0)
        value = (w * (y * np.logaddexp(0, -t) + (1 - y) * np.logaddexp(0, t))).sum()
        g = (1 / (1 + np.exp(-t)) - y) * w
        return value, np.array([g @ column, g.sum() if intercept else 0.0])

    result = minimize(loss, np.zeros(2), jac=True, method="L-BFGS-B", bounds=[(0, None), (None, None)])
    return float(result.x[0]), float(result.x[1]) if intercept else 0.0


def scorer(kind: str, *, weight: float = 0.0, bias: float = 0.0, c: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """Claim scores: v1's calibrated logit plus the variant ``kind``'s correction, through a sigmoid."""

    def predict(rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, np.float64)
        ce = rows[:, CE]
        extra = {"v1": 0.0, "shift": weight * ce + bias, "veto": weight * np.minimum(ce - c, 0.0)}[kind]
        return 1 / (1 + np.exp(-(v1_logit(rows) + extra)))

    return predict


def answers(
    sets: dict[str, Featurized], predict: Callable[[np.ndarray], np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {n: (d.labels, answer_scores(d, predict)) for n, d in sets.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--focus", action="store_true",
        help="the cross-encoder's focus-window reads (as v2 and, since 2026-12-05, v3 read), training and held-out "
        "rows alike; default: every window",
    )  # fmt: skip
    args = parser.parse_args()
    encoder, lexicon = MiniLMEncoder(), load_lexicon()

    def load(name: str, split: str) -> Featurized:
        path = OUT / f"{name}.{split}.jsonl"
        return hybrid(path, featurize(path, encoder=encoder, lexicon=lexicon, quiet=True), focus=args.focus)

    train = {name: concat(*(load(n, "train") for n in (name, *EXTENSION_JOINED.get(name, ())))) for name in TRAIN_SETS}
    evals = {name: load(name, "eval") for name in EVAL_SETS}
    v3 = json.loads(HYBRID_MODEL.read_text(encoding="utf-8"))

    predictor_v1 = scorer("v1")
    variants: dict[str, tuple[Callable[[np.ndarray], np.ndarray], float | None]] = {"v1 at 0.55": (predictor_v1, 0.55)}
    variants["v1 (re-chosen)"] = (predictor_v1, best_threshold(answers(train, predictor_v1), step=0.05))
    x, y, w, _ = training_rows(train, predictor_v1)
    offset, ce = v1_logit(x.astype(np.float64)), x[:, CE].astype(np.float64)
    weight, bias = fit_correction(offset, ce, y=y, w=w, intercept=True)
    variants[f"shift w={weight:.2f} b={bias:.2f}"] = (scorer("shift", weight=weight, bias=bias), None)
    for c in (-2.0, -1.0, 0.0, 1.0):
        weight, _ = fit_correction(offset, np.minimum(ce - c, 0.0), y=y, w=w, intercept=False)
        variants[f"veto c={c:+.0f} w={weight:.2f}"] = (scorer("veto", weight=weight, c=c), None)
    variants["v3 (shipped)"] = (predictor(v3), v3["threshold"])

    for name, (predict, threshold) in variants.items():
        if threshold is None:
            threshold = best_threshold(answers(train, predict), step=0.05)
        held = answers(evals, predict)
        cells = [f"{balanced_accuracy(lab, (s >= threshold).astype(int)):.3f}/{roc_auc(lab, s):.3f}"
                 for lab, s in held.values()]  # fmt: skip
        mean = np.mean([roc_auc(lab, s) for lab, s in held.values()])
        print(f"{name:<26} t={threshold:.2f} " + " ".join(cells) + f"  mean AUROC {mean:.3f}")
    print("sets:", " ".join(EVAL_SETS))


if __name__ == "__main__":
    main()
