"""Reproduce ``grounding/data/relevance_model.json``: does an answer address its query?

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/train_relevance.py [--threads 1]

A logistic regression on :data:`grounding.relevance.RELEVANCE_FEATURES` (one row per query/answer
pair, computed by the real ``grounding.check.analyse``), fitted like the grounding model
(``train.py``: coefficient signs constrained, every training set and each class in it weighing the
same, Platt calibration and default threshold from 5-fold out-of-fold scores grouped by answer).
Uses the IDF lexicon ``train.py`` wrote. Training sets (``relevance_pairs.py``): ``relevance``
(CLIMATE-FEVER train claims, synthetic cloze questions), ``relevance_dialogue`` (FaithDial turns),
``relevance_trecqa`` (TREC-QA's train split) and ``relevance_generic`` (BEGIN's "Generic" responses,
one half). Held out: HaluEval questions, TREC-QA dev + test (with MAP and MRR per question, the
answer-selection metrics), the other half of BEGIN. Takes 15-20 minutes on one busy core the first
time (features are cached in /tmp/ragkb-grounding/features).
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).parent)]

from convert import OUT, SHARED, bucket, read_jsonl  # noqa: E402
from featurize import Featurized, featurize  # noqa: E402
from metrics import best_threshold, roc_auc  # noqa: E402
from train import (  # noqa: E402
    DATA_DIR,
    SEED,
    calibrated,
    ensure_data,
    fit,
    platt,
    platt_apply,
    predictor,
    report,
    write_model,
)

from grounding.relevance import RELEVANCE_FEATURES  # noqa: E402

TRAIN_SETS = ("relevance", "relevance_dialogue", "relevance_trecqa", "relevance_generic")
EVAL_SETS = ("relevance_halueval", "relevance_trecqa", "relevance_generic")


def usable(data: Featurized) -> np.ndarray:
    """Pairs whose answer has claims (an abstention is not scored for relevance)."""
    return ~np.isnan(data.relevance).any(1)


def fit_relevance(sets: dict[str, Featurized]) -> tuple[dict, float, dict[str, np.ndarray]]:
    """The calibrated model, its default threshold, and each set's calibrated out-of-fold scores."""
    xs, ys, ws, folds, names = [], [], [], [], []
    for name, data in sets.items():
        ok = usable(data)
        y = data.labels[ok]
        xs.append(data.relevance[ok])
        ys.append(y)
        ws.append(np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)))
        folds.append(np.array([bucket(g, 5) for g in np.array(data.groups)[ok]]))
        names.extend([name] * len(y))
    x, y, w, fold = (np.concatenate(part) for part in (xs, ys, ws, folds))
    owner = np.array(names)
    raw = np.zeros(len(y))
    for k in range(5):
        raw[fold == k] = predictor(fit(x[fold != k], y[fold != k], w[fold != k], RELEVANCE_FEATURES))(x[fold == k])
    a, b = platt({n: (y[owner == n], raw[owner == n]) for n in sets})
    oof = {n: platt_apply(a, b, raw[owner == n]) for n in sets}
    threshold = best_threshold({n: (y[owner == n], oof[n]) for n in sets}, step=0.05)
    return calibrated(fit(x, y, w, RELEVANCE_FEATURES), a, b), threshold, oof


def answer_selection(path: Path, data: Featurized, scores: np.ndarray) -> tuple[float, float, int]:
    """MAP and MRR over the questions with both relevant and irrelevant candidates, and their count."""
    queries = [row["query"] for row, ok in zip(read_jsonl(path), usable(data), strict=True) if ok]
    by_query: dict[str, list[tuple[float, int]]] = {}
    for query, score, label in zip(queries, scores, data.labels[usable(data)], strict=True):
        by_query.setdefault(query, []).append((float(score), int(label)))
    precisions, reciprocal_ranks = [], []
    for candidates in by_query.values():
        ranked = np.array([label for _, label in sorted(candidates, key=lambda c: -c[0])])
        if 0 < ranked.sum() < len(ranked):
            hits = np.flatnonzero(ranked)
            precisions.append(np.mean((np.arange(len(hits)) + 1) / (hits + 1)))
            reciprocal_ranks.append(1 / (hits[0] + 1))
    return float(np.mean(precisions)), float(np.mean(reciprocal_ranks)), len(precisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    parser.add_argument("--model", type=Path, help="score this relevance model file on the sets instead of fitting")
    args = parser.parse_args()

    import json

    import torch

    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    torch.set_num_threads(args.threads)
    ensure_data(args.data, args.shared, rebuild=False)
    lexicon, encoder = load_lexicon(DATA_DIR), MiniLMEncoder()

    def load(name: str, split: str) -> Featurized:
        return featurize(args.data / f"{name}.{split}.jsonl", encoder=encoder, lexicon=lexicon)

    train = {name: load(name, "train") for name in TRAIN_SETS}
    held = {name: load(name, "eval") for name in EVAL_SETS}
    if args.model:
        model = json.loads(args.model.read_text())
        params, threshold = model, model["threshold"]
        columns = [RELEVANCE_FEATURES.index(n) for n in model["features"]]
        oof = {n: predictor(params)(d.relevance[usable(d)][:, columns]) for n, d in train.items()}
    else:
        params, threshold, oof = fit_relevance(train)
        columns = list(range(len(RELEVANCE_FEATURES)))
    predict = predictor(params)
    scored = {f"{n} ({'oof' if not args.model else 'train'})": (d.labels[usable(d)], oof[n]) for n, d in train.items()}
    held_scores = {n: predict(d.relevance[usable(d)][:, columns]) for n, d in held.items()}
    scored |= {f"{n} (held out)": (d.labels[usable(d)], held_scores[n]) for n, d in held.items()}
    report("Relevance", scored, threshold)
    trec_map, trec_mrr, questions = answer_selection(
        args.data / "relevance_trecqa.eval.jsonl", held["relevance_trecqa"], held_scores["relevance_trecqa"]
    )
    print(f"TREC-QA dev+test answer selection: MAP {trec_map:.3f}, MRR {trec_mrr:.3f} ({questions} questions)")
    print("held-out AUROC:", {n: round(roc_auc(d.labels[usable(d)], held_scores[n]), 3) for n, d in held.items()})
    if args.model:
        return
    provenance = {
        "trained_on": [f"{n}.train" for n in TRAIN_SETS], "never_trained_on": ["halueval", "*.eval"],
        "examples": {n: int(usable(d).sum()) for n, d in train.items()}, "seed": SEED, "C": 1.0,
        "python": platform.python_version(), "encoder": encoder.name,
    }  # fmt: skip
    write_model("relevance_model.json", params, RELEVANCE_FEATURES, threshold, provenance)
    coefficients = dict(zip(RELEVANCE_FEATURES, np.round(params["coef"], 2).tolist(), strict=True))
    print("coefficients (standardised):", coefficients)


if __name__ == "__main__":
    main()
