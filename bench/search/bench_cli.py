"""How long each ``ragkb`` command takes cold, and what it imports.

Runs every command as a new user would, in a fresh process, ``--runs`` times, against a home holding
the sample knowledge base (synced first with the default settings unless ``--home`` already has it).
Per command it reports the median wall time with its spread (min-max), the median CPU time (user +
system of the process: on a loaded machine the wall time is mostly waiting for a core, the CPU time
is what the command costs), the import time summed over top-level imports from ``python -X
importtime`` (one extra run), and which heavy packages were imported. The import lists do not depend
on load. With ``--server``, the same commands are then timed again while a ``ragkb serve`` runs for
the home (started by this script, which waits until it is ready and stops it at the end): those rows
are answered by the server (app/cli/remote.py), the others in-process.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search/bench_cli.py --runs 5
    HF_HUB_OFFLINE=1 .venv/bin/python bench/search/bench_cli.py --runs 3 --commands retrieve check --server
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def start_server(home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``ragkb serve`` on a free port for ``home``, returned once its server file is written (it is ready)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = "import sys; from app.cli import main; sys.argv[0] = 'ragkb'; main()"
    server = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port)], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not (home / "server.json").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("ragkb serve did not start")
        time.sleep(0.2)
    return server


def time_command(name: str, env: dict[str, str], *, runs: int, mode: str) -> dict[str, object]:
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = ragkb(COMMANDS[name], env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode not in (0, 3):  # 3: check's BLOCKED verdict
            raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr[-2000:]}")
    import_s, packages = imports(ragkb(COMMANDS[name], env, importtime=True).stderr)
    return {
        "command": f"ragkb {name}", "mode": mode, "p50_s": statistics.median(times), "min_s": min(times),
        "max_s": max(times), "cpu_p50_s": statistics.median(cpu), "cpu_min_s": min(cpu), "cpu_max_s": max(cpu),
        "import_s": import_s, "heavy_imports": sorted(p for p in HEAVY if p in packages),
    }  # fmt: skip


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
    parser.add_argument("--server", action="store_true", help="also time the commands with a `ragkb serve` running")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ragkb-bench-cli-"))
    env = {**os.environ, "RAGKB_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    if not (home / "registry.sqlite").exists() and "sample" not in ragkb(["kb", "list"], env).stdout:
        ragkb(["sync", str(ROOT / "data" / "sample"), "--kb", "sample"], env).check_returncode()
        # The first query may prepare the query model's files once (cached in the home): not a cold start.
        ragkb(COMMANDS["retrieve"], env).check_returncode()
    rows = [time_command(name, env, runs=args.runs, mode="in-process") for name in args.commands]
    if args.server:
        server = start_server(home, env)
        try:
            for name in args.commands:  # the server loads each command's model on its first call: warm it
                ragkb(COMMANDS[name], env)
            rows += [time_command(name, env, runs=args.runs, mode="server") for name in args.commands]
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        if (home / "server.json").exists():
            raise SystemExit("ragkb serve left its server file behind")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    print("| command | answered | wall p50 s | (spread) | CPU p50 s | (spread) | import s | heavy packages imported |\n"
          "|---|---|---:|---:|---:|---:|---:|---|")  # fmt: skip
    for r in rows:
        heavy = ", ".join(r["heavy_imports"]) or "none"
        spread = f"({r['min_s']:.2f}-{r['max_s']:.2f})"
        cpu_spread = f"({r['cpu_min_s']:.2f}-{r['cpu_max_s']:.2f})"
        print(f"| `{r['command']}` | {r['mode']} | {r['p50_s']:.2f} | {spread} | {r['cpu_p50_s']:.2f} | {cpu_spread} "
              f"| {r['import_s']:.2f} | {heavy} |")  # fmt: skip
    out = ROOT / "bench" / "results" / "cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
