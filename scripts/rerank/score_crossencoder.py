"""Score SciFact's held-out queries with the cross-encoder reranker and print nDCG@10 without and with it.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python scripts/rerank/score_crossencoder.py [--minutes 30]
        [--threads 2] --weights /tmp/ragkb-rerank/crossencoder/crossencoder_reranker.safetensors [--queries 300]

The 300 queries of ``qrels/train_mini.tsv`` (never trained on: ``train_crossencoder.py`` reads only the fit
split), HYBRID top 50 of the mini corpus (``fit_fusion.load_experiment``'s cache). A cross-encoder scores each
pair on its own, so each (query, abstract) is scored once and the lists cut at k = 10, 25 and 50 reuse the
scores. Pairs are scored in order of need — ranks 1-10 of every query, then ranks 11-25, then 26-50 — and saved
to ``bench/results/crossencoder_scores.json`` (keyed by the weights' digest) as they come, so a run stopped by
``--minutes`` resumes where it stopped and the table covers, per depth, the queries scored that deep (their
count is printed; "none" is scored on the same queries).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts/rerank")]

from fit_fusion import CACHE, load_experiment  # noqa: E402

from evaluation import score_run  # noqa: E402
from evaluation.retrieval import Qrels, Run  # noqa: E402
from retrieval.rerank.crossencoder import CrossEncoderReranker  # noqa: E402

DEPTHS = (10, 25, 50)
SCORES = CACHE / "crossencoder_scores.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, required=True, help="what train_crossencoder.py wrote")
    parser.add_argument("--minutes", type=float, default=30.0, help="stop scoring after this long (resumable)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300, help="the first n held-out queries")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    corpus, _, held, texts, _, run = load_experiment()
    held = {q: held[q] for q in sorted(held, key=int)[: args.queries]}
    digest = _digest(args.weights)
    logits = cached_logits(args.weights)
    reranker = CrossEncoderReranker.load(args.weights)

    started, scored = time.perf_counter(), 0
    for low, high in zip((0, *DEPTHS), DEPTHS, strict=False):
        for qid in held:
            have = logits.setdefault(qid, {})
            docs = [d for d, _ in run[qid][low:high] if d not in have]
            if not docs:
                continue
            if time.perf_counter() - started > args.minutes * 60:
                break
            have.update(zip(docs, map(float, reranker.logits(texts[qid], [corpus[d] for d in docs])), strict=True))
            scored += len(docs)
            if scored % 100 < len(docs):
                SCORES.write_text(json.dumps({"weights": digest, "logits": logits}))
                pace = scored / (time.perf_counter() - started)
                print(f"ranks {low + 1}-{high}: query {qid}, {scored} pairs, {pace:.2f} pairs/s", flush=True)
    SCORES.write_text(json.dumps({"weights": digest, "logits": logits}))
    print(f"\nSciFact corpus_mini, held-out train queries, HYBRID top 50, cross-encoder {args.weights.name} ({digest})")
    for label, row in table(run, held, logits).items():
        print(label, json.dumps(row))


def cached_logits(weights: Path) -> dict[str, dict[str, float]]:
    """``{query id: {doc id: logit}}`` saved for ``weights`` (empty when the cache is of other weights)."""
    saved = json.loads(SCORES.read_text()) if SCORES.is_file() else {}
    return saved.get("logits", {}) if saved.get("weights") == _digest(weights) else {}


def _digest(weights: Path) -> str:
    return hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def table(run: Run, held: Qrels, logits: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per depth k: nDCG@10 / Recall@10 / MRR@10 of the queries scored k deep, with and without reranking."""
    rows: dict[str, dict[str, float]] = {}
    for depth in DEPTHS:
        done = {q: j for q, j in held.items() if all(d in logits.get(q, {}) for d, _ in run[q][:depth])}
        if not done:
            continue
        base = score_run({q: run[q] for q in done}, done).as_dict()
        reranked: Run = {}
        for qid in done:
            head = sorted(run[qid][:depth], key=lambda pair: -logits[qid][pair[0]])  # stable: ties keep order
            reranked[qid] = [(d, logits[qid][d]) for d, _ in head] + run[qid][depth:]
        after = score_run(reranked, done).as_dict()
        rows[f"k={depth}"] = {"queries": len(done), **{f"none {m}": round(float(v), 4) for m, v in base.items()},
                              **{m: round(float(v), 4) for m, v in after.items()},
                              "delta": round(float(after["nDCG@10"] - base["nDCG@10"]), 4)}  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
