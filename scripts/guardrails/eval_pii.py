"""Precision and recall of the sensitive-information recognizers per Bedrock type, on the pack's span files.

    nice python scripts/guardrails/eval_pii.py [--folds 8 9]

Gold spans are the pack's ``bedrock_type`` spans (Presidio's synthetic sentences; PER/person names in
the NER files as NAME). A found span counts as right when it overlaps a gold span of the same type;
a found span that overlaps none is a false positive. The recognizers are rules, not trained on the
pack, so every fold is held out; ``--folds`` restricts the rows (the report in docs/guardrails.md uses
folds 8-9 and all folds).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from pack import load  # noqa: E402

from guardrails.pii import find_sensitive  # noqa: E402

NER_NAMES = {"PER", "person", "PERSON"}
SOURCES = ("pii_presidio_synth", "ner_wikigold", "ner_wnut17", "ner_btc")


def gold_spans(row: dict) -> list[tuple[int, int, str]]:
    out = []
    for span in row["spans"]:
        kind = span.get("bedrock_type") or ("NAME" if span["type"] in NER_NAMES else None)
        if kind is not None:
            out.append((span["start"], span["end"], kind))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, nargs="*", default=list(range(10)))
    args = parser.parse_args()
    for source in SOURCES:
        rows = [r for r in load(source) if r["fold"] in args.folds]
        golds = [gold_spans(r) for r in rows]
        types = sorted({kind for g in golds for _, _, kind in g})
        tp: Counter[str] = Counter()
        fn: Counter[str] = Counter()
        fp: Counter[str] = Counter()
        for row, gold in zip(rows, golds, strict=True):
            found = find_sensitive(row["text"], entities=types, regexes=())
            for start, end, kind in gold:
                hit = any(m.type == kind and m.start < end and start < m.end for m in found)
                (tp if hit else fn)[kind] += 1
            for m in found:
                if not any(m.type == kind and m.start < end and start < m.end for start, end, kind in gold):
                    fp[m.type or ""] += 1
        print(f"\n## {source}: {len(rows)} rows (folds {args.folds[0]}-{args.folds[-1]})")
        print(f"  {'type':36} {'gold':>5} {'precision':>9} {'recall':>7}")
        for kind in types:
            found_right, missed, wrong = tp[kind], fn[kind], fp[kind]
            precision = found_right / max(found_right + wrong, 1)
            recall = found_right / max(found_right + missed, 1)
            print(f"  {kind:36} {found_right + missed:5} {precision:9.3f} {recall:7.3f}")


if __name__ == "__main__":
    main()
