"""Commands import only what they use: ``ragkb --help`` and ``kb list`` load no model, no web framework and
no parser library; ``ragkb retrieve`` on a knowledge base built with the default backend (OpenVINO) embeds the
query through ONNX Runtime without importing PyTorch or OpenVINO. Checked on ``sys.modules`` of a fresh
process, not by timing (the timings are in ``bench/search/bench_cli.py`` and docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WATCHED = (
    "torch", "sentence_transformers", "transformers", "fastapi", "uvicorn", "onnxruntime", "openvino", "pypdf", "docx",
)  # fmt: skip
# Runs the CLI as the `ragkb` script does and reports, on exit, which of WATCHED were imported.
PROBE = f"""
import atexit, json, sys
atexit.register(lambda: print("IMPORTED=" + json.dumps([m for m in {list(WATCHED)!r} if m in sys.modules])))
from app.cli import main
sys.argv = ["ragkb", *sys.argv[1:]]
main()
"""


def imported_by(args: list[str], home: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    environment = {**os.environ, "RAGKB_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), **env}
    environment.pop("RAGKB_EMBEDDER", None)  # the real model's settings, as a user has them
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=environment, capture_output=True, text=True, cwd=ROOT, check=False
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("IMPORTED="))
    return done, json.loads(line.removeprefix("IMPORTED="))


@pytest.mark.parametrize("args", [["--help"], ["kb", "list"], ["retrieve", "--help"], ["check", "--help"]])
def test_help_and_kb_list_import_no_model_web_framework_or_parser(args: list[str], tmp_path: Path) -> None:
    done, imported = imported_by(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert imported == []


@pytest.mark.slow
def test_retrieve_embeds_the_query_through_onnx_without_pytorch(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "handbook.txt").write_text("Employees get 25 vacation days per year.\n", encoding="utf-8")
    (folder / "coffee.txt").write_text("Roast the beans until the first crack.\n", encoding="utf-8")
    home = tmp_path / "home"
    synced, imported = imported_by(["sync", str(folder), "--kb", "docs"], home)
    assert synced.returncode == 0, synced.stderr
    assert "openvino" in imported  # the documents' model (openvino, the default) ran
    assert "torch" in imported  # once per home, to export the model to ONNX

    done, imported = imported_by(["retrieve", "how many vacation days?", "--kb", "docs", "-k", "1", "--json"], home)
    assert done.returncode == 0, done.stderr
    assert "onnxruntime" in imported
    assert "torch" not in imported and "sentence_transformers" not in imported and "openvino" not in imported
    results = json.loads(done.stdout.split("IMPORTED=")[0])["retrievalResults"]
    assert [r["location"]["customDocumentLocation"]["id"] for r in results] == ["handbook.txt"]

    done, imported = imported_by(
        ["retrieve", "how many vacation days?", "--kb", "docs", "-k", "1"], home, RAGKB_QUERY_BACKEND="same"
    )
    assert done.returncode == 0, done.stderr
    assert "openvino" in imported  # the opt-out: queries run on the documents' backend
