"""Fit the shipped cross-encoder reranker (``retrieval/data/crossencoder_reranker.json``): one logistic regression
over the fusion reranker's signals and the cross-encoder's logit, and report its held-out nDCG@10 by
cross-validation.

    HF_HUB_OFFLINE=1 nice .venv/bin/python scripts/rerank/fit_crossencoder_fusion.py \\
        --weights retrieval/data/crossencoder_reranker.safetensors [--folds 5] [--write]

Why these queries. The cross-encoder was trained on the FIT queries (``fit_fusion.py``'s split), so its logits
there are training-set logits, far more confident than on unseen queries: a regression fitted on them would
trust the cross-encoder too much. The combination is therefore fitted on the 300 HELD-OUT queries
(``qrels/train_mini.tsv``), which the cross-encoder never saw, and its quality is reported by ``--folds``-fold
cross-validation over them (each fold scored by weights fitted on the other folds), next to no reranking, the
shipped fusion reranker and the cross-encoder alone on the same queries. ``--write`` then fits on all of them.

Needs the held-out logits ``score_crossencoder.py --weights FILE`` caches (ranks 1-25 of every query). Features:
the shipped fusion features plus ``ce_logit`` and ``ce_gap`` (``retrieval/rerank/fusion.py``); rows of the
top-10 and top-25 lists are stacked (as ``fit_fusion.py`` stacks its depths).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts/rerank")]

from fit_fusion import SHIPPED, Rows, fit_weights, load_experiment, placeholder  # noqa: E402
from score_crossencoder import cached_logits  # noqa: E402

from evaluation import score_run  # noqa: E402
from evaluation.retrieval import Run  # noqa: E402
from retrieval.rerank.fusion import FusionReranker, FusionWeights  # noqa: E402

OUT = ROOT / "retrieval/data/crossencoder_reranker.json"
FEATURES = (*SHIPPED, "ce_logit", "ce_gap")
DEPTHS = (10, 25)


class CachedLogits:
    """The cross-encoder's logits as ``score_crossencoder.py`` cached them, looked up by the texts' ids."""

    def __init__(self, cached: dict[str, dict[str, float]], ids: dict[tuple[str, str], tuple[str, str]]) -> None:
        self.cached, self.ids = cached, ids

    def logits(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        pairs = [self.ids[(query, text)] for text in texts]
        return np.array([self.cached[q][d] for q, d in pairs], dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, required=True, help="the cross-encoder whose logits are cached")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"save the combination to {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    corpus, _, held, texts, embedder, run = load_experiment()
    logits = cached_logits(args.weights)
    queries = [q for q in sorted(held, key=int) if all(d in logits.get(q, {}) for d, _ in run[q][: max(DEPTHS)])]
    if not queries:
        raise SystemExit(f"no cached logits for {args.weights}: run score_crossencoder.py --weights it first")
    ids = {(texts[q], corpus[d]): (q, d) for q in queries for d, _ in run[q][: max(DEPTHS)]}
    reranker = FusionReranker(embedder, placeholder(FEATURES), cross_encoder=CachedLogits(logits, ids))
    rows: Rows = {
        (q, depth): (
            reranker.features(texts[q], [corpus[d] for d, _ in run[q][:depth]]),
            np.array([int(held[q].get(d, 0) > 0) for d, _ in run[q][:depth]]),
        )
        for q in queries
        for depth in DEPTHS
    }
    qrels = {q: held[q] for q in queries}
    shipped = FusionWeights.load()
    print(f"SciFact corpus_mini, HYBRID top 50, {len(queries)} held-out train queries (never trained on by the "
          f"cross-encoder); combination scored by {args.folds}-fold cross-validation over them\n")  # fmt: skip
    print(f"{'rerank':34} {'k':>3} {'nDCG@10':>8} {'vs none':>8} {'R@10':>7} {'MRR@10':>7}")
    for depth in DEPTHS:
        cv: dict[str, npt.NDArray[np.float32]] = {}
        for fold in range(args.folds):
            test = queries[fold :: args.folds]
            fitted = fit(rows, [q for q in queries if q not in set(test)])
            cv |= {q: fitted.probability(rows[(q, depth)][0]) for q in test}
        lines = {
            "none (HYBRID)": None,
            "fusion (shipped)": {q: shipped.probability(rows[(q, depth)][0][:, : len(SHIPPED)]) for q in queries},
            "cross-encoder alone": {q: rows[(q, depth)][0][:, FEATURES.index("ce_logit")] for q in queries},
            "cross-encoder + fusion signals (CV)": cv,
        }
        base = score_run({q: run[q] for q in queries}, qrels).as_dict()
        for label, scores in lines.items():
            row = base if scores is None else score_run(reranked(run, scores, depth), qrels).as_dict()
            delta = "" if scores is None else f"{row['nDCG@10'] - base['nDCG@10']:+8.4f}"
            print(f"{label:34} {depth:3} {row['nDCG@10']:8.4f} {delta:>8} {row['Recall@10']:7.4f} {row['MRR@10']:7.4f}")
    if args.write:
        weights = fit(rows, queries)
        print("weights (standardised):", {f: round(c, 3) for f, c in zip(FEATURES, weights.coef, strict=True)})
        weights.save(OUT)
        print(f"wrote {OUT.relative_to(ROOT)}")


def fit(rows: Rows, queries: Sequence[str]) -> FusionWeights:
    wanted = set(queries)
    rows_used = sum(len(labels) for (q, _), (_, labels) in rows.items() if q in wanted)
    return replace(
        fit_weights(rows, placeholder(FEATURES), queries=wanted),
        trained_on=f"SciFact train, {rows_used} (query, abstract) rows of HYBRID top 10/25 lists of {len(wanted)} "
        "train_mini queries the cross-encoder was not trained on, corpus_mini "
        "(scripts/rerank/fit_crossencoder_fusion.py)",
    )


def reranked(run: Run, scores: dict[str, npt.NDArray[np.float32]], depth: int) -> Run:
    out: Run = {}
    for q, values in scores.items():
        head = run[q][:depth]
        order = sorted(range(len(head)), key=lambda i: (-float(values[i]), i))
        out[q] = [(head[i][0], float(len(head) - r)) for r, i in enumerate(order)] + run[q][depth:]
    return out


if __name__ == "__main__":
    main()
