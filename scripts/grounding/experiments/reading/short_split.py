"""Where does v3 trail v1? AUROC within short answers and within sentence answers, per held-out set.

A short answer (at most ``--words`` words) is read by the cross-encoder with its question; HaluEval's are mostly
grounded and its sentence answers mostly not, so its AUROC over both mixes a ranking inside each part with the
scale between them. Printed per set and part: answers, grounded, v3 and v1 AUROC, and each checker's mean score of
grounded and of ungrounded answers (the shipped files; v3 read as its checker reads, focus windows for long inputs).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/short_split.py [--words 5]

Reads the cached v1 features and cross-encoder reads (``featurize.py``, ``featurize_pairs.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT, read_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402
from metrics import roc_auc  # noqa: E402
from train import claim_scores, length_adjusted  # noqa: E402
from train_hybrid import hybrid  # noqa: E402

from grounding.crossencoder.hybrid import HybridModel  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.scorer import load_models  # noqa: E402

SETS = ("halueval", "synthetic_sub", "faithdial", "pack_dev")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=5, help="an answer of at most this many words is short")
    args = parser.parse_args()
    encoder, models, model = MiniLMEncoder(), load_models(), HybridModel.load()
    print(f"{'set':14s} {'part':9s} {'n':>5s} {'grounded':>8s} {'v3 AUROC':>9s} {'v1 AUROC':>9s}   mean score "
          "grounded v3 / v1, ungrounded v3 / v1")  # fmt: skip
    for name in SETS:
        path = OUT / f"{name}.eval.jsonl"
        rows = read_jsonl(path)
        data = featurize(path, encoder=encoder, lexicon=models.lexicon, quiet=True)
        v3 = length_adjusted(claim_scores(hybrid(path, data, focus=True), model.claim.predict), model.lengths.faithful)
        v1 = length_adjusted(claim_scores(data, models.grounding.predict), models.faithful)
        labels = np.array([int(r["label"] == "grounded") for r in rows])
        short = np.array([len(r["answer"].split()) <= args.words for r in rows])
        for part, chosen in (("short", short), ("sentence", ~short)):
            y = labels[chosen]
            if len(set(y.tolist())) < 2:
                print(f"{name:14s} {part:9s} {int(chosen.sum()):5d} {int(y.sum()):8d}   one class only")
                continue
            good, bad = chosen & (labels == 1), chosen & (labels == 0)
            print(f"{name:14s} {part:9s} {int(chosen.sum()):5d} {int(y.sum()):8d} {roc_auc(y, v3[chosen]):9.3f} "
                  f"{roc_auc(y, v1[chosen]):9.3f}   {v3[good].mean():.2f} / {v1[good].mean():.2f}, "
                  f"{v3[bad].mean():.2f} / {v1[bad].mean():.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
