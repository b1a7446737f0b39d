"""Grounding quality on held-out data: v3 (hybrid), v2 (cross-encoder), v1 (features) and a word-overlap baseline.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/checks/bench_grounding_quality.py [--pack-dev 200] [--threads 2]

Datasets (built by ``scripts/grounding/datasets/*.py`` into /tmp/ragkb-grounding/data when absent):

- HaluEval QA (1,000, never trained on by any model), CLIMATE-FEVER eval split (30 % of claims), FaithDial
  eval split (40 % of knowledge snippets), synthetic eval (``synthetic_sub``: 1,003 examples, whole sources drawn
  from the SciFact eval abstracts + docs-corpus eval files; the cross-encoder is slow on long sources here);
- pack dev: the 6 % of premises of ``../shared/train/grounding`` held out by ``scripts/grounding/datasets/pairs.py``
  (up to ``--pack-dev`` pairs per source; v1 and v3 never saw the pack, the cross-encoder never saw these premises);
- adversarial: the hand-written cases of ``tests/grounding/cases/``;
- swaps: relation swaps in held-out passages and their faithful twins (``scripts/grounding/datasets/swaps.py``);
- long_answers: answers of 1, 2, 4 and 8 sentences of held-out passages, faithful or with one perturbed sentence
  (``scripts/grounding/datasets/long_answers.py``), for false alarms and misses by answer length;
- quantities: numbers with another unit or moved from elsewhere in held-out passages, hedges made absolute
  ("usually" -> "always"), and their faithful twins (``scripts/grounding/datasets/quantity_pairs.py``).

Scores come from the checkers' own analysis functions run over whole datasets with cached results
(``scripts/grounding/featurize.py`` for v1's features, ``featurize_pairs.py`` for the cross-encoder's reading,
bf16), combined exactly as the checkers combine them; ``--verify`` examples per set are re-run through the
checkers' ``check`` and the largest difference is printed. Each model at its own default threshold (chosen on
training or calibration data only); the overlap baseline (share of the answer's content words found in the
sources) at its best threshold on the v1 training files. Columns: n, balanced accuracy and F1 of the
*ungrounded* class at the threshold, AUROC (grounded as positive). Writes bench/results/grounding_quality.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding")]

from convert import OUT, SHARED, read_jsonl, write_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402
from featurize_pairs import featurize_pairs, names_apart, reads_scorer, unit_reads  # noqa: E402
from metrics import balanced_accuracy, best_threshold, f1, roc_auc  # noqa: E402
from train import claim_scores, length_adjusted  # noqa: E402
from train_hybrid import hybrid  # noqa: E402

from grounding.check import Checker  # noqa: E402
from grounding.claims import split_claims  # noqa: E402
from grounding.crossencoder import CrossEncoder  # noqa: E402
from grounding.crossencoder.check import Calibration, CrossEncoderChecker  # noqa: E402
from grounding.crossencoder.hybrid import HybridChecker, HybridModel  # noqa: E402
from grounding.features import V1_FEATURES  # noqa: E402
from grounding.lexical import STOPWORDS, WORD  # noqa: E402
from grounding.types import GroundingChecker  # noqa: E402

MODELS = ("v3", "v2", "v1", "overlap")
EVAL_SETS = (
    "halueval", "climate_fever", "faithdial", "synthetic_sub", "pack_dev", "adversarial", "swaps", "long_answers",
    "quantities",
)  # fmt: skip
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
    from tests.grounding.cases import CASES

    write_jsonl(data / "adversarial.eval.jsonl", [
        {"id": c.id, "sources": list(c.sources), "query": c.query, "answer": c.answer,
         "label": c.expected, "kind": c.category} for c in CASES
    ])  # fmt: skip


def false_alarms(alarms: dict[str, list[tuple[int, bool]]]) -> dict[str, dict[str, float]]:
    """Per model, the share of grounded answers flagged, by the answer's number of claims."""
    buckets = {"0-1": (0, 1), "2": (2, 2), "3-4": (3, 4), "5+": (5, 10**6)}
    out = {}
    for name, (low, high) in buckets.items():
        rows = {m: [flag for n, flag in pairs if low <= n <= high] for m, pairs in alarms.items()}
        if any(rows.values()):
            out[name] = {"n": len(next(iter(rows.values())))} | {m: float(np.mean(r)) for m, r in rows.items()}
    return out


