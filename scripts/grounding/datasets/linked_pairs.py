"""Round-15 pairs: two-hop questions whose bridge joins two premises, as HotpotQA's knowledge (and HaluEval's) does.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/linked_pairs.py [--linked 8000] [--bridge 2000] [--qa 2000] \
        [--replay 6000] [--out /tmp/ragkb-grounding/linked]

Round 14's two-hop questions (``bridge_pairs.py``) bridge two sentences of one premise, and the pack's training
premises hold only about 460 such pairs of sentences. HotpotQA's questions, and so HaluEval's, bridge two
Wikipedia paragraphs: one names a film, the other says what the film is. Here the clause comes from another
training premise that defines the name (:func:`definition`: "Macaulay Carson Culkin (born August 26, 1980) is an
American actor." gives "who is an American actor", with asides in parentheses and "also known as" dropped) and
the question from a sentence of a premise that names it ("What is the fifteenth and final studio album by the
English rock band Pink Floyd, which were an English rock band formed in London?"); the source is that sentence's
neighbourhood beside the definition's, in either order, as two paragraphs. A name is linked only where it has two
words or more and the training side says it is one thing (every clause counted, however long), never where a
number or a colon follows it ("Despicable Me 2"), never from PAWS or FEVER-Symmetric premises (scrambled or
edited to contradict), never where the two paragraphs share more than half their words (two copies of one
premise), and at most ``--per-name`` times.

Each link gives ``bridge_pairs.bridge_groups``' twin groups through that name: the right answer (supported), another
name or number of the two paragraphs and one they do not hold (unsupported); in ``--unheld`` of them the clause
is another definition's, which the source does not hold, the answer still the source's. Beside them: round 14's
one-premise bridges, ``qa_pairs.py``'s one-hop groups and a replay of ``pairs.py``'s training pairs. Every premise,
the defining ones included, is on the training side of ``pairs.py``'s premise split.

Round 15's shipped weights were trained on this script's output at commit 4a652fd, before a review's mends (there
single-word names linked, a clause over 22 words was not counted against a name, sequels and PAWS / FEVER-Symmetric
premises were not refused, near-copies were joined): ``git worktree add ../r15src 4a652fd`` and this script's
defaults there make round 15's file A again (md5 ad6514f6...), ``--seed 601 --negation 3000 --shortened 3000`` file
B (md5 3277a14d...).
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from bridge_pairs import DEMONYMS, bridge_groups, clause_of, name_in, one_premise_rows  # noqa: E402
from focus_pairs import replay_parser, training_premises, write_with_replay  # noqa: E402
from pairs import OUT, split_of  # noqa: E402
from polarity_pairs import polarity_make  # noqa: E402
from qa_pairs import Groups, qa_rows, sample_groups  # noqa: E402

from grounding.scorer import load_lexicon  # noqa: E402

LINKED = OUT.parent / "linked"
NOT_PROSE = ("paws", "fever_symmetric")  # scrambled word order; counter-evidence edited to contradict Wikipedia
Premise = tuple[str, list[str]]  # (premise key, sentences)
Link = tuple[str, list[str], str]  # (key, the two paragraphs' sentences, the bridge name)


def definition(sentence: str, *, any_length: bool = False) -> tuple[str, str] | None:
    """``bridge_pairs.clause_of`` with Wikipedia's asides dropped, names of up to five words and clauses of up to
    22: "Ram Head (Victoria) is a coastal headland." -> ("Ram Head", "which is a coastal headland")."""
    return clause_of(sentence, name_words=5, clause_words=22, asides=True, any_length=any_length)


def defined_names(premises: list[Premise]) -> dict[str, tuple[str, list[str]]]:
    """Name -> (defining premise's key, its definition sentence and up to two after it), for names of two words
    or more ("Peru" is a country and a band, "Curtis" a surname) with one thing they are said to be on the
    training side, clauses of any length counted ("The Little Prince is a 1974 film." and "... a 2015 film.")."""
    said: dict[str, set[str]] = {}
    found: dict[str, list[str]] = {}
    where: dict[tuple[str, str], list[str]] = {}
    for key, sentences in premises:
        for number, sentence in enumerate(sentences):
            if seen := definition(sentence, any_length=True):  # a clause short enough to ask with is one of these
                said.setdefault(seen[0], set()).add(seen[1])
                if made := definition(sentence):
                    found.setdefault(made[0], []).append(key)
                    where.setdefault((key, made[0]), sentences[number : number + 3])
    out = {}
    for name, keys in found.items():
        if len(said[name]) == 1 and len(name.split()) > 1 and name not in DEMONYMS:
            out[name] = (min(keys), where[(min(keys), name)])
    return out


def _overlap(first: list[str], second: list[str]) -> float:
    """The share of the smaller text's words (three letters or more) that the other holds too."""
    words = [{w.lower() for w in re.findall(r"\w{3,}", " ".join(text))} for text in (first, second)]
    return len(words[0] & words[1]) / max(1, min(len(words[0]), len(words[1])))


def links(
    premises: list[Premise], defined: dict[str, tuple[str, list[str]]], rng: random.Random, *, per_name: int
) -> list[Link]:
    """One link at most a premise: a sentence of it (6 to 35 words) naming a defined name of another premise,
    with its neighbours (two each side) and the definition's sentences, in a seeded order; ``per_name`` a name."""
    if not defined:
        return []
    pattern = re.compile("|".join(re.escape(name) for name in sorted(defined, key=len, reverse=True)))
    used: Counter[str] = Counter()
    out = []
    for key, sentences in premises:
        options = []
        for number, sentence in enumerate(sentences):
            if 6 <= len(sentence.split()) <= 35:
                own = definition(sentence, any_length=True)  # "Phacelia (...) is a genus": no bridge to itself
                for found in pattern.finditer(sentence):
                    name = found.group()
                    sequel = re.match(r"\s*(?:\d|:)", sentence[found.end() :])  # "Despicable Me 2", "Alien: ..."
                    itself = own is not None and own[0] == name
                    if defined[name][0] != key and name_in(sentence, name) and not sequel and not itself:
                        options.append((number, name))
        rng.shuffle(options)
        for number, name in options:
            near, there = sentences[max(0, number - 2) : number + 3], defined[name][1]
            if used[name] < per_name and _overlap(near, there) <= 0.5:  # not two copies of one premise
                used[name] += 1
                joined = near + there if rng.random() < 0.5 else there + near
                if not split_of(key) == split_of(defined[name][0]) == "train":
                    raise ValueError(f"{key!r} or its definition's premise is not on the training side")
                out.append((f"{key} + {defined[name][0]}", joined, name))
                break
    return out


def link_groups(
    sentences: list[str], pool: list[str], rng: random.Random, *, name: str, foreign: list[tuple[str, str]],
    unheld: float,
) -> Groups:  # fmt: skip
    """A link's ``bridge_groups`` through ``name`` alone, with :func:`definition`'s clauses, none whose answer is
    a lone initial ("G. W. Bailey" asked as "G. what. Bailey")."""
    made = bridge_groups(sentences, pool, rng, foreign=foreign, unheld=unheld, define=definition, only=name)
    return [group for group in made if len(group[1][0]) > 1]


def main() -> None:
    parser = replay_parser(__doc__, out=LINKED, replay=6000, seed=503)
    parser.add_argument("--linked", type=int, default=8000, help="two-premise question pairs at most (whole groups)")
    parser.add_argument("--per-name", type=int, default=6, help="links through one name at most")
    parser.add_argument("--unheld", type=float, default=0.3, help="share of them whose clause the source lacks")
    parser.add_argument("--bridge", type=int, default=2000, help="round 14's one-premise bridge pairs (whole groups)")
    parser.add_argument("--qa", type=int, default=2000, help="qa_pairs.py's one-hop question pairs (whole groups)")
    parser.add_argument("--negation", type=int, default=0, help="polarity_pairs.py's dropped negations (pairs)")
    parser.add_argument("--shortened", type=int, default=0, help="polarity_pairs.py's changed shortenings (pairs)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    premises = training_premises(exclude=NOT_PROSE)
    defined = defined_names(premises)
    linked = links(premises, defined, rng, per_name=args.per_name)
    print(f"{len(defined)} defined names, {len(linked)} links")
    lexicon = load_lexicon()
    foreign = [made for _key, sentences in premises for s in sentences if (made := definition(s))]
    bridge_name = {tuple(sentences): name for _key, sentences, name in linked}

    def through_link(sentences: list[str], pool: list[str], generator: random.Random) -> Groups:
        name = bridge_name[tuple(sentences)]
        return link_groups(sentences, pool, generator, name=name, foreign=foreign, unheld=args.unheld)

    two = [(key, sentences) for key, sentences, _name in linked]
    rows = sample_groups(qa_rows(two, rng, lexicon, groups_of=through_link, prefix="linked"), args.linked, rng)
    rows += one_premise_rows(rng, lexicon, bridge=args.bridge, qa=args.qa, unheld=args.unheld)
    if args.negation or args.shortened:  # none drawn otherwise: round 15a's file is the same without them
        rows += polarity_make(rng, negation=args.negation, shortened=args.shortened)
    rows = write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)
    print(f"{len({r['twin'] for r in rows if 'twin' in r})} twin groups")


if __name__ == "__main__":
    main()
