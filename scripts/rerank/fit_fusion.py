"""Fit the fusion reranker (``retrieval/data/fusion_reranker.json``) on SciFact train queries, report held-out nDCG.

    HF_HUB_OFFLINE=1 nice .venv/bin/python scripts/rerank/fit_fusion.py [--write] [--features a,b,...]
        [--max-sentences 24] [--folds 5]

Data (``../shared/eval/scifact``; only SciFact's train judgements exist there, its test split is held back):

* corpus: ``corpus_mini.jsonl`` (1,279 abstracts), one abstract = one chunk, the bundled MiniLM embedder;
* FIT queries: the 215 train queries that are NOT in ``qrels/train_mini.tsv`` and all of whose judged
  abstracts are in the mini corpus (judgements from ``qrels/train.tsv``);
* HELD-OUT queries: the 300 queries of ``qrels/train_mini.tsv`` — never fitted on, used only for the table.

First stage: HYBRID search, top 50 (cached in ``bench/results/fusion_first_stage.json``). Each query's list is
cut at k = 10, 25 and 50 and featurised by ``FusionReranker.features`` itself (one code path with the service;
embeddings are memoised per text so the corpus is embedded once). Rows from all three depths are stacked and a
standardised logistic regression (scikit-learn, L2, C=1, lbfgs, no randomness; coefficients saved to 10
significant digits, so two runs write the same file) is fitted on the FIT rows, label = judged relevant.
``--features`` picks the variant (default: the shipped one, :data:`SHIPPED`); ``--folds`` prints its
cross-validated gain on the FIT queries (how variants are compared: ``compare_variants.py``). The table
compares nDCG@10 / MRR@10 on the HELD-OUT queries with no reranking and with reranking the first k.
``--write`` saves the weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.wiring import build_embedder  # noqa: E402
from app.settings import Settings  # noqa: E402
from evaluation import load_qrels, score_run  # noqa: E402
from evaluation.retrieval import Qrels, Run, build_corpus_kb, load_corpus, load_queries, run_queries  # noqa: E402
from ingest.chunking import ChunkingConfig  # noqa: E402
from retrieval import Embedder  # noqa: E402
from retrieval.rerank.fusion import FEATURES, WEIGHTS, FusionReranker, FusionWeights  # noqa: E402

SCIFACT = ROOT.parent / "shared/eval/scifact"
CACHE = ROOT / "bench/results"
DEPTHS = (10, 25, 50)
SHIPPED = ("cosine", "cosine_gap", "prior", "coverage", "rare_coverage")  # chosen by cross-validation (docs)


class MemoEmbedder:
    """The real embedder with every text's vector and token count remembered (the fit reads each text often)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.vectors: dict[str, npt.NDArray[np.float32]] = {}  # by the text's digest (a cache file stays small)
        self.tokens: dict[str, int] = {}

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        keys = [digest(t) for t in texts]
        missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        if missing:
            vectors = self.inner.embed_documents([t for _, t in missing])
            self.vectors.update(zip([k for k, _ in missing], vectors, strict=True))
        return np.stack([self.vectors[k] for k in keys]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.embed_documents([text])[0]

    def count_model_tokens(self, texts: Sequence[str]) -> list[int]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.tokens))
        if missing:
            self.tokens.update(zip(missing, self.inner.count_model_tokens(missing), strict=True))
        return [self.tokens[t] for t in texts]

    def fits(self, texts: Sequence[str]) -> list[bool]:
        window = getattr(self.inner, "max_seq_length", 512)
        return [n <= window for n in self.count_model_tokens(texts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"save the weights to {WEIGHTS.relative_to(ROOT)}")
    parser.add_argument("--features", default=",".join(SHIPPED), help="comma-separated features (a variant)")
    parser.add_argument("--max-sentences", type=int, default=24, help="sentences embedded per passage")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds over the fit queries")
    args = parser.parse_args()
    features = tuple(f for f in FEATURES if f in args.features.split(","))
    if set(args.features.split(",")) - set(features):
        raise SystemExit(f"--features: choose among {FEATURES}")
    corpus, fit, held, texts, embedder, run = load_experiment()
    reranker = FusionReranker(embedder, weights=placeholder(features, max_sentences=args.max_sentences))

    started = time.perf_counter()
    fit_rows = featurise(reranker, run, fit, texts, corpus)
    print(f"featurised {len(fit)} fit queries x {DEPTHS} in {time.perf_counter() - started:.0f} s", flush=True)
    _save_vectors(embedder)
    weights = fit_weights(fit_rows, reranker.weights)
    print("weights (standardised):", {f: round(c, 3) for f, c in zip(features, weights.coef, strict=True)})
    cv = cross_validate(fit_rows, reranker.weights, fit, run, folds=args.folds)
    print(f"{args.folds}-fold cross-validation on the fit queries, nDCG@10 gain at k=10: {cv:+.4f}")

    held_rows = featurise(reranker, run, held, texts, corpus)
    _save_vectors(embedder)
    print(f"\nSciFact corpus_mini.jsonl, HYBRID top 50; fitted on {len(fit)} train queries, "
          f"scored on {len(held)} other (held-out) train queries; features {','.join(features)}\n")  # fmt: skip
    print(f"{'rerank':8} {'nDCG@10':>8} {'vs none':>8} {'R@10':>7} {'MRR@10':>7}")
    for label, row in held_out_table(held_rows, weights, run, held).items():
        delta = f"{row['delta']:+8.4f}" if label != "none" else ""
        print(f"{label:8} {row['nDCG@10']:8.4f} {delta:>8} {row['Recall@10']:7.4f} {row['MRR@10']:7.4f}")
    if args.write:
        weights.save(WEIGHTS)
        print(f"\nwrote {WEIGHTS.relative_to(ROOT)}")


# (query id, depth) -> that top-k list's feature rows and labels (judged relevant)
Rows = dict[tuple[str, int], tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]]


