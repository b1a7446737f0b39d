"""Does the governed-word ``order_flip`` (round 5) beat the stretch one it replaces? Chosen on training data only.

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/v1_features/flip_experiment.py \\
        --old OLD/

``OLD`` is a folder holding an earlier ``ordered.py`` (several may be given; e.g. from
``git show 96a0907:grounding/ordered.py``): the earlier ``order_flip`` column is computed with it (seconds per set),
today's code gives the new one (``featurize.py``'s MiniLM cache does not key on ``ordered.py``, so nothing is
re-encoded). Each
variant is fitted exactly as ``train.py`` fits the shipped model; printed per variant: out-of-fold results on the
training sets, transfer AUROC (each training set scored by a model fitted without it), and faithful answers
flagged / one-false answers caught by length on ``long_answers.train`` (training passages). No held-out set is
read: ``../rounds/compare_v1.py`` reports those for the model chosen here.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

import featurize  # noqa: E402
import order_stage  # noqa: E402
import train  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from variants import by_length, columns, fit_as_train, transfer_auroc  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.features import V1_FEATURES, Lexicon, SourceFacts  # noqa: E402
from grounding.ordered import ORDER_FEATURES  # noqa: E402

FLIP = V1_FEATURES.index("order_flip")
WITHOUT_NEGATION_FLIP = tuple(n for n in V1_FEATURES if n != "negation_flip")


def previous_flip(path: Path, *, old: Path, lexicon: Lexicon) -> np.ndarray:
    """The previous ``order_flip`` column: the order stage's rows computed with ``old/ordered.py`` (not cached)."""
    import importlib.util

    import grounding.features as features

    spec = importlib.util.spec_from_file_location("ordered_before", old / "ordered.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    today = features.order_features, features.candidate_units
    features.order_features, features.candidate_units = module.order_features, module.candidate_units
    try:
        rows: list[tuple[float, float, float, float]] = []
        facts_of: dict[tuple[str, ...], SourceFacts] = {}
        for example in read_jsonl(path):
            sources = tuple(example["sources"])
            if sources not in facts_of:
                facts_of = {sources: SourceFacts.of(sources, source_units(sources))}
            claims = split_claims(example["answer"], query=example["query"])[0]
            rows.extend(order_stage.claim_rows(facts_of[sources], claims, lexicon))
    finally:
        features.order_features, features.candidate_units = today
    return np.array(rows, dtype=np.float32).reshape(-1, len(ORDER_FEATURES))[:, ORDER_FEATURES.index("order_flip")]


def main() -> None:
    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument(
        "--old",
        type=Path,
        nargs="+",
        required=True,
        help="folders with earlier ordered.py versions (the first: shipped)",
    )
    parser.add_argument("--only", nargs="*", default=None, help="variant numbers to run (0-based)")
    args = parser.parse_args()
    lexicon, encoder = load_lexicon(), MiniLMEncoder()
    befores = tuple(f"order_flip_{d.name}" for d in args.old)
    all_ = (*V1_FEATURES, *befores)
    variants = {f"order_flip of {d}": (*V1_FEATURES[:-1], b) for d, b in zip(args.old, befores, strict=True)}
    variants |= {
        "order_flip of today's ordered.py": V1_FEATURES,
        "today's order_flip, negation_flip left out": WITHOUT_NEGATION_FLIP,
        "16 features, no order_flip": V1_FEATURES[:-1],
    }
    for b in befores:
        train.SIGNS[b] = train.SIGNS["order_flip"]

    def load(name: str, split: str) -> featurize.Featurized:
        path = args.data / f"{name}.{split}.jsonl"
        data = featurize.featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
        before = np.stack([previous_flip(path, old=d, lexicon=lexicon) for d in args.old], axis=1)
        shares = " / ".join(f"{v:.3f}" for v in before.mean(0))
        print(f"{name}.{split}: {len(before)} claims, order_flip share {shares} -> {data.rows[:, FLIP].mean():.3f}")
        return replace(data, rows=np.hstack([data.rows, before]))

    train_sets = {
        "synthetic": featurize.concat(load("synthetic", "train"), load("swaps", "train")),
        "faithdial": load("faithdial", "train"),
    }
    lengths_train = load("long_answers", "train")
    for number, (title, names) in enumerate(variants.items()):
        if args.only is not None and str(number) not in args.only:
            continue
        print(f"\n=== {title}")
        tr = {n: columns(d, names, all_=all_) for n, d in train_sets.items()}
        params, predict, threshold = fit_as_train(tr, names)
        print("transfer AUROC:", transfer_auroc(tr, names))
        lt = columns(lengths_train, names, all_=all_)
        scores = train.answer_scores(lt, predict)
        bal = balanced_accuracy(lt.labels, (scores >= threshold).astype(int))
        auroc = roc_auc(lt.labels, scores)
        print(f"long_answers.train: AUROC {auroc:.3f} BA {bal:.3f}; {by_length(lt, scores, threshold=threshold)}")
        print("coefficients:", dict(zip(names, np.round(params["coef"], 2).tolist(), strict=True)))


if __name__ == "__main__":
    main()
