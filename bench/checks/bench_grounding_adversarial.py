"""Accuracy of the grounding check on the hand-written adversarial suite, per category.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/checks/bench_grounding_adversarial.py [--checker v2|v1] [--threads 2]
        [--threshold T] [--json results.json | --json -]

Runs every case of ``tests/grounding/cases`` (relation swaps, changed numbers/units/dates,
negation, attribute flips, quantifiers, paraphrases, quotes, partial answers, multi-sentence
answers, abstentions) through the v2 cross-encoder checker (the default) or the v1 feature model
(``--checker v1``) and calls an answer *ungrounded* when Bedrock's rule detects it: grounding score <
threshold (default: that checker's own default threshold). Prints accuracy per category (and per expected verdict, so a
checker that flags everything shows as such), overall accuracy and balanced accuracy, and the
ids of the cases it gets wrong. ``--json PATH`` writes the summary and every case's score
(``-``: to stdout instead of the table).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from grounding import FilterConfig, GroundingChecker, GroundingPolicy, assess  # noqa: E402
from tests.grounding.cases import CASES, CATEGORIES, Case  # noqa: E402


@dataclass(frozen=True)
class Outcome:
    id: str
    category: str
    expected: str
    verdict: str
    score: float
    weakest_claim: str | None

    @property
    def correct(self) -> bool:
        return self.verdict == self.expected


def run(checker: GroundingChecker, cases: Iterable[Case], *, threshold: float) -> list[Outcome]:
    """Check every case; the verdict is Bedrock's: ungrounded when the grounding score is under ``threshold``."""
    policy = GroundingPolicy(filters=(FilterConfig("GROUNDING", threshold=threshold),))
    outcomes = []
    for case in cases:
        result = checker.check(list(case.sources), case.query, case.answer)
        [grounding] = assess(result, policy).filters
        weakest = result.weakest_claim
        outcomes.append(Outcome(case.id, case.category, case.expected,
                                "ungrounded" if grounding.detected else "grounded", round(result.grounding, 4),
                                weakest.text if weakest else None))  # fmt: skip
    return outcomes


def accuracy(outcomes: Sequence[Outcome]) -> float | None:
    return sum(o.correct for o in outcomes) / len(outcomes) if outcomes else None


def summary(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float | int | None]]:
    """Per category and ``overall``: n, accuracy, accuracy on each expected verdict, balanced accuracy."""
    groups: dict[str, list[Outcome]] = {c: [o for o in outcomes if o.category == c] for c in CATEGORIES}
    groups["overall"] = list(outcomes)
    table: dict[str, dict[str, float | int | None]] = {}
    for name, group in groups.items():
        grounded = accuracy([o for o in group if o.expected == "grounded"])
        ungrounded = accuracy([o for o in group if o.expected == "ungrounded"])
        per_class = [a for a in (grounded, ungrounded) if a is not None]
        table[name] = {"n": len(group), "accuracy": accuracy(group), "grounded_accuracy": grounded,
                       "ungrounded_accuracy": ungrounded,
                       "balanced_accuracy": sum(per_class) / len(per_class) if per_class else None}  # fmt: skip
    return table


def _cell(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_table(table: dict[str, dict[str, float | int | None]], outcomes: Sequence[Outcome]) -> None:
    print(f"{'category':18} {'n':>4} {'accuracy':>9} {'on grounded':>12} {'on ungrounded':>14} {'balanced':>9}")
    for name, row in table.items():
        cells = [_cell(row[key]) for key in ("accuracy", "grounded_accuracy", "ungrounded_accuracy",
                                              "balanced_accuracy")]  # fmt: skip
        print(f"{name:18} {row['n']:>4} {cells[0]:>9} {cells[1]:>12} {cells[2]:>14} {cells[3]:>9}")
    wrong = [o for o in outcomes if not o.correct]
    print(f"\nwrong ({len(wrong)}):")
    for o in wrong:
        print(f"  {o.id:34} expected {o.expected:10} score {o.score:.3f}  weakest: {o.weakest_claim!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--checker", choices=["v1", "v2"], default="v1", help="v1: the default checker")
    parser.add_argument("--threshold", type=float, help="default: the checker's own default threshold")
    parser.add_argument("--json", help="write the summary and per-case scores here ('-': stdout, no table)")
    args = parser.parse_args()
    import torch

    from grounding import Checker, CrossEncoderChecker

    torch.set_num_threads(args.threads)
    checker: GroundingChecker = CrossEncoderChecker() if args.checker == "v2" else Checker()
    args.threshold = checker.default_threshold if args.threshold is None else args.threshold
    outcomes = run(checker, CASES, threshold=args.threshold)
    table = summary(outcomes)
    report = {"threshold": args.threshold, "summary": table,
              "cases": [asdict(o) | {"correct": o.correct} for o in outcomes]}  # fmt: skip
    if args.json == "-":
        print(json.dumps(report, indent=1))
        return
    print(f"checker {args.checker}, threshold {args.threshold}, {len(outcomes)} cases\n")
    print_table(table, outcomes)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
