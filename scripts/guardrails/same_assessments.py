"""Check that a speed change left the guard's decisions alone: every finding of ``Guard.assess`` (the bench's
guardrail with all four policies, INPUT and OUTPUT, two blocks per request) over 589 varied texts, from git
revision ``REV`` and from this tree, compared exactly (scores included, as ``repr`` writes them).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/guardrails/same_assessments.py REV

The texts: the bench's 2k text, ``lookalikes.tsv`` and ``topics_written.tsv``, and the first 60 rows of five pack
files (PII sentences, toxic tweets, jailbreaks, injected documents, NER tweets). Prints how many differ (exit 1 if
any) and the first difference. Each tree runs in its own process (``--dump TREE OUT`` is that process).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT.parent / "shared" / "train" / "guardrails"


def texts(bench_text: str) -> list[str]:
    out = [bench_text]
    for name in ("lookalikes.tsv", "topics_written.tsv"):
        with (ROOT / "scripts" / "guardrails" / name).open(encoding="utf-8") as handle:
            out += [cell for row in csv.reader(handle, delimiter="\t") for cell in row if len(cell) > 15]
    for name in ("pii_presidio_synth", "tox_davidson", "pa_inthewild_jailbreaks", "pa_bipia_indirect", "ner_btc"):
        with gzip.open(PACK / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            out += [json.loads(line)["text"] for _, line in zip(range(60), handle, strict=False)]
    return out


def dump(tree: Path, target: Path) -> None:
    sys.path[:0] = [str(tree), str(tree / "bench" / "checks"), str(tree / "bench")]  # bench/checks/ since 2026-12-02
    from bench_guardrails import policies, two_k_text

    from app.core.wiring import build_guard
    from app.settings import Settings

    guard = build_guard(Settings(embedder="sentence-transformers"))
    policy = policies()["all four"]
    found = [
        repr(guard.assess(policy, source=source, texts=[text, text[: len(text) // 2]]))
        for text in texts(two_k_text())
        for source in ("INPUT", "OUTPUT")
    ]
    target.write_text(json.dumps(found), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("revision", nargs="?", help="the git revision to compare this tree with")
    parser.add_argument("--dump", nargs=2, metavar=("TREE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(Path(args.dump[0]), Path(args.dump[1]))
        return
    if not args.revision:
        parser.error("give a git revision")
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "tree"
        old_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.revision], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive.stdout, check=True)
        (Path(tmp) / "shared").symlink_to(ROOT.parent / "shared")  # the bench's 2k text
        results = []
        for tree in (old_tree, ROOT):
            out = Path(tmp) / f"{len(results)}.json"
            subprocess.run([sys.executable, __file__, "--dump", str(tree), str(out)], check=True)
            results.append(json.loads(out.read_text(encoding="utf-8")))
    before, after = results
    differing = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if b != a]
    print(f"{len(after)} assessments ({len(after) // 2} texts x INPUT/OUTPUT): {len(differing)} differ")
    if differing:
        print(f"first: {before[differing[0]][:400]}\n   vs: {after[differing[0]][:400]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
