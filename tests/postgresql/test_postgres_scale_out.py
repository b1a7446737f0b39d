"""Scale-out on PostgreSQL, end to end with real processes: two ``ragkb serve`` replicas and two ``ragkb worker``
processes on one database. Eight clients (four boto3 bedrock-agent-runtime, four native) query both replicas
during a sync and get no error; the worker running the job is killed with SIGKILL mid-job, the other takes
the job over and completes it with exact statistics; both replicas then see every document. A stop request
sent to one replica reaches the worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from botocore.exceptions import ClientError

from tests.bedrock_clients import boto_clients
from tests.live_server import free_port
from tests.native_client import FINISHED

ROOT = Path(__file__).resolve().parents[2]
FILES = 600


@pytest.fixture
def cluster_env(postgres_url: str, tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"doc{i:04d}.txt").write_text(
            f"Policy {i} zq{i}x. " + " ".join(f"Clause {j} of policy {i} covers travel, leave and equipment."
                                               for j in range(8)),
            encoding="utf-8",
        )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGKB_")}
    env |= {
        "RAGKB_DATABASE_URL": postgres_url, "RAGKB_EMBEDDER": "hash", "RAGKB_HOME": str(tmp_path / "home"),
        "RAGKB_DATA_ROOTS": f'["{tmp_path}"]', "RAGKB_JOB_LEASE_S": "3", "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1", "FOLDER": str(folder),
    }  # fmt: skip
    return env


def _ragkb(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", *args], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.fixture
def processes(cluster_env: dict[str, str]) -> Iterator[tuple[list[str], dict[int, subprocess.Popen[bytes]]]]:
    """Two replicas (their URLs) and two workers (by pid); all ended afterwards."""
    ports = [free_port(), free_port()]
    replicas = [_ragkb(cluster_env, "serve", "--port", str(port)) for port in ports]
    workers = {p.pid: p for p in (_ragkb(cluster_env, "worker") for _ in range(2))}
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, replica in zip(urls, replicas, strict=True):
            _wait_until_up(url, replica)
        yield urls, workers
    finally:
        for process in [*replicas, *workers.values()]:
            if process.poll() is None:
                process.terminate()
        for process in [*replicas, *workers.values()]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"replica exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


def _query_until(stop: threading.Event, url: str, kb: str, errors: list[str], counts: list[int], boto: bool) -> None:
    """Query ``url`` until ``stop``: with boto3's bedrock-agent-runtime ``retrieve``, or the native API."""
    runtime = boto_clients(url).runtime if boto else None
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            try:
                if runtime is not None:
                    runtime.retrieve(knowledgeBaseId=kb, retrievalQuery={"text": "travel leave policy"})
                else:
                    response = client.post(f"/v1/knowledge-bases/{kb}/retrieve",
                                           json={"query": "travel leave policy", "k": 5})  # fmt: skip
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text[:200]}")
            except (httpx.HTTPError, ClientError) as exc:
                errors.append(repr(exc))
            counts.append(1)


def _setup(url: str, folder: str) -> tuple[str, str]:
    with httpx.Client(base_url=url, timeout=30) as client:
        kb = client.post("/v1/knowledge-bases", json={"name": "handbook"}).json()["id"]
        ds = client.post(f"/v1/knowledge-bases/{kb}/data-sources",
                         json={"name": "docs", "type": "LOCAL_FOLDER", "path": folder}).json()["id"]  # fmt: skip
    return kb, ds


def test_two_replicas_two_workers_and_a_killed_worker(
    processes: tuple[list[str], dict[int, subprocess.Popen[bytes]]], cluster_env: dict[str, str]
) -> None:
    (first, second), workers = processes
    kb, ds = _setup(first, cluster_env["FOLDER"])
    jobs = f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"
    stop, errors, counts = threading.Event(), [], []
    clients = [threading.Thread(target=_query_until, args=(stop, (first, second)[i % 2], kb, errors, counts, i < 4))
               for i in range(8)]  # fmt: skip
    for client in clients:
        client.start()
    try:
        started = httpx.post(f"{second}{jobs}", timeout=30)
        assert started.status_code == 202, started.text
        job_url = f"{first}{jobs}/{started.json()['id']}"
        assert httpx.post(f"{first}{jobs}", timeout=30).status_code == 409  # one job per knowledge base

        killed = _kill_the_worker_mid_job(cluster_env["RAGKB_DATABASE_URL"], job_url, workers)
        job = _wait_finished(job_url, timeout_s=240)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert job["status"] == "COMPLETE", job
    # Exact statistics although two workers shared the job: the first one's documents are counted once.
    assert job["statistics"] == {
        "documents_scanned": FILES, "metadata_documents_scanned": 0, "new_documents_indexed": FILES,
        "modified_documents_indexed": 0, "metadata_documents_modified": 0, "documents_deleted": 0,
        "documents_failed": 0,
    }  # fmt: skip
    assert job["failures"] == []
    assert errors == [] and len(counts) > 50
    with psycopg.connect(cluster_env["RAGKB_DATABASE_URL"]) as conn:
        attempts, worker = conn.execute("SELECT attempts, worker FROM ingestion_jobs").fetchone()
    assert attempts == 2 and not worker.endswith(f":{killed}")  # taken over by the other worker
    for url in (first, second):  # every replica sees every document, and finds the last one by its word
        listed = httpx.get(f"{url}/v1/knowledge-bases/{kb}/data-sources/{ds}/documents", timeout=30).json()
        assert len(listed["documents"]) == FILES
        hits = httpx.post(f"{url}/v1/knowledge-bases/{kb}/retrieve", timeout=30,
                          json={"query": f"zq{FILES - 1}x", "k": 1, "search_type": "HYBRID"}).json()  # fmt: skip
        assert hits["results"][0]["document_id"] == f"doc{FILES - 1:04d}.txt"


