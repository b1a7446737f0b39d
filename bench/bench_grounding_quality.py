"""Grounding quality on held-out data, next to two baselines computed in the same run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_grounding_quality.py [--threads 1] [--check-sample 40]

Datasets (built by ``scripts/grounding/*.py`` into /tmp/ragkb-grounding/data when absent):
HaluEval QA (1,000, never trained on), CLIMATE-FEVER eval split (30 % of claims), FaithDial eval
split (40 % of knowledge snippets), synthetic eval (SciFact eval abstracts + docs-corpus eval files).

Ours: the shipped model at its default threshold (``grounding/data/grounding_model.json``); the
answer score is what :func:`grounding.check` returns, computed in source-sized batches through the
same analysis and scorer (``--check-sample`` examples are re-run through ``check`` itself and
must agree). Baselines, each at its *own* best threshold on the training files (mean balanced
accuracy over the synthetic and FaithDial train files, the same data and criterion as ours, up to
``--baseline-train`` examples each):

- overlap: share of the answer's content words (lower-cased, stop words removed) found in the sources;
- cosine: MiniLM cosine between the whole answer and its most similar source sentence.

Columns: n, balanced accuracy and F1 of the *ungrounded* class at the threshold, AUROC (grounded
as positive). Writes bench/results/grounding_quality.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding")]

from convert import OUT, SHARED, read_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402
from metrics import balanced_accuracy, best_threshold, f1, roc_auc  # noqa: E402

from grounding.check import Checker  # noqa: E402
from grounding.lexical import STOPWORDS, WORD  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

EVAL_SETS = ("halueval", "climate_fever", "faithdial", "synthetic")
TRAIN_SETS = ("synthetic", "faithdial")  # what the shipped model was trained on


def overlap_score(example: dict) -> float:
    source = {w.lower() for s in example["sources"] for w in WORD.findall(s)}
    answer = [w.lower() for w in WORD.findall(example["answer"]) if w.lower() not in STOPWORDS]
    return sum(w in source for w in answer) / len(answer) if answer else 1.0


def cosine_scores(examples: list[dict], encoder) -> np.ndarray:
    """Per example, the best cosine between the answer and a source sentence (one batch per 500)."""
    scores = []
    for begin in range(0, len(examples), 500):
        batch = examples[begin : begin + 500]
        sentences = [[s for src in e["sources"] for s in split_sentences(src)] or [" "] for e in batch]
        texts = sorted({t for e, ss in zip(batch, sentences, strict=True) for t in [e["answer"], *ss]})
        vectors = dict(zip(texts, (x.vector for x in encoder.encode(texts)), strict=True))
        for e, ss in zip(batch, sentences, strict=True):
            scores.append(max(float(vectors[e["answer"]] @ vectors[s]) for s in ss))
    return np.array(scores)


def metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (scores >= threshold).astype(int)
    return {"balanced_accuracy": balanced_accuracy(labels, predicted), "f1_ungrounded": f1(1 - labels, 1 - predicted),
            "auroc": roc_auc(labels, scores)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--check-sample", type=int, default=40, help="examples re-run through grounding.check")
    parser.add_argument("--baseline-train", type=int, default=1500, help="training examples per set for baselines")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if not (args.data / "halueval.eval.jsonl").exists() or not (args.data / "synthetic.eval.jsonl").exists():
        from train import ensure_data

        ensure_data(args.data, SHARED, rebuild=False)
    checker = Checker()
    model = checker.models.grounding
    started = time.perf_counter()

    # Baseline thresholds, from training data only.
    rng = random.Random(0)
    train_overlap, train_cosine = {}, {}
    for name in TRAIN_SETS:
        rows = read_jsonl(args.data / f"{name}.train.jsonl")
        rows = rng.sample(rows, min(len(rows), args.baseline_train))
        labels = np.array([int(r["label"] == "grounded") for r in rows])
        train_overlap[name] = (labels, np.array([overlap_score(r) for r in rows]))
        train_cosine[name] = (labels, cosine_scores(rows, checker.encoder))
    thresholds = {
        "ours": model.threshold,
        "overlap": best_threshold(train_overlap),
        "cosine": best_threshold(train_cosine),
    }

    results: dict[str, dict] = {}
    for name in EVAL_SETS:
        path = args.data / f"{name}.eval.jsonl"
        rows = read_jsonl(path)
        data = featurize(path, encoder=checker.encoder, lexicon=checker.models.lexicon, quiet=True)
        probabilities = model.predict(data.rows) if len(data.rows) else np.zeros(0)
        ours = np.array(
            [
                probabilities[a:b].min() if b > a else 1.0
                for a, b in zip(data.offsets[:-1], data.offsets[1:], strict=True)
            ]
        )
        for example in rng.sample(rows, min(len(rows), args.check_sample)):
            direct = checker.check(example["sources"], example["query"], example["answer"]).grounding
            batched = ours[data.ids.index(example["id"])]
            if abs(direct - batched) > 1e-3:
                raise SystemExit(f"check() and the batched path disagree on {example['id']}: {direct} vs {batched}")
        labels = data.labels
        scores = {
            "ours": ours,
            "overlap": np.array([overlap_score(r) for r in rows]),
            "cosine": cosine_scores(rows, checker.encoder),
        }
        results[name] = {"n": len(labels), **{k: metrics(labels, s, thresholds[k]) for k, s in scores.items()}}
        if name == "halueval":
            length = -np.array([len(r["answer"]) for r in rows], dtype=float)
            results[name]["length_only_auroc"] = roc_auc(labels, length)
        if name == "synthetic":
            correct = (ours >= model.threshold) == labels.astype(bool)
            kinds = np.array(data.kinds)
            results[name]["by_kind"] = {
                k: {"n": int((kinds == k).sum()), "accuracy": float(correct[kinds == k].mean())}
                for k in sorted(set(data.kinds))
            }

    print(f"thresholds: ours {thresholds['ours']} (default), overlap {thresholds['overlap']}, "
          f"cosine {thresholds['cosine']} (each chosen on training data)")  # fmt: skip
    print(f"\n{'dataset':<15}{'n':>6} | {'ours BA':>8}{'F1':>7}{'AUROC':>7} | {'overlap BA':>10}{'F1':>7}{'AUROC':>7}"
          f" | {'cosine BA':>9}{'F1':>7}{'AUROC':>7}")  # fmt: skip
    for name, r in results.items():
        cells = " | ".join(f"{r[k]['balanced_accuracy']:>{w}.3f}{r[k]['f1_ungrounded']:>7.3f}{r[k]['auroc']:>7.3f}"
                           for k, w in (("ours", 8), ("overlap", 10), ("cosine", 9)))  # fmt: skip
        print(f"{name:<15}{r['n']:>6} | {cells}")
    print(f"\nHaluEval length-only AUROC (shorter = grounded): {results['halueval']['length_only_auroc']:.3f}")
    print(
        "synthetic eval accuracy by kind:",
        {k: round(v["accuracy"], 2) for k, v in results["synthetic"]["by_kind"].items()},
    )
    print(f"({time.perf_counter() - started:.0f} s)")
    out = ROOT / "bench" / "results" / "grounding_quality.json"
    out.write_text(json.dumps({"thresholds": thresholds, "results": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
