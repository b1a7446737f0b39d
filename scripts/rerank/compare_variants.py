"""Compare fusion-reranker variants (feature sets, sentences embedded per passage) on SciFact: each is refitted
exactly as ``fit_fusion.py`` fits, chosen by cross-validation on the fit queries, and scored on the 300 held-out
queries (nDCG@10 / Recall@10 / MRR@10 at k = 10, 25, 50).

    HF_HUB_OFFLINE=1 nice .venv/bin/python scripts/rerank/compare_variants.py

Needs ``fit_fusion.py``'s cache (``bench/results/fusion_*``; run that script once first): every passage and
sentence vector comes from it, so this takes a few minutes of feature computation and no model time. Latency
per variant is ``bench/search/bench_rerank.py``'s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts/rerank")]

from fit_fusion import (  # noqa: E402
    Rows,
    _save_vectors,
    cross_validate,
    featurise,
    fit_weights,
    held_out_table,
    load_experiment,
    placeholder,
)

from retrieval.rerank.fusion import FEATURES, FusionReranker  # noqa: E402

LEXICAL = ("prior", "coverage", "rare_coverage")
PASSAGE = ("cosine", "cosine_gap", *LEXICAL)
NO_PRIOR = tuple(f for f in PASSAGE if f != "prior")
SENTENCE = ("sentence_cosine", "sentence_gap")
# short name -> (what, features, sentences embedded per passage); "passage" is the shipped one (SHIPPED).
VARIANTS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "v1": ("passage + 24 sentences embedded (v1)", (*PASSAGE, *SENTENCE), 24),
    "s8": ("passage + 8 sentences embedded", (*PASSAGE, *SENTENCE), 8),
    "s4": ("passage + 4 sentences embedded", (*PASSAGE, *SENTENCE), 4),
    "s2": ("passage + 2 sentences embedded", (*PASSAGE, *SENTENCE), 2),
    "v1+sw": ("passage + 24 sentences + sentence words", (*PASSAGE, *SENTENCE, "sentence_coverage"), 24),
    "passage": ("passage only (shipped)", PASSAGE, 0),
    "passage+sw": ("passage + sentence words", (*PASSAGE, "sentence_coverage"), 0),
    "passage+sw-prior": ("passage + sentence words, no prior", (*NO_PRIOR, "sentence_coverage"), 0),
    "passage-prior": ("passage only, no prior", NO_PRIOR, 0),
    "words": ("words only (no model)", (*LEXICAL, "sentence_coverage"), 0),
}


def main() -> None:
    corpus, fit, held, texts, embedder, run = load_experiment()
    started = time.perf_counter()
    # Every feature once (24 sentences), then the sentence features again for each smaller cap.
    matrices: dict[int, tuple[Rows, Rows]] = {}
    for cap in sorted({cap for _, _, cap in VARIANTS.values()} | {24}, reverse=True):
        names = FEATURES if cap == 24 else SENTENCE
        if cap == 0:
            continue
        reranker = FusionReranker(embedder, weights=placeholder(names, max_sentences=cap))
        matrices[cap] = (featurise(reranker, run, fit, texts, corpus), featurise(reranker, run, held, texts, corpus))
    _save_vectors(embedder)
    print(f"featurised in {time.perf_counter() - started:.0f} s\n", flush=True)

    print(f"{'variant':46} {'CV k=10':>8} | held-out nDCG@10 gain k=10 / 25 / 50 | R@10 MRR@10 at k=10")
    for key, (what, features, cap) in VARIANTS.items():
        label = f"{key}: {what}"
        variant = placeholder(features, max_sentences=max(cap, 1))
        fit_rows, held_rows = (_select(m, features, cap, matrices) for m in (0, 1))
        cv = cross_validate(fit_rows, variant, fit, run, folds=5)
        table = held_out_table(held_rows, fit_weights(fit_rows, variant), run, held)
        gains = " / ".join(f"{table[f'k={k}']['delta']:+.4f}" for k in (10, 25, 50))
        k10 = table["k=10"]
        print(f"{label:46} {cv:+8.4f} | {k10['nDCG@10']:.4f} ({gains}) | {k10['Recall@10']:.4f} {k10['MRR@10']:.4f}")
    base = table["none"]
    print(f"{'none (HYBRID)':46} {'':8} | {base['nDCG@10']:.4f} | {base['Recall@10']:.4f} {base['MRR@10']:.4f}")


def _select(which: int, features: tuple[str, ...], cap: int, matrices: dict[int, tuple[Rows, Rows]]) -> Rows:
    """The columns of ``features`` (in FEATURES order), the sentence ones from the ``cap`` run."""
    full = matrices[24][which]
    capped = matrices[cap][which] if cap and cap != 24 else None
    out: Rows = {}
    for key, (x, y) in full.items():
        columns = []
        for name in (f for f in FEATURES if f in features):
            if capped is not None and name in SENTENCE:
                columns.append(capped[key][0][:, SENTENCE.index(name)])
            else:
                columns.append(x[:, FEATURES.index(name)])
        out[key] = (np.column_stack(columns), y)
    return out


if __name__ == "__main__":
    main()
