"""Train the NAME and ADDRESS tagger (guardrails/names.py) on the pack: guardrails/data/names.crfsuite and
guardrails/data/names_gazetteer.json.

    nice python scripts/guardrails/train_names.py [--max-iterations 150]

Tokens of the Presidio sentences and the NER files (folds 0-7) labelled from their spans: NAME for
PERSON/PER/person (the ``@`` of a BTC mention is not part of it; the handle after it is), ADDRESS for
STREET_ADDRESS/ADDRESS, O otherwise. The gazetteer lists the lower-cased words seen as the first or last
word of a name span, or inside addresses (street words), when they are mostly seen there. The training
rows are featurised with a gazetteer built from the other half of the training folds (0-3 <-> 4-7), so
the CRF learns how much a gazetteer hit is worth for names it has not seen; the shipped gazetteer is built
from all of folds 0-7. The L1/L2 weights (0.2/0.01) were chosen by training on folds 0-5 and validating on
6-7 (against 0.05/0.01, 0.05/0.1, 0.01/0.001). Measured afterwards with scripts/guardrails/eval_names.py (folds 8-9).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pycrfsuite

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from pack import load  # noqa: E402

from guardrails.names import Gazetteer, Token, token_features, tokens  # noqa: E402

SOURCES = ("pii_presidio_synth", "ner_wikigold", "ner_wnut17", "ner_btc")
DATA = HERE.parents[1] / "guardrails" / "data"
Example = tuple[str, list[Token], list[str], int]  # text, tokens, labels, fold


def label_of(span: dict) -> str | None:
    if span.get("bedrock_type") in ("NAME", "ADDRESS"):
        return str(span["bedrock_type"])
    return "NAME" if span["type"] in {"PER", "person", "PERSON"} else None


def examples() -> list[Example]:
    out = []
    for source in SOURCES:
        for record in load(source):
            if record["fold"] >= 8:
                continue
            found = tokens(record["text"])
            labels = ["O"] * len(found)
            for span in record["spans"]:
                kind = label_of(span)
                if kind is None:
                    continue
                for i, (s, e, word) in enumerate(found):
                    if s < span["end"] and span["start"] < e and word != "@":
                        labels[i] = kind
            out.append((record["text"], found, labels, record["fold"]))
    return out


def build_gazetteer(rows: Iterable[Example]) -> Gazetteer:
    total: Counter[str] = Counter()
    first: Counter[str] = Counter()
    last: Counter[str] = Counter()
    street: Counter[str] = Counter()
    for _, found, labels, _ in rows:
        words = [w.lower() for _, _, w in found]
        total.update(words)
        i = 0
        while i < len(words):
            if labels[i] == "O":
                i += 1
                continue
            j = i
            while j + 1 < len(words) and labels[j + 1] == labels[i]:
                j += 1
            if labels[i] == "NAME":
                first[words[i]] += 1
                if j > i:
                    last[words[j]] += 1
            else:
                street.update(w for w in words[i : j + 1] if w.isalpha() and len(w) > 1)
            i = j + 1

    def mostly(counts: Counter[str], *, minimum: int, share: float) -> frozenset[str]:
        return frozenset(
            w for w, n in counts.items() if n >= minimum and n >= share * total[w] and any(c.isalpha() for c in w)
        )

    return {
        "first": mostly(first, minimum=1, share=0.5),
        "last": mostly(last, minimum=1, share=0.5),
        "street": mostly(street, minimum=3, share=0.3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-iterations", type=int, default=150)
    args = parser.parse_args()
    started = time.time()
    rows = examples()
    halves = [[r for r in rows if r[3] < 4], [r for r in rows if r[3] >= 4]]
    crossed = [build_gazetteer(halves[1]), build_gazetteer(halves[0])]  # each half featurised by the other's
    trainer = pycrfsuite.Trainer(verbose=False)
    counts: Counter[str] = Counter()
    for half, gazetteer in zip(halves, crossed, strict=True):
        for text, found, labels, _ in half:
            if found:
                trainer.append(token_features(text, found, gazetteer), labels)
                counts.update(labels)
    print(f"{len(rows)} rows, {sum(counts.values())} tokens: {dict(counts)} ({time.time() - started:.0f} s)")
    trainer.set_params({"c1": 0.2, "c2": 0.01, "max_iterations": args.max_iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 2})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        trainer.train(str(Path(tmp) / "names.crfsuite"))
        (DATA / "names.crfsuite").write_bytes((Path(tmp) / "names.crfsuite").read_bytes())
    final = build_gazetteer(rows)
    (DATA / "names_gazetteer.json").write_text(
        json.dumps({kind: sorted(words) for kind, words in final.items()}, ensure_ascii=False, indent=0) + "\n",
        encoding="utf-8",
    )
    sizes = {kind: len(words) for kind, words in final.items()}
    print(f"wrote names.crfsuite ({(DATA / 'names.crfsuite').stat().st_size} bytes), gazetteer {sizes}")
    print(f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
