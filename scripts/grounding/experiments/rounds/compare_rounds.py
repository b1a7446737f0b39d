"""v2 and v3 with an earlier cross-encoder round, scored as ``bench/checks/bench_grounding_quality.py`` scores them.

    git show 2e2f36d:grounding/data/crossencoder.safetensors > /tmp/round1.safetensors   # and the two JSON files
    git show 2e2f36d:grounding/data/crossencoder.json > /tmp/round1.json
    git show 2e2f36d:grounding/data/hybrid_model.json > /tmp/round1-hybrid.json
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/rounds/compare_rounds.py \\
        /tmp/round1.safetensors /tmp/round1.json /tmp/round1-hybrid.json

The earlier weights' reads (OpenVINO bf16, as the bench's) are cached beside the current ones under their own
key; v1's features come from the bench's cache. Prints balanced accuracy, F1 (ungrounded) and AUROC per
evaluation set for v2 (earlier weights, earlier calibration) and v3 (earlier reads, earlier hybrid model file;
left out when no hybrid model file is given).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding"), str(ROOT / "bench" / "checks")]

import featurize_pairs  # noqa: E402
from bench_grounding_quality import EVAL_SETS, metrics  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402
from train import claim_scores, length_adjusted  # noqa: E402
from train_hybrid import hybrid  # noqa: E402

from grounding.check import Checker  # noqa: E402
from grounding.crossencoder.check import Calibration  # noqa: E402
from grounding.crossencoder.hybrid import HybridModel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("calibration", type=Path)
    parser.add_argument("hybrid_model", type=Path, nargs="?", help="v3's model file; without it, v2 alone")
    args = parser.parse_args()
    featurize_pairs.WEIGHTS = args.weights  # the cache key follows the weights read
    scorer = featurize_pairs.reads_scorer(args.weights)
    calibration = Calibration.load(args.calibration)
    model = HybridModel.load(args.hybrid_model) if args.hybrid_model else None
    v1 = Checker() if model else None
    head = f"{'set':16s} {'v2 BA':>7s} {'F1':>6s} {'AUROC':>6s}"
    print(head + (f" | {'v3 BA':>7s} {'F1':>6s} {'AUROC':>6s}" if model else ""))
    for name in EVAL_SETS:
        path = OUT / f"{name}.eval.jsonl"
        labels = np.array([int(r["label"] == "grounded") for r in read_jsonl(path)])
        reads = featurize_pairs.featurize_pairs(path, scorer=scorer)
        v2 = length_adjusted([calibration.claim(r[:, 0].astype(np.float64)) for r in reads], calibration.faithful)
        row = [metrics(labels, v2, calibration.threshold)]
        if model and v1:
            data = featurize(path, encoder=v1.encoder, lexicon=v1.models.lexicon, quiet=True)
            v3 = length_adjusted(claim_scores(hybrid(path, data), model.claim.predict), model.lengths.faithful)
            row.append(metrics(labels, v3, model.claim.threshold))
        keys = ("balanced_accuracy", "f1_ungrounded", "auroc")
        cells = " | ".join(" ".join(f"{m[k]:6.3f}" for k in keys) for m in row)
        print(f"{name:16s} {cells}")


if __name__ == "__main__":
    main()