def relevance_results(data: Path, v1: Checker, v2: CrossEncoder, v2_threshold: float) -> dict[str, dict]:
    """HaluEval questions with their own answers (relevant) and another question's (not): v1 (= v3) and v2."""
    path = data / "relevance_halueval.eval.jsonl"
    rows = read_jsonl(path)
    labels = np.array([int(r["label"] == "relevant") for r in rows])
    features = featurize(path, encoder=v1.encoder, lexicon=v1.models.lexicon, quiet=True)
    ok = ~np.isnan(features.relevance).any(1)
    old = np.ones(len(rows))
    old[ok] = v1.models.relevance.predict(features.relevance[ok])
    joined = [(r["query"], " ".join(c.text for c in split_claims(r["answer"], query=r["query"])[0]) or r["answer"])
              for r in rows]  # fmt: skip
    new = np.asarray(v2.relevance(joined), dtype=np.float64)
    return {"halueval questions": {
        "n": len(rows),
        "v2": {"balanced_accuracy": balanced_accuracy(labels, (new >= v2_threshold).astype(int)),
               "auroc": roc_auc(labels, new)},
        "v1": {"balanced_accuracy": balanced_accuracy(labels, (old >= v1.models.relevance.threshold).astype(int)),
               "auroc": roc_auc(labels, old)},
    }}  # fmt: skip


