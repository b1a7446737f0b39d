"""Round-14 pairs: two-hop questions, whose premises the answer does not restate, read with their answer.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/bridge_pairs.py [--bridge 6000] [--qa 2000] [--replay 6000] \
        [--out /tmp/ragkb-grounding/bridge]

HaluEval's grounded short answers read low with round 12 (mean P(supported) 0.34, against 0.88 for its grounded
sentences; docs/grounding-v2.md): its questions are two-hop ("The Oberoi family is part of a hotel company that
has a head office in what city?"), joining two sentences of the knowledge through a bridge name, or name things
the knowledge does not hold at all, and ``qa_pairs.py``'s one-hop questions never taught the model to take a
question's premises as given. Here a passage sentence that opens with a name and says what it is ("Fight Club is a
1999 American film directed by David Fincher.") becomes a relative clause on that name in a question made from
another sentence of the same passage that names it ("What played Tyler Durden in Fight Club, which is a 1999
American film directed by David Fincher, alongside Edward Norton?", ``qa_pairs.question_for``'s blanking): both
sentences in the source, as in HotpotQA. In ``--unheld`` of the groups the clause's predicate comes from another
passage's sentence instead ("..., which was founded in 1934, ..."): a premise the source does not hold (it may even
contradict it: "which is a 2005 novel"), the answer still the source's, so still labelled supported. Each question
is a twin group as in ``qa_pairs.py``: the right answer (supported), another name or number of the passage and one
it does not hold (unsupported).

Round 14's shipped weights were trained on this script's output at commit 8c756ee (its groups keyed as one-hop
ones, a demonym rule that also refused names such as "Delhi", a name matched inside a longer one, the borrowed
clause's own who / which), mended since: ``scripts/grounding/datasets/`` as of that commit (``git worktree add``)
makes those files again (md5 7f2af726... and ba754733...).

Beside them: ``qa_pairs.py``'s one-hop groups and a replay of ``pairs.py``'s training pairs. Premises are the pack's
training side only (``focus_pairs.passages``).
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from focus_pairs import passages, replay_parser, write_with_replay  # noqa: E402
from pairs import NAME_RUN, NUMBER, OUT, Pair  # noqa: E402
from qa_pairs import Groups, answerable, qa_rows, question_for, sample_groups, wrong_answers  # noqa: E402

from grounding.features import Lexicon  # noqa: E402
from grounding.lexical import STOPWORDS  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

BRIDGE = OUT.parent / "bridge"
PERSON = re.compile(
    r"\b(born|actor|actress|singer|songwriter|writer|author|poet|politician|player|footballer|director|musician|"
    r"rapper|painter|composer|journalist|businessman|businesswoman|scientist|comedian|producer|model)\b"
)
DEMONYMS = frozenset(
    [
        "American",
        "British",
        "English",
        "French",
        "German",
        "Indian",
        "Chinese",
        "Japanese",
        "Canadian",
        "Australian",
        "Italian",
        "Spanish",
        "Russian",
        "European",
        "African",
        "Asian",
        "Mexican",
        "Irish",
        "Scottish",
        "Welsh",
        "Korean",
        "Dutch",
        "Swedish",
        "Greek",
        "Polish",
        "Brazilian",
    ]
)  # a demonym alone is an adjective of the sentence, not an answer ("is an what political thriller")
PREDICATE = re.compile(r"^((is|was|are|were) (a|an|the)|was born)\b")
ASIDE = re.compile(r"\s*\([^()]*\)|,\s*(?:also|better)? ?known as [^,]*,")


def clause_of(
    sentence: str, *, name_words: int = 4, clause_words: int = 18, asides: bool = False, any_length: bool = False
) -> tuple[str, str] | None:
    """``(name, relative clause)`` of a sentence that opens with a name of at most ``name_words`` words and says
    what it is or when it was born, in 3 to ``clause_words`` words: "Deadpool 2 is a 2018 film." -> ("Deadpool
    2", "which is a 2018 film"). ``asides``: parentheses and "also known as" asides dropped first, as Wikipedia's
    opening sentences carry them; ``any_length``: a clause of any length (to see every thing a name is said to be)."""
    plain = ASIDE.sub("", sentence) if asides else sentence
    match = NAME_RUN.match(plain)
    if not match or len(match.group().split()) > name_words or match.group().lower() in STOPWORDS:
        return None
    rest = plain[match.end() :].strip().rstrip(".").strip()
    words = rest.split()
    if not PREDICATE.match(rest):
        return None
    if not any_length and (not 3 <= len(words) <= clause_words or ";" in rest or "?" in rest):
        return None
    pronoun = "who" if PERSON.search(" ".join(words[:8])) else "which"
    return match.group(), f"{pronoun} {rest}"


def name_in(text: str, name: str) -> re.Match[str] | None:
    """The first place ``text`` names ``name`` as a whole name: not a word of a longer one ("Washington" in
    "the Washington Post")."""
    for found in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        before, after = text[: found.start()], text[found.end() :]
        if not re.search(r"[A-Z][\w'-]*\s$", before) and not re.match(r"\s[A-Z]", after):
            return found
    return None


def with_clause(question: str, name: str, clause: str) -> str:
    """The question with ``, <clause>,`` after the first place it names ``name`` ("," dropped before "?")."""
    found = name_in(question, name)
    if not found or question[: found.start()].count('"') % 2:  # not inside a quoted title
        return ""
    after = question[found.end() :]
    if after.startswith(("'", "\u2019")):  # a possessive: no clause between name and 's
        return ""
    joint = f", {clause}" if after.startswith(("?", ",")) else f", {clause},"
    return question[: found.end()] + joint + after


def _askable(span: re.Match[str], name: str) -> bool:
    """A span to ask about beside the bridge ``name``: :func:`qa_pairs.answerable`, apart from the name, not
    an opener or a demonym alone ("Describing", "American"), not the first part of "Rock and Roll"."""
    text, after = span.group(), span.string[span.end() :]
    if not answerable(span) or name in text or text in name:
        return False
    if text[0].isdigit():
        return True
    one = len(text.split()) == 1
    return not (one and (span.start() == 0 or text in DEMONYMS)) and not re.match(r"\s*(and|&)\s+[A-Z]", after)


def bridge_groups(
    sentences: list[str], pool: list[str], rng: random.Random, *, foreign: list[tuple[str, str]], unheld: float,
    define: Callable[[str], tuple[str, str] | None] = clause_of, only: str | None = None,
) -> Groups:  # fmt: skip
    """Up to two two-hop ``(question, answers, labels)`` groups of a passage (none where no sentence opens with
    a name another sentence names): the right answer first, then wrong ones. ``define`` reads a sentence's
    ``(name, clause)`` (:func:`clause_of` unless given); ``only``: bridges through this name alone."""
    names = sorted({m.group() for s in sentences for m in NAME_RUN.finditer(s) if len(m.group().split()) <= 4})
    numbers = sorted({m.group() for s in sentences for m in NUMBER.finditer(s)})
    clauses = [define(s) for s in sentences]
    openers = Counter(clause[0] for clause in clauses if clause)
    options = []
    for first, clause in zip(sentences, clauses, strict=True):
        # "Frozen is a 1997 film. Frozen is a 2013 film.": which one?
        if not clause or openers[clause[0]] > 1 or (only and clause[0] != only):
            continue
        for second in sentences:
            if second != first and 6 <= len(second.split()) <= 35 and name_in(second, clause[0]):
                options.append((clause, second))
    groups: Groups = []
    for (name, clause), sentence in rng.sample(options, min(2, len(options))):
        spans = [m for m in list(NAME_RUN.finditer(sentence)) + list(NUMBER.finditer(sentence)) if _askable(m, name)]
        if not spans:
            continue
        span = rng.choice(spans)
        if foreign and rng.random() < unheld:  # the other passage's predicate, with this name's who / which
            clause = clause.split(" ", 1)[0] + " " + rng.choice(foreign)[1].split(" ", 1)[1]
        question = with_clause(question_for(sentence, span), name, clause)
        wrong = wrong_answers(span.group(), sentence, sentences, same_kind=(names, numbers), pool=pool, rng=rng)
        if question and wrong:
            groups.append((question, [span.group(), *wrong], [1] + [0] * len(wrong)))
    return groups


def one_premise_rows(rng: random.Random, lexicon: Lexicon, *, bridge: int, qa: int, unheld: float) -> list[Pair]:
    """About ``bridge`` pairs of two-hop questions within one premise (``unheld`` of them with another passage's
    clause) and ``qa`` of ``qa_pairs.py``'s one-hop ones, whole groups, over ``focus_pairs.passages``."""
    chosen = passages()
    foreign = [clause for _key, sentences in chosen for s in sentences if (clause := clause_of(s))]
    make = partial(bridge_groups, foreign=foreign, unheld=unheld)
    rows = sample_groups(qa_rows(chosen, rng, lexicon, groups_of=make, prefix="bridge"), bridge, rng)
    return rows + sample_groups(qa_rows(chosen, rng, lexicon), qa, rng)


def main() -> None:
    parser = replay_parser(__doc__, out=BRIDGE, replay=6000, seed=307)
    parser.add_argument("--bridge", type=int, default=6000, help="two-hop question pairs at most (whole groups)")
    parser.add_argument("--unheld", type=float, default=0.3, help="share of them whose clause the source lacks")
    parser.add_argument("--qa", type=int, default=2000, help="qa_pairs.py's one-hop question pairs (whole groups)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = one_premise_rows(rng, load_lexicon(), bridge=args.bridge, qa=args.qa, unheld=args.unheld)
    rows = write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)
    print(f"{len({r['twin'] for r in rows if 'twin' in r})} twin groups")


if __name__ == "__main__":
    main()
