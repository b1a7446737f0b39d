"""Does the fast v1 path score like the old one? Scores, relevance and balanced accuracy on real eval pairs.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/checks/bench_grounding_equivalence.py [--per-set 150] [--threads 2]

The first ``--per-set`` pairs of HaluEval (one-turn QA, right and hallucinated answers alternate) and of the
FaithDial eval split, read with the loaders ``bench/checks/bench_grounding_quality.py`` builds its files from
(``scripts/grounding/convert.py``, from ``../shared/eval``), each checked by v1 as it is (padding-free MiniLM
layers, one BLAS thread for the features) and by v1 as it was (Hugging Face forward pass in padded batches of 8).
Prints per set the largest score difference, the labels that flip and the balanced accuracy of each at v1's
default threshold, which must agree to 3 decimals (the coefficients were fitted on the old path's features).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding")]

from convert import SHARED, faithdial, halueval  # noqa: E402
from metrics import balanced_accuracy  # noqa: E402

from grounding import Checker, MiniLMEncoder  # noqa: E402
from grounding.scorer import load_models  # noqa: E402


def eval_sets(per_set: int) -> dict[str, list[dict[str, Any]]]:
    faithdial_eval: Iterator[dict[str, Any]] = (example for split, example in faithdial(SHARED) if split == "eval")
    return {
        "halueval": list(itertools.islice(halueval(SHARED), per_set)),
        "faithdial": list(itertools.islice(faithdial_eval, per_set)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-set", type=int, default=150)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    models = load_models()
    new = Checker(MiniLMEncoder(), models=models)
    old = Checker(MiniLMEncoder(padding_free=False), models=models, blas_threads=None)
    threshold = models.grounding.threshold
    print(f"{'set':10} {'n':>4} {'max |d score|':>14} {'max |d relevance|':>18} {'flips':>6} {'bal acc old':>12} "
          f"{'bal acc new':>12}")  # fmt: skip
    for name, rows in eval_sets(args.per_set).items():
        labels = np.array([row["label"] == "grounded" for row in rows], dtype=int)
        scores = {"old": [], "new": []}
        relevance = {"old": [], "new": []}
        for row in rows:
            for key, checker in (("old", old), ("new", new)):
                result = checker.check(row["sources"], row["query"], row["answer"])
                scores[key].append(result.grounding)
                relevance[key].append(result.relevance)
        a, b = np.array(scores["old"]), np.array(scores["new"])
        d_rel = float(np.abs(np.array(relevance["old"]) - np.array(relevance["new"])).max())
        flips = int(((a >= threshold) != (b >= threshold)).sum())
        acc_old = balanced_accuracy(labels, (a >= threshold).astype(int))
        acc_new = balanced_accuracy(labels, (b >= threshold).astype(int))
        print(f"{name:10} {len(rows):4d} {float(np.abs(a - b).max()):14.2e} {d_rel:18.2e} {flips:6d} {acc_old:12.4f} "
              f"{acc_new:12.4f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
