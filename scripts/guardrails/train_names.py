"""Train guardrails/data/names.npz (NAME and ADDRESS token classifier, guardrails/names.py) on the pack.

    nice python scripts/guardrails/train_names.py

Tokens of the Presidio sentences and the NER files (folds 0-7) labelled from their spans: NAME for
PERSON/PER/person (``@user`` mentions in BTC excluded), ADDRESS for STREET_ADDRESS/ADDRESS, O otherwise.
Measured afterwards with scripts/guardrails/eval_pii.py --folds 8 9.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from pack import load  # noqa: E402

from guardrails.names import BUCKETS, LABELS, hashed, token_features, tokens  # noqa: E402

SOURCES = ("pii_presidio_synth", "ner_wikigold", "ner_wnut17", "ner_btc")


def label_of(span: dict) -> str | None:
    if span.get("bedrock_type") in ("NAME", "ADDRESS"):
        return str(span["bedrock_type"])
    return "NAME" if span["type"] in {"PER", "person", "PERSON"} else None


def main() -> None:
    rows, cols, ys = [], [], []
    n = 0
    for source in SOURCES:
        for record in load(source):
            if record["fold"] >= 8:
                continue
            found = tokens(record["text"])
            labels = ["O"] * len(found)
            for span in record["spans"]:
                kind = label_of(span)
                if kind is None:
                    continue
                for i, (s, e, word) in enumerate(found):
                    if s < span["end"] and span["start"] < e and not word.startswith("@"):
                        labels[i] = kind
            for features, label in zip(token_features([t[2] for t in found]), labels, strict=True):
                ids = np.unique(hashed(features))
                rows.extend([n] * len(ids))
                cols.extend(ids.tolist())
                ys.append(LABELS.index(label))
                n += 1
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, BUCKETS))
    y = np.array(ys)
    print(f"{n} tokens: " + ", ".join(f"{label} {int((y == i).sum())}" for i, label in enumerate(LABELS)))
    model = LogisticRegression(C=1.0, max_iter=300, solver="saga", tol=1e-3).fit(x, y)
    buffer = BytesIO()
    np.savez_compressed(buffer, weights=model.coef_.astype(np.float16), bias=model.intercept_.astype(np.float32))
    out = HERE.parents[1] / "guardrails" / "data" / "names.npz"
    out.write_bytes(buffer.getvalue())
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
