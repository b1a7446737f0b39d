"""Convert the shared evaluation datasets to one JSONL format, with fixed train / eval splits.

    .venv/bin/python scripts/grounding/convert.py [--shared ../shared/eval] [--out /tmp/ragkb-grounding/data]

Every line: ``{"id", "sources": [str], "query": str, "answer": str, "label": "grounded"|"ungrounded"}``
(plus ``"kind"`` for the synthetic sets). Files are ``<dataset>.<split>.jsonl``:

- ``halueval.eval``: all 1,000 answers (500 right, 500 hallucinated). Never used in training.
- ``climate_fever.{train,eval}``: the 7,675 claim-evidence pairs, split 70/30 by claim id, so a
  claim's five pairs are on one side. SUPPORTS -> grounded; REFUTES, NOT_ENOUGH_INFO -> ungrounded.
  The claim is both query and answer (there is no question).
- ``faithdial.{train,eval}``: the audited responses, split 60/40 by knowledge snippet (the same
  snippet is shared by the gold and the model responses). Exactly "entailment" -> grounded, any label
  containing "hallucinat" -> ungrounded, generic / uncooperative dropped. Query = previous turn.

Splits use an MD5 of the grouping key, so they do not depend on file order or Python's hash seed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "eval"
OUT = Path("/tmp/ragkb-grounding/data")
Example = dict[str, Any]


def bucket(key: str, buckets: int = 100) -> int:
    """A stable bucket in ``[0, buckets)`` for ``key``."""
    return int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) % buckets


def halueval(shared: Path) -> Iterator[Example]:
    path = shared / "halueval" / "qa_one-turn_data.jsonl"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        for label, answer in (("grounded", row["right_answer"]), ("ungrounded", row["hallucinated_answer"])):
            yield {
                "id": f"halueval-{number}-{label}", "sources": [row["knowledge"]], "query": row["question"],
                "answer": answer, "label": label,
            }  # fmt: skip


def climate_fever(shared: Path) -> Iterator[tuple[str, Example]]:
    """``(split, example)``: 70 % of claims train, 30 % eval."""
    path = shared / "climate-fever" / "climate-fever.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        claim = json.loads(line)
        split = "train" if bucket("cf:" + claim["claim_id"]) < 70 else "eval"
        for evidence in claim["evidences"]:
            label = "grounded" if evidence["evidence_label"] == "SUPPORTS" else "ungrounded"
            yield split, {
                "id": f"climate_fever-{claim['claim_id']}-{evidence['evidence_id']}", "sources": [evidence["evidence"]],
                "query": claim["claim"], "answer": claim["claim"], "label": label,
            }  # fmt: skip


def faithdial_label(raw: str) -> str | None:
    labels = {part.strip().rstrip(".").strip() for part in raw.lower().replace(".", ",").split(",")}
    labels.discard("")
    if any(label.startswith("hallucinat") for label in labels):
        return "ungrounded"
    if labels and all(label.startswith("entailment") for label in labels):
        return "grounded"
    return None  # generic, uncooperative, partly uncooperative, unlabelled


def faithdial(shared: Path) -> Iterator[tuple[str, Example]]:
    """``(split, example)``: 60 % of knowledge snippets train, 40 % eval."""
    folder = shared / "faithdial-audit"
    for path in sorted(folder.glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        gold = "BEGIN" in rows[0]
        for number, row in enumerate(rows):
            knowledge = row["evidence" if gold else "knowledge"]
            response = row["response"] if gold else row[path.parent.name.lower()]
            label = faithdial_label(row["BEGIN" if gold else "begin_label"])
            if label is None or not knowledge.strip() or not response.strip():
                continue
            split = "train" if bucket("fd:" + " ".join(knowledge.split())) < 60 else "eval"
            yield split, {
                "id": f"faithdial-{path.parent.name}-{path.stem}-{number}", "sources": [knowledge],
                "query": row["history"].strip() or "Tell me about this.", "answer": response, "label": label,
            }  # fmt: skip


def write_splits(out: Path, name: str, rows_of: Callable[[str], Iterable[Example]]) -> None:
    """Write ``<name>.train.jsonl`` and ``<name>.eval.jsonl`` from ``rows_of(split)``, saying how many rows."""
    for split in ("train", "eval"):
        path = out / f"{name}.{split}.jsonl"
        print(f"{write_jsonl(path, rows_of(split)):6d}  {path}")


def generator_parser(doc: str | None, seed: int) -> argparse.ArgumentParser:
    """The options every data generator takes: ``--shared``, ``--out``, ``--seed``."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=seed)
    return parser


def write_jsonl(path: Path, examples: Iterable[Example]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[Example]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def convert_all(shared: Path = SHARED, out: Path = OUT) -> dict[str, int]:
    """Write every converted file; returns line counts by file name."""
    counts = {"halueval.eval.jsonl": write_jsonl(out / "halueval.eval.jsonl", halueval(shared))}
    for name, rows in (("climate_fever", list(climate_fever(shared))), ("faithdial", list(faithdial(shared)))):
        for split in ("train", "eval"):
            file = f"{name}.{split}.jsonl"
            counts[file] = write_jsonl(out / file, (example for s, example in rows if s == split))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for name, count in convert_all(args.shared, args.out).items():
        print(f"{count:6d}  {args.out / name}")


if __name__ == "__main__":
    main()
