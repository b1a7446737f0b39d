"""Query/answer pairs for the relevance model: does the answer address the query?

    .venv/bin/python scripts/grounding/datasets/relevance_pairs.py [--out /tmp/ragkb-grounding/data]

Lines look like the grounding files with ``label`` ``relevant`` / ``irrelevant``.

- ``relevance.train``: from CLIMATE-FEVER *train* claims (a claim and its SUPPORTS/REFUTES evidence
  sentence are relevant; the evidence under the most word-similar other claim is not), and from
  the synthetic *train* cloze questions (the blanked sentence or the blanked span answers the
  question; another sentence of the same passage does not; nor does the sentence when a name in
  the question is swapped for another, Bedrock's "capital of Japan" vs "the UK" case).
- ``relevance_dialogue.train``: FaithDial *train* responses with the previous turn they answer
  (relevant, whatever their grounding label) and with the most word-similar other turn (irrelevant);
  turns with no history are skipped.
- ``relevance_trecqa.train`` / ``.eval``: TREC-QA answer selection (``../shared/train/grounding/
  trecqa.jsonl.gz``; train = its train split, eval = its dev and test splits, disjoint questions): a
  candidate sentence that answers the question is relevant, one that does not (most are on the
  question's topic) is not. The corpus's tokenisation (``-LRB-``, ``word ,``) is undone.
- ``relevance_generic.train`` / ``.eval``: BEGIN's dialogue responses labelled "Generic" ("haha",
  "i agree.": they address nothing) are irrelevant to the turn before them; as many "Fully
  attributable" responses, with their turn, are relevant. Split in two halves by a hash of the id.
- ``relevance_halueval.eval`` (held out): each HaluEval question with its own right and hallucinated
  answers (relevant: both address it, one wrongly) and with the answers of the most word-similar
  other question (irrelevant).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[3]), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import OUT, SHARED, Example, read_jsonl, write_jsonl  # noqa: E402
from pairs import detok, read_pack  # noqa: E402

from grounding.lexical import content_stems  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

_NAME_RUN = re.compile(r"(?<![\w-])[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")


def _most_similar(stems: set[str], pool: list[tuple[str, set[str]]], rng: random.Random, exclude: str) -> str:
    sample = [rng.choice(pool) for _ in range(60)]
    scored = [(len(stems & other_stems), key) for key, other_stems in sample if key != exclude]
    return max(scored)[1]


def from_climate_fever(data: Path, rng: random.Random) -> Iterator[Example]:
    rows = [r for r in read_jsonl(data / "climate_fever.train.jsonl")]
    evidence_of: dict[str, list[str]] = {}
    for row in rows:
        if row["label"] == "grounded" or rng.random() < 0.3:  # SUPPORTS, and some REFUTES / NEI
            evidence_of.setdefault(row["query"], []).append(row["sources"][0])
    pool = [(claim, content_stems(claim)) for claim in evidence_of]
    for number, (claim, evidences) in enumerate(evidence_of.items()):
        other = _most_similar(content_stems(claim), pool, rng, claim)
        answer = rng.choice(evidences)
        yield _pair(f"cf-{number}-rel", claim, answer, "relevant")
        yield _pair(f"cf-{number}-irr", other, answer, "irrelevant")


def from_cloze(data: Path, rng: random.Random) -> Iterator[Example]:
    rows = [r for r in read_jsonl(data / "synthetic.train.jsonl") if r["kind"] == "cloze"]
    names = sorted({m.group() for r in rows for m in _NAME_RUN.finditer(r["query"]) if m.start() > 0})
    for number, row in enumerate(rows):
        question, span = row["query"], row["answer"]
        sentences = split_sentences(row["sources"][0])
        full = next((s for s in sentences if span in s and s.startswith(question[:15])), None)
        if full is None:
            continue
        yield _pair(f"cloze-{number}-span", question, span, "relevant")
        yield _pair(f"cloze-{number}-full", question, full, "relevant")
        unrelated = [s for s in sentences if span not in s and s != full]
        if unrelated:
            yield _pair(f"cloze-{number}-other", question, rng.choice(unrelated), "irrelevant")
        runs = [m for m in _NAME_RUN.finditer(question) if m.start() > 0]
        if runs and names:
            target = rng.choice(runs)
            swapped = question[: target.start()] + rng.choice(names) + question[target.end() :]
            if swapped != question:
                yield _pair(f"cloze-{number}-swap", swapped, full, "irrelevant")


def from_faithdial(data: Path, rng: random.Random) -> Iterator[Example]:
    rows = [r for r in read_jsonl(data / "faithdial.train.jsonl") if r["query"] != "Tell me about this."]
    pool = [(r["query"], content_stems(r["query"])) for r in rows]
    for number, row in enumerate(rows):
        other = _most_similar(content_stems(row["query"]), pool, rng, row["query"])
        yield _pair(f"dialogue-{number}-rel", row["query"], row["answer"], "relevant")
        yield _pair(f"dialogue-{number}-irr", other, row["answer"], "irrelevant")


def from_halueval(data: Path, rng: random.Random) -> Iterator[Example]:
    rows = read_jsonl(data / "halueval.eval.jsonl")
    by_question: dict[str, list[Example]] = {}
    for row in rows:
        by_question.setdefault(row["query"], []).append(row)
    pool = [(q, content_stems(q)) for q in by_question]
    for number, (question, answers) in enumerate(by_question.items()):
        other = _most_similar(content_stems(question), pool, rng, question)
        for row in answers:
            yield _pair(f"halueval-{number}-{row['label']}-rel", question, row["answer"], "relevant")
            yield _pair(f"halueval-{number}-{row['label']}-irr", other, row["answer"], "irrelevant")


def from_trecqa(split: str) -> Iterator[Example]:
    """TREC-QA rows of the ``train`` split, or of ``dev`` and ``test`` for ``eval``."""
    wanted = {"train"} if split == "train" else {"dev", "test"}
    for row in read_pack("trecqa"):
        if row["orig_split"] in wanted:
            answer = detok(row["answer"])
            label = "relevant" if row["relevant"] else "irrelevant"
            yield _pair(row["id"], detok(row["question"]), answer[:1].upper() + answer[1:], label)


def from_begin_generic(split: str) -> Iterator[Example]:
    """BEGIN's "Generic" responses (irrelevant) and as many "Fully attributable" ones (relevant)."""
    rows = [r for r in read_pack("begin") if r["message"].strip()]
    half = [r for r in rows if (hashlib.sha256(r["id"].encode()).digest()[0] % 2 == 0) == (split == "train")]
    generic = [r for r in half if r["label_orig"] == "Generic"]
    attributable = [r for r in half if r["label_orig"] == "Fully attributable"][: len(generic)]
    for row in [*generic, *attributable]:
        label = "irrelevant" if row["label_orig"] == "Generic" else "relevant"
        yield _pair(row["id"], row["message"], row["hypothesis"], label)


def _pair(pid: str, query: str, answer: str, label: str) -> Example:
    return {"id": pid, "sources": [answer], "query": query, "answer": answer, "label": label}


def build_all(data: Path = OUT, seed: int = 13) -> dict[str, int]:
    rng = random.Random(seed)
    train = [*from_climate_fever(data, rng), *from_cloze(data, rng)]
    written = {
        f"relevance_{name}.{split}.jsonl": write_jsonl(data / f"relevance_{name}.{split}.jsonl", make(split))
        for name, make in (("trecqa", from_trecqa), ("generic", from_begin_generic))
        for split in ("train", "eval")
    }
    return written | {
        "relevance.train.jsonl": write_jsonl(data / "relevance.train.jsonl", train),
        "relevance_dialogue.train.jsonl": write_jsonl(
            data / "relevance_dialogue.train.jsonl", from_faithdial(data, rng)
        ),
        "relevance_halueval.eval.jsonl": write_jsonl(data / "relevance_halueval.eval.jsonl", from_halueval(data, rng)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--shared", type=Path, default=SHARED, help="unused; the converted files and the pack are read")
    args = parser.parse_args()
    for name, count in build_all(args.out).items():
        print(f"{count:6d}  {args.out / name}")


if __name__ == "__main__":
    main()
