"""The guardrails training pack (../shared/train/guardrails) as rows with one label per detector head.

Each :class:`Row` has its text, source file, fold (0-9, the pack's own: pairs and templates kept
together) and a label per head: 1, 0, or absent where the source says nothing about that head
(OpenAI moderation's nulls, harmful requests for the hate head, ...). How each source maps to the
heads is in :func:`labels` and in docs/guardrails.md ("Data").
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path

PACK = Path(__file__).resolve().parents[2].parent / "shared" / "train" / "guardrails"
HEADS = ("PROMPT_ATTACK", "MISCONDUCT", "HATE", "INSULTS", "SEXUAL", "VIOLENCE")
DAVIDSON_SAMPLE = 4000  # of 24,761 tweets (19,169 'offensive'): enough, and embedding them all takes minutes
TOPIC_SAMPLE = 2000  # ordinary assistant requests (CLINC150, Banking77) as benign text for every head


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    source: str
    fold: int
    labels: dict[str, int]
    category: str = ""


def load(name: str, pack: Path = PACK) -> list[dict]:
    with gzip.open(pack / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def rows(pack: Path = PACK) -> list[Row]:
    """Every row that some head learns from, in a fixed order (samples drawn with a fixed seed)."""
    out: list[Row] = []
    rng = random.Random(16)
    for path in sorted(pack.glob("*.jsonl.gz")):
        name = path.name.removesuffix(".jsonl.gz")
        if name.startswith(("ner_", "pii_")):
            continue
        records = load(name, pack)
        if name == "tox_davidson":
            records = rng.sample(records, DAVIDSON_SAMPLE)
        elif name.startswith("topic_"):
            records = rng.sample(records, TOPIC_SAMPLE // 2)
        for r in records:
            out.append(Row(r["id"], r["text"], name, r["fold"], labels(name, r), str(r.get("category") or "")))
    return out


def labels(source: str, r: dict) -> dict[str, int]:
    """Per-head labels of one pack row (see the module docstring)."""
    benign = dict.fromkeys(HEADS, 0)
    if source.startswith("pa_"):
        if r["label"] == "benign":
            return benign
        return {"PROMPT_ATTACK": 1}  # jailbreak templates carry harmful questions: no say on the other heads
    if source.startswith("harm_"):
        return {"PROMPT_ATTACK": 0, "MISCONDUCT": 1}
    if source.startswith("topic_"):
        return benign
    if source == "tox_davidson":
        hate, offensive = r["label"] == "hate_speech", r["label"] == "offensive_language"
        return {"PROMPT_ATTACK": 0, "HATE": int(hate), "INSULTS": int(hate or offensive)}
    if source == "tox_hatecheck":
        hateful = r["label"] == "hateful"
        out = {"PROMPT_ATTACK": 0, "HATE": int(hateful), "MISCONDUCT": 0}
        if r["category"].startswith("threat_"):
            out["VIOLENCE"] = 1
        return out
    if source == "tox_toxigen_seeds":
        return {"PROMPT_ATTACK": 0, "HATE": int(r["label"] == "hate")}
    if source == "tox_openai_moderation":
        given = r["labels"]
        out = {"PROMPT_ATTACK": 0}
        for head, keys in (("HATE", ("hate", "hate/threatening")), ("INSULTS", ("harassment",)),
                           ("SEXUAL", ("sexual", "sexual/minors")), ("VIOLENCE", ("violence", "violence/graphic"))):
            known = [given.get(k) for k in keys if given.get(k) is not None]
            if known:
                out[head] = int(any(known))
        return out
    raise ValueError(f"no label mapping for {source}")
