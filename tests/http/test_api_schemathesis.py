"""Property-based fuzzing of the native API from its own OpenAPI document: no input gives a 5xx and
every response keeps the document's promises.

Schemathesis generates requests for every ``/v1`` operation (valid and invalid bodies, odd path
parameters) and sends them to a live server (auth off, hash embedder). Most path parameters are
pointed at a seeded knowledge base, data source and document so generated bodies reach the code
behind the lookups; deletions keep their generated ids so the seed survives the run.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.http.app import create_app
from app.settings import Settings
from tests.live_server import running_server

MAX_EXAMPLES = 25
# No 5xx, and what the document promises: documented statuses and media types, response bodies that
# match their schemas, invalid requests refused. Left out: allow_header_conformance (Starlette's 405
# lists the methods of the first matching route only) and positive_data_acceptance (a hierarchical
# child chunk larger than its parent is valid JSON Schema but refused with 400, as documented).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Invalid JSON bodies must be refused. Not multipart ones: a "binary" file part mutated into an
# "array" arrives as bytes like any other file, so accepting it is right.
JSON_CHECKS = [*CHECKS, negative_data_rejection]


@dataclass(frozen=True)
class Seed:
    kb: str
    ds: str
    job: str
    document_id: str = "seed.txt"
    guardrail: str = "seed-guardrail"

    def path_parameters(self) -> dict[str, str]:
        return {
            "kb": self.kb, "ds": self.ds, "job": self.job, "document_id": self.document_id, "guardrail": self.guardrail
        }  # fmt: skip


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seed]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "root" / "docs").mkdir(parents=True)
    settings_ = Settings(home=tmp / "home", embedder="hash", auth="off", data_roots=[tmp / "root"])
    with running_server(settings_) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        kb = client.post("/v1/knowledge-bases", json={"name": "seed"}).json()["id"]
        ds = client.post(f"/v1/knowledge-bases/{kb}/data-sources", json={"name": "up", "type": "CUSTOM"}).json()["id"]
        docs = f"/v1/knowledge-bases/{kb}/data-sources/{ds}/documents"
        client.post(docs, files=[("files", ("seed.txt", b"Seeded text about lighthouses and tides."))])
        job = client.post(f"/v1/knowledge-bases/{kb}/data-sources/{ds}/ingestion-jobs").json()["id"]
        client.post("/v1/guardrails", json={"name": Seed.guardrail, "grounding": {"threshold": 0.5}})
        yield base_url, Seed(kb, ds, job)


def native_openapi() -> dict[str, Any]:
    """The OpenAPI document ``create_app`` serves at ``/openapi.json`` (building it touches no disk)."""
    return create_app(Settings(home=Path("/nonexistent/ragkb-openapi"), embedder="hash", auth="off")).openapi()


# Loaded at collection: schemathesis' fixture-based loader does not work with pytest 9. The live server
# serves the same document (checked below), so the cases are those of its /openapi.json.
schema = schemathesis.openapi.from_dict(native_openapi()).include(path_regex="^/v1/")


def test_live_server_serves_the_fuzzed_document(live: tuple[str, Seed]) -> None:
    served = httpx.get(f"{live[0]}/openapi.json").json()
    assert served == native_openapi()
    assert len([p for p in served["paths"] if p.startswith("/v1/")]) == 20


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_server_error(case: Any, live: tuple[str, Seed]) -> None:
    base_url, seed = live
    if case.method != "DELETE" and case.path_parameters:
        for name, value in seed.path_parameters().items():
            # Three in four cases use the seeded resource; the rest keep the generated (unknown) value.
            if name in case.path_parameters and zlib.crc32(str(case.path_parameters[name]).encode()) % 4:
                case.path_parameters[name] = value
    multipart = (case.media_type or "").startswith("multipart/")
    case.call_and_validate(base_url=base_url, checks=CHECKS if multipart else JSON_CHECKS)
