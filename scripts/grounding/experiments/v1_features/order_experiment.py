"""Does :mod:`grounding.ordered` help? v1 refitted with and without the ordered-containment features, chosen on
training data only.

    PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/v1_features/order_experiment.py \
        [--claims OLD/claims.py --modules OLD/]

Reuses ``featurize.py``'s cached MiniLM features (``--modules``: the ``grounding/`` folder of the code version
they were computed with, e.g. a ``git show`` of it) and :mod:`order_stage` for the new columns, so no example is
re-encoded. Each variant is fitted exactly as ``train.py`` fits the shipped model (two stages, out-of-fold Platt
calibration, threshold on the training sets' out-of-fold scores); printed per variant: the selection figures on
training data (out-of-fold per training set, transfer AUROC, false alarms and catches by answer length on
``long_answers.train``), then the held-out sets, which were not used to choose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

import featurize  # noqa: E402
import train  # noqa: E402
import variants  # noqa: E402
from convert import OUT  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from order_stage import order_rows, with_order  # noqa: E402

from grounding.features import FEATURE_NAMES  # noqa: E402
from grounding.ordered import ORDER_FEATURES  # noqa: E402

BASE = tuple(FEATURE_NAMES[:16])
VARIANTS = {
    "v1 (16 features)": BASE,
    "v1 + order (20)": BASE + ORDER_FEATURES,
    "v1 + order, negation_flip -> order_flip": tuple(n for n in BASE if n != "negation_flip") + ORDER_FEATURES,
    "v1 + order_flip": (*BASE, "order_flip"),
    "v1 + order_kept, order_dropped, order_flip": (*BASE, "order_kept", "order_dropped", "order_flip"),
    "v1 + order_extra, order_flip": (*BASE, "order_extra", "order_flip"),
}
EVALS = ("halueval", "climate_fever", "faithdial", "synthetic", "swaps", "long_answers")


def columns(data: featurize.Featurized, names: tuple[str, ...]) -> featurize.Featurized:
    return variants.columns(data, names, all_=BASE + ORDER_FEATURES)


def by_length(data: featurize.Featurized, scores: np.ndarray, threshold: float) -> str:
    return variants.by_length(data, scores, threshold=threshold, percent=True)


def main() -> None:
    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--claims", type=Path, default=None, help="claims.py the cached features were split with")
    parser.add_argument("--modules", type=Path, default=None, help="grounding/ folder the cache was computed with")
    parser.add_argument("--only", nargs="*", default=None, help="variant numbers to run (0-based)")
    args = parser.parse_args()
    lexicon = load_lexicon()
    encoder = MiniLMEncoder()
    if args.modules:
        featurize.GROUNDING_DIR = args.modules

    def load(name: str, split: str) -> featurize.Featurized:
        path = args.data / f"{name}.{split}.jsonl"
        base = featurize.featurize(path, encoder=encoder, lexicon=lexicon)
        base = columns_of(base)
        return with_order(base, order_rows(path, lexicon, args.claims))

    def columns_of(data: featurize.Featurized) -> featurize.Featurized:
        return data  # cached rows are the 16 v1 features

    train_sets = {
        "synthetic": featurize.concat(load("synthetic", "train"), load("swaps", "train")),
        "faithdial": load("faithdial", "train"),
    }
    lengths_train = load("long_answers", "train")
    evals = {name: load(name, "eval") for name in EVALS}
    for number, (title, names) in enumerate(VARIANTS.items()):
        if args.only is not None and str(number) not in args.only:
            continue
        print(f"\n=== {title}")
        tr = {n: columns(d, names) for n, d in train_sets.items()}
        params, predict, threshold = variants.fit_as_train(tr, names)
        transfer = variants.transfer_auroc(tr, names)
        print("transfer AUROC:", transfer, "mean", round(float(np.mean(list(transfer.values()))), 3))
        lt = columns(lengths_train, names)
        scores = train.answer_scores(lt, predict)
        print(f"long_answers.train: AUROC {roc_auc(lt.labels, scores):.3f}; {by_length(lt, scores, threshold)}")
        print("  bal.acc", round(balanced_accuracy(lt.labels, (scores >= threshold).astype(int)), 3))
        held = {n: columns(d, names) for n, d in evals.items()}
        results = {n: (d.labels, train.answer_scores(d, predict)) for n, d in held.items()}
        train.report("Held out (not used to choose)", results, threshold)
        le = held["long_answers"]
        print("long_answers.eval:", by_length(le, results["long_answers"][1], threshold))
        print("coefficients:", dict(zip(names, np.round(params["coef"], 2).tolist(), strict=True)))


if __name__ == "__main__":
    main()
