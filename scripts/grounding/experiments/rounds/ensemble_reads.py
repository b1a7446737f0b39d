"""Would v2 gain from reading each claim with two cross-encoders and averaging, rather than one weight average?

Each pair is ``A+B``: two weights files, each reading every claim as v2 reads it (``featurize_pairs.py``'s cached
reads, made on first use), a claim's P(supported) the sigmoid of the mean of the two logits; then, as
``short_calibration.py`` does for one model, one Platt map and a default threshold from the calibration sets of
``calibrate_crossencoder.py``, and every held-out set's balanced accuracy at that threshold and AUROC. The first
row is the shipped file alone.

    git show 840a775:grounding/data/crossencoder.safetensors > /tmp/round12.safetensors
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/rounds/ensemble_reads.py \\
        grounding/data/crossencoder.safetensors+/tmp/round12.safetensors ...

Two models double v2's cost (about 60 ms a 3-claim check on a 2k source, docs/grounding-v2.md, Latency).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
SCRIPTS = ROOT / "scripts" / "grounding"
sys.path[:0] = [str(ROOT), str(SCRIPTS), str(SCRIPTS / "experiments" / "reading")]

import featurize_pairs  # noqa: E402
from convert import OUT  # noqa: E402
from short_calibration import Reads, calibration_sets, one_map_row  # noqa: E402
from train_hybrid import EVAL_SETS  # noqa: E402

from grounding.crossencoder import WEIGHTS  # noqa: E402


def reads_with(weights: Path) -> tuple[dict[str, Reads], dict[str, Reads]]:
    """The calibration sets' and the held-out sets' reads by ``weights`` (cached under their own key)."""
    featurize_pairs.WEIGHTS = weights  # the cache key and the scorer follow the weights read
    try:
        return calibration_sets(OUT), {name: Reads(OUT / f"{name}.eval.jsonl") for name in EVAL_SETS}
    finally:
        featurize_pairs.WEIGHTS = WEIGHTS


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def averaged(first: dict[str, Reads], second: dict[str, Reads]) -> dict[str, Reads]:
    """``first``'s reads with each claim's P(supported) from the mean of both models' logits."""
    out = {}
    for name, reads in first.items():
        pairs = zip(reads.claims, second[name].claims, strict=True)
        out[name] = reads.with_claims([1 / (1 + np.exp(-(logit(a) + logit(b)) / 2)) for a, b in pairs])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pairs", nargs="+", help="A.safetensors+B.safetensors")
    args = parser.parse_args()
    print(f"{'models':24s} thr  " + " ".join(f"{n[:11]:>11s}" for n in EVAL_SETS) + "  mean AUROC | calibration")
    cache: dict[Path, tuple[dict[str, Reads], dict[str, Reads]]] = {}

    def reads(path: Path) -> tuple[dict[str, Reads], dict[str, Reads]]:
        path = path.resolve()
        if path not in cache:
            cache[path] = reads_with(path)
        return cache[path]

    shipped = reads(WEIGHTS)
    print(f"{'shipped':24s} " + one_map_row(*shipped), flush=True)
    for pair in args.pairs:
        a, b = (reads(Path(p)) for p in pair.split("+"))
        label = "+".join(Path(p).stem[:11] for p in pair.split("+"))
        print(f"{label:24s} " + one_map_row(averaged(a[0], b[0]), averaged(a[1], b[1])), flush=True)


if __name__ == "__main__":
    main()
