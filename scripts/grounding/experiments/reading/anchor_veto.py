"""v2's sentence veto only where the claim's names stand in different source sentences (``anchor_apart`` > 0).

``sentence_reads.py`` found that the shipped cross-encoder reads the issue's relation swap ("The capital of Japan is
London." against "London is the capital of the UK. Tokyo is the capital of Japan.") as supported against the
whole source and as contradicted against either sentence alone, but that letting a sentence read veto every claim
cost HaluEval (a short answer read with its question, whose premises sit in other sentences) and FaithDial. Here
the veto (``sentence_reads.combine(..., "veto")`` over the ``k`` best units by keyword score) applies only to
claims whose v1 feature ``anchor_apart`` is above 0: two of the claim's anchors (names, numbers) that the sources
hold only in different units, the swap's pattern (lexical, computed by ``SourceFacts``, which v2 builds anyway).
Every other claim keeps its window read. Each variant gets its own Platt map and threshold from the calibration
sets (``short_calibration.one_map_row``); printed: the held-out sets' BA / AUROC at that threshold, the mean
held-out AUROC, the calibration sets' AUROC (what picks the variant), and how many claims the gate opens.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/anchor_veto.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT  # noqa: E402
from featurize import featurize  # noqa: E402
from sentence_reads import combine, unit_reads  # noqa: E402
from short_calibration import Reads, calibration_sets, one_map_row  # noqa: E402
from train_hybrid import EVAL_SETS  # noqa: E402

from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.features import V1_FEATURES  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

APART = V1_FEATURES.index("anchor_apart")


def gated(reads: Reads, path: Path, apart: list[np.ndarray], *, k: int) -> tuple[Reads, int]:
    """``reads`` with the veto over ``k`` units for the claims whose ``anchor_apart`` is above 0; and their count."""
    units, claims, opened = unit_reads(path), [], 0
    for n, i in enumerate(reads.keep):
        if len(apart[i]) != len(reads.claims[n]):
            raise SystemExit(f"{path.stem} example {i}: {len(apart[i])} v1 claims, {len(reads.claims[n])} read")
        row = []
        for window, unit, gate in zip(reads.claims[n], units[i], apart[i], strict=True):
            row.append(combine("veto", window=float(window), units=unit[:k]) if gate > 0 else float(window))
            opened += int(gate > 0)
        claims.append(np.array(row))
    return reads.with_claims(claims), opened


def main() -> None:
    encoder, lexicon = MiniLMEncoder(), load_lexicon()

    def apart_of(path: Path) -> list[np.ndarray]:
        data = featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
        return [data.claims_of(i)[:, APART] for i in range(len(data.labels))]

    calibration = calibration_sets(OUT)
    held = {name: Reads(OUT / f"{name}.eval.jsonl") for name in EVAL_SETS}
    cal_paths = {n: OUT / f"{n}.train.jsonl" for n in calibration}  # a name can be in both (faithdial)
    held_paths = {n: OUT / f"{n}.eval.jsonl" for n in held}
    cal_apart = {n: apart_of(p) for n, p in cal_paths.items()}
    held_apart = {n: apart_of(p) for n, p in held_paths.items()}
    print(f"{'variant':9s} thr   " + " ".join(f"{n[:11]:>11s}" for n in EVAL_SETS) + "  mean AUROC | calibration AUROC")
    print(f"{'window':9s} " + one_map_row(calibration, held), flush=True)
    for k in (1, 2):
        cal = {n: gated(r, cal_paths[n], cal_apart[n], k=k)[0] for n, r in calibration.items()}
        opened = {n: gated(r, held_paths[n], held_apart[n], k=k) for n, r in held.items()}
        ev = {n: reads for n, (reads, _) in opened.items()}
        print(f"{f'gated k={k}':9s} " + one_map_row(cal, ev), flush=True)
    print("claims the gate opens, held out:", {n: count for n, (_, count) in opened.items()})


if __name__ == "__main__":
    main()
