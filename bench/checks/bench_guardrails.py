"""Latency of applying a guardrail with every policy beyond grounding to a 2,000-character text (in-process,
models loaded, the topic vectors cached as in the service).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/checks/bench_guardrails.py [--workers 2] [--runs 60] [--compare REV]

The guardrail has 31 PII types and 2 regexes (ANONYMIZE), 20 custom words and the profanity list, 3 denied
topics with 5 examples each, and the content filters ragkb has (all at HIGH). The text is a ~2k-character
SciFact abstract with an email, a phone number and a card number added; each run changes one word so no
call repeats another. Prints p50/p99 wall time per policy alone and for all together, the CPU time the
process used per call (p50, all threads: the wall time the call would take on one idle core), the load
average before and after, and the share of CPU time the hypervisor gave to other machines meanwhile ("steal",
from /proc/stat): the machine is shared, wall times move with both, CPU time much less.
``--workers``: the threads MiniLM's windows are spread over (one core each; the service uses 2);
``--precision fp32``: the fp32 ONNX model instead of the service's int8 one.
``--compare REV``: before/after in one run: this bench from git revision ``REV`` (extracted into a temporary
folder) and from this tree, each in a fresh process, alternately ``--rounds`` times; prints both, the median
of the rounds' figures per row.
Writes bench/results/guardrails.json (with ``--compare``: guardrails-compare.json).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from app.core.guardrails.vectors import OnnxSentenceVectors  # noqa: E402
from app.core.wiring import build_guard  # noqa: E402
from app.settings import Settings  # noqa: E402
from guardrails import (  # noqa: E402
    PII_TYPES,
    ContentFilter,
    ContentPolicy,
    CustomRegex,
    DeniedTopic,
    Directions,
    Guard,
    PiiEntity,
    Policies,
    RegexEntity,
    SensitivePolicy,
    Topic,
    TopicPolicy,
    Word,
    WordPolicy,
    supported_categories,
)

SHARED = ROOT.parent / "shared" / "eval"
FALLBACK = (
    "Vitamin D deficiency is common in older adults and has been linked to falls and fractures. " * 25
)[:1900]


def two_k_text() -> str:
    corpus = SHARED / "scifact" / "corpus.jsonl"
    text = FALLBACK
    if corpus.is_file():
        for line in corpus.read_text(encoding="utf-8").splitlines():
            candidate = json.loads(line)["text"]
            if 1850 <= len(candidate) <= 1950:
                text = candidate
                break
    return text + " Contact jane.doe@example.com, +1 415-555-2671, card 4111 1111 1111 1111."


def policies() -> dict[str, Policies]:
    anonymize = Directions("ANONYMIZE", "ANONYMIZE")
    sensitive = SensitivePolicy(
        tuple(PiiEntity(t, anonymize) for t in PII_TYPES),
        (RegexEntity(CustomRegex("TICKET", r"TCK-\d{4}"), "", anonymize),
         RegexEntity(CustomRegex("EMPLOYEE", r"\bE\d{6}\b"), "", anonymize)),
    )  # fmt: skip
    coffees = (
        "decaf espresso latte mocha frappe ristretto lungo doppio cortado macchiato affogato americano cappuccino "
        "flat-white irish-coffee red-eye black-eye vienna breve galao"
    )
    words = WordPolicy(tuple(Word(w) for w in coffees.split()), Directions())
    topics = TopicPolicy(tuple(
        DeniedTopic(Topic(name, definition, examples)) for name, definition, examples in (
            ("investment", "Recommendations about which stocks, funds or other assets to buy.",
             ("Should I buy Tesla?", "Which crypto will rise?", "Is gold a good investment?",
              "Sell my index funds?", "Best stocks for 2025?")),
            ("medical", "Diagnosing symptoms or recommending medicines or doses.",
             ("What do I have?", "How much aspirin?", "Is this rash serious?", "Which antibiotic?",
              "Stop my medication?")),
            ("politics", "Opinions on parties, politicians or who to vote for.",
             ("Who should I vote for?", "Is the president good?", "Best party?", "Are liberals right?",
              "Vote in the referendum?")),
        )
    ))  # fmt: skip
    content = ContentPolicy(tuple(ContentFilter(c, "HIGH", "HIGH") for c in sorted(supported_categories())))
    return {
        "sensitive information": Policies(sensitive=sensitive),
        "words": Policies(words=words),
        "topics": Policies(topics=topics),
        "content": Policies(content=content),
        "all four": Policies(sensitive=sensitive, words=words, topics=topics, content=content),
    }


def steal_ticks() -> tuple[int, int]:
    """(steal, all) CPU ticks since boot, from /proc/stat's ``cpu`` line; zeros where there is none."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields)


