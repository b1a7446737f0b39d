"""Which definition should the user-facing ``negation_flip`` flag use: the whole best unit's, or ``order_flip``'s?

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/v1_features/flag_experiment.py

The flag is raised exactly when its feature is 1, so the cached feature rows (``featurize.py``) answer it without
re-encoding. Per set: how often each definition flags the claims of *grounded* answers (false flags) and, where the
set says which answers had a negation inserted or removed, how often it flags them (any claim). The adversarial
suite's negation cases (``neg-*``) are listed one by one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT, read_jsonl  # noqa: E402
from featurize import Featurized, featurize  # noqa: E402

from grounding.features import V1_FEATURES  # noqa: E402

DEFINITIONS = ("negation_flip", "order_flip")
SETS = ("synthetic.train", "synthetic.eval", "faithdial.train", "long_answers.train", "long_answers.eval")


def flagged(data: Featurized, index: int, *, column: int) -> bool:
    return bool((data.claims_of(index)[:, column] > 0.5).any())


def main() -> None:
    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    args = parser.parse_args()
    encoder, lexicon = MiniLMEncoder(), load_lexicon()
    columns = {d: V1_FEATURES.index(d) for d in DEFINITIONS}
    print(f"{'set':<22}" + "".join(f"{d + ' false':>22}{d + ' negations':>26}" for d in DEFINITIONS))
    for name in SETS:
        data = featurize(args.data / f"{name}.jsonl", encoder=encoder, lexicon=lexicon, quiet=True)
        grounded_rows = np.concatenate([data.claims_of(i) for i in range(len(data.labels)) if data.labels[i]])
        negated = [i for i, kind in enumerate(data.kinds) if kind == "negation"]
        cells = []
        for column in columns.values():
            false = float((grounded_rows[:, column] > 0.5).mean())
            caught = np.mean([flagged(data, i, column=column) for i in negated]) if negated else float("nan")
            cells.append(f"{false:>22.3f}{caught:>26.3f}")
        print(f"{name:<22}" + "".join(cells))
    path = args.data / "adversarial.eval.jsonl"
    data = featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
    print("\nadversarial negation cases (flag raised on any claim):")
    right = dict.fromkeys(DEFINITIONS, 0)
    cases = [(i, row) for i, row in enumerate(read_jsonl(path)) if row["id"].startswith("neg-")]
    for i, row in cases:
        want = row["label"] == "ungrounded"
        got = {d: flagged(data, i, column=c) for d, c in columns.items()}
        for d in DEFINITIONS:
            right[d] += got[d] == want
        print(f"  {row['id']:<28}{row['label']:<12}" + "  ".join(f"{d}={int(g)}" for d, g in got.items()))
    print("  flag agrees with the label:", {d: f"{right[d]}/{len(cases)}" for d in DEFINITIONS})


if __name__ == "__main__":
    main()
