"""Parse + chunk throughput over the real-world docs corpus, by file type.

    .venv/bin/python bench/ingestion/bench_parse.py [--corpus ../shared/eval/docs-corpus] [--runs 3]

Prints a table (files, MB, pages, seconds, MB/s, pages/s, chunks; median of the runs with the
min-max spread) and writes bench/results/parse.json. Refused files count toward time and MB, since
a sync pays for them too. Nothing is embedded: this isolates the parse/chunk stage.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from collections import defaultdict
from pathlib import Path

from ingest.chunking import ChunkingConfig
from ingest.pipeline import iter_documents, process_file

ROOT = Path(__file__).resolve().parents[2]


def run_once(paths: list[Path]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    config = ChunkingConfig()
    for path in paths:
        kind = path.suffix.lower() or "(none)"
        start = time.perf_counter()
        result = process_file(path, chunking=config)
        elapsed = time.perf_counter() - start
        pages = {p for c in result.chunks for p in c.location.pages}
        for key in (kind, "ALL"):
            row = rows[key]
            row["files"] += 1
            row["ok"] += result.status == "ok"
            row["mb"] += path.stat().st_size / 1e6
            row["pages"] += len(pages)
            row["seconds"] += elapsed
            row["chunks"] += len(result.chunks)
    return {k: dict(v) for k, v in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/eval/docs-corpus")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repairs of damaged PDFs are expected here
    # Files directly in the corpus root are its README and manifests, not test documents.
    paths = [p for p in iter_documents(args.corpus) if p.parent != args.corpus]
    runs = [run_once(paths) for _ in range(args.runs)]
    print(f"parse+chunk over {len(paths)} files in {args.corpus}, {args.runs} runs (median, min-max)\n")
    header = (
        f"{'type':8} {'files':>5} {'ok':>4} {'MB':>7} {'pages':>6} {'seconds':>16} {'MB/s':>7} "
        f"{'pages/s':>8} {'chunks':>7}"
    )
    print(header)
    print("-" * len(header))
    summary = {}
    for kind in sorted(runs[0], key=lambda k: (k == "ALL", k)):
        secs = [r[kind]["seconds"] for r in runs]
        med = statistics.median(secs)
        row = runs[0][kind]
        summary[kind] = {
            **row,
            "seconds_median": med,
            "seconds_min": min(secs),
            "seconds_max": max(secs),
            "mb_per_s": row["mb"] / med if med else 0.0,
            "pages_per_s": row["pages"] / med if med else 0.0,
        }
        print(
            f"{kind:8} {row['files']:5.0f} {row['ok']:4.0f} {row['mb']:7.2f} {row['pages']:6.0f} "
            f"{med:7.2f} ({min(secs):.2f}-{max(secs):.2f}) {summary[kind]['mb_per_s']:7.2f} "
            f"{summary[kind]['pages_per_s']:8.1f} {row['chunks']:7.0f}"
        )
    out = ROOT / "bench/results/parse.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
