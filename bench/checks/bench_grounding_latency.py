"""Latency of :func:`grounding.check` (model loaded, in-process, nothing cached between calls).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/checks/bench_grounding_latency.py [--threads 2] [--runs 60]
        [--passes 3] [--checkers v3 v3-bf16 v3-bf16-before v3-torch-bf16 v2 v2-before v2-bf16 v2-torch v2-every-window
                     v3-every-window v3-before v1-torch v1-torch-before v1-onnx v1-openvino v1-bf16]

Two cases, real text: (1) a ~2,000-character SciFact abstract and a three-sentence answer built
from it (the middle sentence changed: its first "the" becomes "no"); (2) a 100,000-character source (a Wikipedia
biography and War and Peace from docs-corpus) with the same kind of answer. Each call gets a
different answer (the runs rotate over the source's sentences), so no call repeats another.
Each checker (``v3``: the hybrid in fp32, the service's default checker since 2026-12-05 evening, which runs it in
bf16 by default: ``v3-bf16``; ``v2``: the cross-encoder in fp32, both on OpenVINO, the service's default runtime;
entries without ``-bf16`` run fp32;
``-bf16``: the cross-encoder in bfloat16 (and, since 2026-12-05 afternoon, v1's encoding on OpenVINO bf16, also in
``v3-torch-bf16``); ``-torch``: the cross-encoder on PyTorch instead; ``-every-window``: early exit off, every
claim reads all its windows, as before 2026-12-03 evening (for v2 the same as ``v2`` since 2026-12-03 night, and
for v3 since 2026-12-05: both cases are over 150 words, read in one focus window a claim); ``v3-before``: v3
reading every window of a long input, as before 2026-12-05 (early exit on), for a before/after in one run;
``v1-torch`` / ``v1-onnx``: the v1 feature model (the default until 2026-12-05 evening) on PyTorch or ONNX
Runtime, same scores;
``v1-torch-before``: v1 as it ran before the padding-free encoder and the one-thread BLAS, same scores, for a
before/after in one run; ``v1-openvino``: v1's encoder on OpenVINO fp32, same scores; ``v1-bf16``: v1 with
``RAGKB_GROUNDING_PRECISION=bf16``, its encoder on OpenVINO bf16 (since 2026-12-05 afternoon; ``v3-bf16`` likewise, and
``v3-bf16-before`` is ``v3-bf16`` with v1's encoder in fp32 on PyTorch, as before; ``v2-before``: v2 without
names apart, windows only, as before the same afternoon) runs
``--passes`` times, the passes of the checkers alternating; the table gives the median p50/p99 over passes and
the spread of p50, and the median CPU time per call (the process's, all threads: on a shared machine wall time
grows with the others' load, CPU time much less). Prints the load average before and after (compare runs at
similar load).
Writes bench/results/grounding_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from app.core.wiring import build_checker  # noqa: E402
from app.settings import Settings  # noqa: E402
from grounding import Checker, GroundingChecker, MiniLMEncoder  # noqa: E402
from grounding.crossencoder.check import CrossEncoderChecker  # noqa: E402
from grounding.crossencoder.hybrid import HybridChecker  # noqa: E402
from ingest.parsers import parse_file  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
# Every entry names its precision: bf16 is the default since 2026-12-05 evening, so an entry without one would
# measure bf16 under an fp32 name.
CHECKERS = {
    "v3": {"grounding_model": "hybrid", "grounding_precision": "fp32"},
    "v3-bf16": {"grounding_model": "hybrid", "grounding_precision": "bf16"},
    "v3-bf16-before": {"grounding_model": "hybrid", "grounding_precision": "bf16"},
    "v2": {"grounding_model": "crossencoder", "grounding_precision": "fp32"},
    "v2-before": {"grounding_model": "crossencoder", "grounding_precision": "fp32"},
    "v3-torch-bf16": {"grounding_model": "hybrid", "grounding_precision": "bf16", "grounding_runtime": "torch"},
    "v2-bf16": {"grounding_model": "crossencoder", "grounding_precision": "bf16"},
    "v2-torch": {"grounding_model": "crossencoder", "grounding_runtime": "torch", "grounding_precision": "fp32"},
    "v2-every-window": {
        "grounding_model": "crossencoder", "grounding_early_exit": False, "grounding_precision": "fp32"
    },
    "v3-every-window": {"grounding_model": "hybrid", "grounding_early_exit": False, "grounding_precision": "fp32"},
    "v3-before": {"grounding_model": "hybrid", "grounding_precision": "fp32"},
    "v1-torch": {"grounding_model": "features", "grounding_backend": "torch", "grounding_precision": "fp32"},
    "v1-torch-before": {"grounding_model": "features", "grounding_backend": "torch", "grounding_precision": "fp32"},
    "v1-onnx": {"grounding_model": "features", "grounding_backend": "onnx", "grounding_precision": "fp32"},
    "v1-bf16": {"grounding_model": "features", "grounding_precision": "bf16"},
    "v1-openvino": {"grounding_model": "features", "grounding_backend": "onnx", "grounding_precision": "fp32"},
}


def two_k_source() -> str:
    for line in (SHARED / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        if 1900 <= len(text) <= 2100 and len(split_sentences(text)) >= 8:
            return text
    raise SystemExit("no 2k-character abstract found")


def hundred_k_source() -> str:
    folder = SHARED / "docs-corpus" / "unstructured"
    parts = []
    for name in ("norwich-city.txt", "book-war-and-peace-1225p.txt"):
        parts.append("\n\n".join(b.text for b in parse_file(folder / name).blocks))
    return "\n\n".join(parts)[:100_000]


def answers(source: str, count: int) -> list[str]:
    sentences = [s for s in split_sentences(source) if 8 <= len(s.split()) <= 40]
    out = []
    for i in range(count):
        a, b, c = (sentences[(3 * i + k) % len(sentences)] for k in range(3))
        out.append(f"{a} {b.replace('the', 'no', 1)} {c}")
    return out


def measure(checker: GroundingChecker, source: str, runs: int) -> dict[str, float]:
    timings, cpu = [], []
    for answer in answers(source, runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        # As the service calls it (guardrails and the check API name their threshold), so early exit applies.
        checker.check([source], "What does the document say?", answer, threshold=checker.default_threshold)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    timings.sort()
    return {
        "runs": runs,
        "p50_ms": statistics.median(timings),
        "p99_ms": timings[min(len(timings) - 1, int(0.99 * len(timings)))],
        "cpu_p50_ms": statistics.median(cpu),
    }


def build(backend: str, settings: Settings) -> GroundingChecker:
    if backend == "v1-torch-before":
        return Checker(MiniLMEncoder(padding_free=False), blas_threads=None)
    checker = build_checker(settings)
    if backend == "v3-before" and isinstance(checker, HybridChecker):
        checker.focus = False  # every window of a long input, as before 2026-12-05
    if backend == "v2-before" and isinstance(checker, CrossEncoderChecker):
        checker.names_apart = False  # windows only, as before 2026-12-05 afternoon
    if backend == "v3-bf16-before" and isinstance(checker, HybridChecker):
        checker.encoder = MiniLMEncoder()  # v1's encoding in fp32 on PyTorch, as before 2026-12-05 afternoon
    if backend == "v1-openvino" and isinstance(checker, Checker) and isinstance(checker.encoder, MiniLMEncoder):
        # The ONNX file the 'onnx' backend exported, on OpenVINO fp32.
        checker.encoder = MiniLMEncoder(onnx_model=checker.encoder.onnx_model, runtime="openvino")
    return checker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--checkers", nargs="+", choices=list(CHECKERS), default=list(CHECKERS))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    small, large = two_k_source(), hundred_k_source()
    cases = {
        f"{len(small)}-char source": (small, args.runs),
        f"{len(large)}-char source": (large, max(10, args.runs // 4)),
    }
    results: dict[str, dict[str, float]] = {}
    before = os.getloadavg()
    print(f"load average before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'checker':15} {'case (3-sentence answer)':26} {'p50 ms':>7} {'(spread)':>15} {'p99 ms':>7} "
          f"{'cpu p50 ms':>10} {'runs':>5}")  # fmt: skip
    with tempfile.TemporaryDirectory() as home:
        checkers = {b: build(b, Settings(home=Path(home), **CHECKERS[b])) for b in args.checkers}
        for checker in checkers.values():
            measure(checker, small, 5)  # warm-up
        for case, (source, runs) in cases.items():
            # Passes alternate between checkers, so a change in the machine's load hits all of them alike.
            passes: dict[str, list[dict[str, float]]] = {backend: [] for backend in checkers}
            for _ in range(args.passes):
                for backend, checker in checkers.items():
                    passes[backend].append(measure(checker, source, runs))
            for backend, measured in passes.items():
                p50s = [p["p50_ms"] for p in measured]
                row = {"p50_ms": statistics.median(p50s), "p99_ms": statistics.median(p["p99_ms"] for p in measured),
                       "p50_min": min(p50s), "p50_max": max(p50s), "runs": runs, "passes": args.passes,
                       "cpu_p50_ms": statistics.median(p["cpu_p50_ms"] for p in measured)}  # fmt: skip
                results[f"{backend}/{case}"] = row
                spread = f"({row['p50_min']:.1f}-{row['p50_max']:.1f})"
                print(f"{backend:15} {case:26} {row['p50_ms']:7.1f} {spread:>15} {row['p99_ms']:7.1f} "
                      f"{row['cpu_p50_ms']:10.1f} {runs:5d}", flush=True)  # fmt: skip
    load = os.getloadavg()
    print(f"threads {args.threads}, load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    out = ROOT / "bench" / "results" / "grounding_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"threads": args.threads, "loadavg_before": before, "loadavg": load, "results": results}
    out.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
