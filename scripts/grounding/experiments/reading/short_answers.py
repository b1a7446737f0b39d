"""Should v3 read the cross-encoder for short answers ("<question> <answer>")? Three fits of v3, compared on
every held-out set:

- ``shared``: today's ``ce_support`` for every claim;
- ``mean``: a short answer's ``ce_support`` replaced by the training claims' mean (the term adds nothing);
- ``split``: two columns, ``ce_support`` for claims that stand alone and ``ce_short`` for short answers read
  with their question (each 0 where it does not apply), so the fit weighs the two readings apart.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/short_answers.py

Reads the cached v1 features and cross-encoder reads (``featurize.py``, ``featurize_pairs.py``); prints held-out
AUROC and balanced accuracy at each fit's own default threshold.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

import train  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from featurize import Featurized, concat, featurize  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from train import claim_scores, length_adjusted, predictor  # noqa: E402
from train_hybrid import EVAL_SETS, EXTENSION_JOINED, TRAIN_SETS, fit_hybrid, hybrid  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.crossencoder.hybrid import HYBRID_FEATURES  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

CE = HYBRID_FEATURES.index("ce_support")


def short_mask(path: Path, data: Featurized) -> np.ndarray:
    """Per claim row: whether it is a short answer read with its question."""
    mask = []
    for i, row in enumerate(read_jsonl(path)):
        claims = split_claims(row["answer"], query=row["query"])[0]
        short = bool(claims) and claims[0].focus_start > 0
        mask.extend([short] * len(data.claims_of(i)))
    return np.array(mask, dtype=bool)


def variant(data: Featurized, mask: np.ndarray, kind: str, mean: float) -> Featurized:
    rows = data.rows.astype(np.float64).copy()
    if kind == "mean":
        rows[mask, CE] = mean
    elif kind == "split":
        short = np.where(mask, rows[:, CE], 0.0)
        rows[mask, CE] = 0.0
        rows = np.hstack([rows, short[:, None]])
    return dataclasses.replace(data, rows=rows.astype(np.float32))


def main() -> None:
    encoder, lexicon = MiniLMEncoder(), load_lexicon()
    train.SIGNS["ce_short"] = 1

    def load(stem: str) -> tuple[Featurized, np.ndarray]:
        path = OUT / f"{stem}.jsonl"
        data = hybrid(path, featurize(path, encoder=encoder, lexicon=lexicon, quiet=True))
        return data, short_mask(path, data)

    def joined(name: str) -> tuple[Featurized, np.ndarray]:
        parts = [load(f"{n}.train") for n in (name, *EXTENSION_JOINED.get(name, ()))]
        return concat(*(p[0] for p in parts)), np.concatenate([p[1] for p in parts])

    trains = {name: joined(name) for name in TRAIN_SETS}
    evals = {name: load(f"{name}.eval") for name in EVAL_SETS}
    mean = float(np.concatenate([d.rows[:, CE] for d, _ in trains.values()]).mean())
    for name, (_, mask) in {**trains, **evals}.items():
        print(f"{name}: {mask.sum()} of {len(mask)} claim rows are short answers")
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for kind in ("shared", "mean", "split"):
        names = (*HYBRID_FEATURES, "ce_short") if kind == "split" else HYBRID_FEATURES
        fitted = {n: variant(d, m, kind, mean) for n, (d, m) in trains.items()}
        params, quantiles, threshold = fit_hybrid(fitted, names)
        predict = predictor(params)
        print(kind, "coefficients:", dict(zip(names, np.round(params["coef"], 2).tolist(), strict=True)))
        for name, (data, mask) in evals.items():
            held = variant(data, mask, kind, mean)
            scores = length_adjusted(claim_scores(held, predict), quantiles)
            labels = held.labels
            results.setdefault(name, {})[kind] = (
                roc_auc(labels, scores),
                balanced_accuracy(labels, (scores >= threshold).astype(int)),
            )
    print(f"\n{'held-out set':<16}" + "".join(f"{k + ' AUROC / BA':>24}" for k in ("shared", "mean", "split")))
    for name, row in results.items():
        print(f"{name:<16}" + "".join(f"{row[k][0]:>15.3f} / {row[k][1]:.3f}" for k in ("shared", "mean", "split")))


if __name__ == "__main__":
    main()
