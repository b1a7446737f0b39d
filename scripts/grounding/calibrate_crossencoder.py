"""Calibrate the trained cross-encoder on data it was not trained on: ``grounding/data/crossencoder.json``.

    .venv/bin/python scripts/grounding/convert.py && .venv/bin/python scripts/grounding/datasets/relevance_pairs.py
    .venv/bin/python scripts/grounding/calibrate_crossencoder.py [--per-set 1500]

Calibration sets (none of them in the cross-encoder's training pairs): the FaithDial *train* split (60 % of
knowledge snippets), the CLIMATE-FEVER *train* split (70 % of claims), as converted by ``convert.py``, and
``synthetic_sub.train`` (v1's rule-made answers over SciFact training abstracts and docs-corpus training files,
made by ``train_hybrid.py``; the cross-encoder's own rule-made pairs were drawn over the same pool of training
abstracts, so premises may repeat, never the answers; added 2026-12-02 evening: without it the threshold was
chosen by dialogue and climate claims alone and sat where copied-looking answers with a changed name pass);
relevance pairs from ``relevance_pairs.py`` (CLIMATE-FEVER train claims with their evidence, FaithDial train
turns) and TREC-QA's dev split from ``pairs.py`` (questions with their answers or another question's). Their
*eval* splits stay for ``bench/checks/bench_grounding_quality.py``.

1. Every answer is checked with the uncalibrated model (claim score = the best window's P(supported)).
2. Platt scaling ``sigmoid(a * logit(p) + b)`` of the answers' weakest claims against their labels, each set
   and class weighing the same; applied per claim (it is monotone, so the weakest claim stays the weakest).
3. The answer-length adjustment of :mod:`grounding.crossencoder.check`, chosen as v1's is (``train.py``'s
   ``choose_adjustment``): with and without the faithful-claim distribution (quantiles 0, 0.01, ..., 1 of the
   calibrated scores of every claim of a grounded FaithDial answer), each with its own threshold from the
   calibration sets, the one with the higher mean balanced accuracy by answer length (1, 2, 4, 8 sentences) on
   ``long_answers.train`` (training passages; read through ``featurize_pairs.py``'s cache). Without it the
   answer's score is its weakest claim's. ``--length-adjustment on|off`` forces either (before 2026-12-03 it
   was always on: fitted on FaithDial's one- and two-sentence turns, it lifted low minimums of long answers over
   the threshold; docs/grounding-v2.md).
4. Default thresholds: the one that maximises the mean balanced accuracy over the sets, rounded to 0.05.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

from convert import OUT, read_jsonl  # noqa: E402
from metrics import best_threshold  # noqa: E402
from train import choose_adjustment, platt  # noqa: E402

from grounding.crossencoder.check import CALIBRATION, Calibration, CrossEncoderChecker  # noqa: E402

SETS = ("faithdial", "climate_fever", "synthetic_sub")
PAIRS = Path("/tmp/ragkb-grounding/pairs")  # scripts/grounding/datasets/pairs.py's output (its dev split)
RELEVANCE_SETS = ("relevance", "relevance_dialogue")


def long_answers(data: Path, calibration: Calibration) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """``long_answers.train``'s kinds, labels and calibrated claim scores (the cross-encoder's cached reads)."""
    from featurize_pairs import featurize_pairs

    path = data / "long_answers.train.jsonl"
    rows = read_jsonl(path)
    reads = featurize_pairs(path)
    labels = np.array([int(r["label"] == "grounded") for r in rows])
    return [r["kind"] for r in rows], labels, [calibration.claim(r[:, 0].astype(np.float64)) for r in reads]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--per-set", type=int, default=1500)
    parser.add_argument("--out", type=Path, default=CALIBRATION)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--length-adjustment", choices=("choose", "on", "off"), default="choose",
        help="adjust the weakest claim's score for the number of claims (by the distribution of FaithDial's "
        "faithful claims): on, off, or choose by long_answers.train (the default)",
    )  # fmt: skip
    args = parser.parse_args()
    rng = random.Random(args.seed)
    from grounding.crossencoder import CrossEncoder

    scorer = CrossEncoder.load(runtime="openvino")  # fp32: PyTorch's scores to 2e-6, faster
    checker = CrossEncoderChecker(scorer, calibration=Calibration.identity())

    claims: dict[str, list[list[float]]] = {}
    labels: dict[str, np.ndarray] = {}
    for name in SETS:
        rows = read_jsonl(args.data / f"{name}.train.jsonl")
        rows = rng.sample(rows, min(args.per_set, len(rows)))
        claims[name] = [[c.score for c in checker.check(r["sources"], r["query"], r["answer"]).claims] or [1.0]
                        for r in rows]  # fmt: skip
        labels[name] = np.array([int(r["label"] == "grounded") for r in rows])
        print(f"{name}: {len(rows)} answers checked", flush=True)

    # v1's Platt scaling (scikit-learn; each set and class weighing the same). The hand-written Newton steps
    # used before diverged on the round-2 model's scores (a = -7.7e8).
    a, b = platt({name: (labels[name], np.array([min(scores) for scores in claims[name]])) for name in SETS})
    calibration = Calibration(a, b, np.zeros(0), 0.5, 0.5)
    calibrated = {name: [calibration.claim(np.array(scores)) for scores in claims[name]] for name in SETS}
    faithful = [
        float(s)
        for scores, label in zip(calibrated["faithdial"], labels["faithdial"], strict=True) if label
        for s in scores
    ]  # fmt: skip
    quantiles = np.quantile(np.array(faithful), np.linspace(0.0, 1.0, 101))
    if args.length_adjustment == "off":
        quantiles = np.zeros(0)
    elif args.length_adjustment == "choose":
        sets = {name: (labels[name], calibrated[name]) for name in SETS}
        quantiles = choose_adjustment(sets, long_answers(args.data, calibration), quantiles)
    calibration = Calibration(a, b, quantiles, 0.5, 0.5)
    answer_scores = {
        name: (labels[name], np.array([calibration.answer(list(scores)) for scores in calibrated[name]]))
        for name in SETS
    }
    threshold = round(best_threshold(answer_scores) * 20) / 20

    relevance: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in RELEVANCE_SETS:
        rows = read_jsonl(args.data / f"{name}.train.jsonl")
        rows = rng.sample(rows, min(args.per_set, len(rows)))
        scores = checker.scorer.relevance([(r["query"], r["answer"]) for r in rows])
        relevance[name] = (np.array([int(r["label"] == "relevant") for r in rows]), np.asarray(scores))
    # Question answering too: TREC-QA's dev split (answers and mismatched answers; the cross-encoder trained on its
    # train split only). Without it the threshold was chosen on claims and dialogue turns alone (round 2: 0.75, where
    # "The probation period is 12 weeks." answering "How long is the probation period?" scored 0.59).
    qa = [row for row in read_jsonl(PAIRS / "dev.jsonl") if row["task"] == "relevance" and row["source"] == "trecqa"]
    qa = rng.sample(qa, min(args.per_set, len(qa)))
    scores = checker.scorer.relevance([(r["premise"], r["claim"]) for r in qa])
    relevance["trecqa_dev"] = (np.array([r["label"] for r in qa]), np.asarray(scores))
    relevance_threshold = round(best_threshold(relevance) * 20) / 20

    result = {
        "a": a, "b": b, "faithful": [round(float(q), 6) for q in quantiles], "threshold": threshold,
        "relevance_threshold": relevance_threshold,
        "fitted_on": {name: len(claims[name]) for name in SETS}
        | {name: len(relevance[name][0]) for name in relevance},
    }  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "faithful"}, indent=1))


if __name__ == "__main__":
    main()
