"""What the v1 feature experiments share: a variant fitted exactly as ``train.py`` fits the shipped model (two
stages, out-of-fold Platt calibration, threshold on the training sets' out-of-fold scores) and the training-data
figures it is chosen by (transfer AUROC, false alarms and catches by answer length).

Used by ``order_experiment.py``, ``flip_experiment.py`` and ``anchor_experiment.py`` (``scripts/grounding`` and
this folder on ``sys.path``, as those scripts set it); :func:`splice_caches` by ``../rounds/rekey_round6.py`` and
``../rounds/rekey_round7.py`` (which put this folder on ``sys.path`` themselves).
"""

from __future__ import annotations

import json
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import featurize
import numpy as np
import train
from convert import OUT, read_jsonl
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


def splice_caches(
    names: list[str],
    *,
    old_modules: Path,
    encoder: Any,
    lexicon: Any,
    changed: Callable[[dict[str, Any]], bool],
    same_claims: bool = False,
) -> None:
    """Today's feature cache of each dataset ``names`` without a full MiniLM pass: the examples ``changed`` picks are
    re-featurized with today's code, every other keeps its rows from the cache of the code in ``old_modules`` (a
    ``grounding/`` folder); written under today's cache key. ``same_claims``: refuse an example whose number of
    claims changed (the change was meant to touch only their features)."""
    today, cache = featurize.GROUNDING_DIR, featurize.CACHE
    for name in names:
        path = OUT / f"{name}.jsonl"
        featurize.GROUNDING_DIR = old_modules
        old_key = featurize.cache_key(path, encoder)
        featurize.GROUNDING_DIR = today
        target = cache / f"{name}.{featurize.cache_key(path, encoder)}.pkl"
        if target.exists():
            print(f"{name}: today's cache exists", flush=True)
            continue
        old = pickle.loads((cache / f"{name}.{old_key}.pkl").read_bytes())  # our own file
        examples = read_jsonl(path)
        redo = [i for i, example in enumerate(examples) if changed(example)]
        rows = [old.rows[old.offsets[i] : old.offsets[i + 1]] for i in range(len(examples))]
        relevance, abstained = old.relevance.copy(), old.abstained.copy()
        if redo:
            with tempfile.TemporaryDirectory() as folder:
                subset = Path(folder) / f"{name}.jsonl"
                subset.write_text("".join(json.dumps(examples[i]) + "\n" for i in redo), encoding="utf-8")
                featurize.CACHE = Path(folder) / "cache"
                featurize.featurize(subset, encoder=encoder, lexicon=lexicon, quiet=True)
                written = featurize.CACHE / f"{name}.{featurize.cache_key(subset, encoder)}.pkl"
                new = pickle.loads(written.read_bytes())
                featurize.CACHE = cache
            assert new.ids == [examples[i]["id"] for i in redo]
            for j, i in enumerate(redo):
                fresh = new.rows[new.offsets[j] : new.offsets[j + 1]]
                if same_claims and len(fresh) != len(rows[i]):
                    raise ValueError(f"{examples[i]['id']}: the claims changed, not only their word vectors")
                rows[i] = fresh
                relevance[i], abstained[i] = new.relevance[j], new.abstained[j]
        width = old.rows.shape[1]
        rows = [r.reshape(-1, width) for r in rows]
        offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
        spliced = replace(old, rows=np.concatenate(rows).astype(np.float32), offsets=offsets,
                          relevance=relevance, abstained=abstained)  # fmt: skip
        with target.open("wb") as handle:
            pickle.dump(spliced, handle)
        print(f"{name}: {len(redo)} of {len(examples)} examples re-featurized -> {target.name}", flush=True)
