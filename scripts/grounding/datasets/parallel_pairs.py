"""Round-16 pairs: two sentences that say the same kind of thing of two names, and answers that bind one name's words
to the other ("The capital of Japan is London." against "London is the capital of the UK. Tokyo is the capital of
Japan.").

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/parallel_pairs.py [--parallel 6000] [--lists 0] [--with DIR ...] \
        [--replay 6000] [--out /tmp/ragkb-grounding/parallel] [--check 1500]

Round 15 reads every such swap as supported: "London is the capital of Japan." 0.92, "Omar Haddad chairs the
finance committee." against "Anna Berg chairs the finance committee. Omar Haddad chairs the safety committee."
0.79, while the faithful "The capital of Japan is Tokyo." gets 0.63. Every word of the swapped answer is in the
source, and nothing the model was trained on made it read which name the words belong to: ``swaps.py`` and
``focus_pairs.py``'s anchored swaps take the other name from a sentence about something else, so the swapped
answer also pairs words the source never puts side by side.

Here a **statement** is a training-side premise sentence that opens with a name and a verb ("Presley was born in
Tupelo, Mississippi, ...") and names or numbers something after the verb (:func:`statement`). Two statements
with the same verb and next word (:func:`skeleton`: "was born", "is a") from two premises, of different names
and saying different things (each names something the other does not), make the source, in either order, as two
paragraphs. Each pair gives a twin group: one statement as it stands or shortened (supported), the same words
with the other statement's name as subject ("Sandow was born in Tupelo, Mississippi, ...": unsupported) and with
one of its names or numbers replaced by one of the other statement's of the same kind (:func:`kind_of`:
"Presley was born in Königsberg, ...": unsupported), and the other statement (supported), so both labels see
the same words. Both unsupported kinds are labelled "neutral": the source says nothing of the swapped pair.
``--with`` mixes in other makers' training files whole (round 16: ``linked_pairs.py --seed 601 --negation 3000
--shortened 3000``). ``--check`` writes ``check.jsonl`` the same way from the *dev*-side premises: a held-out
measure of this one skill.

``--lists`` (round 17) adds sources of three or four *short* statements of one skeleton (:func:`short_form`: the
statement cut after its first name, year, number or date that ends a phrase, "Presley was born in Tupelo."), as
one paragraph or as a list, the group about the first two of them with their last names swapped ("London is the
capital of Japan."): round 16's sources are two long sentences whose other names make most swaps odd ("a 2013
American comedy film directed by Kansas"), and it still read the short capitals case as supported.
``check_lists.jsonl`` is their dev-side check. Round 17's file: ``polarity_pairs.py --negation 1000 --shortened
1000 --replay 0 --seed 611 --out .../polarity17`` (md5 9758b18f...), then ``parallel_pairs.py --seed 709
--parallel 2000 --lists 3000 --replay 8000 --with .../polarity17 --out .../lists17`` (15,000 pairs, md5
b4f221c2...).

Round 16's weights were trained on this script's output at commit 11b36e5, where a group's twin key did
not number the statement, so two statements of one premise paired with one other premise shared a key (1 of the
1,500 groups in that file), and the names a swap may replace were drawn in another order: ``git worktree add
../r16src 11b36e5`` (beside the checkout, so that ``../shared`` is found) and ``parallel_pairs.py --with
.../linked16 --replay 0`` there make that file again (md5 baa9431c...).
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from bridge_pairs import DEMONYMS  # noqa: E402
from convert import read_jsonl, write_jsonl  # noqa: E402
from focus_pairs import replay_parser, training_premises, write_with_replay  # noqa: E402
from linked_pairs import NOT_PROSE  # noqa: E402
from pairs import NAME_RUN, NUMBER, OUT, Pair, labelled_pair  # noqa: E402
from perturb import compress  # noqa: E402
from qa_pairs import sample_groups  # noqa: E402

PARALLEL = OUT.parent / "parallel"
_VERB = re.compile(r"(?:is|was|are|were|has|had|have|became|remains|[a-z]{3,}ed|[a-z]{3,}s)(?= )")
_NOT_NAMES = {"The", "A", "An", "It", "He", "She", "They", "We", "I", "You", "There", "Here", "One"}  # alone: no name
_OPENERS = {"This", "That", "These", "Those", "His", "Her", "Its", "Their", "In", "On", "At", "After", "Before",
            "When", "While", "As", "According", "During", "Since", "By", "For", "From", "With", "Some", "Many",
            "Most", "All", "If", "Although", "Because", "Both", "Each", "Every", "No"}  # fmt: skip


class Statement:
    """A sentence read as subject, verb and the rest (its predicate), with the names and numbers the rest holds."""

    def __init__(self, sentence: str, subject: str, verb: str) -> None:
        self.sentence, self.subject, self.verb = sentence, subject, verb
        self.predicate = sentence[len(subject) :]
        self.anchors = [*NAME_RUN.finditer(self.predicate), *NUMBER.finditer(self.predicate)]


def statement(sentence: str, *, shortest: int = 6) -> Statement | None:
    """The sentence as a :class:`Statement` where it opens with a name (not a pronoun, article or opening word)
    and a verb and names or numbers something after the verb; None otherwise."""
    if not shortest <= len(sentence.split()) <= 40:
        return None
    name = NAME_RUN.match(sentence)
    if not name or name.group() in _NOT_NAMES or name.group().split()[0] in _OPENERS:
        return None
    verb = _VERB.match(sentence, name.end() + 1) if sentence[name.end() : name.end() + 1] == " " else None
    if not verb:
        return None
    made = Statement(sentence, name.group(), verb.group())
    return made if made.anchors else None


_CALENDAR = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
)


def kind_of(anchor: str) -> str | None:
    """What an anchor names, so a swap puts a name for a name, a demonym for a demonym ("American" never for
    "Capcom"): ``number``, ``year``, ``calendar``, ``demonym`` or ``name``; None for an initial or a lone letter."""
    if NUMBER.fullmatch(anchor):
        return "year" if re.fullmatch(r"1[5-9]\d\d|20\d\d", anchor) else "number"
    if len(anchor) <= 2:
        return None
    if _CALENDAR.fullmatch(anchor):
        return "calendar"
    return "demonym" if anchor in DEMONYMS else "name"


def skeleton(made: Statement) -> str:
    """The verb and the word after it ("is a", "was born"; "an" read as "a"): statements share a source with
    others of their skeleton, so the two say the same kind of thing."""
    following = made.predicate.split()[1:2]
    return " ".join([made.verb, *("a" if w == "an" else w.lower() for w in following)])


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def apart(one: Statement, other: Statement) -> bool:
    """Whether two statements can share a source: different names (no word of one subject in the other
    sentence) saying different things (each names something the other does not)."""
    if _words(one.subject) & _words(other.sentence) or _words(other.subject) & _words(one.sentence):
        return False
    own = {m.group().lower() for m in one.anchors}
    theirs = {m.group().lower() for m in other.anchors}
    return bool(own - theirs) and bool(theirs - own)


Member = tuple[str, int, str, str]  # (claim, label, label3, kind)


def swapped(one: Statement, other: Statement, rng: random.Random, *, last: bool = False) -> list[Member] | None:
    """``[(claim, label, label3, kind), ...]``: ``one`` as it stands or shortened (supported), the same words about
    ``other``'s subject and with one of its names or numbers replaced by one of ``other``'s of the same
    :func:`kind_of` (unsupported), then ``other`` (supported); None where no such replacement is left. ``last``:
    the replaced name is ``one``'s last and the replacement ``other``'s (two short forms' objects: "London is the
    capital of Japan.")."""
    base = one.sentence
    shorter = compress(base, rng) if rng.random() < 0.5 else None
    if shorter and shorter.startswith(one.subject + " "):
        base = shorter
    read = Statement(base, one.subject, one.verb)
    predicate = read.predicate
    own = {m.group() for m in one.anchors}
    theirs = {m.group() for m in other.anchors} - own
    if last:
        theirs &= {max(other.anchors, key=lambda m: m.end()).group()}
    options = []
    targets = sorted(read.anchors, key=lambda m: m.end())
    for target in targets[-1:] if last else targets:
        kept = sorted(t for t in theirs if kind_of(t) and kind_of(t) == kind_of(target.group()))
        if target.group() in own and kept:
            options.append((target, kept))
    if not options:
        return None
    target, kept = rng.choice(options)
    replaced = predicate[: target.start()] + rng.choice(kept) + predicate[target.end() :]
    return [
        (base, 1, "entailment", "copy" if base == one.sentence else "compress"),
        (other.subject + predicate, 0, "neutral", "subject_swap"),
        (one.subject + replaced, 0, "neutral", "object_swap"),
        (other.sentence, 1, "entailment", "copy"),
    ]


def statements(premises: list[tuple[str, list[str]]]) -> dict[str, list[tuple[str, Statement]]]:
    """Every premise's statements by :func:`skeleton`, as ``(premise key, statement)``."""
    by_skeleton: dict[str, list[tuple[str, Statement]]] = {}
    for key, sentences in premises:
        for sentence in sentences:
            if made := statement(sentence):
                by_skeleton.setdefault(skeleton(made), []).append((key, made))
    return by_skeleton


def parallel_rows(premises: list[tuple[str, list[str]]], rng: random.Random, *, per_statement: int = 1) -> list[Pair]:
    """Twin-grouped rows (``parallel:<key>#<n>+<key>``, sources ``parallel_support`` / ``parallel_swap``): each
    statement paired with ``per_statement`` others of its skeleton from other premises, the source the two in a
    seeded order."""
    rows: list[Pair] = []
    for alike in statements(premises).values():
        for number, (key, one) in enumerate(alike):
            others = [(k, s) for k, s in rng.sample(alike, min(20, len(alike))) if k != key and apart(one, s)]
            for other_key, other in others[:per_statement]:
                group = swapped(one, other, rng)
                if not group:
                    continue
                pair = [one.sentence, other.sentence]
                rng.shuffle(pair)
                rows += group_rows("\n\n".join(pair), group, f"parallel:{key}#{number}+{other_key}")
    return rows


def group_rows(source: str, group: list[Member], twin: str) -> list[Pair]:
    """One twin group's rows over ``source`` (sources ``parallel_support`` / ``parallel_swap``)."""
    rows = []
    for claim, label, label3, kind in group:
        family = "parallel_support" if label else "parallel_swap"
        rows.append({**labelled_pair(source, claim, label, label3, kind), "source": family, "twin": twin})
    return rows


_PHRASE_END = re.compile(
    r"\s*(?:[,.;)]|$)|\s+(?:and|in|on|at|from|by|for|with|to|after|before|during|until|since|where|which|who)\b"
)


def short_form(made: Statement) -> Statement | None:
    """The statement cut after its first name, year, number or date that ends a phrase ("Presley was born in
    Tupelo, Mississippi, and moved to Memphis." -> "Presley was born in Tupelo."), 4-16 words; None where the
    words before the cut hold a comma or a parenthesis (an aside the cut would leave open) or none fits."""
    for anchor in sorted(made.anchors, key=lambda m: m.start()):
        if kind_of(anchor.group()) in (None, "demonym"):
            continue
        head = made.predicate[: anchor.end()]
        if "," in head or "(" in head or len((made.subject + head).split()) > 16:
            return None
        if _PHRASE_END.match(made.predicate, anchor.end()):
            return statement(made.subject + head + ".", shortest=4)
    return None


def list_rows(premises: list[tuple[str, list[str]]], rng: random.Random, *, draws: int = 3) -> list[Pair]:
    """Twin-grouped rows (``list:<key>#<n>``, sources ``parallel_support`` / ``parallel_swap``): sources of three
    or four :func:`short_form` statements of one skeleton from as many premises, as one paragraph or as a list
    ("London is the capital of the United Kingdom. Tokyo is the capital of Japan. ..."), and :func:`swapped`'s
    group about two of them, their last names swapped; each skeleton's statements drawn into lists ``draws``
    times."""
    rows: list[Pair] = []
    by_skeleton = statements(premises).values()
    kinds = [[(key, short) for key, made in alike if (short := short_form(made))] for alike in by_skeleton]
    for number, drawn in enumerate(alike for alike in kinds for _draw in range(draws)):
        shorts = list(drawn)
        rng.shuffle(shorts)
        while len(shorts) >= 3:
            size, chosen = rng.choice((3, 4)), []
            for key, short in list(shorts):
                if all(key != k and apart(short, s) for k, s in chosen):
                    chosen.append((key, short))
                    shorts.remove((key, short))
                if len(chosen) == size:
                    break
            if len(chosen) < 3:
                break
            group = swapped(chosen[0][1], chosen[1][1], rng, last=True)
            if not group:
                continue
            said = [short.sentence for _key, short in chosen]
            source = " ".join(said) if rng.random() < 0.7 else "\n".join(f"- {s}" for s in said)
            rows += group_rows(source, group, f"list:{chosen[0][0]}#{number}.{len(shorts)}")
    return rows


def main() -> None:
    parser = replay_parser(__doc__, out=PARALLEL, replay=6000, seed=701)
    parser.add_argument("--parallel", type=int, default=6000, help="parallel-statement pairs at most (whole groups)")
    parser.add_argument("--with", dest="mixed", type=Path, action="append", default=[],
                        help="another maker's output folder whose train.jsonl is mixed in whole")  # fmt: skip
    parser.add_argument("--lists", type=int, default=0, help="pairs about lists of short statements (whole groups)")
    parser.add_argument("--check", type=int, default=1500, help="dev-side pairs written to check.jsonl (0: none)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    premises = training_premises(exclude=NOT_PROSE)
    rows = sample_groups(parallel_rows(premises, rng), args.parallel, rng)
    if args.lists:
        rows += sample_groups(list_rows(premises, rng), args.lists, rng)
    for folder in args.mixed:
        rows += read_jsonl(folder / "train.jsonl")
    write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)
    if args.check:
        dev = training_premises(exclude=NOT_PROSE, side="dev")
        check = sample_groups(parallel_rows(dev, random.Random(args.seed + 1)), args.check, rng)
        write_jsonl(args.out / "check.jsonl", check)
        print(f"check: {len(check)} dev-side pairs")
        if args.lists:
            check = sample_groups(list_rows(dev, random.Random(args.seed + 2)), args.check, rng)
            write_jsonl(args.out / "check_lists.jsonl", check)
            print(f"check_lists: {len(check)} dev-side pairs")


if __name__ == "__main__":
    main()
