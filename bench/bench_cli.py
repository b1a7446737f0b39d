"""How long each ``ragkb`` command takes cold, and what it imports.

Runs every command as a new user would, in a fresh process, ``--runs`` times, against a home holding
the sample knowledge base (synced first with the default settings unless ``--home`` already has it).
Per command it reports the median wall time with its spread (min-max), the median CPU time (user +
system of the process: on a loaded machine the wall time is mostly waiting for a core, the CPU time
is what the command costs), the import time summed over top-level imports from ``python -X
importtime`` (one extra run), and which heavy packages were imported. The import lists do not depend
on load.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_cli.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sentence_transformers", "transformers", "fastapi", "uvicorn", "onnxruntime", "faiss", "pypdf")
COMMANDS = {
    "--help": ["--help"],
    "kb list": ["kb", "list"],
    "retrieve": ["retrieve", "how many vacation days do I get?", "--kb", "sample", "-k", "3"],
    "check": [
        "check", "--query", "How many vacation days?", "--answer", "Employees get 25 vacation days a year.",
        "--source", "Every employee gets 25 days of paid vacation per calendar year.",
    ],
}  # fmt: skip
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def ragkb(args: list[str], env: dict[str, str], *, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    code = "import sys; from app.cli import main; sys.argv[0] = 'ragkb'; main()"
    return subprocess.run(
        [sys.executable, *flags, "-c", code, *args], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )


def imports(stderr: str) -> tuple[float, set[str]]:
    """Seconds spent importing (top-level entries of -X importtime) and the top-level packages imported."""
    total_us, packages = 0, set()
    for match in _LINE.finditer(stderr):
        cumulative, indent, module = int(match.group(2)), len(match.group(3)), match.group(4)
        packages.add(module.split(".")[0])
        if indent == 1:
            total_us += cumulative
    return total_us / 1e6, packages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None, help="a home with the 'sample' KB (default: a new one)")
    parser.add_argument("--commands", nargs="*", default=list(COMMANDS))
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ragkb-bench-cli-"))
    env = {**os.environ, "RAGKB_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    if not (home / "registry.sqlite").exists() and "sample" not in ragkb(["kb", "list"], env).stdout:
        ragkb(["sync", str(ROOT / "data" / "sample"), "--kb", "sample"], env).check_returncode()
        # The first query may prepare the query model's files once (cached in the home): not a cold start.
        ragkb(COMMANDS["retrieve"], env).check_returncode()
    rows = []
    for name in args.commands:
        times, cpu = [], []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = ragkb(COMMANDS[name], env)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode not in (0, 3):  # 3: check's BLOCKED verdict
                raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr[-2000:]}")
        import_s, packages = imports(ragkb(COMMANDS[name], env, importtime=True).stderr)
        rows.append({
            "command": f"ragkb {name}", "p50_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "cpu_p50_s": statistics.median(cpu), "cpu_min_s": min(cpu), "cpu_max_s": max(cpu),
            "import_s": import_s, "heavy_imports": sorted(p for p in HEAVY if p in packages),
        })  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    print("| command | wall p50 s | (spread) | CPU p50 s | (spread) | import s | heavy packages imported |\n"
          "|---|---:|---:|---:|---:|---:|---|")  # fmt: skip
    for r in rows:
        heavy = ", ".join(r["heavy_imports"]) or "none"
        spread = f"({r['min_s']:.2f}-{r['max_s']:.2f})"
        cpu_spread = f"({r['cpu_min_s']:.2f}-{r['cpu_max_s']:.2f})"
        print(f"| `{r['command']}` | {r['p50_s']:.2f} | {spread} | {r['cpu_p50_s']:.2f} | {cpu_spread} "
              f"| {r['import_s']:.2f} | {heavy} |")  # fmt: skip
    out = ROOT / "bench" / "results" / "cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
