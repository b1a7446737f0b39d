"""Does v3 gain from the cross-encoder's reading of a claim against its best single sentences?

``sentence_reads.py`` found that the cross-encoder reads a claim stitched from two sentences of one window ("London
is the capital of Japan." against "London is the capital of the UK. Tokyo is the capital of Japan.") as
supported by the window but contradicted by each sentence alone. Here v3 gets one more column, ``ce_veto``: the
logit of ``max(s_u, 1 - c_u)``, with ``s_u`` the best P(supported) and ``c_u`` the highest P(contradicted) of the
claim read against its two best source units by keyword score (``sentence_reads.unit_reads``): low only where no
single sentence supports the claim and one contradicts it. It is fitted as ``train_hybrid.py`` fits v3 (base model
with the column after ``ce_support``, sign-constrained to raise a score; then the quantity features on top), and
compared with the same fit without it (like for like). Nothing is written. ``--column ce_own_contradiction``
fits the second variant instead: P(contradicted) of the claim against its best unit by keyword score alone where
the input has two units or more (0 where it has one, whose read the window read already is), sign-constrained to
lower a score.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/v3_sentence_veto.py [--column ...]

Reads the cached v1 features, window reads and unit reads; unit reads of a set not yet read are made on first use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2]),
                str(Path(__file__).resolve().parent)]  # fmt: skip

import train  # noqa: E402
from convert import OUT  # noqa: E402
from featurize import Featurized, featurize  # noqa: E402
from featurize_pairs import prepare  # noqa: E402
from metrics import roc_auc  # noqa: E402
from sentence_reads import unit_reads  # noqa: E402
from train import held_out, predictor  # noqa: E402
from train_hybrid import EVAL_SETS, fit_v3, hybrid  # noqa: E402

from grounding.crossencoder.hybrid import HYBRID_FEATURES, support_logit  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.quantities import QUANTITY_FEATURES  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

UNITS = 2
WIDTH = len(HYBRID_FEATURES) - len(QUANTITY_FEATURES)  # the base model's columns, ce_support last
COLUMNS = {"ce_veto": 1, "ce_own_contradiction": -1}  # each column's sign, as train.SIGNS holds v1's


def veto_column(path: Path, *, column: str) -> np.ndarray:
    """``column`` of every claim of ``path``, in claim-row order (module docstring)."""
    values = []
    for example, (_sources, claims, units) in zip(unit_reads(path), prepare(path), strict=True):
        if len(example) != len(claims):
            raise SystemExit(f"{path.stem}: unit reads of {len(example)} claims where the reading has {len(claims)}")
        for reads in example:
            reads = reads[:UNITS]
            if column == "ce_own_contradiction":
                values.append(float(reads[0, 1]) if len(units) >= 2 else 0.0)
            elif len(reads):
                values.append(support_logit(max(float(reads[:, 0].max()), 1 - float(reads[:, 1].max()))))
            else:
                values.append(support_logit(1.0))
    return np.array(values)


def with_veto(data: Featurized, path: Path, *, name: str) -> Featurized:
    """``data``'s rows with column ``name`` inserted after ``ce_support``."""
    column = veto_column(path, column=name)
    if len(column) != len(data.rows):
        raise SystemExit(f"{path.stem}: {len(data.rows)} claim rows, {len(column)} unit reads")
    rows = np.hstack([data.rows[:, :WIDTH], column[:, None], data.rows[:, WIDTH:]])
    return replace(data, rows=rows.astype(np.float32))


def run(title: str, *, veto: bool, load: Callable[[str, str, bool], Featurized], column: str) -> dict[str, float]:
    """Fit v3 (with ``column`` where ``veto``) as ``train_hybrid.py`` does, print its held-out table, return each
    held-out set's AUROC."""
    names = (*HYBRID_FEATURES[:WIDTH], *((column,) if veto else ()))
    params, quantiles, threshold, _ = fit_v3(lambda name, split: load(name, split, veto), names)
    evals = {name: load(name, "eval", veto) for name in EVAL_SETS}
    held = held_out(f"{title}: held out", evals, predictor(params), quantiles, threshold)
    print(title, "coefficients (standardised):",
          dict(zip((*names, *QUANTITY_FEATURES), np.round(params["coef"], 2).tolist(), strict=True)))  # fmt: skip
    return {n: roc_auc(labels, scores) for n, (labels, scores) in held.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--column", choices=("ce_veto", "ce_own_contradiction"), default="ce_veto")
    args = parser.parse_args()
    train.SIGNS[args.column] = COLUMNS[args.column]  # the fit's sign constraint for the new column
    encoder, lexicon = MiniLMEncoder(), load_lexicon()

    def load(name: str, split: str, veto: bool) -> Featurized:
        path = OUT / f"{name}.{split}.jsonl"
        data = hybrid(path, featurize(path, encoder=encoder, lexicon=lexicon, quiet=True))
        return with_veto(data, path, name=args.column) if veto else data

    before = run("v3 as fitted today", veto=False, load=load, column=args.column)
    after = run(f"v3 with {args.column}", veto=True, load=load, column=args.column)
    print(f"\n{'set':16s} {'before':>7s} {'after':>7s} {'change':>7s}")
    for name in EVAL_SETS:
        print(f"{name:16s} {before[name]:7.3f} {after[name]:7.3f} {after[name] - before[name]:+7.3f}")
    print(f"{'mean':16s} {np.mean(list(before.values())):7.3f} {np.mean(list(after.values())):7.3f}")


if __name__ == "__main__":
    main()
