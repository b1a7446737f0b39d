"""FactCC-style synthetic grounding data: real sentences, kept or compressed (grounded) or perturbed (ungrounded).

    .venv/bin/python scripts/grounding/datasets/perturb.py [--docs 1500] [--out /tmp/ragkb-grounding/data]

Passages come from SciFact abstracts (split 80/20 by document id) and from prose in a few
docs-corpus files (some files train, others eval). For each passage, sentences are turned into
answers, half grounded, half not, each tagged with its ``kind``:

grounded:   ``copy`` (a source sentence), ``compress`` (parenthesis, opening phrase, appositive or a
            trailing clause removed), ``frame`` ("According to the text, ..."), ``multi`` (two or
            three sentences, possibly compressed), ``cloze`` (a question made by blanking a name
            or number, answered with it: a short answer)
ungrounded: ``entity`` (a name replaced by one from the passage or another document), ``number``
            (changed), ``negation`` (inserted or removed), ``antonym`` (increase/decrease ...),
            ``pronoun`` (he/she), ``other_doc`` (the most similar sentence of another document),
            ``addition`` (a true clause plus one from another document), ``multi_bad`` (a
            multi-sentence answer with one perturbed sentence), ``cloze_bad`` (the wrong short answer)

Every perturbation is checked to change the text; a passage that offers none is skipped.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import Example, bucket, generator_parser, read_jsonl, write_splits  # noqa: E402

from grounding.lexical import DIRECTIONAL_ANTONYMS as ANTONYMS  # noqa: E402  (the pairs this set was made with)
from grounding.lexical import STOPWORDS, content_stems  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

DOCS_TRAIN = ("norwich-city.txt", "example-10k.html", "handbook-872p.docx", "book-war-and-peace-1225p.txt")
DOCS_EVAL = ("pdf/layout-parser-paper-fast.pdf", "pdf/multi-column-2p.pdf", "pdf/a1977-backus-p21.pdf")
NAME_RUN = re.compile(r"(?<![\w-])[A-Z][\w'-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'-]*)*")
NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")
_AUX = re.compile(r"\b(is|are|was|were|can|could|will|would|should|has|have|had|does|did|do|may|might|must)\b")
NEGATED = re.compile(
    r"\b(?:(is|are|was|were|can|could|will|would|should|has|have|had|does|did|do)(?: not|n't)|cannot)\b"
)
_PRONOUNS = {"he": "she", "she": "he", "his": "her", "him": "her", "her": "his", "He": "She", "She": "He",
             "His": "Her", "Her": "His"}  # fmt: skip
PAREN = re.compile(r"\s*\([^()]{1,120}\)")
_OPENING = re.compile(r"^(?:In|On|At|By|For|During|After|Before|Since|Among|Using|With|Although|While)\b[^,]{2,80},\s+")
TRAILING = re.compile(r",\s+(?:which|and|but|while|whereas|as|although|with|including|suggesting)\b.*$")
_APPOSITIVE = re.compile(r",\s+[^,]{3,60},\s+")


def passages_scifact(shared: Path, split: str, limit: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """``(id, title, sentences)`` of SciFact abstracts in ``split`` (buckets 0-79 train, 80-99 eval)."""
    docs = read_jsonl(shared / "scifact" / "corpus.jsonl")
    chosen = [d for d in docs if (bucket("sf:" + d["_id"]) < 80) == (split == "train")]
    rng.shuffle(chosen)
    out = []
    for doc in chosen[:limit]:
        sentences = [s for s in split_sentences(doc["text"]) if 6 <= len(s.split()) <= 60]
        if len(sentences) >= 3:
            out.append((f"scifact-{doc['_id']}", doc["title"], sentences))
    return out


def passages_docs(shared: Path, split: str, per_file: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """Passages of 8 prose sentences from docs-corpus files (parsed with ingest's parsers)."""
    from ingest.parsers import parse_file

    out = []
    for name in DOCS_TRAIN if split == "train" else DOCS_EVAL:
        document = parse_file(shared / "docs-corpus" / "unstructured" / name)
        text = "\n\n".join(block.text for block in document.blocks if block.kind == "text")[:400_000]
        prose = [s for s in split_sentences(text) if 8 <= len(s.split()) <= 60 and _is_prose(s)]
        runs = [prose[i : i + 8] for i in range(0, len(prose) - 7, 8)]
        rng.shuffle(runs)
        out.extend((f"docs-{Path(name).stem}-{i}", "", run) for i, run in enumerate(runs[:per_file]))
    return out


def _is_prose(sentence: str) -> bool:
    letters = sum(c.isalpha() for c in sentence)
    return letters >= 0.7 * len(sentence) and sentence[-1:] in ".!?\"'”" and "..." not in sentence


# --- perturbations: each returns the changed sentence, or None when it does not apply -----------------


def swap_entity(sentence: str, pool: list[str], rng: random.Random) -> str | None:
    runs = [m for m in NAME_RUN.finditer(sentence) if m.start() > 0]
    if not runs:
        return None
    target = rng.choice(runs)
    options = [p for p in pool if p.lower() != target.group().lower() and p not in sentence]
    if not options:
        return None
    return sentence[: target.start()] + rng.choice(options) + sentence[target.end() :]


def change_number(sentence: str, passage_numbers: list[str], rng: random.Random) -> str | None:
    found = list(NUMBER.finditer(sentence))
    if not found:
        return None
    target = rng.choice(found)
    old = target.group()
    others = [n for n in passage_numbers if n != old]
    if others and rng.random() < 0.4:
        new = rng.choice(others)
    else:
        value = float(old.replace(",", ""))
        decimals = len(old.partition(".")[2])
        if decimals == 0 and 1800 <= value <= 2030:
            new_value = value + rng.choice([-1, 1]) * rng.randint(1, 12)
        elif decimals == 0:
            new_value = max(0, value + rng.choice([-1, 1]) * max(1, round(abs(value) * rng.uniform(0.1, 0.6))))
        else:
            new_value = value * rng.choice([rng.uniform(0.4, 0.9), rng.uniform(1.1, 2.0)])
        new = f"{new_value:,.{decimals}f}" if "," in old else f"{new_value:.{decimals}f}"
    return None if new == old else sentence[: target.start()] + new + sentence[target.end() :]


def flip_negation(sentence: str, rng: random.Random) -> str | None:
    negated = NEGATED.search(sentence)
    if negated:
        aux = negated.group(1) or "can"
        return sentence[: negated.start()] + aux + sentence[negated.end() :]
    if " never " in sentence:
        return sentence.replace(" never ", " always ", 1)
    aux = _AUX.search(sentence)
    if aux is None:
        return None
    return sentence[: aux.end()] + " not" + sentence[aux.end() :]


def swap_antonym(sentence: str, rng: random.Random) -> str | None:
    tokens = list(re.finditer(r"[A-Za-z]+", sentence))
    candidates = [t for t in tokens if t.group().lower() in ANTONYMS]
    if not candidates:
        return None
    target = rng.choice(candidates)
    new = rng.choice(sorted(ANTONYMS[target.group().lower()]))
    new = new.capitalize() if target.group()[0].isupper() else new
    return sentence[: target.start()] + new + sentence[target.end() :]


def swap_pronoun(sentence: str, rng: random.Random) -> str | None:
    tokens = [t for t in re.finditer(r"\b\w+\b", sentence) if t.group() in _PRONOUNS]
    if not tokens:
        return None
    target = rng.choice(tokens)
    return sentence[: target.start()] + _PRONOUNS[target.group()] + sentence[target.end() :]


def compress(sentence: str, rng: random.Random) -> str | None:
    """A shorter sentence that says nothing new (drops a parenthesis, an opening phrase, an
    appositive or a trailing clause); None when nothing can be dropped."""
    options: list[Callable[[str], str]] = [
        lambda s: PAREN.sub("", s),
        lambda s: _capitalise(_OPENING.sub("", s, count=1)),
        lambda s: TRAILING.sub(".", s, count=1),
        lambda s: _APPOSITIVE.sub(" ", s, count=1),
    ]
    rng.shuffle(options)
    for option in options:
        shorter = option(sentence).strip()
        if shorter != sentence and len(shorter.split()) >= 5:
            return shorter if shorter[-1] in ".!?" else shorter + "."
    return None


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- examples -----------------------------------------------------------------------------------------


def examples_for(
    pid: str,
    title: str,
    sentences: list[str],
    *,
    other: Callable[[set[str]], str],
    names: list[str],
    rng: random.Random,
) -> Iterator[Example]:
    """About four grounded and four ungrounded answers for one passage."""
    source = " ".join(sentences)
    query = title or "What does the document say?"
    passage_names = [m.group() for s in sentences for m in NAME_RUN.finditer(s) if m.start() > 0]
    passage_numbers = [m.group() for s in sentences for m in NUMBER.finditer(s)]
    pool = passage_names + names if rng.random() < 0.5 else names
    stems = content_stems(source)

    def make(kind: str, answer: str | None, label: str, q: str = query) -> Example | None:
        if not answer or (answer.strip() in sentences and label == "ungrounded"):
            return None
        return {"id": f"{pid}-{kind}-{rng.randrange(10**9)}", "sources": [source], "query": q,
                "answer": answer, "label": label, "kind": kind}  # fmt: skip

    def perturb(sentence: str) -> tuple[str, str | None]:
        kinds: list[tuple[str, Callable[[], str | None]]] = [
            ("entity", lambda: swap_entity(sentence, pool, rng)),
            ("number", lambda: change_number(sentence, passage_numbers, rng)),
            ("negation", lambda: flip_negation(sentence, rng)),
            ("antonym", lambda: swap_antonym(sentence, rng)),
            ("pronoun", lambda: swap_pronoun(sentence, rng)),
        ]
        rng.shuffle(kinds)
        if rng.random() < 0.6:  # negation applies to almost every sentence; let the rarer kinds go first
            kinds.sort(key=lambda item: item[0] == "negation")
        for kind, function in kinds:
            changed = function()
            if changed and changed != sentence:
                return kind, changed
        return "other_doc", other(stems)

    picks = rng.sample(sentences, min(len(sentences), 4))
    grounded: list[Example | None] = []
    ungrounded: list[Example | None] = []
    for sentence in picks:
        kind = rng.choice(["copy", "compress", "compress", "frame", "multi", "cloze"])
        if kind == "compress":
            grounded.append(make("compress", compress(sentence, rng) or sentence, "grounded"))
        elif kind == "frame" and sentence.split()[0].lower() in STOPWORDS:
            grounded.append(make("frame", "According to the text, " + sentence[0].lower() + sentence[1:], "grounded"))
        elif kind == "multi":
            start = rng.randrange(max(1, len(sentences) - 2))
            chosen = [compress(s, rng) or s if rng.random() < 0.5 else s for s in sentences[start : start + 3]]
            grounded.append(make("multi", " ".join(chosen[: rng.choice([2, 3])]), "grounded"))
        elif kind == "cloze":
            grounded.append(_cloze(sentence, make, rng, pool, wrong=False))
        else:
            grounded.append(make("copy", sentence, "grounded"))
    for sentence in picks:
        roll = rng.random()
        if roll < 0.6:
            kind, changed = perturb(sentence)
            base = compress(changed, rng) if changed and rng.random() < 0.3 else changed
            ungrounded.append(make(kind, base or changed, "ungrounded"))
        elif roll < 0.7:
            ungrounded.append(
                make("addition", sentence.rstrip(".") + ", and " + _lower_first(other(stems)), "ungrounded")
            )
        elif roll < 0.85:
            start = rng.randrange(max(1, len(sentences) - 2))
            chosen = sentences[start : start + rng.choice([2, 3])]
            bad = rng.randrange(len(chosen))
            _, changed = perturb(chosen[bad])
            if changed:
                chosen = [*chosen[:bad], changed, *chosen[bad + 1 :]]
                ungrounded.append(make("multi_bad", " ".join(chosen), "ungrounded"))
        else:
            ungrounded.append(_cloze(sentence, make, rng, pool, wrong=True))
    yield from (e for e in grounded + ungrounded if e is not None)


def _cloze(sentence: str, make: Callable[..., Example | None], rng: random.Random, pool: list[str], *, wrong: bool):
    """A question made by blanking a name or number of ``sentence``, with the right or a wrong answer."""
    spans = [m for m in NAME_RUN.finditer(sentence) if m.start() > 0] + list(NUMBER.finditer(sentence))
    spans = [m for m in spans if len(m.group().split()) <= 4]
    if not spans:
        return None
    target = rng.choice(spans)
    is_number = target.group()[0].isdigit()
    question = sentence[: target.start()] + ("what number" if is_number else "what") + sentence[target.end() :]
    question = question.rstrip(" .") + "?"
    answer = target.group()
    if wrong:
        changed = change_number(answer, [], rng) if is_number else swap_entity("x " + answer, pool, rng)
        answer = (changed or "").removeprefix("x ")
        if not answer or answer == target.group():
            return None
    return make("cloze_bad" if wrong else "cloze", answer, "ungrounded" if wrong else "grounded", question)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if first.isupper() or (NAME_RUN.fullmatch(first) and first not in ("The", "A", "In", "This")) else (
        text[:1].lower() + text[1:])  # fmt: skip


def build(shared: Path, split: str, *, docs: int, seed: int) -> list[Example]:
    rng = random.Random(f"{seed}-{split}")
    passages = passages_scifact(shared, split, docs, rng) + passages_docs(shared, split, docs // 10, rng)
    names = sorted({m.group() for _, _, ss in passages for s in ss for m in NAME_RUN.finditer(s) if m.start() > 0})
    index = [(pid, s, content_stems(s)) for pid, _, ss in passages for s in ss]

    examples = []
    for pid, title, sentences in passages:

        def other(stems: set[str], pid: str = pid) -> str:
            # The most similar of 40 random sentences from other passages: topical, not supported.
            sample = [rng.choice(index) for _ in range(40)]
            candidates = [(len(stems & s), text) for p, text, s in sample if p != pid]
            return max(candidates)[1]

        examples.extend(examples_for(pid, title, sentences, other=other, names=names, rng=rng))
    return examples


def main() -> None:
    parser = generator_parser(__doc__, 13)
    parser.add_argument("--docs", type=int, default=1500, help="SciFact abstracts for training (a quarter for eval)")
    args = parser.parse_args()
    docs = {"train": args.docs, "eval": args.docs // 4}
    write_splits(args.out, "synthetic", lambda split: build(args.shared, split, docs=docs[split], seed=args.seed))


if __name__ == "__main__":
    main()
