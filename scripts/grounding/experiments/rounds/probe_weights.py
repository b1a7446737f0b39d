"""A quick look at cross-encoder weights before a full measurement: the issue's hand-made cases and raw AUROC.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/rounds/probe_weights.py W1.safetensors [W2 ...] \\
        [--examples 200]

For each weights file: P(supported) of the issue's cases (each changed claim beside its faithful twin) read as
v2 reads them, and the AUROC of v2's raw weakest-claim P(supported) (no calibration, which does not change an
AUROC) on the first ``--examples`` examples of the held-out ``swaps``, ``long_answers`` and ``synthetic_sub``
evaluation sets (``scripts/grounding/datasets/swaps.py`` ...; built by the quality bench into
/tmp/ragkb-grounding/data).
Rounds 6-8 were probed this way (swaps only) in ``docs/grounding-v2-rounds.md``. Then the short answers of
``tests/grounding/cases/short_answers.py`` as ``CrossEncoderChecker`` scores them (the shipped calibration on
every file, which keeps each file's order): how many right answers score above the other name of the source
and above the answer from outside it, and the mean of each margin (rounds 10 and 11). ``--pairs FILE`` (a pair
maker's jsonl, e.g. ``parallel_pairs.py``'s dev-side ``check.jsonl``) adds each file's AUROC of the raw
P(supported) of its (premise, claim) pairs, read whole, and the share of its twin groups where every faithful
claim reads above every changed one (round 16).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding")]

from convert import OUT, read_jsonl  # noqa: E402
from metrics import roc_auc  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.crossencoder import CrossEncoder  # noqa: E402
from grounding.crossencoder.check import CrossEncoderChecker, read_claims  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402
from tests.grounding.cases.short_answers import SHORT_ANSWERS  # noqa: E402

CAPITALS = "London is the capital of the UK. Tokyo is the capital of Japan."
LEAVE = "Employees get 16 weeks of paid parental leave."
LAPTOPS = "Laptops are replaced every four years. Phones are replaced every two years."
ESPRESSO = "Espresso roasts are dropped at 212 °C."
CASES = [  # (source, faithful, changed)
    (CAPITALS, "The capital of Japan is Tokyo.", "The capital of Japan is London."),
    (LEAVE, "Parental leave is 16 weeks paid.", "Parental leave is 16 weeks unpaid."),
    (LAPTOPS, "Laptops are replaced every four years.", "Laptops are replaced every two years."),
    (ESPRESSO, "Espresso roasts are dropped at 212 °C.", "No, espresso roasts are never dropped at 212 °C."),
]
SETS = ("swaps", "long_answers", "synthetic_sub")


def weakest(scorer: CrossEncoder, sources: list[str], query: str, answer: str, lexicon) -> float:
    claims, _ = split_claims(answer, query=query)
    if not claims:
        return 1.0
    reads = read_claims(scorer, claims, sources, source_units(sources), lexicon=lexicon)
    return min(read.support for read in reads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", type=Path, nargs="+")
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--pairs", type=Path, action="append", default=[], help="a pair maker's jsonl (repeatable)")
    args = parser.parse_args()
    lexicon = load_lexicon()
    data = {name: read_jsonl(OUT / f"{name}.eval.jsonl")[: args.examples] for name in SETS}
    print(f"{'weights':28s} " + " ".join(f"{n[:12]:>12s}" for n in SETS) + "  cases (faithful / changed)")
    for weights in args.weights:
        scorer = CrossEncoder.load(weights, runtime="openvino")
        aurocs = []
        for name in SETS:
            rows = data[name]
            labels = np.array([int(r["label"] == "grounded") for r in rows])
            scores = np.array([weakest(scorer, r["sources"], r.get("query", ""), r["answer"], lexicon) for r in rows])
            aurocs.append(roc_auc(labels, scores))
        cases = [
            f"{weakest(scorer, [s], '', good, lexicon):.2f}/{weakest(scorer, [s], '', bad, lexicon):.2f}"
            for s, good, bad in CASES
        ]
        print(f"{weights.name[:28]:28s} " + " ".join(f"{a:12.3f}" for a in aurocs) + "  " + " ".join(cases))
        print(f"{'':28s} short answers: {short_answer_margins(CrossEncoderChecker(scorer))}")
        for path in args.pairs:
            print(f"{'':28s} {path}: {pair_reading(scorer, read_jsonl(path))}")


def pair_reading(scorer: CrossEncoder, rows: list[dict]) -> str:
    """AUROC of the raw P(supported) of (premise, claim) pairs, and the twin groups read in the right order."""
    support = scorer.grounding([(r["premise"], r["claim"]) for r in rows])[:, 0]
    labels = np.array([r["label"] for r in rows])
    groups: dict[str, list[tuple[int, float]]] = {}
    for row, score in zip(rows, support, strict=True):
        groups.setdefault(row.get("twin", ""), []).append((row["label"], float(score)))
    ordered = [
        min(s for label, s in members if label) > max(s for label, s in members if not label)
        for members in groups.values()
        if {label for label, _s in members} == {0, 1}
    ]
    return f"AUROC {roc_auc(labels, support):.3f}, twin groups in order {sum(ordered)}/{len(ordered)}"


def short_answer_margins(checker: CrossEncoderChecker) -> str:
    """Right answer above the other name / above the outside answer: cases of 10, mean margin."""
    scores = np.array([
        [checker.check([case.source], case.question, a).grounding for a in (case.right, case.other, case.outside)]
        for case in SHORT_ANSWERS
    ])  # fmt: skip
    margins = scores[:, :1] - scores[:, 1:]
    return ", ".join(
        f"above {kind} {int((margin > 0).sum())}/{len(margin)} (mean {margin.mean():.2f})"
        for kind, margin in zip(("other", "outside"), margins.T, strict=True)
    )


if __name__ == "__main__":
    main()
