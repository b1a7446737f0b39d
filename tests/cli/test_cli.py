"""The ragkb command line, run as a user runs it: a real subprocess, real files, exit codes, --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, ragkb

SAMPLE = ROOT / "data" / "sample"


def test_chunk_json_over_the_sample_corpus() -> None:
    result = ragkb("chunk", str(SAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    documents = {Path(d["path"]).name: d for d in json.loads(result.stdout)["documents"]}
    assert set(documents) == {
        "brewing-guide.pdf",
        "faq.html",
        "handbook.md",
        "products.csv",
        "roasting-guide.txt",
        "safety-procedures.docx",
        "sales-2025.xlsx",
    }
    assert all(d["status"] == "ok" and d["chunks"] for d in documents.values())
    handbook = documents["handbook.md"]["chunks"]
    assert all(c["token_count"] <= 200 for c in handbook)
    assert handbook[0]["metadata"]["department"] == "people"
    assert handbook[0]["metadata"]["x-amz-bedrock-kb-source-uri"].startswith("file://")
    pdf = documents["brewing-guide.pdf"]["chunks"]
    assert {p for c in pdf for p in c["location"]["pages"]} == {1, 2}
    sales = documents["sales-2025.xlsx"]["chunks"]
    assert {c["location"]["sheet"] for c in sales} == {"Sales 2025", "Targets 2026"}


def test_chunk_reports_bad_files_and_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "deck.pptx").write_bytes(b"PK\x03\x04")
    (tmp_path / "ok.txt").write_text("Fine text. Two sentences.", encoding="utf-8")
    result = ragkb("chunk", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    status = {Path(d["path"]).name: (d["status"], d.get("reason")) for d in json.loads(result.stdout)["documents"]}
    assert status == {
        "empty.txt": ("failed", "empty file"),
        "deck.pptx": ("failed", "unsupported type .pptx"),
        "ok.txt": ("ok", None),
    }


@pytest.mark.parametrize(
    "args",
    [
        ["chunk", "no/such/file.txt"],
        ["chunk", str(SAMPLE), "--chunking", "bogus"],
        ["chunk", str(SAMPLE), "--max-tokens", "0"],
        ["chunk", str(SAMPLE), "--overlap-pct", "100"],
    ],
)
def test_chunk_usage_errors_exit_2(args: list[str]) -> None:
    result = ragkb(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_fixed_chunking_flags_change_the_chunks() -> None:
    small = json.loads(ragkb("chunk", str(SAMPLE / "handbook.md"), "--json", "--max-tokens", "50").stdout)
    chunks = small["documents"][0]["chunks"]
    assert len(chunks) > 5 and all(c["token_count"] <= 50 for c in chunks)


def test_sync_then_retrieve_with_filter(tmp_path: Path) -> None:
    first = ragkb("sync", str(SAMPLE), "--kb", "sample", "--json", home=tmp_path)
    assert first.returncode == 0, first.stderr
    job = json.loads(first.stdout)
    assert job["status"] == "COMPLETE"
    assert job["statistics"]["numberOfNewDocumentsIndexed"] == 7
    assert job["statistics"]["numberOfMetadataDocumentsScanned"] == 3
    again = json.loads(ragkb("sync", str(SAMPLE), "--kb", "sample", "--json", home=tmp_path).stdout)
    assert again["statistics"]["numberOfNewDocumentsIndexed"] == 0
    assert again["statistics"]["numberOfDocumentsScanned"] == 7

    flt = json.dumps({"equals": {"key": "department", "value": "people"}})
    found = ragkb("retrieve", "vacation days", "--kb", "sample", "--filter", flt, "--json", home=tmp_path)
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["retrievalResults"]
    assert results and all(r["metadata"]["department"] == "people" for r in results)
    assert results[0]["location"] == {"type": "CUSTOM", "customDocumentLocation": {"id": "handbook.md"}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retrieve", "x", "--kb", "nope"], "no knowledge base named 'nope'"),
        (["retrieve", "", "--kb", "sample"], "query text is empty"),
        (["retrieve", "x" * 1001, "--kb", "sample"], "limit is 1000"),
        (["retrieve", "x", "--kb", "sample", "-k", "0"], "between 1 and 100"),
        (["retrieve", "x", "--kb", "sample", "-k", "101"], "between 1 and 100"),
        (["retrieve", "x", "--kb", "sample", "--filter", '{"equals": {}}'], "equals"),
    ],
)
def test_retrieve_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    assert ragkb("sync", str(SAMPLE), "--kb", "sample", home=tmp_path).returncode == 0
    result = ragkb(*args, home=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_chunking_is_immutable_after_creation(tmp_path: Path) -> None:
    assert ragkb("sync", str(SAMPLE), "--kb", "s", home=tmp_path).returncode == 0
    result = ragkb("sync", str(SAMPLE), "--kb", "s", "--chunking", "none", home=tmp_path)
    assert result.returncode == 2
    assert "chunking cannot change" in result.stderr


def test_sync_watch_picks_up_a_new_file(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha document about grinders.", encoding="utf-8")
    env = {**os.environ, "RAGKB_EMBEDDER": "hash", "RAGKB_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "sync",
            str(folder),
            "--kb",
            "w",
            "--watch",
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        first = _read_json_object(process)
        assert first["statistics"]["numberOfNewDocumentsIndexed"] == 1
        (folder / "b.txt").write_text("Beta document about kettles.", encoding="utf-8")
        second = _read_json_object(process)
        assert second["statistics"]["numberOfNewDocumentsIndexed"] == 1
        assert second["statistics"]["numberOfDocumentsScanned"] == 2
    finally:
        process.terminate()
        process.wait(timeout=30)


def _read_json_object(process: subprocess.Popen[str]) -> dict[str, object]:
    """Read one pretty-printed JSON object (``{`` ... ``}`` at column 0) from the process's stdout."""
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if line.rstrip() == "}":
            return json.loads("".join(lines))
    raise AssertionError(f"process ended: {process.stderr.read() if process.stderr else ''}")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"RAGKB_AUTH": "bogus"}, "RAGKB_AUTH=\"bogus\": input should be 'auto', 'required' or 'off'"),
        ({"RAGKB_EMBEDDER": "bert"}, "RAGKB_EMBEDDER=\"bert\": input should be 'sentence-transformers' or 'hash'"),
        ({"RAGKB_PORT": "99999"}, 'RAGKB_PORT="99999": input should be less than or equal to 65535'),
        ({"RAGKB_DATA_ROOTS": "/srv/docs"}, "RAGKB_DATA_ROOTS is not valid JSON: this setting is a list"),
        ({"RAGKB_AWS_SECRET_ACCESS_KEY": "s3cret"}, "set both aws_access_key_id and aws_secret_access_key"),
    ],
    ids=["literal", "embedder", "range", "json list", "rule over two settings"],
)
def test_a_bad_setting_is_one_line_naming_it_and_exits_2(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    env = {**os.environ, "RAGKB_HOME": str(tmp_path), "RAGKB_EMBEDDER": "hash", **variables}
    result = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "kb", "list"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {message}"), line
    assert "s3cret" not in result.stderr
