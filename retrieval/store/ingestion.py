"""The catalog's data sources and ingestion jobs: the two tables that record where documents come from
and what each ingestion job did, read and written as :class:`DataSource` and :class:`IngestionJob`
records. A part of :class:`~retrieval.store.catalog.Catalog`, which owns the connection and the schema.
"""

from __future__ import annotations

import json

from retrieval.store.sqlite import Connection
from retrieval.types import DataSource, IngestionJob, JobStatus


class IngestionTables:
    """The ``data_sources`` and ``ingestion_jobs`` tables of a catalog (a base of ``Catalog``)."""

    _db: Connection

    def put_data_source(self, source: DataSource) -> None:
        """Store a new data source, or a stored one's new name, config and ``updated_at`` (its
        ``created_at`` and type stay as first stored)."""
        self._db.execute(
            "INSERT INTO data_sources VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "name = excluded.name, config = excluded.config, updated_at = excluded.updated_at",
            (source.id, source.name, source.type, json.dumps(source.config), source.created_at, source.updated_at),
        )

    def data_sources(self) -> list[DataSource]:
        rows = self._db.execute("SELECT id, name, type, config, created_at, updated_at FROM data_sources")
        return [DataSource(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def put_job(self, job: IngestionJob) -> None:
        """Store a new job, or a stored one's status, ``updated_at``, statistics and failures (its data
        source, start and description stay as first stored)."""
        self._db.execute(
            "INSERT INTO ingestion_jobs VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "status = excluded.status, updated_at = excluded.updated_at, statistics = excluded.statistics, "
            "failures = excluded.failures",
            (
                job.id, job.data_source_id, job.status, job.started_at, job.updated_at, json.dumps(job.statistics),
                json.dumps(list(job.failures)), job.description,
            ),
        )  # fmt: skip

    def jobs(self, *, status: JobStatus | None = None) -> list[IngestionJob]:
        query = (
            "SELECT id, data_source_id, status, started_at, updated_at, statistics, failures, description "
            "FROM ingestion_jobs"
        )
        params: tuple[str, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            params = (status,)
        rows = self._db.execute(query + " ORDER BY started_at", params)
        return [
            IngestionJob(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), tuple(json.loads(r[6])), r[7]) for r in rows
        ]
