"""What the v1 feature experiments share: a variant fitted exactly as ``train.py`` fits the shipped model (two
stages, out-of-fold Platt calibration, threshold on the training sets' out-of-fold scores) and the training-data
figures it is chosen by (transfer AUROC, false alarms and catches by answer length).

Used by ``order_experiment.py``, ``flip_experiment.py`` and ``anchor_experiment.py`` (``scripts/grounding`` and
this folder on ``sys.path``, as those scripts set it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import featurize
import numpy as np
import train
from metrics import best_threshold, roc_auc


def columns(data: featurize.Featurized, names: tuple[str, ...], *, all_: tuple[str, ...]) -> featurize.Featurized:
    """``data`` with only the ``names`` columns, its rows holding the ``all_`` columns."""
    return replace(data, rows=data.rows[:, [all_.index(n) for n in names]] if len(data.rows) else data.rows)


def by_length(data: featurize.Featurized, scores: np.ndarray, *, threshold: float, percent: bool = False) -> str:
    """Faithful answers flagged and one-false answers caught, per answer length (1/2/4/8 sentences)."""
    kinds = np.array([k.rsplit("_", 1)[-1] for k in data.kinds])
    flagged, caught = [], []
    for n in ("1", "2", "4", "8"):
        good, bad = (kinds == n) & (data.labels == 1), (kinds == n) & (data.labels == 0)
        for out, rows in ((flagged, good), (caught, bad)):
            share = float((scores[rows] < threshold).mean())
            out.append(f"{100 * share:.0f}" if percent else f"{share:.3f}")
    if percent:
        return f"faithful flagged % (1/2/4/8) {'/'.join(flagged)}; one false caught % {'/'.join(caught)}"
    return f"faithful flagged (1/2/4/8) {' / '.join(flagged)}; one false caught {' / '.join(caught)}"


def fit_as_train(
    tr: dict[str, featurize.Featurized], names: tuple[str, ...] | None = None
) -> tuple[dict[str, Any], Callable[[np.ndarray], np.ndarray], float]:
    """The variant over ``names`` (train.py's default features when ``None``) fitted on the training sets ``tr``
    as train.py fits the shipped model; prints the out-of-fold report. Returns (params, predictor, threshold)."""
    chosen = {} if names is None else {"names": names}
    raw = train.out_of_fold_claims(tr, **chosen)
    raw_oof = {n: np.array([c.min() if len(c) else 1.0 for c in raw[n]]) for n in tr}
    a, b = train.platt({n: (tr[n].labels, raw_oof[n]) for n in tr})
    params = train.calibrated(train.fit_grounding(tr, *([] if names is None else [names])), a, b)
    oof = {n: train.platt_apply(a, b, s) for n, s in raw_oof.items()}
    threshold = best_threshold({n: (tr[n].labels, oof[n]) for n in tr}, step=0.05)
    train.report("Out-of-fold, training datasets", {n: (tr[n].labels, oof[n]) for n in tr}, threshold)
    return params, train.predictor(params), threshold


def transfer_auroc(tr: dict[str, featurize.Featurized], names: tuple[str, ...] | None = None) -> dict[str, float]:
    """Each training set's AUROC under a model fitted without it (how well a variant carries to new data)."""
    transfer = {}
    for held in tr:
        others = {n: tr[n] for n in tr if n != held}
        other = train.predictor(train.fit_grounding(others, *([] if names is None else [names])))
        transfer[held] = round(roc_auc(tr[held].labels, train.answer_scores(tr[held], other)), 3)
    return transfer
