"""Answers of 1, 2, 4 and 8 sentences, to measure how often each length is flagged (issue: a faithful answer of
eight claims must pass as often as a one-sentence one).

    .venv/bin/python scripts/grounding/datasets/long_answers.py [--passages 150] [--out /tmp/ragkb-grounding/data]

From ``perturb.py``'s passages of each split (SciFact abstracts by document id, docs-corpus files by file), drawn
with their own seed: for each passage and length ``n``, a grounded answer of ``n`` consecutive source sentences
(each kept or compressed) and an ungrounded one where one of those sentences is perturbed as ``perturb.py`` does
(entity, number, negation, antonym, pronoun). Kinds are ``faithful_<n>`` and ``one_false_<n>``. Nothing is trained
on either file: ``train.py`` uses ``long_answers.train`` (training passages) to choose whether the answer score is
adjusted for length, and reports ``long_answers.eval`` (held-out passages).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import Example, generator_parser, write_splits  # noqa: E402
from perturb import (  # noqa: E402
    NAME_RUN,
    NUMBER,
    change_number,
    compress,
    flip_negation,
    passages_docs,
    passages_scifact,
    swap_antonym,
    swap_entity,
    swap_pronoun,
)

SEED = 31
LENGTHS = (1, 2, 4, 8)


def perturbed(sentence: str, passage: list[str], rng: random.Random) -> str | None:
    """``sentence`` changed by the first perturbation that applies (in random order), or None."""
    names = [m.group() for s in passage for m in NAME_RUN.finditer(s) if m.start() > 0]
    numbers = [m.group() for s in passage for m in NUMBER.finditer(s)]
    options = [
        lambda: swap_entity(sentence, names, rng),
        lambda: change_number(sentence, numbers, rng),
        lambda: flip_negation(sentence, rng),
        lambda: swap_antonym(sentence, rng),
        lambda: swap_pronoun(sentence, rng),
    ]
    rng.shuffle(options)
    for option in options:
        changed = option()
        if changed and changed != sentence:
            return changed
    return None


def build(shared: Path, split: str, *, passages: int, seed: int) -> list[Example]:
    rng = random.Random(f"{seed}-long-answers" if split == "eval" else f"{seed}-long-answers-{split}")
    chosen = passages_scifact(shared, split, passages, rng) + passages_docs(shared, split, passages // 10, rng)
    examples: list[Example] = []
    for pid, title, sentences in chosen:
        source, query = " ".join(sentences), title or "What does the document say?"
        for n in LENGTHS:
            if len(sentences) < n:
                continue
            start = rng.randrange(len(sentences) - n + 1)
            kept = [compress(s, rng) or s if rng.random() < 0.3 else s for s in sentences[start : start + n]]
            bad = rng.randrange(n)
            changed = perturbed(sentences[start + bad], sentences, rng)
            answers = [(f"faithful_{n}", " ".join(kept), "grounded")]
            if changed:
                answers.append((f"one_false_{n}", " ".join([*kept[:bad], changed, *kept[bad + 1 :]]), "ungrounded"))
            for kind, answer, label in answers:
                row = {"id": f"{pid}-{kind}", "sources": [source], "query": query, "answer": answer, "label": label}
                examples.append({**row, "kind": kind})
    return examples


def main() -> None:
    parser = generator_parser(__doc__, SEED)
    parser.add_argument("--passages", type=int, default=150, help="SciFact eval abstracts (a tenth as many docs runs)")
    args = parser.parse_args()

    def rows_of(split: str) -> list[Example]:
        return build(args.shared, split, passages=args.passages, seed=args.seed)

    write_splits(args.out, "long_answers", rows_of)


if __name__ == "__main__":
    main()
