"""Bedrock ingestion jobs through boto3's ``bedrock-agent`` client on a LOCAL_FOLDER and a CUSTOM data source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from app.settings import Settings
from tests.bedrock_clients import (
    boto_clients,
    create_custom_source,
    create_kb,
    register_folder_source,
    text_document,
    wait_for_job,
)
from tests.live_server import running_server

FILES = 600  # enough that a job is still running when the next call arrives (hash embedder: ~3 ms a file)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"note-{i:04}.txt").write_text(f"Note {i}. Clean the grinder burrs every month. " * 8)
    home = tmp_path / "home"
    with running_server(Settings(home=home, embedder="hash", data_roots=[tmp_path])) as url:
        yield url, home, folder


def test_folder_jobs_start_conflict_stop_list(server: tuple[str, Path, Path]) -> None:
    url, home, folder = server
    agent = boto_clients(url).agent
    kb = create_kb(agent, "folder-kb")
    source = register_folder_source(home, kb, folder)

    started = agent.start_ingestion_job(knowledgeBaseId=kb, dataSourceId=source, description="first sync")
    assert started["ResponseMetadata"]["HTTPStatusCode"] == 202
    first = started["ingestionJob"]
    assert (first["status"], first["description"], first["dataSourceId"]) == ("STARTING", "first sync", source)
    assert isinstance(first["startedAt"], datetime)
    with pytest.raises(agent.exceptions.ConflictException, match=first["ingestionJobId"]):
        agent.start_ingestion_job(knowledgeBaseId=kb, dataSourceId=source)
    with pytest.raises(agent.exceptions.ConflictException):
        agent.delete_knowledge_base(knowledgeBaseId=kb)

    stopping = agent.stop_ingestion_job(knowledgeBaseId=kb, dataSourceId=source, ingestionJobId=first["ingestionJobId"])
    assert stopping["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert stopping["ingestionJob"]["status"] == "STOPPING"
    stopped = wait_for_job(agent, kb, source, first["ingestionJobId"])
    assert stopped["status"] == "STOPPED"
    assert stopped["description"] == "first sync"
    indexed_first = stopped["statistics"]["numberOfNewDocumentsIndexed"]
    assert indexed_first < FILES
    with pytest.raises(agent.exceptions.ConflictException, match="already finished"):
        agent.stop_ingestion_job(knowledgeBaseId=kb, dataSourceId=source, ingestionJobId=first["ingestionJobId"])

    second = agent.start_ingestion_job(knowledgeBaseId=kb, dataSourceId=source)["ingestionJob"]
    done = wait_for_job(agent, kb, source, second["ingestionJobId"])
    assert done["status"] == "COMPLETE"
    assert done["statistics"]["numberOfDocumentsScanned"] == FILES
    assert done["statistics"]["numberOfNewDocumentsIndexed"] == FILES - indexed_first
    assert "description" not in done

    def listed(**options: object) -> list[tuple[str, str]]:
        summaries = agent.list_ingestion_jobs(knowledgeBaseId=kb, dataSourceId=source, **options)
        return [(s["ingestionJobId"], s["status"]) for s in summaries["ingestionJobSummaries"]]

    first_id, second_id = first["ingestionJobId"], second["ingestionJobId"]
    assert listed() == [(second_id, "COMPLETE"), (first_id, "STOPPED")]  # newest first by default
    assert listed(sortBy={"attribute": "STARTED_AT", "order": "ASCENDING"}) == [
        (first_id, "STOPPED"),
        (second_id, "COMPLETE"),
    ]
    assert listed(filters=[{"attribute": "STATUS", "operator": "EQ", "values": ["STOPPED"]}]) == [(first_id, "STOPPED")]
    assert listed(sortBy={"attribute": "STATUS", "order": "DESCENDING"})[0] == (first_id, "STOPPED")
    pages = agent.get_paginator("list_ingestion_jobs").paginate(
        knowledgeBaseId=kb, dataSourceId=source, PaginationConfig={"PageSize": 1}
    )
    assert [len(p["ingestionJobSummaries"]) for p in pages] == [1, 1]

    documents = agent.list_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=source, maxResults=2)
    assert [d["identifier"]["custom"]["id"] for d in documents["documentDetails"]] == ["note-0000.txt", "note-0001.txt"]
    assert documents["nextToken"]
    view = agent.get_data_source(knowledgeBaseId=kb, dataSourceId=source)["dataSource"]
    assert view["dataSourceConfiguration"] == {"type": "LOCAL_FOLDER"}
    with pytest.raises(agent.exceptions.ValidationException, match="LOCAL_FOLDER"):
        agent.ingest_knowledge_base_documents(
            knowledgeBaseId=kb, dataSourceId=source, documents=[text_document("x", "y")]
        )


def test_custom_source_job_completes_at_once(server: tuple[str, Path, Path]) -> None:
    agent = boto_clients(server[0]).agent
    kb = create_kb(agent, "custom-jobs")
    source = create_custom_source(agent, kb)
    job = agent.start_ingestion_job(knowledgeBaseId=kb, dataSourceId=source)["ingestionJob"]
    done = wait_for_job(agent, kb, source, job["ingestionJobId"])
    assert (done["status"], done["knowledgeBaseId"], done["dataSourceId"]) == ("COMPLETE", kb, source)
    other = create_custom_source(agent, kb, name="other")
    with pytest.raises(agent.exceptions.ResourceNotFoundException):  # a job is found only under its data source
        agent.get_ingestion_job(knowledgeBaseId=kb, dataSourceId=other, ingestionJobId=job["ingestionJobId"])