def featurise(reranker: FusionReranker, run: Run, qrels: Qrels, texts: dict[str, str], corpus: dict[str, str]) -> Rows:
    """Each query's top-k list featurised as the service does, for every k in :data:`DEPTHS`."""
    return {
        (qid, depth): (
            reranker.features(texts[qid], [corpus[d] for d, _ in run[qid][:depth]]),
            np.array([int(qrels[qid].get(d, 0) > 0) for d, _ in run[qid][:depth]]),
        )
        for qid in sorted(qrels, key=int)
        for depth in DEPTHS
    }


def fit_weights(rows: Rows, variant: FusionWeights, *, queries: set[str] | None = None) -> FusionWeights:
    """The regression fitted on ``rows`` (of ``queries``, default all); labels from the fit judgements."""
    keys = [key for key in rows if queries is None or key[0] in queries]
    x = np.vstack([rows[key][0] for key in keys])
    y = np.concatenate([rows[key][1] for key in keys])
    return _fit(x, y, variant)


def cross_validate(rows: Rows, variant: FusionWeights, qrels: Qrels, run: Run, *, folds: int) -> float:
    """Mean nDCG@10 gain at k = 10 over ``folds`` folds of the fit queries (each fold scored by weights
    fitted on the others): how a variant is chosen without looking at the held-out queries."""
    ordered = sorted(qrels, key=int)
    gains = []
    for fold in range(folds):
        test = set(ordered[fold::folds])
        weights = fit_weights(rows, variant, queries=set(ordered) - test)
        table = held_out_table(rows, weights, run, {q: qrels[q] for q in test}, depths=(10,))
        gains.append(table["k=10"]["delta"])
    return float(np.mean(gains))


def held_out_table(
    rows: Rows, weights: FusionWeights, run: Run, qrels: Qrels, *, depths: Sequence[int] = DEPTHS
) -> dict[str, dict[str, float]]:
    """nDCG@10 / Recall@10 / MRR@10 with no reranking and with the first k reranked by ``weights``."""
    base = score_run({q: run[q] for q in qrels}, qrels).as_dict()
    table = {"none": {**base, "delta": 0.0}}
    for depth in depths:
        reranked: Run = {}
        for qid in qrels:
            head = run[qid][:depth]
            scores = weights.probability(rows[(qid, depth)][0])
            order = sorted(range(len(head)), key=lambda i: (-float(scores[i]), i))
            reranked[qid] = [(head[i][0], float(scores[i])) for i in order] + run[qid][depth:]
        row = score_run(reranked, qrels).as_dict()
        table[f"k={depth}"] = {**row, "delta": row["nDCG@10"] - base["nDCG@10"]}
    return table


