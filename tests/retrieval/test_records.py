"""The catalog's data source and ingestion job records: what is stored, byte for byte, and what comes back."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from retrieval.store.catalog import Catalog
from retrieval.types import BEDROCK_STATISTICS, DataSource, IngestionJob, SyncReport


def raw_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_a_job_is_stored_as_the_json_it_always_was_and_read_back_as_a_record(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    job = IngestionJob.new("DS00000001", status="STARTING", job_id="JOB0000001", description="nightly")
    assert (job.statistics, job.failures, job.started_at) == ({}, (), job.updated_at)
    catalog.put_job(job)
    report = SyncReport(documents_scanned=2, new_documents_indexed=1, documents_failed=1)
    done = replace(
        job, status="COMPLETE", updated_at="2026-01-02T00:00:00.000Z", statistics=report.statistics(),
        failures=("a.pdf: encrypted",), description="ignored: a stored job keeps its description",
    )  # fmt: skip
    catalog.put_job(done)
    [stored] = catalog.jobs()
    assert stored == replace(done, description="nightly")
    assert catalog.jobs(status="STARTING") == []
    catalog.close()
    [(status, statistics, failures, description)] = raw_rows(
        tmp_path / "catalog.sqlite", "SELECT status, statistics, failures, description FROM ingestion_jobs"
    )
    assert (status, failures, description) == ("COMPLETE", '["a.pdf: encrypted"]', "nightly")
    assert statistics == (
        '{"numberOfDocumentsScanned": 2, "numberOfMetadataDocumentsScanned": 0, "numberOfNewDocumentsIndexed": 1, '
        '"numberOfModifiedDocumentsIndexed": 0, "numberOfMetadataDocumentsModified": 0, '
        '"numberOfDocumentsDeleted": 0, "numberOfDocumentsFailed": 1}'
    )


def test_a_data_source_keeps_its_creation_time_when_its_config_changes(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    source = DataSource.new(name="docs", type="LOCAL_FOLDER", config={"path": "/d", "include": [], "exclude": []})
    assert len(source.id) == 10 and source.created_at == source.updated_at
    catalog.put_data_source(source)
    changed = replace(source, config={**source.config, "include": ["*.md"]}, updated_at="2099-01-01T00:00:00.000Z")
    catalog.put_data_source(changed)
    assert catalog.data_sources() == [changed]
    catalog.close()
    [(config,)] = raw_rows(tmp_path / "catalog.sqlite", "SELECT config FROM data_sources")
    assert config == '{"path": "/d", "include": ["*.md"], "exclude": []}'


def test_every_counter_bedrock_reports_has_one_key() -> None:
    counters = set(SyncReport.__dataclass_fields__) - {"chunks_indexed", "failures", "warnings"}
    assert set(BEDROCK_STATISTICS) == counters
    assert list(SyncReport(documents_deleted=4).statistics().items())[5] == ("numberOfDocumentsDeleted", 4)
