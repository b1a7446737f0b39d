"""Helpers shared by the native API tests (this module holds no tests): the requests that set up a knowledge
base, a data source and a finished ingestion job on a live server."""

from __future__ import annotations

import time
from typing import Any

import httpx

FINISHED = ("COMPLETE", "FAILED", "STOPPED")


def create_kb(client: httpx.Client, name: str = "handbook", **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/knowledge-bases", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def create_source(client: httpx.Client, kb: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/knowledge-bases/{kb}/data-sources", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def run_job(client: httpx.Client, kb: str, ds: str) -> dict[str, Any]:
    """Start an ingestion job and poll it until it finishes."""
    jobs = f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs"
    started = client.post(jobs)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "STARTING"
    return wait_for(client, f"{jobs}/{started.json()['id']}")


def wait_for(client: httpx.Client, job_url: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(job_url).json()
        if job["status"] in FINISHED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_url} did not finish in {timeout_s} s")
