"""A sync killed with SIGKILL midway and run again ends exactly like an uninterrupted one."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

N_FILES = 150


def run_sync(home: Path, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAGKB_HOME": str(home), "RAGKB_EMBEDDER": "hash"}
    code = "from app.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "sync", str(folder), "--kb", "crash", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def catalog(home: Path) -> Path:
    [path] = list(home.glob("kbs/*/catalog.sqlite"))
    return path


def counts(home: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(catalog(home)) as db:
        docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        distinct = db.execute("SELECT count(DISTINCT chunk_id) FROM chunks").fetchone()[0]
        fts = db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
    return docs, chunks, distinct, fts


@pytest.mark.slow
def test_sigkill_midway_then_rerun_has_no_duplicate_and_no_missing_chunk(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(N_FILES):
        sentences = " ".join(f"Document {i} sentence {j} talks about topic {i * 7 + j}." for j in range(60))
        (folder / f"doc{i:03}.txt").write_text(sentences, encoding="utf-8")

    reference = tmp_path / "reference"
    assert run_sync(reference, folder).wait(timeout=300) == 0
    want = counts(reference)
    assert want[0] == N_FILES and want[1] == want[2] == want[3]

    home = tmp_path / "home"
    process = run_sync(home, folder)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if list(home.glob("kbs/*/catalog.sqlite")):
            try:
                if counts(home)[0] >= 5:
                    break
            except sqlite3.OperationalError:
                continue
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = counts(home)
    assert 0 < partial[0] < N_FILES, "the kill should land midway; make the corpus larger if this fails"

    assert run_sync(home, folder).wait(timeout=300) == 0
    assert counts(home) == want
    with sqlite3.connect(catalog(home)) as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM ingestion_jobs ORDER BY started_at")]
    assert statuses == ["FAILED", "COMPLETE"]
