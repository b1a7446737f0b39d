"""How acceptable are the extractive answerer's answers on the sample knowledge base? (docs/answer-quality.md)

Builds the sample knowledge base (data/sample) with the default model in a temporary home, asks the
questions below (answerable ones with a phrase the answer must contain, and questions the sample does not
answer), and counts, for the answerer before issue 13 (re-implemented here, 12 lines) and now:

* answers with a repeated sentence, with a Markdown heading, with more than one table row that is not
  the matching one (a table dump);
* answerable questions answered correctly (the phrase is in the answer) and unanswerable ones declined.

It also measures the abstention with grounding's relevance check (the v1 checker, the default): for every
question, the relevance of what the answerer would say if it never abstained, and whether "relevance
below the default threshold" and "the answerer abstained" agree.

    HF_HUB_OFFLINE=1 python bench/search/bench_answer_quality.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grounding import DEFAULT_RELEVANCE_THRESHOLD, Checker, MiniLMEncoder  # noqa: E402
from ingest import ChunkingConfig  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402
from retrieval import (  # noqa: E402
    ABSTENTION,
    Embedder,
    ExtractiveGenerator,
    FolderSource,
    Hit,
    KnowledgeBase,
    SentenceTransformerEmbedder,
    sync_folder,
)

ANSWERABLE = [
    ("How many kilograms may one person carry alone?", "25 kg"),
    ("How many vacation days do employees get?", "28 days"),
    ("How long is parental leave?", "16 weeks"),
    ("What is the price of Harbour Blend?", "12.90"),
    ("What does Aurora Espresso cost?", "14.50"),
    ("Which coffee comes from Kenya?", "Kenya Kiambu AA"),
    ("What were sales in March 2025?", "44800"),
    ("Who is the payroll contact?", "People team"),
    ("How much coffee can I take home each week?", "500 grams"),
    ("When does the roastery early shift start?", "6:00"),
    ("What is the water temperature for brewing?", "92 and 96"),
    ("How much coffee for a French press?", "30 grams"),
    ("What grind size is used for espresso?", "Fine"),
    ("Can I return an opened bag?", "Opened bags cannot be returned"),
    ("How much does shipping within Germany cost?", "4.90"),
    ("At what temperature is first crack expected?", "196"),
    ("How large is a batch in the P12 roaster?", "10 kg"),
    ("Who do I call for a burn?", "First aider"),
    ("How much are meals reimbursed per day when travelling?", "45 euros"),
    ("How long does cold brew keep?", "ten days"),
]
UNANSWERABLE = [
    "What is the CEO's salary?",
    "What is the capital of France?",
    "Who won the 2022 football world cup?",
    "How do I bake sourdough bread?",
    "What is the stock price of Northwind?",
    "What is the company's parking policy?",
    "How many employees work at Northwind?",
    "What is the Wi-Fi password of the office?",
]
HEADING = re.compile(r"(^|\n|\. )\s*#{1,6}\s")
# The first cell of every table row in data/sample: a row of a table is "| <key> |".
ROW_KEYS = re.compile(
    r"\|\s*(?:NW-\d{3}|January|February|March|April|May|June|Cafés|Online shop|Wholesale|Espresso|Pour-over|"
    r"French press|Cold brew|Burn|Fire|Injury from lifting)\s*\|"
)


class OldExtractive:
    """The answerer before issue 13: the 3 sentences most similar to the query (>= 0.3), best first."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def generate(self, query: str, hits: Sequence[Hit]) -> str:
        candidates = [s for hit in hits for s in split_sentences(hit.text) if len(s.split()) >= 3]
        if not candidates:
            return "Sorry, I am unable to assist you with this request."
        vectors = self.embedder.embed_documents([query, *candidates])
        similarity = vectors[1:] @ vectors[0]
        order = [int(i) for i in np.argsort(-similarity)]
        chosen = [i for i in order[:3] if similarity[i] >= 0.3] or order[:1]
        return " ".join(candidates[i] for i in chosen)


def faults(answer: str, expected: str | None) -> dict[str, bool]:
    """Repeated sentence; a Markdown heading; a table dump: more than two rows of a table quoted."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", answer) if s.strip() and not s.startswith("|")]
    rows = ROW_KEYS.findall(answer)
    repeated = len(sentences) != len(set(sentences)) or len(rows) != len(set(rows))
    return {"repeat": repeated, "heading": bool(HEADING.search(answer)), "dump": len(rows) > 2}


def main() -> None:
    embedder = SentenceTransformerEmbedder()
    checker = Checker(MiniLMEncoder())
    with tempfile.TemporaryDirectory() as folder:
        kb = KnowledgeBase(directory=Path(folder), embedder=embedder, chunking=ChunkingConfig())
        sync_folder(kb, FolderSource("DS00000001", ROOT / "data/sample"))
        new, old = ExtractiveGenerator(embedder), OldExtractive(embedder)
        never_abstains = ExtractiveGenerator(embedder, min_relevance=-1.0, check_names=False)
        questions = [(q, e) for q, e in ANSWERABLE] + [(q, None) for q in UNANSWERABLE]
        counts = {name: dict.fromkeys(("repeat", "heading", "dump", "right", "declined"), 0) for name in ("old", "new")}
        agree, rows, took, took_old = 0, [], [], []
        for query, expected in questions:
            hits = kb.retrieve(query, k=5)
            started = time.perf_counter()
            answer = new.generate(query, hits).text
            took.append(time.perf_counter() - started)
            started = time.perf_counter()
            before = old.generate(query, hits)
            took_old.append(time.perf_counter() - started)
            for name, text in (("old", before), ("new", answer)):
                for fault, found in faults(text, expected).items():
                    counts[name][fault] += found
                if expected is not None:
                    counts[name]["right"] += expected in text and text != ABSTENTION
                else:
                    counts[name]["declined"] += text == ABSTENTION
            unabstained = never_abstains.generate(query, hits).text
            relevance = checker.check([h.text for h in hits], query, unabstained).relevance
            low = relevance < DEFAULT_RELEVANCE_THRESHOLD
            agree += low == (answer == ABSTENTION)
            rows.append((query, expected is not None, answer == ABSTENTION, relevance, answer))
    print("| answerer | repeated sentence | heading | table dump | answerable right (of 20) | "
          "unanswerable declined (of 8) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name in ("old", "new"):
        c = counts[name]
        print(f"| {name} | {c['repeat']} | {c['heading']} | {c['dump']} | {c['right']} | {c['declined']} |")
    print()
    print(f"abstained == (relevance < {DEFAULT_RELEVANCE_THRESHOLD}) on {agree} of {len(rows)} questions; "
          f"answer time p50 {1000 * float(np.median(took)):.0f} ms new, {1000 * float(np.median(took_old)):.0f} ms "
          "old (both embed the candidate sentences)")  # fmt: skip
    print()
    print("| question | answerable | abstained | relevance of the unabstained answer | answer |")
    print("|---|---|---|---|---|")
    for query, answerable, abstained, relevance, text in rows:
        shown = text.replace("\n", " ").replace("|", "\\|")[:90]
        yes_no = f"{'yes' if answerable else 'no'} | {'yes' if abstained else 'no'}"
        print(f"| {query} | {yes_no} | {relevance:.2f} | {shown} |")


if __name__ == "__main__":
    main()
