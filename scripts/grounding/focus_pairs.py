"""Round-6 pairs: the kinds v2 misses, each beside its faithful twin, mixed with a replay of ``pairs.py``'s.

    .venv/bin/python scripts/grounding/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/focus_pairs.py [--replay 45000] [--out /tmp/ragkb-grounding/focus]
    nice .venv/bin/python scripts/grounding/train_crossencoder.py --pairs /tmp/ragkb-grounding/focus ...

v2 catches 3-4 % of relation swaps ("The capital of Japan is London." against a source where London and Tokyo
are both capitals) and few attribute flips, number or unit changes in otherwise copied sentences: in
``pairs.py`` those are one rule pair per sentence among 165k pairs, each read once. Here every chosen sentence
of a premise gives its faithful copy (or a shortening) *and* its changed twins in the same file: a relation swap
where one applies (two names of the sentence exchanged, or one replaced by another name of the same premise),
an anchored swap as ``swaps.py`` makes them (one of two names or numbers of a sentence replaced by one from
another sentence of the passage), and one of the number, unit, negation, antonym / attribute and quantifier
rules. The premises are the pack's (at least 25 words) on the **train** side of ``pairs.py``'s premise split
only, so no dev premise is seen, and not SciFact's, whose abstracts v3's hybrid is fitted on. A seeded sample
of ``pairs.py``'s training pairs (every source, relevance included) is replayed beside them so the rest of
what the model learned is kept.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent)]

from convert import write_jsonl  # noqa: E402
from pairs import NAME_RUN, NUMBER, OUT, Pair, _rule, compress, pack_pairs, perturbations, split_of, window  # noqa: E402
from swaps import swap_in_passage  # noqa: E402

from ingest.sentences import split_sentences  # noqa: E402

FOCUS = OUT.parent / "focus"
_FAMILY = {"copy": "focus_support", "compress": "focus_support", "relation_swap": "focus_swap",
           "anchored_swap": "focus_swap"}  # fmt: skip


def _pair(premise: str, claim: str, label: int, label3: str, kind: str) -> Pair:
    return {**_rule(premise, claim, label, label3, kind), "source": _FAMILY.get(kind, "focus_changed")}


def passages() -> list[tuple[str, list[str]]]:
    """Training-side pack premises of at least 25 words, once each, as sentences."""
    seen: set[str] = set()
    out = []
    for split, pair in pack_pairs():
        if split == "train" and pair["group"] not in seen and len(pair["premise"].split()) >= 25:
            seen.add(pair["group"])
            out.append((pair["group"], split_sentences(pair["premise"])))
    return out


def focus_rows(chosen: list[tuple[str, list[str]]], rng: random.Random, per_passage: int = 3) -> list[Pair]:
    rows: list[Pair] = []
    for key, sentences in chosen:
        assert split_of(key) == "train"
        known = {s.strip() for s in sentences}
        names = sorted({m.group() for s in sentences for m in NAME_RUN.finditer(s) if m.start() > 0})
        numbers = [m.group() for s in sentences for m in NUMBER.finditer(s)]
        prose = [s for s in sentences if 6 <= len(s.split()) <= 60]
        for sentence in rng.sample(prose, min(per_passage, len(prose))):
            options = [o for o in perturbations(sentence, names, numbers, rng) if o[1].strip() not in known]
            if not options:
                continue
            context = window(sentences, sentence)
            positive = compress(sentence, rng) if rng.random() < 0.3 else None
            rows.append(_pair(context, positive or sentence, 1, "entailment", "compress" if positive else "copy"))
            swaps = [o for o in options if o[0] == "relation_swap"]
            others = [o for o in options if o[0] != "relation_swap"]
            for kind, changed, label3 in swaps + ([rng.choice(others)] if others else []):
                rows.append(_pair(context, changed, 0, label3, kind))
        found = swap_in_passage(sentences, rng)
        if found and found[1].strip() not in known:
            original, swapped = found
            context = window(sentences, original)
            rows.append(_pair(context, original, 1, "entailment", "copy"))
            rows.append(_pair(context, swapped, 0, "contradiction", "anchored_swap"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=OUT, help="pairs.py's output (replayed)")
    parser.add_argument("--out", type=Path, default=FOCUS)
    parser.add_argument("--replay", type=int, default=45000, help="pairs.py training pairs mixed in")
    parser.add_argument("--seed", type=int, default=61)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = focus_rows(passages(), rng)
    with (args.pairs / "train.jsonl").open(encoding="utf-8") as handle:
        replay = [json.loads(line) for line in handle]
    rows += rng.sample(replay, min(args.replay, len(replay)))
    rng.shuffle(rows)
    write_jsonl(args.out / "train.jsonl", rows)  # the only file train_crossencoder.py reads; dev stays pairs.py's
    counts = Counter(f"{r['task']}:{r['source']}:{r['kind']}:{r['label']}" for r in rows)
    print(f"train: {len(rows)} pairs")
    for name, count in sorted(counts.items()):
        print(f"  {count:7d}  {name}")
    (args.out / "counts.json").write_text(json.dumps({"train": len(rows)}) + "\n")


if __name__ == "__main__":
    main()
