"""Round-15 pairs: negations the answer drops, and changes inside shortened sentences, each beside its faithful twin.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/polarity_pairs.py [--polarity 6000] [--replay 6000] \
        [--out /tmp/ragkb-grounding/polarity]

Round 14 reads "The earbuds are waterproof." against "The earbuds are not waterproof." as supported (0.63), while it
reads the negation added the other way round as contradicted (0.03): ``perturb.flip_negation`` removes a negation
only where the sentence has one, and few premise sentences do, so nearly every negation pair the model saw added
"not" to the claim. It also passes a change made inside a shortened sentence ("The coastal trail is 14 miles
long." against "The coastal trail is 14 km long and takes about four hours to walk.": 0.75) that it catches in
the whole sentence (0.06): ``compress`` made only supported claims, so shorter came to mean supported.

Here every training-side premise sentence that holds a negation ("not", "n't", "cannot", "never") gives a group:
the sentence or a shortening of it (supported) and the sentence with its negation removed, shortened the same way
where it can be (unsupported); and other sentences give a shortening (supported) beside the same shortening with
one number, unit, antonym or quantifier changed (unsupported). The evidence is the sentence's window of its
premise, as ``focus_pairs.py`` reads it. Premises: ``focus_pairs.passages`` (the pack's training side).
"""

from __future__ import annotations

import difflib
import random
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from focus_pairs import _pair, passages, replay_parser, training_premises, write_with_replay  # noqa: E402
from pairs import NUMBER, OUT, Pair, perturbations, window  # noqa: E402
from perturb import _NEGATED, compress, flip_negation  # noqa: E402
from qa_pairs import sample_groups  # noqa: E402

POLARITY = OUT.parent / "polarity"
_CHANGES = ("number", "unit", "antonym", "quantifier")


def negated(sentence: str) -> bool:
    """Whether the sentence denies something: a negated auxiliary ("is not", "can't", "cannot") or "never"."""
    return bool(_NEGATED.search(sentence)) or " never " in sentence


def renames(sentence: str, changed: str) -> bool:
    """Whether the change touches a capitalised word inside the sentence: a name ("Mark Strong" -> "Mark Weak")."""
    before, after = sentence.split(), changed.split()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    touched = [i for op, i1, i2, _j1, _j2 in matcher.get_opcodes() if op != "equal" for i in range(i1, i2)]
    return any(i > 0 and before[i][:1].isupper() for i in touched)


def polarity_group(sentence: str, numbers: list[str], rng: random.Random) -> list[tuple[str, int, str]] | None:
    """``[(claim, label, kind), ...]`` for one sentence, the faithful claim first; None where no rule applies."""
    shorter = compress(sentence, rng)
    if negated(sentence):
        base = shorter if shorter and negated(shorter) and rng.random() < 0.5 else sentence
        dropped = flip_negation(base, rng)
        if not dropped or dropped == base or negated(dropped):
            return None
        return [(base, 1, "copy" if base == sentence else "compress"), (dropped, 0, "negation_removed")]
    if not shorter:
        return None
    changes = [
        (kind, changed) for kind, changed, _label3 in perturbations(shorter, [], numbers, rng) if kind in _CHANGES
    ]
    if not changes:
        return None
    kind, changed = rng.choice(changes)
    return [(shorter, 1, "compress"), (changed, 0, f"short_{kind}")]


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
            for claim, label, kind in group:
                label3 = "entailment" if label else "contradiction"
                row = _pair(context, claim, label, label3, kind)
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
