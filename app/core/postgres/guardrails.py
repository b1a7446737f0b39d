"""Guardrails in PostgreSQL: what :class:`app.core.guardrails.store.GuardrailStore` keeps in
``guardrails.sqlite``, shared by replicas (a guardrail created or versioned through one applies on every other
at once). Validation, ids and the stored definition are the SQLite store's own functions."""

from __future__ import annotations

import psycopg

from app.core.errors import GuardrailExists, GuardrailNotFound, InvalidGuardrail
from app.core.guardrails.store import (
    DEFAULT_BLOCKED_MESSAGE,
    DRAFT,
    MAX_DESCRIPTION_CHARS,
    GroundingFilter,
    GuardrailRecord,
    GuardrailStore,
    check_definition,
    config_json,
    guardrail_record,
    new_guardrail_id,
)
from guardrails import Policies
from retrieval import Database, utc_now

_COLUMNS = "id, version, name, description, config::text, versions_made, created_at, updated_at"


class PostgresGuardrailStore(GuardrailStore):
    """A :class:`GuardrailStore` (same methods, same records and errors) whose rows are in ``database``;
    concurrent replicas are kept apart by the table's constraints and row locks. Closing it leaves the shared
    pool open."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def close(self) -> None:
        pass

    def create(
        self, *, name: str, description: str = "", filters: tuple[GroundingFilter, ...] = (),
        blocked_input_message: str = DEFAULT_BLOCKED_MESSAGE, blocked_output_message: str = DEFAULT_BLOCKED_MESSAGE,
        policies: Policies = Policies(),
    ) -> GuardrailRecord:  # fmt: skip
        check_definition(name, description, filters, blocked_input_message, blocked_output_message)
        now = utc_now()
        record = GuardrailRecord(
            new_guardrail_id(), DRAFT, name, description, filters, blocked_input_message, blocked_output_message, now,
            now, policies,
        )  # fmt: skip
        try:
            with self.database.connection() as conn:
                self._add_row(conn, record)
        except psycopg.errors.UniqueViolation as exc:
            raise GuardrailExists(f"a guardrail named {name!r} already exists") from exc
        return record

    def update(
        self, guardrail_id: str, *, name: str, description: str = "", filters: tuple[GroundingFilter, ...] = (),
        blocked_input_message: str, blocked_output_message: str, policies: Policies = Policies(),
    ) -> GuardrailRecord:  # fmt: skip
        check_definition(name, description, filters, blocked_input_message, blocked_output_message)
        draft = self.get(guardrail_id)
        record = GuardrailRecord(
            draft.id, DRAFT, name, description, filters, blocked_input_message, blocked_output_message,
            draft.created_at, utc_now(), policies,
        )  # fmt: skip
        try:
            with self.database.connection() as conn:
                updated = conn.execute(
                    "UPDATE guardrails SET name = %s, description = %s, config = %s::jsonb, updated_at = %s "
                    "WHERE id = %s AND version = %s",
                    (name, description, config_json(record), record.updated_at, draft.id, DRAFT),
                ).rowcount
        except psycopg.errors.UniqueViolation as exc:
            raise GuardrailExists(f"a guardrail named {name!r} already exists") from exc
        if not updated:  # deleted by another replica meanwhile
            raise GuardrailNotFound(f"guardrail {guardrail_id} does not exist")
        return record

    def get(self, guardrail_id: str, version: str = DRAFT) -> GuardrailRecord:
        with self.database.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM guardrails WHERE id = %s AND version = %s", (guardrail_id, version)
            ).fetchone()
        if row is None:
            if version != DRAFT and self._rows_of(guardrail_id):
                raise GuardrailNotFound(f"guardrail {guardrail_id} has no version {version}")
            raise GuardrailNotFound(f"guardrail {guardrail_id} does not exist")
        return guardrail_record(row)

    def find(self, name_or_id: str) -> GuardrailRecord:
        with self.database.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM guardrails WHERE version = %s AND (name = %s OR id = %s) "
                "ORDER BY name = %s DESC LIMIT 1",
                (DRAFT, name_or_id, name_or_id, name_or_id),
            ).fetchone()
        if row is None:
            raise GuardrailNotFound(f"no guardrail named {name_or_id!r}")
        return guardrail_record(row)

    def versions(self, guardrail_id: str) -> list[GuardrailRecord]:
        records = self._rows_of(guardrail_id)
        if not records:
            raise GuardrailNotFound(f"guardrail {guardrail_id} does not exist")
        return sorted(records, key=lambda r: -1 if r.version == DRAFT else int(r.version))

    def _rows_of(self, guardrail_id: str) -> list[GuardrailRecord]:
        with self.database.connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM guardrails WHERE id = %s", (guardrail_id,)).fetchall()
        return [guardrail_record(row) for row in rows]

    def create_version(self, guardrail_id: str, *, description: str | None = None) -> GuardrailRecord:
        if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
            raise InvalidGuardrail(f"description has more than {MAX_DESCRIPTION_CHARS} characters")
        with self.database.connection() as conn, conn.transaction():
            # The DRAFT row locked: two replicas versioning at once get consecutive numbers.
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM guardrails WHERE id = %s AND version = %s FOR UPDATE", (guardrail_id, DRAFT)
            ).fetchone()
            if row is None:
                raise GuardrailNotFound(f"guardrail {guardrail_id} does not exist")
            draft, made = guardrail_record(row), int(row[5])
            now = utc_now()
            version = GuardrailRecord(
                draft.id, str(made + 1), draft.name, draft.description if description is None else description,
                draft.filters, draft.blocked_input_message, draft.blocked_output_message, now, now, draft.policies,
            )  # fmt: skip
            self._add_row(conn, version)
            conn.execute(
                "UPDATE guardrails SET versions_made = %s WHERE id = %s AND version = %s",
                (made + 1, guardrail_id, DRAFT),
            )
        return version

    def delete(self, guardrail_id: str, version: str | None = None) -> None:
        if version == DRAFT:
            raise InvalidGuardrail("the DRAFT cannot be deleted alone: delete the guardrail")
        with self.database.connection() as conn:
            if version is None:
                deleted = conn.execute("DELETE FROM guardrails WHERE id = %s", (guardrail_id,)).rowcount
            else:
                deleted = conn.execute(
                    "DELETE FROM guardrails WHERE id = %s AND version = %s", (guardrail_id, version)
                ).rowcount
        if not deleted:
            self.get(guardrail_id, version or DRAFT)  # raises the right GuardrailNotFound

    @staticmethod
    def _add_row(conn: psycopg.Connection, record: GuardrailRecord) -> None:
        conn.execute(
            "INSERT INTO guardrails (id, version, name, description, config, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s)",
            (record.id, record.version, record.name, record.description, config_json(record), record.created_at,
             record.updated_at),
        )  # fmt: skip

    # Last: inside the class body, ``list`` names this method from here on.
    def list(self) -> list[GuardrailRecord]:
        with self.database.connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM guardrails WHERE version = %s ORDER BY name", (DRAFT,))
            return [guardrail_record(row) for row in rows]
