"""v1's extension: features added to a fitted, calibrated model without refitting it (``train.py`` uses it).

A rare-event feature (``quantity_conflict``, ``quantifier_raised``: each is 0 on more than 97 % of the claims of
every real set) fitted together with the base features moves their weights: refitting all 19 with the quantity
pairs in the mix cost HaluEval 0.018 and the synthetic set 0.010 balanced accuracy, FaithDial 0.017 AUROC
(docs/grounding.md, "Quantities"). Fitted as an extension, the base model's coefficients, calibration and default
threshold stay as they are, so every claim where the new features are 0 scores exactly as before; only their
own coefficients are fitted, sign-constrained, with the base model's calibrated logit as a fixed offset, on the
training mix that holds the pairs made for them. Two passes, as the base model's fit: the ungrounded answer's
claim that enters is the weakest under the base model, then under the base model with the first extension.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from featurize import Featurized
from train import fit, predictor, training_rows


def fit_extension(sets: dict[str, Featurized], base: dict, width: int, names: tuple[str, ...]) -> dict:
    """The combined model's parameters: ``base`` (calibrated, fitted on the first ``width`` columns) and the
    coefficients of the columns ``names`` (the rest) fitted on ``sets`` with the base logit as an offset."""
    model = _padded(base, width, len(names))
    for _ in range(2):
        x, y, w, _ = training_rows(sets, predictor(model))
        model = _combined(base, width, fit(x[:, width:], y, w, names, offset=predictor_logit(base, width)(x)))
    return model


def predictor_logit(params: dict, width: int):
    """The base model's logit on the first ``width`` columns of a row."""
    mean, scale, coef = (np.asarray(params[k], np.float64) for k in ("mean", "scale", "coef"))

    def logit(x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, np.float64)[:, :width] - mean) / scale) @ coef + params["intercept"]

    return logit


def _combined(base: dict, width: int, extension: dict) -> dict:
    return {
        **base,
        "mean": list(base["mean"][:width]) + extension["mean"],
        "scale": list(base["scale"][:width]) + extension["scale"],
        "coef": list(base["coef"][:width]) + extension["coef"],
    }


def _padded(base: dict, width: int, extra: int) -> dict:
    return _combined(base, width, {"mean": [0.0] * extra, "scale": [1.0] * extra, "coef": [0.0] * extra})


def read_base(path: Path, base_features: tuple[str, ...]) -> tuple[dict, np.ndarray, float]:
    """A model file's base model (its first ``base_features``), faithful-claim quantiles and threshold."""
    width = len(base_features)
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["features"][:width] != list(base_features):
        raise SystemExit(f"{path}: its first features are not {base_features}")
    params = {k: list(data[k][:width]) for k in ("mean", "scale", "coef")}
    if data.get("interactions"):  # the extension's offset (predictor_logit) is the base's linear logit alone
        raise SystemExit(f"{path}: a base model with interactions cannot be extended")
    params |= {"intercept": data["intercept"], "interactions": []}
    return params, np.asarray(data.get("faithful", []), dtype=np.float64), float(data["threshold"])


def base_columns(data: Featurized, width: int) -> Featurized:
    """``data`` with its claim rows cut to the first ``width`` columns (the base model's features)."""
    return replace(data, rows=data.rows[:, :width]) if data.rows.ndim == 2 and len(data.rows) else data
