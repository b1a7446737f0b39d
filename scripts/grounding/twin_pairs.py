"""Round-9 pairs: each changed claim beside its faithful twin, read as v2 reads them, for a pairwise loss.

    .venv/bin/python scripts/grounding/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/twin_pairs.py [--replay 30000] [--out /tmp/ragkb-grounding/twins]
    nice .venv/bin/python scripts/grounding/train_crossencoder.py --pairs /tmp/ragkb-grounding/twins \
        --twin-weight 1 ...

Round 6 (``focus_pairs.py``) put the same kinds of pairs in a file (a sentence copied as supported, its relation
swap, number, unit, negation, antonym / attribute or quantifier change as not) but shuffled them apart and read
each pair alone: an hour of that moved the held-out relation swaps from 4 % to 7 % caught. Here the twins stay
together: every row of a group carries the group's ``twin`` key, ``train_crossencoder.py`` keeps a group in one
batch, and with ``--twin-weight`` it adds a pairwise loss that asks the faithful claim to score above each of
its changed twins. The two inputs differ only in the change, so that is what the gradient can learn from.

The evidence is what v2 reads at run time (:func:`grounding.crossencoder.check.read_claims`): the whole
premise when the input holds at most 150 words, else the claim's focus window of at most 40 words. Two inputs
in five are made long by placing the premise between two passages of other premises (separate sources, as a
retriever returns them), so focus windows are trained too. Premises, the split and the rules are
``focus_pairs.py``'s: the pack's training side only (no dev premise, no SciFact abstract). A seeded sample of
``pairs.py``'s training pairs is replayed beside them (no ``twin`` key: read as before).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

from convert import write_jsonl  # noqa: E402
from focus_pairs import _pair, passages  # noqa: E402
from pairs import NAME_RUN, NUMBER, OUT, Pair, compress, perturbations  # noqa: E402
from swaps import swap_in_passage  # noqa: E402

from grounding.claims import Claim  # noqa: E402
from grounding.crossencoder.check import read_claims  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

TWINS = OUT.parent / "twins"
LONG_SHARE = 0.4


class _Recorder:
    """A PairScorer that scores nothing and remembers what each claim was given to read."""

    def __init__(self) -> None:
        self.read: list[tuple[str, str]] = []

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        self.read.extend(pairs)
        return np.full((len(pairs), 2), 0.5, dtype=np.float32)

    def relevance(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        raise NotImplementedError


def evidence_read(sources: list[str], claims: list[str], lexicon) -> list[str]:
    """Per claim, the window v2 reads it against (the best one by keyword score where it reads several)."""
    recorder = _Recorder()
    units = source_units(sources)
    reads = read_claims(
        recorder, [Claim(c, 0, len(c)) for c in claims], sources, units, lexicon=lexicon,
        settled=lambda _i, _p: True,
    )  # fmt: skip
    assert len(reads) == len(claims) == len(recorder.read)  # one window a claim: focus, or the early-exit window
    return [window for window, _claim in recorder.read]


def twin_rows(chosen: list[tuple[str, list[str]]], rng: random.Random, lexicon) -> list[Pair]:
    rows: list[Pair] = []
    others = [sentences for _key, sentences in chosen]
    for key, sentences in chosen:
        known = {s.strip() for s in sentences}
        names = sorted({m.group() for s in sentences for m in NAME_RUN.finditer(s) if m.start() > 0})
        numbers = [m.group() for s in sentences for m in NUMBER.finditer(s)]
        prose = [s for s in sentences if 6 <= len(s.split()) <= 60]
        groups: list[list[tuple[str, int, str, str]]] = []  # (claim, label, label3, kind)
        for sentence in rng.sample(prose, min(3, len(prose))):
            options = [o for o in perturbations(sentence, names, numbers, rng) if o[1].strip() not in known]
            if not options:
                continue
            positive = compress(sentence, rng) if rng.random() < 0.3 else None
            group = [(positive or sentence, 1, "entailment", "compress" if positive else "copy")]
            swaps = [o for o in options if o[0] == "relation_swap"]
            rest = [o for o in options if o[0] != "relation_swap"]
            changed = swaps + ([rng.choice(rest)] if rest else [])
            group += [(claim, 0, label3, kind) for kind, claim, label3 in changed]
            groups.append(group)
        found = swap_in_passage(sentences, rng)
        if found and found[1].strip() not in known:
            groups.append([(found[0], 1, "entailment", "copy"), (found[1], 0, "contradiction", "anchored_swap")])
        if not groups:
            continue
        premise = " ".join(sentences)
        sources = [premise]
        if rng.random() < LONG_SHARE:
            before, after = (" ".join(rng.choice(others)) for _ in range(2))
            sources = [before, premise, after]
        claims = [claim for group in groups for claim, *_ in group]
        evidence = iter(evidence_read(sources, claims, lexicon))
        for number, group in enumerate(groups):
            for claim, label, label3, kind in group:
                row = _pair(next(evidence), claim, label, label3, kind)
                rows.append({**row, "twin": f"{key}#{number}", "long": len(sources) > 1})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=OUT, help="pairs.py's output (replayed)")
    parser.add_argument("--out", type=Path, default=TWINS)
    parser.add_argument("--replay", type=int, default=30000, help="pairs.py training pairs mixed in")
    parser.add_argument("--seed", type=int, default=91)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = twin_rows(passages(), rng, load_lexicon())
    with (args.pairs / "train.jsonl").open(encoding="utf-8") as handle:
        replay = [json.loads(line) for line in handle]
    rows += rng.sample(replay, min(args.replay, len(replay)))
    rng.shuffle(rows)  # train_crossencoder.py gathers each twin group back into one batch
    write_jsonl(args.out / "train.jsonl", rows)
    counts = Counter(f"{r['task']}:{r['source']}:{r['kind']}:{r['label']}" for r in rows)
    long = sum(1 for r in rows if r.get("long"))
    print(f"train: {len(rows)} pairs, {len({r['twin'] for r in rows if 'twin' in r})} twin groups, {long} read long")
    for name, count in sorted(counts.items()):
        print(f"  {count:7d}  {name}")
    (args.out / "counts.json").write_text(json.dumps({"train": len(rows)}) + "\n")


if __name__ == "__main__":
    main()
