"""Relation swaps: a sentence with two names or numbers gets one of them replaced by a name or number that
occurs elsewhere in the same passage ("The capital of Japan is London." against "London is the capital of the
UK. Tokyo is the capital of Japan."), and the unchanged sentence as its faithful twin.

    .venv/bin/python scripts/grounding/datasets/swaps.py [--docs 1500] [--out /tmp/ragkb-grounding/data]

Passages are ``perturb.py``'s (SciFact abstracts split 80/20 by document id, docs-corpus files split by
file), drawn with another seed, so the two files share sources but not examples. ``perturb.py``'s
``entity`` kind swaps a name too, but in most sentences the swapped name is the only one, so nothing in
the sentence pairs it with another: here every answer keeps at least one other name or number of its
sentence beside the swapped one. Kinds: ``relation_swap`` (ungrounded) and ``anchored_copy`` (grounded:
the original sentence, or its compressed form).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import Example, generator_parser, write_splits  # noqa: E402
from perturb import NAME_RUN, NUMBER, compress, passages_docs, passages_scifact  # noqa: E402

SEED = 29


def _anchors(sentence: str) -> list[re.Match[str]]:
    """Name runs (not opening the sentence) and numbers of a sentence."""
    spans = [m for m in NAME_RUN.finditer(sentence) if m.start() > 0] + list(NUMBER.finditer(sentence))
    return sorted(spans, key=lambda m: m.start())


def swap_in_passage(sentences: list[str], rng: random.Random) -> tuple[str, str] | None:
    """``(original, swapped)`` for one sentence of the passage holding two anchors, or None."""
    order = list(range(len(sentences)))
    rng.shuffle(order)
    for index in order:
        sentence = sentences[index]
        anchors = _anchors(sentence)
        if len(anchors) < 2:
            continue
        target = rng.choice(anchors)
        numeric = target.group()[0].isdigit()
        pattern = NUMBER if numeric else NAME_RUN
        elsewhere = {
            m.group()
            for other, text in enumerate(sentences)
            if other != index
            for m in pattern.finditer(text)
            if (numeric or m.start() > 0) and m.group().lower() not in sentence.lower()
        }
        if elsewhere:
            replacement = rng.choice(sorted(elsewhere))
            return sentence, sentence[: target.start()] + replacement + sentence[target.end() :]
    return None


def build(shared: Path, split: str, *, docs: int, seed: int) -> list[Example]:
    rng = random.Random(f"{seed}-{split}-swaps")
    passages = passages_scifact(shared, split, docs, rng) + passages_docs(shared, split, docs // 10, rng)
    examples: list[Example] = []
    for pid, title, sentences in passages:
        found = swap_in_passage(sentences, rng)
        if found is None:
            continue
        original, swapped = found
        faithful = compress(original, rng) if rng.random() < 0.3 else None
        answers = (("anchored_copy", faithful or original, "grounded"), ("relation_swap", swapped, "ungrounded"))
        examples.extend(twin_examples(pid, title, sentences, answers, rng))
    return examples


def twin_examples(
    pid: str, title: str, sentences: list[str], answers: Iterable[tuple[str, str, str]], rng: random.Random
) -> list[Example]:
    """One example a ``(kind, answer, label)`` over the whole passage, its title the query (also
    ``quantity_pairs.py``'s)."""
    source, query = " ".join(sentences), title or "What does the document say?"
    return [
        {"id": f"{pid}-{kind}-{rng.randrange(10**9)}", "sources": [source], "query": query, "answer": answer,
         "label": label, "kind": kind}
        for kind, answer, label in answers
    ]  # fmt: skip


def main() -> None:
    parser = generator_parser(__doc__, SEED)
    parser.add_argument("--docs", type=int, default=1500, help="SciFact abstracts for training (a quarter for eval)")
    args = parser.parse_args()
    docs = {"train": args.docs, "eval": args.docs // 4}
    write_splits(args.out, "swaps", lambda split: build(args.shared, split, docs=docs[split], seed=args.seed))


if __name__ == "__main__":
    main()
