"""The cross-encoder's training and dev pairs: the shared grounding pack plus rule-made pairs.

    .venv/bin/python scripts/grounding/datasets/pairs.py [--out /tmp/ragkb-grounding/pairs]

Writes ``train.jsonl`` and ``dev.jsonl``, one pair a line::

    {"task": "grounding", "premise", "claim", "label": 1|0, "label3": "entailment"|"neutral"|"contradiction"|null,
     "source", "kind"}
    {"task": "relevance", "premise": <query>, "claim": <answer>, "label": 1|0, "source", "kind"}

What goes in (counts are printed; ``docs/grounding.md`` has the data card):

- **The pack** (``../shared/train/grounding``, 11 sets), detokenised (``-LRB-``, `` `` ``, spaces before
  punctuation: a model must not learn the tokenised style as a label). Long premises (SummEdits, WiCE full
  articles) are cut to the window of about 180 words that overlaps the claim most, as the checker does at run
  time; WiCE supported rows keep a window holding their annotated support.
- **Rule-made pairs** over pack premises and SciFact training abstracts: a premise sentence (kept, or shortened
  without adding anything) is supported; the same sentence with a name swapped for another name *of the same
  premise* (the "who is the capital of what" case), a number, date or unit changed, a negation added or
  removed, an antonym or attribute flipped (paid/unpaid ...), or a quantifier changed (all/some/never) is not.
- **Support removed**: WiCE supported rows with every annotated supporting sentence deleted (unsupported).
- **Packed premises**: a short gold premise placed among distractor sentences from other premises (same label),
  so the model learns to find support inside a longer window.
- **Relevance** (``task: relevance``): TREC-QA's labelled train split; BEGIN dialogue turns (a response that
  answers its message is relevant, a "Generic" one is not); and questions paired with the answer to another
  question (not relevant).

Dev: every set is split by premise (MD5 bucket of the normalised premise, or of SummEdits' document and WiCE's
claim), 6 % of premises to dev, so no dev premise is seen in training.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import bucket, write_jsonl  # noqa: E402
from perturb import (  # noqa: E402
    NAME_RUN,
    NUMBER,
    change_number,
    compress,
    flip_negation,
    passages_scifact,
    swap_antonym,
    swap_entity,
)

from grounding.lexical import STOPWORDS  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

PACK = ROOT.parent / "shared" / "train" / "grounding"
EVAL = ROOT.parent / "shared" / "eval"
OUT = Path("/tmp/ragkb-grounding/pairs")
DEV_PERCENT = 6
WINDOW_WORDS = 180
Pair = dict[str, Any]

_DETOK = [
    (re.compile(r"-LRB-"), "("), (re.compile(r"-RRB-"), ")"), (re.compile(r"-LSB-"), "["), (re.compile(r"-RSB-"), "]"),
    (re.compile(r"``\s*"), '"'), (re.compile(r"\s*''"), '"'), (re.compile(r"\(\s+"), "("), (re.compile(r"\s+\)"), ")"),
    (re.compile(r"\s+([.,;:!?%])"), r"\1"), (re.compile(r"\s+('s|'re|'ve|'ll|'d|'m|n't)\b"), r"\1"),
    (re.compile(r"\$\s+(?=\d)"), "$"), (re.compile(r"\s{2,}"), " "),
]  # fmt: skip

# Attribute and quantifier flips the pack rarely shows (the antonym list in grounding/lexical covers the rest).
_FLIPS = {
    "paid": "unpaid", "unpaid": "paid", "legal": "illegal", "illegal": "legal", "possible": "impossible",
    "impossible": "possible", "allowed": "forbidden", "forbidden": "allowed", "permitted": "prohibited",
    "prohibited": "permitted", "required": "optional", "mandatory": "optional", "optional": "mandatory",
    "public": "private", "private": "public", "full-time": "part-time", "part-time": "full-time",
    "included": "excluded", "excluded": "included", "before": "after", "after": "before", "above": "below",
    "below": "above", "north": "south", "south": "north", "east": "west", "west": "east", "male": "female",
    "female": "male", "first": "last", "last": "first", "earliest": "latest", "latest": "earliest",
    "married": "divorced", "won": "lost", "lost": "won", "accepted": "rejected", "rejected": "accepted",
    "open": "closed", "closed": "open", "internal": "external", "external": "internal",
}  # fmt: skip
_QUANTIFIERS = {
    "all": "some", "some": "all", "always": "never", "never": "always", "every": "some", "none": "all",
    "most": "few", "many": "few", "few": "many", "often": "rarely", "rarely": "often", "usually": "rarely",
    "only": "also", "both": "neither", "each": "no",
}  # fmt: skip
_UNITS = {
    "km": "miles", "miles": "km", "kg": "lb", "lb": "kg", "°C": "°F", "°F": "°C", "percent": "percentage points",
    "million": "billion", "billion": "million", "thousand": "million", "days": "weeks", "weeks": "months",
    "months": "years", "years": "months", "hours": "minutes", "minutes": "hours", "meters": "feet", "feet": "meters",
}  # fmt: skip


def detok(text: str) -> str:
    """Undo PTB-style tokenisation (``-LRB-``, `` `` ``, ``word ,``)."""
    for pattern, replacement in _DETOK:
        text = pattern.sub(replacement, text)
    return text.strip()


def read_pack(name: str) -> Iterator[dict[str, Any]]:
    with gzip.open(PACK / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def split_of(key: str) -> str:
    return "dev" if bucket("pair:" + key) < DEV_PERCENT else "train"


def premise_key(row: dict[str, Any]) -> str:
    if row["source"] == "summedits":
        return "summedits:" + row["orig_id"].rsplit("_", 1)[0]
    if row["source"] == "wice":
        return "wice:" + row["orig_id"]
    return " ".join(detok(row["premise"]).lower().split())


def window(sentences: list[str], claim: str, *, must: set[int] | None = None, words: int = WINDOW_WORDS) -> str:
    """The run of sentences (at most ``words`` words) around the one sharing most words with ``claim``."""
    if sum(len(s.split()) for s in sentences) <= words:
        return " ".join(sentences)
    wanted = {w.lower() for w in re.findall(r"\w{3,}", claim)}
    overlap = [len(wanted & {w.lower() for w in re.findall(r"\w{3,}", s)}) for s in sentences]
    centre = min(must) if must else max(range(len(sentences)), key=overlap.__getitem__)
    start = end = centre
    total = len(sentences[centre].split())
    while True:  # grow towards the side that shares more words, keeping every required sentence
        options = [i for i in (start - 1, end + 1) if 0 <= i < len(sentences)]
        if must:
            missing = [i for i in must if not start <= i <= end]
            options = [i for i in options if not missing or min(abs(i - m) for m in missing) < abs(start - end) + 2]
        options = [i for i in options if total + len(sentences[i].split()) <= words]
        if not options:
            break
        grow = max(options, key=lambda i: overlap[i])
        total += len(sentences[grow].split())
        start, end = min(start, grow), max(end, grow)
    return " ".join(sentences[start : end + 1])


def pack_pairs() -> Iterator[tuple[str, Pair]]:
    """``(split, pair)`` for every grounding row of the pack (long premises windowed)."""
    for path in sorted(PACK.glob("*.jsonl.gz")):
        name = path.name.removesuffix(".jsonl.gz")
        if name == "trecqa":
            continue
        for row in read_pack(name):
            claim = detok(row["hypothesis"])
            if name == "wice":
                sentences = [detok(s) for s in row["premise_sentences"]]
                must = set(row["supporting_sentences"][0]) if row["label"] == "supported" else None
                premise = window(sentences, claim, must=must)
            elif len(row["premise"].split()) > WINDOW_WORDS:
                premise = window(split_sentences(detok(row["premise"])), claim)
            else:
                premise = detok(row["premise"])
            group = premise_key(row)
            yield split_of(group), {
                "task": "grounding", "premise": premise, "claim": claim, "label": int(row["label"] == "supported"),
                "label3": row["label3"], "source": name, "kind": "pack", "group": group,
            }  # fmt: skip


def support_removed() -> Iterator[tuple[str, Pair]]:
    """WiCE supported rows with every annotated supporting sentence deleted."""
    for row in read_pack("wice"):
        if row["label"] != "supported":
            continue
        drop = {i for group in row["supporting_sentences"] for i in group}
        kept = [detok(s) for i, s in enumerate(row["premise_sentences"]) if i not in drop]
        if len(kept) >= 2:
            claim = detok(row["hypothesis"])
            yield split_of(premise_key(row)), {
                "task": "grounding", "premise": window(kept, claim), "claim": claim, "label": 0, "label3": "neutral",
                "source": "wice", "kind": "support_removed",
            }  # fmt: skip


def _swap_word(sentence: str, table: dict[str, str], rng: random.Random) -> str | None:
    found = [m for m in re.finditer(r"[A-Za-z°][\w-]*", sentence) if m.group().lower() in table or m.group() in table]
    if not found:
        return None
    target = rng.choice(found)
    word = target.group()
    new = table.get(word) or table[word.lower()]
    new = new.capitalize() if word[0].isupper() and not new[0].isupper() else new
    return sentence[: target.start()] + new + sentence[target.end() :]


def _relation_swap(sentence: str, names: list[str], rng: random.Random) -> str | None:
    """Swap two names of the sentence, or replace one by another name of the same premise."""
    runs = [m for m in NAME_RUN.finditer(sentence) if m.start() > 0 or len(m.group().split()) > 1]
    distinct = {m.group() for m in runs}
    if len(distinct) >= 2 and rng.random() < 0.5:
        first, second = rng.sample(sorted(distinct), 2)
        return sentence.replace(first, "\0").replace(second, first).replace("\0", second)
    return swap_entity(sentence, [n for n in names if n not in sentence], rng) if names else None


def perturbations(
    sentence: str, names: list[str], numbers: list[str], rng: random.Random
) -> list[tuple[str, str, str]]:
    """``(kind, changed sentence, label3)`` for each rule that applies and changes the sentence."""
    rules = {
        "relation_swap": (lambda: _relation_swap(sentence, names, rng), "contradiction"),
        "number": (lambda: change_number(sentence, numbers, rng), "contradiction"),
        "negation": (lambda: flip_negation(sentence, rng), "contradiction"),
        "antonym": (lambda: swap_antonym(sentence, rng) or _swap_word(sentence, _FLIPS, rng), "contradiction"),
        "quantifier": (lambda: _swap_word(sentence, _QUANTIFIERS, rng), "neutral"),
        "unit": (lambda: _swap_word(sentence, _UNITS, rng), "contradiction"),
    }
    out = []
    for kind, (rule, label3) in rules.items():
        changed = rule()
        if changed and changed.strip() != sentence.strip():
            out.append((kind, changed, label3))
    return out


def rule_pairs(passages: list[tuple[str, list[str]]], rng: random.Random) -> Iterator[tuple[str, Pair]]:
    """Supported copies and shortenings of premise sentences, and their perturbed (unsupported) twins.

    Besides the in-premise rules of ``perturbations``, a twin may bring in something from *another* premise of
    the same split: a name (``entity``), a clause appended with ", and" (``addition``) or a whole sentence that
    shares words with the kept one (``other_doc``); these are what copied-looking hallucinations are made of.
    """
    prose_of = {key: [s for s in sentences if 6 <= len(s.split()) <= 60] for key, sentences in passages}
    foreign: dict[str, tuple[list[str], list[str]]] = {}  # split -> (names, sentences) of other premises
    for key, sentences in passages:
        names_here = [n for s in sentences for m in NAME_RUN.finditer(s) if m.start() > 0 and _is_name(n := m.group())]
        pool = foreign.setdefault(split_of(key), ([], []))
        pool[0].extend(names_here[:3])
        pool[1].extend(prose_of[key][:3])
    for key, sentences in passages:
        prose = prose_of[key]
        if not prose:
            continue
        names = sorted({m.group() for s in sentences for m in NAME_RUN.finditer(s) if m.start() > 0})
        numbers = [m.group() for s in sentences for m in NUMBER.finditer(s)]
        split = split_of(key)
        for sentence in rng.sample(prose, min(3, len(prose))):
            context = window(sentences, sentence)
            positive = compress(sentence, rng) if rng.random() < 0.4 else None
            kind = "compress" if positive else "copy"
            yield split, labelled_pair(context, positive or sentence, 1, "entailment", kind)
            options = perturbations(sentence, names, numbers, rng) + foreign_twins(sentence, *foreign[split], rng)
            options = [o for o in options if o[1].strip() not in (s.strip() for s in sentences)]
            swaps = [o for o in options if o[0] == "relation_swap"]
            if options:  # the relation swap ("who is the capital of what") first a third of the time: rarest, hardest
                kind, changed, label3 = swaps[0] if swaps and rng.random() < 0.35 else rng.choice(options)
                yield split, labelled_pair(context, changed, 0, label3, kind)


def _is_name(text: str) -> bool:
    return len(text) >= 3 and "'" not in text and text.lower() not in STOPWORDS


def foreign_twins(sentence: str, names: list[str], others: list[str], rng: random.Random) -> list[tuple[str, str, str]]:
    """``(kind, changed sentence, label3)`` that add something found only in other premises."""
    out = []
    entity = swap_entity(sentence, rng.sample(names, min(50, len(names))), rng) if names else None
    if entity:
        out.append(("entity", entity, "neutral"))
    if others:
        words = {w.lower() for w in re.findall(r"\w{4,}", sentence)}
        candidates = rng.sample(others, min(30, len(others)))
        near = max(candidates, key=lambda s: len(words & {w.lower() for w in re.findall(r"\w{4,}", s)}))
        if near.strip() != sentence.strip():
            out.append(("other_doc", near, "neutral"))
        clause = rng.choice(candidates).rstrip(".!?")
        out.append(("addition", sentence.rstrip(".!?") + ", and " + clause[:1].lower() + clause[1:] + ".", "neutral"))
    return out


# Each family of rule-made pairs is its own source, so the per-source weight cap treats it like a pack set.
_RULE_FAMILY = {"copy": "rules_support", "compress": "rules_support", "relation_swap": "rules_swap",
                "entity": "rules_swap", "addition": "rules_added", "other_doc": "rules_added"}  # fmt: skip


def labelled_pair(premise: str, claim: str, label: int, label3: str, kind: str) -> Pair:
    return {"task": "grounding", "premise": premise, "claim": claim, "label": label, "label3": label3,
            "source": _RULE_FAMILY.get(kind, "rules_changed"), "kind": kind}  # fmt: skip


def packed(pairs: list[tuple[str, Pair]], rng: random.Random, count: int) -> Iterator[tuple[str, Pair]]:
    """Short gold premises placed among 3-8 distractor sentences taken from other premises of the same split."""
    short = [(s, p) for s, p in pairs if p["kind"] == "pack" and len(p["premise"].split()) <= 40]
    pool: dict[str, list[str]] = {}
    for split, pair in short:
        pool.setdefault(split, []).extend(split_sentences(pair["premise"]))
    for split, pair in rng.sample(short, min(count, len(short))):
        distractors = rng.sample(pool[split], rng.randint(3, 8))
        position = rng.randint(0, len(distractors))
        sentences = [*distractors[:position], pair["premise"], *distractors[position:]]
        yield split, {**pair, "premise": window(sentences, pair["claim"]), "kind": "packed"}


def relevance_pairs(rng: random.Random) -> Iterator[tuple[str, Pair]]:
    """Question/answer relevance: TREC-QA, BEGIN turns (Generic = not relevant), and mismatched answers."""
    rows = list(read_pack("trecqa"))
    answers = [detok(r["answer"]) for r in rows if r["relevant"]]
    for row in rows:
        split = "dev" if row["orig_split"] == "dev" else "train"
        query = detok(row["question"])
        yield split, _relevance(query, detok(row["answer"]), int(row["relevant"]), "trecqa")
        if row["relevant"]:
            yield split, _relevance(query, rng.choice(answers), 0, "trecqa_mismatch")
    turns = [r for r in read_pack("begin") if r.get("message")]
    responses = [detok(r["hypothesis"]) for r in turns]
    for row in turns:
        split = split_of(premise_key(row))
        message = detok(row["message"])
        yield split, _relevance(message, detok(row["hypothesis"]), int(row["label_orig"] != "Generic"), "begin")
        if rng.random() < 0.3:
            yield split, _relevance(message, rng.choice(responses), 0, "begin_mismatch")


def _relevance(query: str, answer: str, label: int, kind: str) -> Pair:
    return {"task": "relevance", "premise": query, "claim": answer, "label": label, "label3": None,
            "source": kind.split("_")[0], "kind": kind}  # fmt: skip


def build(seed: int = 13) -> dict[str, list[Pair]]:
    rng = random.Random(seed)
    pairs = list(pack_pairs())
    pairs += list(support_removed())
    passages = [
        (p["group"], split_sentences(p["premise"]))
        for _, p in pairs if p["kind"] == "pack" and len(p["premise"].split()) >= 25
    ]  # fmt: skip
    passages += [(f"scifact:{pid}", sentences) for pid, _, sentences in passages_scifact(EVAL, "train", 2500, rng)]
    rng.shuffle(passages)
    pairs += list(rule_pairs(passages[:14000], rng))
    pairs += list(packed(pairs, rng, 6000))
    pairs += list(relevance_pairs(rng))
    out: dict[str, list[Pair]] = {"train": [], "dev": []}
    seen: set[tuple[str, str, str]] = set()
    for split, pair in pairs:
        key = (pair["task"], pair["premise"], pair["claim"])
        if key not in seen and pair["premise"] and pair["claim"]:
            seen.add(key)
            out[split].append(pair)
    for rows in out.values():
        rng.shuffle(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    splits = build(args.seed)
    for split, rows in splits.items():
        write_jsonl(args.out / f"{split}.jsonl", rows)
        counts: dict[str, int] = {}
        for row in rows:
            name = f"{row['task']}:{row['source']}:{row['kind']}:{row['label']}"
            counts[name] = counts.get(name, 0) + 1
        print(f"{split}: {len(rows)} pairs")
        for name, count in sorted(counts.items()):
            print(f"  {count:7d}  {name}")
    (args.out / "counts.json").write_text(json.dumps({s: len(r) for s, r in splits.items()}) + "\n")


if __name__ == "__main__":
    main()
