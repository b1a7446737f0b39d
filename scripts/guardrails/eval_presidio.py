"""Presidio's analyzer on the same held-back rows and criterion as eval_pii.py / eval_names.py, for comparison.

    pip install presidio-analyzer     # the `compare` extra; a separate virtual environment is enough
    nice python scripts/guardrails/eval_presidio.py [--folds 8 9]

Presidio runs here with its pattern recognizers on a blank spaCy English pipeline (``spacy.blank("en")``,
saved to a folder): the official spaCy English models (which Presidio's PERSON and LOCATION recognition
needs) are not on the package index. Its entity types are mapped to Bedrock's (PERSON -> NAME,
LOCATION -> ADDRESS, ...); a found span is right when it overlaps a gold span of its type. Needs only the
pack, not ragkb's own packages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import spacy
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider

PACK = Path(__file__).resolve().parents[2].parent / "shared" / "train" / "guardrails"
SOURCES = ("pii_presidio_synth", "ner_wikigold", "ner_wnut17", "ner_btc")
TO_BEDROCK = {
    "PERSON": "NAME", "LOCATION": "ADDRESS", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_DEBIT_CARD_NUMBER", "US_SSN": "US_SOCIAL_SECURITY_NUMBER",
    "IBAN_CODE": "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS": "IP_ADDRESS", "URL": "URL",
    "US_DRIVER_LICENSE": "DRIVER_ID", "US_PASSPORT": "US_PASSPORT_NUMBER", "US_BANK_NUMBER": "US_BANK_ACCOUNT_NUMBER",
    "US_ITIN": "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "UK_NHS": "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
    "UK_NINO": "UK_NATIONAL_INSURANCE_NUMBER", "MAC_ADDRESS": "MAC_ADDRESS",
}  # fmt: skip
NER_NAMES = {"PER", "person", "PERSON"}


def gold_spans(row: dict) -> list[tuple[int, int, str]]:
    """As eval_pii.py's, a BTC mention's lone ``@`` joined to the handle after it (as eval_names.py)."""
    spans = []
    for span in row["spans"]:
        kind = span.get("bedrock_type") or ("NAME" if span["type"] in NER_NAMES else None)
        if kind is not None:
            spans.append((span["start"], span["end"], kind))
    out: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans):
        if out and row["text"][out[-1][0] : out[-1][1]] == "@" and out[-1][2] == kind and start - out[-1][1] <= 1:
            out[-1] = (out[-1][0], end, kind)
        else:
            out.append((start, end, kind))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, nargs="*", default=[8, 9])
    args = parser.parse_args()
    blank = Path(tempfile.mkdtemp()) / "blank-en"
    spacy.blank("en").to_disk(blank)  # a path, so that Presidio does not try to download a model
    engine = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": str(blank)}]}
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    print("| source | type | gold | precision | recall |\n|---|---|---|---|---|")
    started = time.process_time()
    for source in SOURCES:
        with gzip.open(PACK / f"{source}.jsonl.gz", "rt", encoding="utf-8") as f:
            rows = [r for r in map(json.loads, f) if r["fold"] in args.folds]
        counts: Counter[str] = Counter()
        kinds: set[str] = set()
        for row in rows:
            gold = gold_spans(row)
            kinds |= {k for _, _, k in gold}
            found = [
                (r.start, r.end, TO_BEDROCK[r.entity_type])
                for r in analyzer.analyze(row["text"], language="en")
                if r.entity_type in TO_BEDROCK
            ]
            if source != "pii_presidio_synth":  # the NER files label person names only
                found = [f for f in found if f[2] == "NAME"]
            for start, end, kind in gold:
                hit = any(k == kind and s < end and start < e for s, e, k in found)
                counts[f"{kind} {'tp' if hit else 'fn'}"] += 1
            for s, e, k in found:
                if not any(k == kind and s < end and start < e for start, end, kind in gold):
                    counts[f"{k} fp"] += 1
        for kind in sorted(kinds):
            tp, fn, fp = counts[f"{kind} tp"], counts[f"{kind} fn"], counts[f"{kind} fp"]
            print(f"| {source} | {kind} | {tp + fn} | {tp / max(tp + fp, 1):.3f} | {tp / max(tp + fn, 1):.3f} |")
    print(f"CPU {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main()
