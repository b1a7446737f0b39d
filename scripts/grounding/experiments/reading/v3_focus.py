"""Can v3 read a long input as v2 does (one focus window a claim) instead of every window?

v3's cost is v1's analysis plus the cross-encoder over every 150-word window of a long input (286 ms p50 on the
2k bench source with round 16, against the issue's 150 ms); v2 reads one focus window of at most 40 words a
claim (58 ms). With round 7's weights, v3 refitted on focus reads gave ``ce_support`` twice the weight and lost
HaluEval (0.894 -> 0.837 AUROC), so it kept every window (docs/grounding-v2.md, Focus windows). This fits v3 twice
by ``train_hybrid.py``'s procedure on the same training sets and the shipped cross-encoder's cached reads: once
on every-window reads (as shipped: it should reproduce ``hybrid_model.json``'s held-out numbers) and once with
``ce_support`` read in focus windows, training and held-out rows alike, and prints both held-out tables and the
AUROC change per set; and, third, the shipped ``hybrid_model.json`` unchanged with focus reads at inference only
(no refit). Nothing is written unless ``--out`` names a file for the focus fit (the model file format of
``train_hybrid.py``, with its provenance).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/featurize_pairs.py --reads v2 swaps.train quantities.train
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/v3_focus.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT  # noqa: E402
from featurize import Featurized, featurize  # noqa: E402
from metrics import roc_auc  # noqa: E402
from train import held_out, predictor  # noqa: E402
from train_hybrid import EVAL_SETS, EXTENSION_JOINED, JOINED, TRAIN_SETS, Load, fit_v3, hybrid, md5  # noqa: E402

from grounding.crossencoder import WEIGHTS  # noqa: E402
from grounding.crossencoder.hybrid import HYBRID_FEATURES, HybridModel  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.quantities import QUANTITY_FEATURES  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

WIDTH = len(HYBRID_FEATURES) - len(QUANTITY_FEATURES)


def fit(title: str, load: Load) -> tuple[dict, dict[str, float]]:
    """v3 fitted as ``train_hybrid.py`` fits it on ``load``'s rows: (the model file's body, held-out AUROC by set)."""
    params, quantiles, threshold, _ = fit_v3(load, HYBRID_FEATURES[:WIDTH])
    evals = {name: load(name, "eval") for name in EVAL_SETS}
    held = held_out(f"{title}: held out", evals, predictor(params), quantiles, threshold)
    print(title, "coefficients (standardised):",
          dict(zip(HYBRID_FEATURES, np.round(params["coef"], 2).tolist(), strict=True)))  # fmt: skip
    body = {"features": list(HYBRID_FEATURES), **params, "threshold": threshold,
            "faithful": [round(float(q), 6) for q in quantiles]}  # fmt: skip
    return body, {n: roc_auc(labels, scores) for n, (labels, scores) in held.items()}


def shipped(title: str, load: Load) -> dict[str, float]:
    """The shipped v3 file as it is on ``load``'s held-out rows: held-out AUROC by set (its table printed)."""
    model = HybridModel.load()
    evals = {name: load(name, "eval") for name in EVAL_SETS}
    held = held_out(f"{title}: held out", evals, model.claim.predict, model.lengths.faithful, model.claim.threshold)
    return {n: roc_auc(labels, scores) for n, (labels, scores) in held.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write the focus fit here (train_hybrid.py's format)")
    args = parser.parse_args()
    encoder, lexicon = MiniLMEncoder(), load_lexicon()

    def loader(focus: bool) -> Load:
        def load(name: str, split: str) -> Featurized:
            path = OUT / f"{name}.{split}.jsonl"
            return hybrid(path, featurize(path, encoder=encoder, lexicon=lexicon, quiet=True), focus=focus)

        return load

    _, before = fit("v3, every window (as shipped)", loader(False))
    body, after = fit("v3, focus windows", loader(True))
    kept = shipped("v3 as shipped, focus reads, no refit", loader(True))
    print(f"\n{'set':16s} {'every':>7s} {'focus':>7s} {'change':>7s} {'no refit':>9s} {'change':>7s}")
    for name in EVAL_SETS:
        print(f"{name:16s} {before[name]:7.3f} {after[name]:7.3f} {after[name] - before[name]:+7.3f} "
              f"{kept[name]:9.3f} {kept[name] - before[name]:+7.3f}")  # fmt: skip
    means = [np.mean(list(m.values())) for m in (before, after, kept)]
    print(f"{'mean':16s} {means[0]:7.3f} {means[1]:7.3f} {'':7s} {means[2]:9.3f}")
    if args.out:
        body["provenance"] = {
            "written_by": "scripts/grounding/experiments/reading/v3_focus.py (train_hybrid.py's procedure)",
            "reads": "focus windows (as v2 reads)", "trained_on": [f"{n}.train" for n in TRAIN_SETS],
            "base_mix": {n: [n, *JOINED.get(n, ())] for n in TRAIN_SETS},
            "extension_mix": {n: [n, *EXTENSION_JOINED.get(n, ())] for n in TRAIN_SETS},
            "crossencoder": f"grounding/data/crossencoder.safetensors, md5 {md5(WEIGHTS)}",
        }  # fmt: skip
        args.out.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
