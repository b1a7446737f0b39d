"""Smoke test of the real thing: ``ragkb serve`` in a subprocess with the real embedding model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port
from tests.support import ROOT

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``ragkb serve`` on a free port, RAGKB_HOME in tmp, the sample folder as the only data root."""
    port = free_port()
    env = {
        **os.environ, "RAGKB_HOME": str(tmp_path / "home"), "RAGKB_EMBEDDER": "sentence-transformers",
        "RAGKB_DATA_ROOTS": json.dumps([str(SAMPLE)]), "HF_HUB_OFFLINE": "1",
    }  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # loading the model on a busy CI machine
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "ragkb serve did not become ready"
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


@pytest.mark.slow
def test_serve_sync_sample_and_retrieve_with_the_real_model(served: str) -> None:
    with httpx.Client(base_url=served, timeout=120) as client:
        kb = client.post("/v1/knowledge-bases", json={"name": "sample"})
        assert kb.status_code == 201, kb.text
        assert kb.json()["embedder"] != "hash-384"
        source = client.post("/v1/knowledge-bases/sample/data-sources",
                             json={"name": "sample", "type": "LOCAL_FOLDER", "path": str(SAMPLE)})  # fmt: skip
        assert source.status_code == 201, source.text
        jobs = f"/v1/knowledge-bases/sample/data-sources/{source.json()['id']}/ingestion-jobs"
        job = client.post(jobs).json()
        deadline = time.monotonic() + 600
        while job["status"] not in ("COMPLETE", "FAILED", "STOPPED"):
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
            job = client.get(f"{jobs}/{job['id']}").json()
        documents = len([p for p in SAMPLE.iterdir() if not p.name.endswith(".metadata.json")])
        assert job["status"] == "COMPLETE" and job["failures"] == [], job
        assert job["statistics"]["new_documents_indexed"] == documents

        results = client.post(
            "/v1/knowledge-bases/sample/retrieve", json={"query": "How many vacation days do employees get?", "k": 3}
        ).json()["results"]
        assert results[0]["document_id"] == "handbook.md", [r["document_id"] for r in results]
        assert 0.3 < results[0]["score"] <= 1.0
