"""Would v3 gain from a non-linear combiner? A monotone gradient-boosted model against the logistic one.

v3 (``hybrid_model.json``) is a sign-constrained logistic regression over v1's features, ``ce_support`` and the
quantity features. A boosted model can learn interactions (a high ``ce_support`` with an anchor that fires) while
keeping every feature's direction (``train.SIGNS`` as monotonic constraints). This fits, by ``train_hybrid.py``'s
procedure (two stages, out-of-fold Platt, the answer-length adjustment chosen on ``long_answers.train``, the
threshold on out-of-fold scores) on all twenty columns at once with the extension mix of the training sets,
(1) scikit-learn's ``HistGradientBoostingClassifier`` with those constraints and (2) the logistic fit the same way
(one stage instead of base + extension, to separate the staging from the combiner), and prints both held-out
tables (every-window reads for training, focus reads held out, as shipped) beside the shipped file's AUROC.
Nothing is written.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/v1_features/v3_boosted.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

import train  # noqa: E402
import train_hybrid  # noqa: E402
from convert import OUT  # noqa: E402
from featurize import Featurized, concat, featurize  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402

from grounding.crossencoder.hybrid import HYBRID_FEATURES, HybridModel  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

BOOSTED = {"max_iter": 200, "learning_rate": 0.05, "max_depth": 3, "min_samples_leaf": 50, "l2_regularization": 1.0}


def boosted_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: tuple[str, ...] = (), *, offset=None) -> dict:
    """``train.fit``'s signature, a monotone boosted model instead of the logistic one."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if offset is not None:
        raise SystemExit("the boosted fit has no offset (it is fitted on all columns at once)")
    model = HistGradientBoostingClassifier(**BOOSTED, monotonic_cst=[train.SIGNS[n] for n in names], random_state=0)
    model.fit(x.astype(np.float64), y, sample_weight=w * len(w) / w.sum())
    return {"boosted": model, "a": 1.0, "b": 0.0}


def boosted_predictor(params: dict):
    if "boosted" not in params:
        return LOGISTIC_PREDICTOR(params)
    model, a, b = params["boosted"], params["a"], params["b"]

    def predict(x: np.ndarray) -> np.ndarray:
        p = np.clip(model.predict_proba(np.asarray(x, np.float64))[:, 1], 1e-6, 1 - 1e-6)
        return 1 / (1 + np.exp(-(a * np.log(p / (1 - p)) + b)))

    return predict


def boosted_calibrated(params: dict, a: float, b: float) -> dict:
    return {**params, "a": a, "b": b} if "boosted" in params else LOGISTIC_CALIBRATED(params, a, b)


LOGISTIC_PREDICTOR, LOGISTIC_CALIBRATED, LOGISTIC_FIT = train.predictor, train.calibrated, train.fit


def use(boosted: bool) -> None:
    """Point the training scripts' fit, predictor and calibration at the boosted model or back at the logistic."""
    fit, predictor, calibrated = (
        (boosted_fit, boosted_predictor, boosted_calibrated) if boosted
        else (LOGISTIC_FIT, LOGISTIC_PREDICTOR, LOGISTIC_CALIBRATED)
    )  # fmt: skip
    train.fit, train.predictor, train.calibrated = fit, predictor, calibrated
    train_hybrid.predictor, train_hybrid.calibrated = predictor, calibrated


def table(title: str, evals: dict[str, Featurized], predict, quantiles: np.ndarray, threshold: float) -> dict:
    """Held-out ``{set: (AUROC, BA)}`` of one model, its table printed."""
    held = train.held_out(title, evals, predict, quantiles, threshold)
    return {n: (roc_auc(y, s), balanced_accuracy(y, (s >= threshold).astype(int))) for n, (y, s) in held.items()}


def main() -> None:
    encoder, lexicon = MiniLMEncoder(), load_lexicon()

    def load(name: str, split: str, *, focus: bool = False) -> Featurized:
        path = OUT / f"{name}.{split}.jsonl"
        return train_hybrid.hybrid(path, featurize(path, encoder=encoder, lexicon=lexicon, quiet=True), focus=focus)

    def joined(name: str) -> Featurized:
        return concat(*(load(n, "train") for n in (name, *train_hybrid.EXTENSION_JOINED.get(name, ()))))

    sets = {name: joined(name) for name in train_hybrid.TRAIN_SETS}
    lengths = load("long_answers", "train")
    evals = {name: load(name, "eval", focus=True) for name in train_hybrid.EVAL_SETS}
    shipped = HybridModel.load()
    results = {"shipped": table("v3 as shipped", evals, shipped.claim.predict, shipped.lengths.faithful,
                                shipped.claim.threshold)}  # fmt: skip
    for label, boosted in (("logistic, one stage", False), ("boosted, monotone", True)):
        use(boosted)
        params, quantiles, threshold = train_hybrid.fit_hybrid(sets, HYBRID_FEATURES, lengths)
        results[label] = table(label, evals, train.predictor(params), quantiles, threshold)
    use(False)
    labels = list(results)
    print(f"\n{'AUROC / BA':16s}" + "".join(f"{label:>24s}" for label in labels))
    for name in train_hybrid.EVAL_SETS:
        print(f"{name:16s}" + "".join(f"{results[m][name][0]:>17.3f} / {results[m][name][1]:.3f}" for m in labels))
    means = {m: np.mean([v for v in results[m].values()], axis=0) for m in labels}
    print(f"{'mean':16s}" + "".join(f"{means[m][0]:>17.3f} / {means[m][1]:.3f}" for m in labels))


if __name__ == "__main__":
    main()
