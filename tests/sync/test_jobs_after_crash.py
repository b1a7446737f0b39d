"""Jobs and processes after a crash (issue 10, item 5).

A server killed with SIGKILL mid-job: its parse workers and multiprocessing's resource tracker
exit too, and the job reads FAILED with a reason once a server opens the knowledge base again.
Jobs of different knowledge bases run side by side; one knowledge base still runs one at a time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core import jobs as jobs_module
from app.core.errors import JobConflict
from app.core.jobs import JobRunner
from app.core.wiring import open_knowledge_base
from app.settings import Settings
from ingest.chunking import ChunkingConfig
from ingest.parsers import ParseLimits
from retrieval.embedding import HashEmbedder
from retrieval.home import Home
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import INTERRUPTED, FolderSource
from retrieval.types import IngestionJob, JobStatus
from tests.bedrock_clients import boto_clients, create_kb, register_folder_source, wait_for_job
from tests.live_server import free_port, running_server
from tests.support import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
FILES = 600  # a job of a few seconds with the hash embedder: long enough to kill it midway


def children(pid: int) -> dict[int, str]:
    """Live (not zombie) direct children of ``pid``: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, parent = stat.rpartition(")")[2].split()[:2]
        if int(parent) == pid and state != "Z":
            found[int(entry.name)] = command
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # an orphan no one reaps stays a zombie: it has exited


def wait_until(condition: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout_s} s: {what}")
        time.sleep(0.05)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(FILES):
        (docs / f"note-{i:04}.txt").write_text(f"Note {i}. Descale the boiler every quarter. " * 8)
    return docs


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {**os.environ, "RAGKB_HOME": str(tmp_path / "home"), "RAGKB_EMBEDDER": "hash",
           "RAGKB_DATA_ROOTS": json.dumps([str(tmp_path)]), "RAGKB_PARSE_WORKERS": "2"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def listening() -> bool:
        assert process.poll() is None, "the server exited"
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, timeout_s=60, what="the server is not listening")
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_sigkill_mid_job_ends_workers_and_the_job_reads_failed(
    tmp_path: Path, folder: Path, server_process: tuple[subprocess.Popen[bytes], str]
) -> None:
    process, url = server_process
    home = tmp_path / "home"
    agent = boto_clients(url).agent
    kb = create_kb(agent, "crashing")
    source = register_folder_source(home, kb, folder)
    job_id = agent.start_ingestion_job(knowledgeBaseId=kb, dataSourceId=source)["ingestionJob"]["ingestionJobId"]

    helpers: dict[int, str] = {}

    def workers_running() -> bool:
        helpers.update({p: c for p, c in children(process.pid).items() if "multiprocessing" in c})
        return sum("spawn_main" in c for c in helpers.values()) >= 1

    wait_until(workers_running, timeout_s=60, what="no parse worker started")
    job = agent.get_ingestion_job(knowledgeBaseId=kb, dataSourceId=source, ingestionJobId=job_id)["ingestionJob"]
    assert job["status"] == "IN_PROGRESS"
    workers_running()  # the resource tracker and every worker, if more started meanwhile
    process.send_signal(signal.SIGKILL)
    process.wait()

    wait_until(
        lambda: not any(alive(pid) for pid in helpers),
        timeout_s=20,
        what=f"worker processes outlived their parent: {[c for p, c in helpers.items() if alive(p)]}",
    )
    with running_server(Settings(home=home, embedder="hash", data_roots=[tmp_path])) as url_again:
        again = boto_clients(url_again).agent
        job = again.get_ingestion_job(knowledgeBaseId=kb, dataSourceId=source, ingestionJobId=job_id)["ingestionJob"]
        assert job["status"] == "FAILED"
        assert job["failureReasons"][-1] == INTERRUPTED
        # The knowledge base is usable: the next job finishes what the killed one started.
        rerun = again.start_ingestion_job(knowledgeBaseId=kb, dataSourceId=source)["ingestionJob"]
        done = wait_for_job(again, kb, source, rerun["ingestionJobId"])
        assert done["status"] == "COMPLETE"
        assert done["statistics"]["numberOfDocumentsScanned"] == FILES


# --- the recovery rule, without a server --------------------------------------------------------


def unfinished_job(home: Home, name: str, status: JobStatus) -> IngestionJob:
    info = home.create(name, chunking=ChunkingConfig(), embedder=HashEmbedder().name)
    kb = open_knowledge_base(home, info, HashEmbedder())
    job = IngestionJob(f"JOB{status[:7]}", "DS", status, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", {}, ())
    kb.catalog.put_job(job)
    kb.close()
    return job


@pytest.mark.parametrize("status", ["STARTING", "IN_PROGRESS", "STOPPING"])
def test_opening_a_knowledge_base_fails_jobs_left_unfinished(tmp_path: Path, status: JobStatus) -> None:
    home = Home(tmp_path / "home")
    job = unfinished_job(home, "kb", status)
    kb = open_knowledge_base(home, home.get("kb"), HashEmbedder())
    [stored] = kb.catalog.jobs()
    assert (stored.id, stored.status, stored.failures) == (job.id, "FAILED", (INTERRUPTED,))
    kb.close()


def test_a_job_running_elsewhere_is_left_alone(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    unfinished_job(home, "kb", "IN_PROGRESS")
    running = KnowledgeBase(directory=home.directory(home.get("kb").id), embedder=HashEmbedder(),
                            chunking=ChunkingConfig())  # fmt: skip
    with running.exclusive():  # as a running sync holds it
        kb = open_knowledge_base(home, home.get("kb"), HashEmbedder())
    running.close()
    assert [job.status for job in kb.catalog.jobs()] == ["IN_PROGRESS"]
    kb.close()


# --- one job per knowledge base, knowledge bases side by side ------------------------------------


def test_jobs_of_different_knowledge_bases_do_not_queue(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Home(tmp_path / "home")
    kbs = {}
    for name in ("big", "small"):
        info = home.create(name, chunking=ChunkingConfig(), embedder=HashEmbedder().name)
        kbs[name] = (info.id, open_knowledge_base(home, info, HashEmbedder()))
    small_folder = tmp_path / "small"
    small_folder.mkdir()
    (small_folder / "one.txt").write_text("One file only.")
    release = threading.Event()
    real_sync = jobs_module.sync_folder

    def sync_folder(kb: Any, source: FolderSource, **options: Any) -> Any:
        if source.root == folder:  # the big job holds its knowledge base until the test lets it go
            assert release.wait(timeout=60)
        return real_sync(kb, source, **options)

    monkeypatch.setattr(jobs_module, "sync_folder", sync_folder)
    runner = JobRunner(limits=ParseLimits(), workers=0)
    try:
        big_id, big = kbs["big"]
        small_id, small = kbs["small"]
        big_job = runner.start(big_id, big, FolderSource("DS1", folder), "DS1")
        with pytest.raises(JobConflict):
            runner.start(big_id, big, FolderSource("DS1", folder), "DS1")
        small_job = runner.start(small_id, small, FolderSource("DS2", small_folder), "DS2")

        def status(kb: Any, job: IngestionJob) -> str:
            return runner.get(kb, job.id).status

        wait_until(lambda: status(small, small_job) == "COMPLETE", timeout_s=30, what="the small job waited")
        assert status(big, big_job) == "STARTING" and runner.running(big_id)
        release.set()
        wait_until(lambda: status(big, big_job) == "COMPLETE", timeout_s=120, what="the big job did not finish")
    finally:
        release.set()
        runner.close()
        for _, kb in kbs.values():
            kb.close()
