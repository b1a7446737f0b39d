"""Round-15 pairs: negations the answer drops, and changes inside shortened sentences, each beside its faithful twin.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/polarity_pairs.py [--negation 3000] [--shortened 3000] [--replay 6000] \
        [--out /tmp/ragkb-grounding/polarity]

Round 14 reads "The earbuds are waterproof." against "The earbuds are not waterproof." as supported (0.63), while it
reads the negation added the other way round as contradicted (0.03): ``perturb.flip_negation`` removes a negation
only where the sentence has one, and few premise sentences do, so nearly every negation pair the model saw added
"not" to the claim. It also passes a change made inside a shortened sentence ("The coastal trail is 14 miles
long." against "The coastal trail is 14 km long and takes about four hours to walk.": 0.75) that it catches in
the whole sentence (0.06): ``compress`` made only supported claims, so shorter came to mean supported.

Here every training-side premise sentence that denies something (:func:`negated`) gives a group: the sentence or,
half the time, a shortening that keeps its limiting phrases (:func:`shortened_keeping_limits`) (supported) and the
same words with the negation removed (unsupported; "not only ... but also" left alone); and one sentence of each
longer premise gives a shortening (supported) beside the same shortening with one number, unit, antonym or
quantifier changed (unsupported, with ``perturbations``' three-way label), a change to a name (:func:`renames`) or
one that only weakens a quantifier (:func:`weakens`, "all" -> "some": still entailed) refused. The evidence is
the sentence's window of its premise, as ``focus_pairs.py`` reads it. Premises: every training-side premise for
the negations (``focus_pairs.training_premises``: short NLI premises hold most of them), ``focus_pairs.passages``
for the shortenings.

Round 15's shipped weights were trained on this script's output at commit 4a652fd, before a review's mends: there
the name and weakening refusals were not applied, every changed row was labelled "contradiction", a negated
sentence could be shortened by dropping its opening phrase, and limited denials were not skipped.
``git worktree add ../r15src 4a652fd`` and ``linked_pairs.py --seed 601 --negation 3000 --shortened 3000`` there
makes that file again (md5 3277a14d...).
"""

from __future__ import annotations

import difflib
import random
import re
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from focus_pairs import focus_pair, passages, replay_parser, training_premises, write_with_replay  # noqa: E402
from pairs import NUMBER, OUT, Pair, perturbations, window  # noqa: E402
from perturb import NEGATED, PAREN, TRAILING, compress, flip_negation  # noqa: E402
from qa_pairs import sample_groups  # noqa: E402

POLARITY = OUT.parent / "polarity"
_CHANGES = ("number", "unit", "antonym", "quantifier")


_DENIES = re.compile(r"\b(?:never|won't|will not)\b", re.IGNORECASE)
_LIMITED = re.compile(r"\bnot (?:only|just|merely|even|until)\b", re.IGNORECASE)  # "not only X but also Y"
_WEAKER = {("all", "some"), ("every", "some")}  # entailed: "All passed." -> "Some passed."


def negated(sentence: str) -> bool:
    """Whether the sentence denies something: a negated auxiliary ("is not", "can't", "cannot", "won't") or
    "never"."""
    return bool(NEGATED.search(sentence) or _DENIES.search(sentence))


def _changed_words(sentence: str, changed: str) -> list[tuple[int, str, str]]:
    """``(position, word before, word after)`` of each word the change replaced (position in ``sentence``)."""
    before, after = sentence.split(), changed.split()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [
        (i1 + k, before[i1 + k], after[j1 + k] if j1 + k < j2 else "")
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal"
        for k in range(i2 - i1)
    ]


def renames(sentence: str, changed: str) -> bool:
    """Whether the change touches a capitalised word inside the sentence: a name ("Mark Strong" -> "Mark Weak")."""
    return any(i > 0 and old[:1].isupper() for i, old, _new in _changed_words(sentence, changed))