def _kill_the_worker_mid_job(url: str, job_url: str, workers: dict[int, subprocess.Popen[bytes]]) -> int:
    """SIGKILL the worker holding the job once it has indexed some documents; returns its pid."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = httpx.get(job_url, timeout=30).json()
        assert job["status"] not in FINISHED, f"the job finished before a worker could be killed: {job}"
        if job["statistics"].get("new_documents_indexed", 0) >= 10:
            with psycopg.connect(url) as conn:
                (worker,) = conn.execute("SELECT worker FROM ingestion_jobs").fetchone()
            pid = int(worker.rsplit(":", 1)[1])
            os.kill(pid, signal.SIGKILL)
            workers[pid].wait(timeout=10)
            return pid
        time.sleep(0.05)
    raise AssertionError("the job never got going")


def _wait_finished(job_url: str, *, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = httpx.get(job_url, timeout=30).json()
        if job["status"] in FINISHED:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job did not finish in {timeout_s} s")


def test_a_stop_request_to_one_replica_reaches_the_worker(
    processes: tuple[list[str], dict[int, subprocess.Popen[bytes]]], cluster_env: dict[str, str]
) -> None:
    (first, second), _ = processes
    kb, ds = _setup(first, cluster_env["FOLDER"])
    jobs = f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"
    job_id = httpx.post(f"{first}{jobs}", timeout=30).json()["id"]
    deadline = time.monotonic() + 120
    while httpx.get(f"{first}{jobs}/{job_id}", timeout=30).json()["status"] != "IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stopping = httpx.post(f"{second}{jobs}/{job_id}/stop", timeout=30)
    assert stopping.status_code == 202 and stopping.json()["status"] == "STOPPING"
    job = _wait_finished(f"{first}{jobs}/{job_id}", timeout_s=60)
    assert job["status"] == "STOPPED"
    assert job["statistics"]["new_documents_indexed"] < FILES


def test_a_worker_needs_the_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGKB_")} | {"RAGKB_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "worker"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "needs RAGKB_DATABASE_URL" in done.stderr
    bad = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "kb", "list"],
                         env=env | {"RAGKB_DATABASE_URL": "mysql://x"}, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "RAGKB_DATABASE_URL" in bad.stderr and "postgresql://" in bad.stderr


def test_replicas_with_their_own_homes_share_keys_and_guardrails(cluster_env: dict[str, str], tmp_path: Path) -> None:
    """Auth on; each replica has a RAGKB_HOME of its own (nothing shared but the database): a key created
    through replica A authenticates on replica B, a guardrail created on A applies on B."""
    envs = [cluster_env | {"RAGKB_HOME": str(tmp_path / f"home-{name}"), "RAGKB_AUTH": "required",
                           "RAGKB_AWS_ACCESS_KEY_ID": "AKIDRAGKBTEST", "RAGKB_AWS_SECRET_ACCESS_KEY": "secret"}
            for name in ("a", "b")]  # fmt: skip
    created = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "keys", "create", "--json"], env=envs[0],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    key = json.loads(created.stdout)["key"]
    ports = [free_port(), free_port()]
    replicas = [_ragkb(env, "serve", "--port", str(port)) for env, port in zip(envs, ports, strict=True)]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url, replica in zip((a, b), replicas, strict=True):
            _wait_until_up(url, replica)
        auth = {"Authorization": f"Bearer {key}"}
        assert httpx.get(f"{b}/v1/knowledge-bases", headers=auth, timeout=30).status_code == 200
        refused = httpx.get(f"{b}/v1/knowledge-bases", headers={"Authorization": "Bearer rkb_nope"}, timeout=30)
        assert refused.status_code == 401
        made = httpx.post(f"{a}/v1/guardrails", headers=auth, timeout=30, json={
            "name": "no-secrets", "blocked_input_message": "Not here.",
            "policies": {"wordPolicyConfig": {"wordsConfig": [{"text": "project zephyr"}]}},
        })  # fmt: skip
        assert made.status_code == 201, made.text
        applied = httpx.post(f"{b}/v1/guardrails/no-secrets/apply", headers=auth, timeout=30, json={
            "source": "INPUT", "content": [{"text": "Tell me about Project Zephyr."}],
        }).json()  # fmt: skip
        assert applied["action"] == "GUARDRAIL_INTERVENED" and applied["outputs"] == [{"text": "Not here."}]
        passed = httpx.post(f"{b}/v1/guardrails/no-secrets/apply", headers=auth, timeout=30, json={
            "source": "INPUT", "content": [{"text": "Tell me about the holidays."}],
        }).json()  # fmt: skip
        assert passed["action"] == "NONE"
        assert not (tmp_path / "home-b" / "keys.sqlite").exists()  # nothing of it lives in the replica's home
        assert not (tmp_path / "home-a" / "guardrails.sqlite").exists()
    finally:
        for replica in replicas:
            replica.terminate()
        for replica in replicas:
            replica.wait(timeout=20)
