"""Round-6 pairs: the kinds v2 misses, each beside its faithful twin, mixed with a replay of ``pairs.py``'s.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/focus_pairs.py [--replay 45000] [--out /tmp/ragkb-grounding/focus]
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

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import write_jsonl  # noqa: E402
from pairs import NAME_RUN, NUMBER, OUT, Pair, compress, labelled_pair, pack_pairs, perturbations, split_of, window  # noqa: E402
from swaps import swap_in_passage  # noqa: E402

from ingest.sentences import split_sentences  # noqa: E402

FOCUS = OUT.parent / "focus"
_FAMILY = {"copy": "focus_support", "compress": "focus_support", "relation_swap": "focus_swap",
           "anchored_swap": "focus_swap"}  # fmt: skip


def focus_pair(premise: str, claim: str, label: int, label3: str, kind: str) -> Pair:
    return {**labelled_pair(premise, claim, label, label3, kind), "source": _FAMILY.get(kind, "focus_changed")}


def training_premises(
    *, exclude: tuple[str, ...] = (), min_words: int = 0, side: str = "train"
) -> list[tuple[str, list[str]]]:
    """Every training-side pack premise once, as sentences, in the pack's order; none of the sets named in
    ``exclude``, none under ``min_words`` words (a WiCE claim's premise is a window of its article: the first
    window long enough stands for the article). ``side="dev"``: the held-out premises instead, for a check set."""
    seen: set[str] = set()
    out = []
    for split, pair in pack_pairs():
        long_enough = len(pair["premise"].split()) >= min_words
        if split == side and pair["group"] not in seen and pair["source"] not in exclude and long_enough:
            seen.add(pair["group"])
            out.append((pair["group"], split_sentences(pair["premise"])))
    return out


def passages() -> list[tuple[str, list[str]]]:
    """Training-side pack premises of at least 25 words, once each, as sentences."""
    return training_premises(min_words=25)


Member = tuple[str, int, str, str]  # (claim, label, label3, kind)


def twin_groups(sentences: list[str], rng: random.Random, per_passage: int = 3) -> list[tuple[str, list[Member]]]:
    """A passage's twin groups, each ``(the sentence it is about, [faithful claim, changed claims ...])``: up to
    ``per_passage`` sentences, each copied or shortened beside its relation swap where one applies and one other
    rule's change, then one anchored swap beside its unchanged sentence."""
    known = {s.strip() for s in sentences}
    names = sorted({m.group() for s in sentences for m in NAME_RUN.finditer(s) if m.start() > 0})
    numbers = [m.group() for s in sentences for m in NUMBER.finditer(s)]
    prose = [s for s in sentences if 6 <= len(s.split()) <= 60]
    groups: list[tuple[str, list[Member]]] = []
    for sentence in rng.sample(prose, min(per_passage, len(prose))):
        options = [o for o in perturbations(sentence, names, numbers, rng) if o[1].strip() not in known]
        if not options:
            continue
        positive = compress(sentence, rng) if rng.random() < 0.3 else None
        members: list[Member] = [(positive or sentence, 1, "entailment", "compress" if positive else "copy")]
        swaps = [o for o in options if o[0] == "relation_swap"]
        others = [o for o in options if o[0] != "relation_swap"]
        for kind, changed, label3 in swaps + ([rng.choice(others)] if others else []):
            members.append((changed, 0, label3, kind))
        groups.append((sentence, members))
    found = swap_in_passage(sentences, rng)
    if found and found[1].strip() not in known:
        original, swapped = found
        groups.append((original, [(original, 1, "entailment", "copy"), (swapped, 0, "contradiction", "anchored_swap")]))
    return groups


def focus_rows(chosen: list[tuple[str, list[str]]], rng: random.Random) -> list[Pair]:
    rows: list[Pair] = []
    for key, sentences in chosen:
        assert split_of(key) == "train"
        for sentence, members in twin_groups(sentences, rng):
            context = window(sentences, sentence)
            rows += [focus_pair(context, claim, label, label3, kind) for claim, label, label3, kind in members]
    return rows


def write_with_replay(rows: list[Pair], *, pairs: Path, replay: int, rng: random.Random, out: Path) -> list[Pair]:
    """``rows`` with a seeded sample of ``replay`` of ``pairs.py``'s training pairs, shuffled, written to
    ``out/train.jsonl`` (the only file train_crossencoder.py reads; dev stays pairs.py's), counts printed."""
    with (pairs / "train.jsonl").open(encoding="utf-8") as handle:
        replayed = [json.loads(line) for line in handle]
    rows = rows + rng.sample(replayed, min(replay, len(replayed)))
    rng.shuffle(rows)
    write_jsonl(out / "train.jsonl", rows)
    counts = Counter(f"{r['task']}:{r['source']}:{r['kind']}:{r['label']}" for r in rows)
    print(f"train: {len(rows)} pairs")
    for name, count in sorted(counts.items()):
        print(f"  {count:7d}  {name}")
    (out / "counts.json").write_text(json.dumps({"train": len(rows)}) + "\n")
    return rows


def replay_parser(doc: str, *, out: Path, replay: int, seed: int) -> argparse.ArgumentParser:
    """The arguments every pair maker that replays ``pairs.py``'s training pairs takes (its docstring's first line
    as the description): ``--pairs``, ``--out``, ``--replay`` and ``--seed``, with the maker's defaults."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=OUT, help="pairs.py's output (replayed)")
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--replay", type=int, default=replay, help="pairs.py training pairs mixed in")
    parser.add_argument("--seed", type=int, default=seed)
    return parser


def main() -> None:
    args = replay_parser(__doc__, out=FOCUS, replay=45000, seed=61).parse_args()
    rng = random.Random(args.seed)
    write_with_replay(focus_rows(passages(), rng), pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)


if __name__ == "__main__":
    main()