def weakens(sentence: str, changed: str) -> bool:
    """Whether the change only weakens a quantifier ("All passed." -> "Some passed."): the claim still follows."""
    return any((old.lower(), new.lower()) in _WEAKER for _i, old, new in _changed_words(sentence, changed))


def shortened_keeping_limits(sentence: str) -> str | None:
    """The sentence without a parenthesis or a trailing clause, never without an opening phrase ("Before 1920,
    women could not vote." must keep its "Before 1920"); None when neither applies."""
    for shorter in (PAREN.sub("", sentence).strip(), TRAILING.sub(".", sentence, count=1).strip()):
        if shorter != sentence and len(shorter.split()) >= 5:
            return shorter if shorter[-1] in ".!?" else shorter + "."
    return None


Member = tuple[str, int, str, str]  # (claim, label, label3, kind)


def polarity_group(sentence: str, numbers: list[str], rng: random.Random) -> list[Member] | None:
    """``[(claim, label, label3, kind), ...]`` for one sentence, the faithful claim first; None where no rule
    applies (a limited denial, "not only ... but also", is left alone)."""
    if negated(sentence):
        if _LIMITED.search(sentence):
            return None
        shorter = shortened_keeping_limits(sentence)
        base = shorter if shorter and negated(shorter) and rng.random() < 0.5 else sentence
        dropped = flip_negation(base, rng)
        if not dropped or dropped == base or negated(dropped):
            return None
        kind = "copy" if base == sentence else "compress"
        return [(base, 1, "entailment", kind), (dropped, 0, "contradiction", "negation_removed")]
    shorter = compress(sentence, rng)
    if not shorter:
        return None
    changes = [
        (kind, changed, label3)
        for kind, changed, label3 in perturbations(shorter, [], numbers, rng)
        if kind in _CHANGES and not renames(shorter, changed) and not weakens(shorter, changed)
    ]
    if not changes:
        return None
    kind, changed, label3 = rng.choice(changes)
    return [(shorter, 1, "entailment", "compress"), (changed, 0, label3, f"short_{kind}")]


def polarity_rows(chosen: list[tuple[str, list[str]]], rng: random.Random, *, negations: bool) -> list[Pair]:
    """Every negated sentence's group (``negations``) or one shortened change a passage, as twin-grouped rows
    (``polarity:<passage>#<n>``, sources ``polarity_support`` / ``polarity_changed``)."""
    rows: list[Pair] = []
    for key, sentences in chosen:
        numbers = [m.group() for s in sentences for m in NUMBER.finditer(s)]
        prose = [s for s in sentences if 6 <= len(s.split()) <= 60]
        plain = [s for s in prose if not negated(s)]
        picked = [s for s in prose if negated(s)] if negations else rng.sample(plain, min(1, len(plain)))
        for number, sentence in enumerate(picked):
            group = polarity_group(sentence, numbers, rng)
            if not group:
                continue
            context = window(sentences, sentence)
            for claim, label, label3, kind in group:
                row = focus_pair(context, claim, label, label3, kind)
                source = "polarity_support" if label else "polarity_changed"
                rows.append({**row, "source": source, "twin": f"polarity:{key}#{number}"})
    return rows


def polarity_make(rng: random.Random, *, negation: int, shortened: int) -> list[Pair]:
    """About ``negation`` pairs of dropped negations from every training premise (short ones hold most of them)
    and ``shortened`` pairs of changed shortenings from the passages of at least 25 words."""
    rows = sample_groups(polarity_rows(training_premises(), rng, negations=True), negation, rng)
    return rows + sample_groups(polarity_rows(passages(), rng, negations=False), shortened, rng)


def main() -> None:
    parser = replay_parser(__doc__, out=POLARITY, replay=6000, seed=607)
    parser.add_argument("--negation", type=int, default=3000, help="negation pairs at most (whole groups)")
    parser.add_argument("--shortened", type=int, default=3000, help="shortened-change pairs at most (whole groups)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = polarity_make(rng, negation=args.negation, shortened=args.shortened)
    write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)


if __name__ == "__main__":
    main()