def compare(revision: str, *, rounds: int, runs: int) -> None:
    """This bench at ``revision`` and in this tree, alternately, each in a fresh process; both tables."""
    figures: dict[str, list[dict[str, dict[str, float]]]] = {"before": [], "after": []}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "tree"
        old_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive.stdout, check=True)
        (Path(tmp) / "shared").symlink_to(ROOT.parent / "shared")  # the same 2k text for both
        for _ in range(rounds):
            for label, tree in (("before", old_tree), ("after", ROOT)):
                loads.append(os.getloadavg()[0])
                places = (tree / "bench" / "checks", tree / "bench")  # bench/checks/ since 2026-12-02
                folder = next(p for p in places if (p / "bench_guardrails.py").exists())
                command = [sys.executable, str(folder / "bench_guardrails.py"), "--runs", str(runs)]
                subprocess.run(command, check=True, capture_output=True, cwd=tree)
                report = json.loads((tree / "bench" / "results" / "guardrails.json").read_text())
                figures[label].append(report["results"])
    loads.append(os.getloadavg()[0])
    print(f"before = {revision}, after = this tree; {rounds} rounds of {runs} runs each, alternating; "
          f"load average {min(loads):.1f}-{max(loads):.1f}; medians over rounds")  # fmt: skip
    print(f"| {'policies':22} | p50 ms before / after | p99 ms before / after | CPU p50 ms before / after |")
    print(f"|{'-' * 24}|-----------------------|-----------------------|---------------------------|")
    merged: dict[str, dict[str, dict[str, float]]] = {}
    for name in figures["after"][0]:
        merged[name] = {
            label: {key: statistics.median(r[name][key] for r in figures[label]) for key in figures[label][0][name]}
            for label in ("before", "after")
        }
        b, a = merged[name]["before"], merged[name]["after"]
        print(f"| {name:22} | {b['p50_ms']:9.1f} / {a['p50_ms']:9.1f} | {b['p99_ms']:9.1f} / {a['p99_ms']:9.1f} | "
              f"{b['cpu_p50_ms']:12.1f} / {a['cpu_p50_ms']:10.1f} |")  # fmt: skip
    out = ROOT / "bench" / "results" / "guardrails-compare.json"
    out.write_text(json.dumps({"before": revision, "rounds": rounds, "runs": runs, "load": loads, "results": merged}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--precision", choices=["int8", "fp32"], default="int8", help="the ONNX model (service: int8)")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--compare", metavar="REV", help="also run this bench at git revision REV, alternately")
    parser.add_argument("--rounds", type=int, default=2, help="with --compare: processes per side")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, rounds=args.rounds, runs=args.runs)
        return
    load_before = os.getloadavg()[0]
    steal_before = steal_ticks()
    guard = build_guard(Settings(embedder="sentence-transformers"))
    if args.workers != 2 or args.precision != "int8":
        encode = guard.encode
        assert isinstance(encode, OnnxSentenceVectors)
        onnx_model = encode.onnx_model if args.precision == "int8" else encode.onnx_model.with_name("model.onnx")
        guard = Guard(OnnxSentenceVectors(encode.model_dir, onnx_model=onnx_model, workers=args.workers))
    text = two_k_text()
    results = {}
    for name, policy in policies().items():
        guard.assess(policy, source="INPUT", texts=[text])  # warm: models and topic vectors
        times, cpu = [], []
        for run in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            guard.assess(policy, source="INPUT", texts=[text.replace("the", f"the{run}", 1)])
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        results[name] = {
            "p50_ms": statistics.median(times), "p99_ms": times[math.ceil(0.99 * len(times)) - 1],
            "cpu_p50_ms": statistics.median(cpu),
        }  # fmt: skip
    load = os.getloadavg()[0]
    steal_after = steal_ticks()
    steal = (steal_after[0] - steal_before[0]) / max(steal_after[1] - steal_before[1], 1)
    print(f"text: {len(text)} characters; ONNX {args.precision}, {args.workers} workers; "
          f"load average {load_before:.1f} -> {load:.1f}; steal {steal:.1%}")  # fmt: skip
    print(f"| {'policies':22} | p50 ms | p99 ms | CPU p50 ms |\n|{'-' * 24}|--------|--------|------------|")
    for name, r in results.items():
        print(f"| {name:22} | {r['p50_ms']:6.1f} | {r['p99_ms']:6.1f} | {r['cpu_p50_ms']:10.1f} |")
    out = ROOT / "bench" / "results" / "guardrails.json"
    out.parent.mkdir(exist_ok=True)
    report = {
        "chars": len(text), "precision": args.precision, "workers": args.workers, "load": [load_before, load],
        "steal": steal,
        "results": results,
    }  # fmt: skip
    out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