def verify(rows: list[dict], scores: dict[str, np.ndarray], checkers: dict[str, GroundingChecker]) -> float:
    """Largest difference between the cached-feature scores and the checkers' own ``check`` on ``rows``."""
    worst = 0.0
    for i, r in enumerate(rows):
        for model, checker in checkers.items():
            worst = max(worst, abs(checker.check(r["sources"], r["query"], r["answer"]).grounding - scores[model][i]))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pack-dev", type=int, default=200, help="pack dev pairs per source")
    parser.add_argument("--baseline-train", type=int, default=1500, help="training examples per set for overlap")
    parser.add_argument("--verify", type=int, default=10, help="examples per set re-checked through the checkers")
    parser.add_argument("--sets", nargs="*", default=list(EVAL_SETS))
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    rng = random.Random(0)
    if not (args.data / "halueval.eval.jsonl").exists():
        from train import ensure_data

        ensure_data(args.data, SHARED, rebuild=False)
    if not (args.data / "pack_dev.eval.jsonl").exists():
        write_pack_dev(args.data, args.pack_dev, rng)
    write_adversarial(args.data)
    v1, calibration, hybrid_model = Checker(), Calibration.load(), HybridModel.load()
    scorer = reads_scorer()  # what the cached reads were made with
    v3 = HybridChecker(v1.encoder, scorer, model=hybrid_model, early_exit=False)
    checkers: dict[str, GroundingChecker] = {
        "v3": v3,
        "v2": CrossEncoderChecker(scorer, calibration=calibration, early_exit=False),
    }
    train_overlap = {}
    for name in ("synthetic", "faithdial"):
        rows = read_jsonl(args.data / f"{name}.train.jsonl")
        rows = rng.sample(rows, min(len(rows), args.baseline_train))
        train_overlap[name] = (np.array([int(r["label"] == "grounded") for r in rows]),
                               np.array([overlap_score(r) for r in rows]))  # fmt: skip
    thresholds = {"v3": hybrid_model.claim.threshold, "v2": calibration.threshold,
                  "v1": v1.models.grounding.threshold, "overlap": best_threshold(train_overlap)}  # fmt: skip

    results: dict[str, dict] = {}
    alarms: dict[str, list[tuple[int, bool]]] = {m: [] for m in MODELS[:3]}  # grounded answers: (claims, flagged)
    for name in args.sets:
        started = time.perf_counter()
        path = args.data / f"{name}.eval.jsonl"
        rows = read_jsonl(path)
        data = featurize(path, encoder=v1.encoder, lexicon=v1.models.lexicon, quiet=True)
        reads = featurize_pairs(path, scorer=scorer)
        v1_claims = claim_scores(data, v1.models.grounding.predict)
        apart = [data.claims_of(i)[:, V1_FEATURES.index("anchor_apart")] for i in range(len(rows))]
        # As the checker reads since 2026-12-05: a claim whose names stand apart reads its best sentence alone too.
        supports = names_apart([r[:, 0] for r in reads], units=unit_reads(path), apart=apart)
        v2_claims = [calibration.claim(s) for s in supports]
        v3_reads = hybrid(path, data, focus=v3.focus)  # as the checker reads: focus windows since 2026-12-05
        v3_claims = claim_scores(v3_reads, hybrid_model.claim.predict)
        scores = {
            "v3": length_adjusted(v3_claims, hybrid_model.lengths.faithful),
            "v2": length_adjusted(v2_claims, calibration.faithful),
            "v1": length_adjusted(v1_claims, v1.models.faithful),
            "overlap": np.array([overlap_score(r) for r in rows]),
        }
        labels = np.array([int(r["label"] == "grounded") for r in rows])
        results[name] = {"n": len(labels), **{k: metrics(labels, s, thresholds[k]) for k, s in scores.items()}}
        results[name]["verified_max_difference"] = verify(rows[: args.verify], scores, checkers)
        for i, label in enumerate(labels):
            if label:
                for m in alarms:
                    alarms[m].append((len(v1_claims[i]), bool(scores[m][i] < thresholds[m])))
        if name in ("pack_dev", "adversarial", "synthetic", "swaps", "long_answers", "quantities"):
            kinds = np.array([r.get("kind", "") for r in rows])
            results[name]["by_kind"] = {
                k: {"n": int((kinds == k).sum()),
                    **{m: float(((scores[m][kinds == k] >= thresholds[m]) == labels[kinds == k]).mean())
                       for m in MODELS[:3]}}
                for k in sorted(set(kinds))
            }  # fmt: skip
        print(f"{name}: {len(rows)} in {time.perf_counter() - started:.0f} s "
              f"(checkers' own scores within {results[name]['verified_max_difference']:.4f})", flush=True)  # fmt: skip

    print("\nthresholds (defaults; overlap: best on training data):", thresholds)
    print(f"\n{'dataset':<15}{'n':>6} | " + " | ".join(f"{m + ' BA':>10}{'F1':>7}{'AUROC':>7}" for m in MODELS))
    for name, r in results.items():
        cells = " | ".join(f"{r[m]['balanced_accuracy']:>10.3f}{r[m]['f1_ungrounded']:>7.3f}{r[m]['auroc']:>7.3f}"
                           for m in MODELS)  # fmt: skip
        print(f"{name:<15}{r['n']:>6} | {cells}")
    for name, r in results.items():
        if "by_kind" in r:
            print(f"\n{name} accuracy by kind (v3 / v2 / v1):")
            for kind, v in r["by_kind"].items():
                print(f"  {kind:<22}{v['n']:>5}  {v['v3']:.2f} / {v['v2']:.2f} / {v['v1']:.2f}")
    results["false_alarms_by_claims"] = false_alarms(alarms)
    print("\nfalse-alarm rate on grounded answers by number of claims (all sets), v3 / v2 / v1:")
    for bucket, row in results["false_alarms_by_claims"].items():
        print(f"  {bucket:>8} claims  n {row['n']:5d}  {row['v3']:.3f} / {row['v2']:.3f} / {row['v1']:.3f}")
    relevance = relevance_results(args.data, v1, scorer, calibration.relevance_threshold)
    print(f"\n{'relevance':<20}{'n':>6} | {'v2 BA':>7}{'AUROC':>7} | {'v1=v3 BA':>9}{'AUROC':>7}")
    for name, r in relevance.items():
        print(
            f"{name:<20}{r['n']:>6} | {r['v2']['balanced_accuracy']:>7.3f}{r['v2']['auroc']:>7.3f} | "
            f"{r['v1']['balanced_accuracy']:>9.3f}{r['v1']['auroc']:>7.3f}"
        )
    results["relevance"] = relevance
    out = ROOT / "bench" / "results" / "grounding_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"thresholds": thresholds, "results": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
