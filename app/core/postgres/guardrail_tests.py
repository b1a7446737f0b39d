"""Guardrail test cases and the violation log in PostgreSQL: what
:class:`~app.core.guardrails.cases.GuardrailTestStore` and :class:`~app.core.guardrails.violations.ViolationLog`
keep in ``guardrail_tests.sqlite`` and ``violations.sqlite``, so every replica runs the same cases and logs
its interventions where the console of any replica shows them."""

from __future__ import annotations

import json

from psycopg import sql

from app.core.errors import ResourceNotFound
from app.core.guardrails.cases import Expected, GuardrailTestStore, TestCase
from app.core.guardrails.violations import Violation, ViolationLog
from retrieval import Database


class PostgresGuardrailTestStore(GuardrailTestStore):
    """A :class:`GuardrailTestStore` whose cases are in ``database`` (validation is the parent's)."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def close(self) -> None:
        pass

    def _insert(self, case: TestCase) -> None:
        with self.database.connection() as conn:
            conn.execute(
                "INSERT INTO guardrail_test_cases (id, guardrail_id, name, source, text, sources, query, expected, "
                "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (case.id, case.guardrail_id, case.name, case.source, case.text, json.dumps(case.sources), case.query,
                 case.expected, case.created_at),
            )  # fmt: skip

    def list(self, guardrail_id: str) -> list[TestCase]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT id, guardrail_id, name, source, text, sources, query, expected, created_at "
                "FROM guardrail_test_cases WHERE guardrail_id = %s ORDER BY created_at, seq",
                (guardrail_id,),
            ).fetchall()
        return [TestCase(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), r[6], _expected(r[7]), r[8])
                for r in rows]  # fmt: skip

    def delete(self, case_id: str) -> None:
        with self.database.connection() as conn:
            if not conn.execute("DELETE FROM guardrail_test_cases WHERE id = %s", (case_id,)).rowcount:
                raise ResourceNotFound(f"no guardrail test case {case_id!r}")


class PostgresViolationLog(ViolationLog):
    """A :class:`ViolationLog` whose entries are in ``database``. Closing it leaves the shared pool open."""

    def __init__(self, database: Database) -> None:  # the SQLite file is not opened
        self.database = database

    def close(self) -> None:
        pass

    def _insert(self, entry: Violation) -> None:
        with self.database.connection() as conn:
            conn.execute(
                "INSERT INTO guardrail_violations (id, at, guardrail_id, version, path, source, scores, action, "
                "excerpt) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (entry.id, entry.at, entry.guardrail_id, entry.version, entry.path, entry.source,
                 json.dumps(entry.scores), entry.action, entry.excerpt),
            )  # fmt: skip

    def list(
        self, *, guardrail_id: str | None = None, path: str | None = None, since: str | None = None,
        limit: int = 500,
    ) -> list[Violation]:  # fmt: skip
        where: list[sql.Composable] = [sql.SQL("TRUE")]
        for column, value in (("guardrail_id", guardrail_id), ("path", path)):
            if value:
                where.append(sql.SQL("{} = {}").format(sql.Identifier(column), sql.Literal(value)))
        if since:
            where.append(sql.SQL("at >= {}").format(sql.Literal(since)))
        statement = sql.SQL(
            "SELECT id, at, guardrail_id, version, path, source, scores, action, excerpt FROM guardrail_violations "
            "WHERE {} ORDER BY at DESC, seq DESC LIMIT %s"
        ).format(sql.SQL(" AND ").join(where))
        with self.database.connection() as conn:
            rows = conn.execute(statement, (limit,)).fetchall()
        return [Violation(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in rows]


def _expected(value: str) -> Expected:
    return "GUARDRAIL_INTERVENED" if value == "GUARDRAIL_INTERVENED" else "NONE"
