"""Round-16 pairs: two sentences that say the same kind of thing of two names, and answers that bind one name's words
to the other ("The capital of Japan is London." against "London is the capital of the UK. Tokyo is the capital of
Japan.").

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/parallel_pairs.py [--parallel 6000] [--with DIR ...] [--replay 6000] \
        [--out /tmp/ragkb-grounding/parallel] [--check 1500]

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

Round 16's shipped weights were trained on this script's output at commit 11b36e5, where a group's twin key did
not number the statement, so two statements of one premise paired with one other premise shared a key (1 of the
1,500 groups in that file): ``git worktree add ../r16src 11b36e5`` (beside the checkout, so that ``../shared``
is found) and ``parallel_pairs.py --with .../linked16 --replay 0`` there make that file again (md5 baa9431c...).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from bridge_pairs import DEMONYMS  # noqa: E402
from convert import write_jsonl  # noqa: E402
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
        self.anchors = [m for m in (*NAME_RUN.finditer(self.predicate), *NUMBER.finditer(self.predicate))]


def statement(sentence: str) -> Statement | None:
    """The sentence as a :class:`Statement` where it opens with a name (not a pronoun, article or opening word)
    and a verb and names or numbers something after the verb; None otherwise."""
    if not 6 <= len(sentence.split()) <= 40:
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


def swapped(one: Statement, other: Statement, rng: random.Random) -> list[Member] | None:
    """``[(claim, label, label3, kind), ...]``: ``one`` as it stands or shortened (supported), the same words about
    ``other``'s subject and with one of its names or numbers replaced by one of ``other``'s of the same
    :func:`kind_of` (unsupported), then ``other`` (supported); None where no such replacement is left."""
    base = one.sentence
    shorter = compress(base, rng) if rng.random() < 0.5 else None
    if shorter and shorter.startswith(one.subject + " "):
        base = shorter
    predicate = base[len(one.subject) :]
    own = {m.group() for m in one.anchors}
    theirs = {m.group() for m in other.anchors} - own
    options = []
    for target in (*NAME_RUN.finditer(predicate), *NUMBER.finditer(predicate)):
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
                source = "\n\n".join(pair)
                for claim, label, label3, kind in group:
                    row = labelled_pair(source, claim, label, label3, kind)
                    family = "parallel_support" if label else "parallel_swap"
                    rows.append({**row, "source": family, "twin": f"parallel:{key}#{number}+{other_key}"})
    return rows


def main() -> None:
    parser = replay_parser(__doc__, out=PARALLEL, replay=6000, seed=701)
    parser.add_argument("--parallel", type=int, default=6000, help="parallel-statement pairs at most (whole groups)")
    parser.add_argument("--with", dest="mixed", type=Path, action="append", default=[],
                        help="another maker's output folder whose train.jsonl is mixed in whole")  # fmt: skip
    parser.add_argument("--check", type=int, default=1500, help="dev-side pairs written to check.jsonl (0: none)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = sample_groups(parallel_rows(training_premises(exclude=NOT_PROSE), rng), args.parallel, rng)
    for folder in args.mixed:
        with (folder / "train.jsonl").open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle]
    write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)
    if args.check:
        held = parallel_rows(training_premises(exclude=NOT_PROSE, side="dev"), random.Random(args.seed + 1))
        check = sample_groups(held, args.check, rng)
        write_jsonl(args.out / "check.jsonl", check)
        print(f"check: {len(check)} dev-side pairs")


if __name__ == "__main__":
    main()
