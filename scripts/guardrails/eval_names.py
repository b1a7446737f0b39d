"""Precision and recall of NAME and ADDRESS on the held-back folds, per source, as the guard finds them
(cue rules joined with the trained token classifier) and from the classifier alone.

    nice python scripts/guardrails/eval_names.py [--folds 8 9]

Gold spans as in eval_pii.py (``bedrock_type`` NAME/ADDRESS in Presidio's sentences; PER/person/PERSON in
the NER files), except that a BTC mention's ``@`` (a span of its own in the pack) is joined to the handle
after it; a found span is right when it overlaps a gold span of its type. Recall is also given for Twitter
``@handles`` apart from other names (Bedrock would call a handle a USERNAME rather than a NAME). The
classifier was trained on folds 0-7 (scripts/guardrails/train_names.py), so only folds 8-9 are held out.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from eval_pii import SOURCES, gold_spans  # noqa: E402
from pack import load  # noqa: E402

from guardrails import names  # noqa: E402
from guardrails.pii import find_sensitive  # noqa: E402

TYPES = ("NAME", "ADDRESS")


def joined(text: str, gold: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``gold`` with each lone ``@`` span (one character) joined to the span of its kind right after it."""
    out: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(gold):
        if out and text[out[-1][0] : out[-1][1]] == "@" and out[-1][2] == kind and start - out[-1][1] <= 1:
            out[-1] = (out[-1][0], end, kind)
        else:
            out.append((start, end, kind))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, nargs="*", default=[8, 9])
    args = parser.parse_args()
    print("| source | type | gold | guard P | guard R | classifier P | classifier R |\n|---|---|---|---|---|---|---|")
    totals: dict[str, Counter[str]] = {"guard": Counter(), "classifier": Counter()}
    started = time.process_time()
    for source in SOURCES:
        rows = [r for r in load(source) if r["fold"] in args.folds]
        counts: dict[str, Counter[str]] = {"guard": Counter(), "classifier": Counter()}
        for row in rows:
            gold = joined(row["text"], [g for g in gold_spans(row) if g[2] in TYPES])
            found = {
                "guard": [(m.start, m.end, m.type) for m in find_sensitive(row["text"], entities=TYPES, regexes=())],
                "classifier": [(s, e, k) for k in TYPES for s, e in names.spans(row["text"], k)],
            }
            for way, spans in found.items():
                for start, end, kind in gold:
                    hit = any(k == kind and s < end and start < e for s, e, k in spans)
                    counts[way][f"{kind} {'tp' if hit else 'fn'}"] += 1
                    part = "@handles" if row["text"][start] == "@" else "names"
                    counts[way][f"{part} {'tp' if hit else 'fn'}"] += 1
                for s, e, k in spans:
                    if not any(k == kind and s < end and start < e for start, end, kind in gold):
                        counts[way][f"{k} fp"] += 1
        for kind in TYPES:
            gold_n = counts["guard"][f"{kind} tp"] + counts["guard"][f"{kind} fn"]
            if gold_n == 0:
                continue
            cells = []
            for way in ("guard", "classifier"):
                c = counts[way]
                tp, fn, fp = c[f"{kind} tp"], c[f"{kind} fn"], c[f"{kind} fp"]
                cells += [f"{tp / max(tp + fp, 1):.3f}", f"{tp / max(tp + fn, 1):.3f}"]
                totals[way].update({k: v for k, v in c.items() if k.startswith(kind)})
            print(f"| {source} | {kind} | {gold_n} | " + " | ".join(cells) + " |")
        handles = counts["guard"]["@handles tp"] + counts["guard"]["@handles fn"]
        if handles:
            for part in ("names", "@handles"):
                recalls = [counts[w][f"{part} tp"] / max(counts[w][f"{part} tp"] + counts[w][f"{part} fn"], 1)
                           for w in ("guard", "classifier")]  # fmt: skip
                n = counts["guard"][f"{part} tp"] + counts["guard"][f"{part} fn"]
                print(f"| {source}: {part} | NAME | {n} | | {recalls[0]:.3f} | | {recalls[1]:.3f} |")
    for kind in TYPES:
        cells = []
        for way in ("guard", "classifier"):
            c = totals[way]
            tp, fn, fp = c[f"{kind} tp"], c[f"{kind} fn"], c[f"{kind} fp"]
            cells += [f"{tp / max(tp + fp, 1):.3f}", f"{tp / max(tp + fn, 1):.3f}"]
        gold_n = totals["guard"][f"{kind} tp"] + totals["guard"][f"{kind} fn"]
        print(f"| all | {kind} | {gold_n} | " + " | ".join(cells) + " |")
    print(f"CPU {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main()