def load_experiment() -> tuple[dict[str, str], Qrels, Qrels, dict[str, str], MemoEmbedder, Run]:
    """The mini corpus, the fit and held-out qrels, the query texts, the caching embedder and the
    first stage (HYBRID top 50) of every fit and held-out query: what each rerank script starts from."""
    corpus = load_corpus(SCIFACT / "corpus_mini.jsonl")
    full, held = load_qrels(SCIFACT / "qrels/train.tsv"), load_qrels(SCIFACT / "qrels/train_mini.tsv")
    fit = {q: j for q, j in full.items() if q not in held and all(d in corpus for d in j)}
    texts = load_queries(SCIFACT / "queries.jsonl")
    embedder = MemoEmbedder(build_embedder(Settings(embedding_backend="torch")))
    return corpus, fit, held, texts, embedder, _first_stage(corpus, {q: texts[q] for q in {*fit, *held}}, embedder)


def _first_stage(corpus: dict[str, str], queries: dict[str, str], embedder: MemoEmbedder) -> Run:
    cache = CACHE / "fusion_first_stage.json"
    vectors = CACHE / "fusion_vectors.npz"
    if cache.is_file() and vectors.is_file():  # the run and what it embedded
        saved = np.load(vectors, allow_pickle=False)
        keys = saved["digests"].tolist() if "digests" in saved else [digest(t) for t in saved["texts"].tolist()]
        embedder.vectors.update(zip(keys, saved["vectors"], strict=True))
        return {q: [(d, s) for d, s in ranked] for q, ranked in json.loads(cache.read_text()).items()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        kb = build_corpus_kb(corpus, directory=Path(folder), embedder=embedder,
                             chunking=ChunkingConfig(strategy="none"))  # fmt: skip
        run = run_queries(kb, queries, search_type="HYBRID", depth=50)
        kb.close()
    print(f"first stage: {len(corpus)} documents, {len(queries)} queries, {time.perf_counter() - started:.0f} s",
          flush=True)  # fmt: skip
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(run))
    _save_vectors(embedder)
    return run


def _save_vectors(embedder: MemoEmbedder) -> None:
    """Every vector computed so far (abstracts, sentences, queries): a second run embeds nothing."""
    vectors = np.stack(list(embedder.vectors.values()))
    np.savez(CACHE / "fusion_vectors.npz", digests=np.array(list(embedder.vectors)), vectors=vectors)


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _fit(x: npt.NDArray[np.float64], y: npt.NDArray[np.int64], variant: FusionWeights) -> FusionWeights:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    return FusionWeights(
        features=variant.features, mean=tuple(mean.tolist()), scale=tuple(scale.tolist()),
        # Rounded: threaded BLAS moves the solution by ~1e-14 between runs; the file should not change.
        coef=tuple(_rounded(model.coef_[0])), intercept=_rounded(model.intercept_)[0],
        trained_on=f"SciFact train, {len(y)} (query, abstract) rows of HYBRID top 10/25/50 lists, "
        "corpus_mini, queries not in train_mini (scripts/rerank/fit_fusion.py)",
        max_sentences=variant.max_sentences,
    )  # fmt: skip


def _rounded(values: npt.NDArray[np.float64]) -> list[float]:
    return [float(f"{value:.10g}") for value in values.tolist()]


def placeholder(features: Sequence[str], *, max_sentences: int = 24) -> FusionWeights:
    """Weights that only say which features to compute (what :func:`featurise` needs)."""
    n = len(features)
    return FusionWeights(tuple(features), (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, "nothing yet", max_sentences)


if __name__ == "__main__":
    main()
