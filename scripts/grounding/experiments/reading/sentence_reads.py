"""Should v2 also read each claim against its best single sentences, and let a sentence that contradicts it veto?

The shipped cross-encoder reads "London is the capital of Japan." against the whole two-sentence source
"London is the capital of the UK. Tokyo is the capital of Japan." as supported (P 0.89), but against either
sentence alone as contradicted (P(contradicted) 0.99 and 0.84), and the faithful "The capital of Japan is Tokyo."
as supported by its own sentence (0.85) where the whole source reads 0.52. A window of several sentences lets
the model stitch a changed claim together from pieces of two; one sentence does not.

This script reads every claim of the calibration sets (``calibrate_crossencoder.py``'s seeded samples) and of
the held-out sets against its ``--units`` best source units by keyword score (IDF-weighted share of the claim's
content words, as focus windows rank them), beside v2's window reads (``featurize_pairs.py``'s cache), and
compares ways to combine them. Per claim, with ``s_w`` the window read's P(supported), ``s_u`` the best unit's
P(supported) and ``c_u`` the highest P(contradicted) over the units read:

- ``window``: ``s_w`` (v2 today);
- ``either``: ``max(s_w, s_u)`` (a claim one sentence supports is supported);
- ``veto``: ``min(max(s_w, s_u), max(s_u, 1 - c_u))``: as ``either``, but a claim no unit supports and some
  unit contradicts scores at most ``1 - c_u``;
- ``veto1``: ``veto`` with ``c_u`` from the best unit by keyword score alone;
- ``soft``: ``max(s_w, s_u) * (1 - c_u * (1 - s_u))``.

Each variant gets its own Platt map and threshold from the calibration sets (as ``calibrate_crossencoder.py``);
printed: each held-out set's balanced accuracy at that threshold and AUROC, and the mean AUROC.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/sentence_reads.py [--units 2]

Unit reads are cached per dataset and weights under ``/tmp/ragkb-grounding/features`` (short pairs: about
100 pairs/s on 2 idle cores).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT  # noqa: E402
from featurize_pairs import MOST_UNITS, unit_reads  # noqa: E402
from short_calibration import Reads, calibration_sets, one_map_row  # noqa: E402
from train_hybrid import EVAL_SETS  # noqa: E402


def combine(variant: str, *, window: float, units: np.ndarray) -> float:
    """One claim's support under ``variant`` from its window read and its unit reads (module docstring)."""
    if not len(units):
        return window
    s_u, c_u, c_1 = float(units[:, 0].max()), float(units[:, 1].max()), float(units[0, 1])
    either = max(window, s_u)
    if variant == "window":
        return window
    if variant == "either":
        return either
    if variant == "veto":
        return min(either, max(s_u, 1 - c_u))
    if variant == "veto1":
        return min(either, max(s_u, 1 - c_1))
    if variant == "soft":
        return either * (1 - c_u * (1 - s_u))
    raise ValueError(variant)


VARIANTS = ("window", "either", "veto", "veto1", "soft")


def with_units(reads: Reads, path: Path, *, variant: str, k: int) -> Reads:
    """``reads`` with each claim's support combined with its ``k`` best unit reads by ``variant``."""
    units = unit_reads(path)
    claims = []
    for n, i in enumerate(reads.keep):
        pairs = zip(reads.claims[n], units[i], strict=True)
        claims.append(np.array([combine(variant, window=float(w), units=u[:k]) for w, u in pairs]))
    return reads.with_claims(claims)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=2, choices=range(1, MOST_UNITS + 1), help="units read per claim")
    args = parser.parse_args()
    calibration = calibration_sets(OUT)
    held = {name: Reads(OUT / f"{name}.eval.jsonl") for name in EVAL_SETS}
    cal_paths = {name: OUT / f"{name}.train.jsonl" for name in calibration}
    held_paths = {name: OUT / f"{name}.eval.jsonl" for name in held}
    print(f"{'variant':8s} thr   " + " ".join(f"{n[:11]:>11s}" for n in EVAL_SETS) + "  mean AUROC | calibration AUROC")
    for variant in VARIANTS:
        cal = {n: with_units(r, cal_paths[n], variant=variant, k=args.units) for n, r in calibration.items()}
        ev = {n: with_units(r, held_paths[n], variant=variant, k=args.units) for n, r in held.items()}
        print(f"{variant:8s} " + one_map_row(cal, ev), flush=True)


if __name__ == "__main__":
    main()
