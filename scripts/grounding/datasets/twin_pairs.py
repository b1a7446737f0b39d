"""Round-9 pairs: each changed claim beside its faithful twin, read as v2 reads them, for a pairwise loss.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/twin_pairs.py [--replay 30000] [--out /tmp/ragkb-grounding/twins]
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

import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from focus_pairs import focus_pair, passages, replay_parser, twin_groups, write_with_replay  # noqa: E402
from pairs import OUT, Pair  # noqa: E402

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
        groups = [members for _sentence, members in twin_groups(sentences, rng)]
        if not groups:
            continue
        premise = " ".join(sentences)
        sources = [premise]
        if rng.random() < LONG_SHARE:
            before, after = (" ".join(rng.choice(others)) for _ in range(2))
            sources = [before, premise, after]
        claims = [claim for members in groups for claim, *_ in members]
        evidence = iter(evidence_read(sources, claims, lexicon))
        for number, members in enumerate(groups):
            for claim, label, label3, kind in members:
                row = focus_pair(next(evidence), claim, label, label3, kind)
                rows.append({**row, "twin": f"{key}#{number}", "long": len(sources) > 1})
    return rows


def main() -> None:
    args = replay_parser(__doc__, out=TWINS, replay=30000, seed=91).parse_args()
    rng = random.Random(args.seed)
    rows = twin_rows(passages(), rng, load_lexicon())
    # train_crossencoder.py gathers each twin group back into one batch after the shuffle
    rows = write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)
    long = sum(1 for r in rows if r.get("long"))
    print(f"{len({r['twin'] for r in rows if 'twin' in r})} twin groups, {long} pairs read long")


if __name__ == "__main__":
    main()
