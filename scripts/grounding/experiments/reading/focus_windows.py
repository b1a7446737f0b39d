"""How should v2 read a long input? Every 150-word window against one focus window a claim, of several sizes.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/focus_windows.py [--sizes 40,60,90]
        [--sets swaps.train synthetic_sub.train long_answers.train]

Per set (as ``convert.py`` / ``train_hybrid.py`` wrote them under /tmp/ragkb-grounding/data), the AUROC of the
weakest claim's raw P(supported) (Platt scaling is monotone, so calibration does not change it) for:

- ``windows``: every window of the input (the best three by keyword score past four), as v3 reads and as v2 read
  before 2026-12-03 night;
- ``focus N``: inputs of more than 150 words in one focus window of at most N words a claim (what v2 ships with
  N = ``FOCUS_WORDS``), shorter ones whole;
- ``focus N everywhere``: every input in focus windows, short ones too (for the first size only);
- ``mean``: the mean of the ``windows`` and ``focus N`` logits (for the first size only; twice the reading).

``windows`` comes from ``featurize_pairs.py``'s cache (v3's reading, made there if missing); the focus pairs are
scored once across variants (OpenVINO, as ``featurize_pairs.py`` reads) and not cached on disk. About 25 focus
pairs/s on 2 busy cores: the three training sets take about 5 minutes a size.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT, read_jsonl  # noqa: E402
from featurize_pairs import _Lookup, _Recorder, featurize_pairs, reads_scorer  # noqa: E402
from metrics import roc_auc  # noqa: E402

import grounding.crossencoder.check as check  # noqa: E402
from grounding.claims import split_claims  # noqa: E402
from grounding.crossencoder.windows import WINDOW_WORDS, focus_window  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="40,60,90", help="focus window sizes in words, comma-separated")
    parser.add_argument("--sets", nargs="+", default=["swaps.train", "synthetic_sub.train", "long_answers.train"])
    parser.add_argument("--data", type=Path, default=OUT)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    lexicon, scorer = load_lexicon(), reads_scorer()
    table: dict[tuple[str, str], np.ndarray] = {}

    def reads(prepared: list, *, size: int, long_words: int = WINDOW_WORDS) -> list[np.ndarray]:
        """Per example, the claims' raw P(supported), read with this rule (the module is patched, then restored)."""
        patched = {"focus_window": functools.partial(focus_window, words=size), "WINDOW_WORDS": long_words}
        saved = {name: getattr(check, name) for name in patched}
        try:
            for name, value in patched.items():
                setattr(check, name, value)
            recorder = _Recorder()
            for sources, claims, units in prepared:
                check.read_claims(recorder, claims, sources, units, lexicon=lexicon)
            todo = sorted((p for p in recorder.pairs if p not in table), key=lambda p: len(p[0]) + len(p[1]))
            for begin in range(0, len(todo), 1024):
                table.update(zip(todo[begin : begin + 1024], scorer.grounding(todo[begin : begin + 1024]), strict=True))
            lookup = _Lookup(table)
            return [
                np.array([r.support for r in check.read_claims(lookup, c, s, u, lexicon=lexicon)])
                for s, c, u in prepared
            ]
        finally:
            for name, value in saved.items():
                setattr(check, name, value)

    print(f"{'set':22} {'n':>5} {'long':>5}  AUROC of the weakest claim")
    for name in args.sets:
        started = time.perf_counter()
        examples = read_jsonl(args.data / f"{name}.jsonl")
        prepared = [
            (e["sources"], split_claims(e["answer"], query=e["query"])[0], source_units(e["sources"])) for e in examples
        ]
        labels = np.array([int(e["label"] == "grounded") for e in examples])
        long = np.mean([sum(len(s.split()) for s in e["sources"]) > WINDOW_WORDS for e in examples])

        def weakest(rows: list[np.ndarray]) -> np.ndarray:
            return np.array([row.min() if len(row) else 1.0 for row in rows])

        windows = [rows[:, 0] for rows in featurize_pairs(args.data / f"{name}.jsonl", scorer=scorer, focus=False)]
        variants = {"windows": weakest(windows)}
        for k, size in enumerate(sizes):
            focused = reads(prepared, size=size)
            variants[f"focus {size}"] = weakest(focused)
            if k == 0:
                variants[f"focus {size} everywhere"] = weakest(reads(prepared, size=size, long_words=0))
                mean = [1 / (1 + np.exp(-(logit(a) + logit(b)) / 2)) for a, b in zip(windows, focused, strict=True)]
                variants["mean"] = weakest(mean)
        cells = "  ".join(f"{key} {roc_auc(labels, scores):.3f}" for key, scores in variants.items())
        print(f"{name:22} {len(examples):5d} {long:5.2f}  {cells}  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
