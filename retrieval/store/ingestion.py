"""The catalog's data sources and ingestion jobs: the two tables that record where documents come from
and what each ingestion job did. A part of :class:`~retrieval.store.catalog.Catalog`, which owns the
connection and the schema (see ``retrieval/store/catalog.py``).
"""

from __future__ import annotations

import json
from typing import Any

from retrieval.store.sqlite import Connection


class IngestionTables:
    """The ``data_sources`` and ``ingestion_jobs`` tables of a catalog (a base of ``Catalog``)."""

    _db: Connection

    def put_data_source(self, *, id: str, name: str, type: str, config: dict[str, Any], now: str) -> None:
        self._db.execute(
            "INSERT INTO data_sources VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "name = excluded.name, config = excluded.config, updated_at = excluded.updated_at",
            (id, name, type, json.dumps(config), now, now),
        )

    def data_sources(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT id, name, type, config, created_at, updated_at FROM data_sources")
        return [
            {
                "id": r[0],
                "name": r[1],
                "type": r[2],
                "config": json.loads(r[3]),
                "created_at": r[4],
                "updated_at": r[5],
            }
            for r in rows
        ]

    def put_job(self, job: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO ingestion_jobs VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "status = excluded.status, updated_at = excluded.updated_at, statistics = excluded.statistics, "
            "failures = excluded.failures",
            (
                job["id"],
                job["data_source_id"],
                job["status"],
                job["started_at"],
                job["updated_at"],
                json.dumps(job["statistics"]),
                json.dumps(job["failures"]),
                job.get("description"),
            ),
        )

    def jobs(self, *, status: str | None = None) -> list[dict[str, Any]]:
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
            {
                "id": r[0],
                "data_source_id": r[1],
                "status": r[2],
                "started_at": r[3],
                "updated_at": r[4],
                "statistics": json.loads(r[5]),
                "failures": json.loads(r[6]),
                "description": r[7],
            }
            for r in rows
        ]
