"""Round-10 pairs: short answers read with their question, as twins, beside round 9's twins and more replay.

    .venv/bin/python scripts/grounding/datasets/pairs.py          # first: the round-1 pairs, replayed here
    .venv/bin/python scripts/grounding/datasets/qa_pairs.py [--twins 15000] [--replay 25000] \
        [--out /tmp/ragkb-grounding/qa]
    nice .venv/bin/python scripts/grounding/train_crossencoder.py --pairs /tmp/ragkb-grounding/qa --twin-weight 1 ...

A short answer ("Delhi", "Mumbai, the financial capital") is checked as ``"<question> <answer>"``
(:func:`grounding.claims.split_claims`), a shape no earlier round trained on: on HaluEval, where 561 of 1,000
answers are short, v2's AUROC is 0.65 against v1's 0.96. Here a question is made from a training premise's
sentence by blanking one name or number of it ("The Oberoi Group is a hotel company with its head office in
what?"; a name that opens the sentence becomes "What ..."), and each question gives a twin group: the blanked
words as the answer (supported), another name or number of the same premise (the wrong one of two that both
occur, as HaluEval's "First for Women was started first"), and a name or number from another premise or a
changed number (a plausible answer the source does not hold). The claim text is exactly what
``split_claims`` makes of the question and answer, and the evidence what v2 reads for it at run time
(``twin_pairs.evidence_read``), with 2 of 5 inputs made long by distractor sources.

Beside them: a seeded sample of round 9's twin groups (``twin_pairs.twin_rows``, made afresh with this seed) and
of ``pairs.py``'s training pairs, the replay larger than round 9's share so the real sets are kept. Premises and
split are ``focus_pairs.py``'s (the pack's training side only).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from focus_pairs import focus_pair, passages, replay_parser, write_with_replay  # noqa: E402
from pairs import NAME_RUN, NUMBER, OUT, Pair  # noqa: E402
from perturb import change_number  # noqa: E402
from twin_pairs import LONG_SHARE, evidence_read, twin_rows  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.features import Lexicon  # noqa: E402
from grounding.lexical import STOPWORDS  # noqa: E402
from grounding.scorer import load_lexicon  # noqa: E402

QA = OUT.parent / "qa"
_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")
Groups = list[tuple[str, list[str], list[int]]]  # (question, answers, labels): the right answer first


def question_for(sentence: str, span: re.Match[str]) -> str:
    """The sentence as a question about ``span``: the span blanked by a wh-phrase, or "What ..." for an opener."""
    text = span.group()
    word = "what year" if _YEAR.match(text) else "how many" if text[0].isdigit() else "what"
    if span.start() == 0:
        rest = sentence[span.end() :].rstrip(" .")
        return "What" + rest + "?" if rest.startswith(" ") else ""
    return (sentence[: span.start()] + word + sentence[span.end() :]).rstrip(" .") + "?"


def answerable(span: re.Match[str]) -> bool:
    """A name or number to ask about: at most four words, not a lone function word ("At", "While"), and not one
    of a pair ("Harry and Marv") or the head of a clause ("Kevin, ...") when it opens the sentence."""
    words = span.group().split()
    if len(words) > 4 or (len(words) == 1 and words[0].lower() in STOPWORDS):
        return False
    after = span.string[span.end() :].lstrip()
    return span.start() > 0 or not (after.startswith(("and ", "or ", ",", "'")) or not after)


def qa_groups(sentences: list[str], pool: list[str], rng: random.Random) -> Groups:
    """Up to two ``(question, answers, labels)`` groups of a passage: the right answer first, then wrong ones."""
    names = sorted({m.group() for s in sentences for m in NAME_RUN.finditer(s) if len(m.group().split()) <= 4})
    numbers = sorted({m.group() for s in sentences for m in NUMBER.finditer(s)})
    prose = [s for s in sentences if 6 <= len(s.split()) <= 35]
    groups = []
    for sentence in rng.sample(prose, min(2, len(prose))):
        spans = [m for m in list(NAME_RUN.finditer(sentence)) + list(NUMBER.finditer(sentence)) if answerable(m)]
        if not spans:
            continue
        span = rng.choice(spans)
        question = question_for(sentence, span)
        if not question:
            continue
        wrong = wrong_answers(span.group(), sentence, sentences, same_kind=(names, numbers), pool=pool, rng=rng)
        if wrong:
            groups.append((question, [span.group(), *wrong], [1] + [0] * len(wrong)))
    return groups


def wrong_answers(
    right: str, sentence: str, sentences: list[str], *, same_kind: tuple[list[str], list[str]], pool: list[str],
    rng: random.Random,
) -> list[str]:  # fmt: skip
    """Wrong answers to a question about ``right``: another name or number of the passage, then a name from
    another passage or a changed number that the passage does not hold."""
    names, numbers = same_kind
    same = numbers if right[0].isdigit() else names
    inside = [o for o in same if o != right and o not in right and right not in o]
    wrong = [rng.choice(inside)] if inside else []
    if right[0].isdigit():
        changed = change_number(right, [], rng)
        if changed and changed != right and changed not in sentence:
            wrong.append(changed)
    else:
        outside = rng.choice(pool)
        if outside.lower() not in " ".join(sentences).lower():
            wrong.append(outside)
    return wrong


def qa_rows(
    chosen: list[tuple[str, list[str]]], rng: random.Random, lexicon: Lexicon, *,
    groups_of: Callable[[list[str], list[str], random.Random], Groups] | None = None, prefix: str = "qa",
) -> list[Pair]:  # fmt: skip
    """Each passage's question groups (``groups_of``: :func:`qa_groups` unless given) as rows of pairs: the
    claim ``split_claims`` makes of question and answer, the evidence v2 reads for it, one twin group each
    (keyed ``<prefix>:<passage>#<n>``, so two makers' groups of one passage stay apart; sources
    ``<prefix>_support`` and ``<prefix>_changed``)."""
    groups_of = groups_of or qa_groups
    pool = sorted({m.group() for _k, ss in chosen for s in ss for m in NAME_RUN.finditer(s) if m.start() > 0})
    pool = [name for name in pool if len(name.split()) <= 3]
    others = [sentences for _key, sentences in chosen]
    rows: list[Pair] = []
    for key, sentences in chosen:
        groups = groups_of(sentences, pool, rng)
        if not groups:
            continue
        sources = [" ".join(sentences)]
        if rng.random() < LONG_SHARE:
            before, after = (" ".join(rng.choice(others)) for _ in range(2))
            sources = [before, sources[0], after]
        claims = []
        for question, answers, _labels in groups:
            for answer in answers:
                split, _abstained = split_claims(answer, query=question)
                assert len(split) == 1 and split[0].text.startswith(" ".join(question.split())), (question, answer)
                claims.append(split[0].text)
        evidence = iter(evidence_read(sources, claims, lexicon))
        texts = iter(claims)
        for number, (_question, _answers, labels) in enumerate(groups):
            for label in labels:
                kind = "qa_answer" if label else "qa_wrong_answer"
                row = focus_pair(next(evidence), next(texts), label, "entailment" if label else "contradiction", kind)
                twin = f"{prefix}:{key}#{number}"
                rows.append({**row, "source": f"{prefix}_support" if label else f"{prefix}_changed", "twin": twin,
                             "long": len(sources) > 1})  # fmt: skip
    return rows


def answer_reading(row: Pair) -> Pair:
    """A question row (window, ``"<question> <answer>"``) in the reading that takes the question as given:
    (``"<question> <window>"``, ``"<answer>"``), a twin group of its own (docs/grounding-v2-rounds.md, round 13)."""
    cut = row["claim"].rindex("?") + 1
    question, answer = row["claim"][:cut], row["claim"][cut:].strip()
    return {**row, "premise": f"{question} {row['premise']}", "claim": answer, "twin": f"{row['twin']}:answer"}


def sample_groups(rows: list[Pair], count: int, rng: random.Random) -> list[Pair]:
    """Whole twin groups, in a seeded order, until about ``count`` rows."""
    keys = sorted({row["twin"] for row in rows})
    rng.shuffle(keys)
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["twin"]] = sizes.get(row["twin"], 0) + 1
    chosen: set[str] = set()
    total = 0
    for key in keys:
        if total >= count:
            break
        chosen.add(key)
        total += sizes[key]
    return [row for row in rows if row["twin"] in chosen]


def main() -> None:
    parser = replay_parser(__doc__, out=QA, replay=25000, seed=101)
    parser.add_argument("--qa", type=int, default=16000, help="question-and-answer pairs (whole groups)")
    parser.add_argument("--twins", type=int, default=15000, help="round 9's twin pairs (whole groups)")
    parser.add_argument(
        "--answer-reading", action="store_true",
        help="add every question row again with the answer alone read against question and window (round 13)",
    )  # fmt: skip
    args = parser.parse_args()
    rng = random.Random(args.seed)
    chosen = passages()
    lexicon = load_lexicon()
    rows = sample_groups(qa_rows(chosen, rng, lexicon), args.qa, rng)
    if args.answer_reading:
        rows += [answer_reading(row) for row in rows]
    if args.twins:  # --twins 0: none made (round 13's data draws nothing for them)
        rows += sample_groups(twin_rows(chosen, rng, lexicon), args.twins, rng)
    rows = write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)
    print(f"{len({r['twin'] for r in rows if 'twin' in r})} twin groups")


if __name__ == "__main__":
    main()
