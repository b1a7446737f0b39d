"""How much of a trained reader's reading survives growing it deeper, before any training (round 19).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/rounds/grow_probe.py [--weights W] [--pairs 600]

Reads a seeded sample of ``pairs.py``'s dev pairs (``/tmp/ragkb-grounding/pairs/dev.jsonl``, grounding rows, pack
premises no round trained on) with the weights as they are and grown to ``--layers`` (12) each way
``grounding.crossencoder.deepen`` offers (``repeat``, ``identity``) and, for comparison, identity's zeroed output
projections alone (without its unit first LayerNorm); prints each reading's AUROC of P(supported) and its mean
change from the ungrown reads. Round 16's file, 600 pairs: 0.934; repeat 0.778 (mean change 0.221), projections
zeroed 0.783 (0.284), identity 0.927 (0.069).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding")]

from convert import OUT  # noqa: E402
from metrics import roc_auc  # noqa: E402

from grounding.crossencoder import WEIGHTS, CrossEncoder, deepen, quiet_layer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--pairs", type=int, default=600, help="dev pairs read (seeded sample)")
    parser.add_argument("--layers", type=int, default=12)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    lines = (OUT.parent / "pairs" / "dev.jsonl").open(encoding="utf-8")
    rows = [row for row in map(json.loads, lines) if row["task"] == "grounding"]
    random.Random(0).shuffle(rows)
    pairs = [(row["premise"], row["claim"]) for row in rows[: args.pairs]]
    labels = np.array([row["label"] for row in rows[: args.pairs]])
    trained = CrossEncoder.load(args.weights, runtime="torch", max_length=256)
    before = trained.grounding(pairs)[:, 0]
    print(f"{'as trained':24s} AUROC {roc_auc(labels, before):.3f}")
    times = args.layers // len(trained.module.encoder.encoder.layer)
    for name in ("repeat", "projections zeroed", "identity"):
        grown = CrossEncoder(copy.deepcopy(trained.module), trained.tokenizer, runtime="torch", max_length=256)
        deepen(grown.module.encoder, args.layers, grow="identity" if name == "identity" else "repeat")
        if name == "projections zeroed":  # identity growth without its unit LayerNorm
            for index, layer in enumerate(grown.module.encoder.encoder.layer):
                if index % times:  # the added copies, as deepen counts them
                    quiet_layer(layer, unit_norm=False)
        after = grown.grounding(pairs)[:, 0]
        change = float(np.abs(after - before).mean())
        print(f"{name:24s} AUROC {roc_auc(labels, after):.3f}, mean change of P(supported) {change:.3f}")


if __name__ == "__main__":
    main()
