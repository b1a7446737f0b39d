"""Grounding quality on held-out data: the v2 cross-encoder, the v1 feature model and a word-overlap baseline.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_grounding_quality.py [--pack-dev 300] [--threads 2]

Datasets (built by ``scripts/grounding/*.py`` into /tmp/ragkb-grounding/data when absent):

- HaluEval QA (1,000, never trained on by either model), CLIMATE-FEVER eval split (30 % of claims), FaithDial
  eval split (40 % of knowledge snippets), synthetic eval (SciFact eval abstracts + docs-corpus eval files);
- pack dev: the 6 % of premises of ``../shared/train/grounding`` held out by ``scripts/grounding/pairs.py``
  (up to ``--pack-dev`` pairs per source; the v1 model never saw the pack, the v2 model never saw these premises);
- adversarial: the hand-written cases of ``tests/grounding_cases.py``.

Each model at its own default threshold (both chosen on training or calibration data only); the overlap
baseline (share of the answer's content words found in the sources) at its best threshold on the v1 training
files. Columns: n, balanced accuracy and F1 of the *ungrounded* class at the threshold, AUROC (grounded as
positive). Writes bench/results/grounding_quality.json.
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

from convert import OUT, SHARED, read_jsonl, write_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402
from metrics import balanced_accuracy, best_threshold, f1, roc_auc  # noqa: E402

from grounding.check import Checker  # noqa: E402
from grounding.cross_check import CrossEncoderChecker  # noqa: E402
from grounding.lexical import STOPWORDS, WORD  # noqa: E402

EVAL_SETS = ("halueval", "climate_fever", "faithdial", "synthetic", "pack_dev", "adversarial")
PAIRS = Path("/tmp/ragkb-grounding/pairs")


def overlap_score(example: dict) -> float:
    source = {w.lower() for s in example["sources"] for w in WORD.findall(s)}
    answer = [w.lower() for w in WORD.findall(example["answer"]) if w.lower() not in STOPWORDS]
    return sum(w in source for w in answer) / len(answer) if answer else 1.0


def metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (scores >= threshold).astype(int)
    return {"balanced_accuracy": balanced_accuracy(labels, predicted), "f1_ungrounded": f1(1 - labels, 1 - predicted),
            "auroc": roc_auc(labels, scores)}  # fmt: skip


def write_pack_dev(data: Path, per_source: int, rng: random.Random) -> None:
    """Pack dev pairs as examples (claim = query = answer), up to ``per_source`` per source."""
    rows = [json.loads(line) for line in (PAIRS / "dev.jsonl").open(encoding="utf-8")]
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        if row["task"] == "grounding" and row["kind"] == "pack":
            by_source.setdefault(row["source"], []).append(row)
    examples = [
        {"id": f"pack-{source}-{i}", "sources": [r["premise"]], "query": r["claim"], "answer": r["claim"],
         "label": "grounded" if r["label"] else "ungrounded", "kind": source}
        for source, items in sorted(by_source.items())
        for i, r in enumerate(rng.sample(items, min(per_source, len(items))))
    ]  # fmt: skip
    write_jsonl(data / "pack_dev.eval.jsonl", examples)


def write_adversarial(data: Path) -> None:
    from tests.grounding_cases import CASES

    write_jsonl(data / "adversarial.eval.jsonl", [
        {"id": c.id, "sources": list(c.sources), "query": c.query, "answer": c.answer,
         "label": c.expected, "kind": c.category} for c in CASES
    ])  # fmt: skip


def false_alarms(alarms: list[tuple[int, bool, bool]]) -> dict[str, dict[str, float]]:
    buckets = {"0-1": (0, 1), "2": (2, 2), "3-4": (3, 4), "5+": (5, 10**6)}
    out = {}
    for name, (low, high) in buckets.items():
        rows = [a for a in alarms if low <= a[0] <= high]
        if rows:
            out[name] = {"n": len(rows), "v2": float(np.mean([a[1] for a in rows])),
                         "v1": float(np.mean([a[2] for a in rows]))}  # fmt: skip
    return out


def relevance_results(data: Path, v1: Checker, v2: CrossEncoderChecker) -> dict[str, dict]:
    """HaluEval questions with their own answers (relevant) and another question's (not): both checkers."""
    rows = read_jsonl(data / "relevance_halueval.eval.jsonl")
    labels = np.array([int(r["label"] == "relevant") for r in rows])
    old = np.array([v1.check(r["sources"], r["query"], r["answer"]).relevance for r in rows])
    new = np.array([v2.check(r["sources"], r["query"], r["answer"]).relevance for r in rows])
    return {"halueval questions": {
        "n": len(rows),
        "v2": {"balanced_accuracy": balanced_accuracy(labels, (new >= v2.calibration.relevance_threshold).astype(int)),
               "auroc": roc_auc(labels, new)},
        "v1": {"balanced_accuracy": balanced_accuracy(labels, (old >= v1.models.relevance.threshold).astype(int)),
               "auroc": roc_auc(labels, old)},
    }}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pack-dev", type=int, default=300, help="pack dev pairs per source")
    parser.add_argument("--baseline-train", type=int, default=1500, help="training examples per set for overlap")
    parser.add_argument("--sets", nargs="*", default=list(EVAL_SETS))
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    rng = random.Random(0)
    if not (args.data / "halueval.eval.jsonl").exists():
        from train import ensure_data

        ensure_data(args.data, SHARED, rebuild=False)
    write_pack_dev(args.data, args.pack_dev, rng)
    write_adversarial(args.data)
    v1, v2 = Checker(), CrossEncoderChecker()
    train_overlap = {}
    for name in ("synthetic", "faithdial"):
        rows = read_jsonl(args.data / f"{name}.train.jsonl")
        rows = rng.sample(rows, min(len(rows), args.baseline_train))
        train_overlap[name] = (np.array([int(r["label"] == "grounded") for r in rows]),
                               np.array([overlap_score(r) for r in rows]))  # fmt: skip
    thresholds = {"v2": v2.default_threshold, "v1": v1.models.grounding.threshold,
                  "overlap": best_threshold(train_overlap)}  # fmt: skip

    results: dict[str, dict] = {}
    alarms: list[tuple[int, bool, bool]] = []  # grounded answers: (claims, v2 flags it, v1 flags it)
    for name in args.sets:
        started = time.perf_counter()
        path = args.data / f"{name}.eval.jsonl"
        rows = read_jsonl(path)
        data = featurize(path, encoder=v1.encoder, lexicon=v1.models.lexicon, quiet=True)
        probabilities = v1.models.grounding.predict(data.rows) if len(data.rows) else np.zeros(0)
        old = np.array([probabilities[a:b].min() if b > a else 1.0
                        for a, b in zip(data.offsets[:-1], data.offsets[1:], strict=True)])  # fmt: skip
        checked = [v2.check(r["sources"], r["query"], r["answer"]) for r in rows]
        new = np.array([c.grounding for c in checked])
        labels = np.array([int(r["label"] == "grounded") for r in rows])
        scores = {"v2": new, "v1": old, "overlap": np.array([overlap_score(r) for r in rows])}
        results[name] = {"n": len(labels), **{k: metrics(labels, s, thresholds[k]) for k, s in scores.items()}}
        for check, label, old_score, new_score in zip(checked, labels, old, new, strict=True):
            if label:
                alarms.append((len(check.claims), new_score < thresholds["v2"], old_score < thresholds["v1"]))
        if name in ("pack_dev", "adversarial", "synthetic"):
            kinds = np.array([r.get("kind", "") for r in rows])
            results[name]["by_kind"] = {
                k: {"n": int((kinds == k).sum()),
                    **{m: float(((scores[m][kinds == k] >= thresholds[m]) == labels[kinds == k]).mean())
                       for m in ("v2", "v1")}}
                for k in sorted(set(kinds))
            }  # fmt: skip
        print(f"{name}: {len(rows)} in {time.perf_counter() - started:.0f} s", flush=True)

    print(f"\nthresholds: v2 {thresholds['v2']}, v1 {thresholds['v1']} (defaults), overlap {thresholds['overlap']}")
    print(f"\n{'dataset':<15}{'n':>6} | {'v2 BA':>7}{'F1':>7}{'AUROC':>7} | {'v1 BA':>7}{'F1':>7}{'AUROC':>7}"
          f" | {'overlap BA':>10}{'F1':>7}{'AUROC':>7}")  # fmt: skip
    for name, r in results.items():
        cells = " | ".join(f"{r[k]['balanced_accuracy']:>{w}.3f}{r[k]['f1_ungrounded']:>7.3f}{r[k]['auroc']:>7.3f}"
                           for k, w in (("v2", 7), ("v1", 7), ("overlap", 10)))  # fmt: skip
        print(f"{name:<15}{r['n']:>6} | {cells}")
    for name, r in results.items():
        if "by_kind" in r:
            print(f"\n{name} accuracy by kind (v2 / v1):")
            for kind, v in r["by_kind"].items():
                print(f"  {kind:<22}{v['n']:>5}  {v['v2']:.2f} / {v['v1']:.2f}")
    results["false_alarms_by_claims"] = false_alarms(alarms)
    print("\nfalse-alarm rate on grounded answers by number of claims (all sets), v2 / v1:")
    for bucket, row in results["false_alarms_by_claims"].items():
        print(f"  {bucket:>8} claims  n {row['n']:5d}  {row['v2']:.3f} / {row['v1']:.3f}")
    relevance = relevance_results(args.data, v1, v2)
    print(f"\n{'relevance':<20}{'n':>6} | {'v2 BA':>7}{'AUROC':>7} | {'v1 BA':>7}{'AUROC':>7}")
    for name, r in relevance.items():
        print(
            f"{name:<20}{r['n']:>6} | {r['v2']['balanced_accuracy']:>7.3f}{r['v2']['auroc']:>7.3f} | "
            f"{r['v1']['balanced_accuracy']:>7.3f}{r['v1']['auroc']:>7.3f}"
        )
    results["relevance"] = relevance
    out = ROOT / "bench" / "results" / "grounding_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"thresholds": thresholds, "results": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
