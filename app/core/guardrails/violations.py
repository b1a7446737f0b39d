"""Every guardrail check that intervened, in ``<home>/violations.sqlite``: when, which guardrail and
version, through which path (``apply_guardrail``, ``check``, ``test``), whether input or output, the
filters' scores and the action. Browsable in the console (``/ui/guardrails/violations``) with filters and
exports; nothing of the checked text but a short excerpt is kept.

Example::

    log = ViolationLog(home)
    log.record(guardrail_id="g1", version="DRAFT", path="apply_guardrail", source="OUTPUT",
               scores={"GROUNDING": 0.12}, action="GUARDRAIL_INTERVENED", excerpt="The drum ...")
    log.list(guardrail_id="g1")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.grounding_checks import CheckOutcome
from app.core.guardrails.store import GuardrailRecord
from retrieval import new_id, open_database, utc_now

EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Violation:
    id: str
    at: str
    guardrail_id: str
    version: str
    path: str
    source: str
    scores: dict[str, float]
    action: str
    excerpt: str


class ViolationLog:
    """Append-only log of interventions; safe to share between threads."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "violations.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS violations (id TEXT PRIMARY KEY, at TEXT NOT NULL, guardrail_id TEXT NOT NULL, "
            "version TEXT NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL, scores TEXT NOT NULL, "
            "action TEXT NOT NULL, excerpt TEXT NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()

    def record(
        self, *, guardrail_id: str, version: str, path: str, source: str, scores: dict[str, float], action: str,
        excerpt: str = "",
    ) -> Violation:  # fmt: skip
        entry = Violation(
            new_id(), utc_now(), guardrail_id, version, path, source, scores, action, excerpt[:EXCERPT_CHARS]
        )
        self._insert(entry)
        return entry

    def _insert(self, entry: Violation) -> None:
        self._db.execute(
            "INSERT INTO violations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.id, entry.at, entry.guardrail_id, entry.version, entry.path, entry.source,
             json.dumps(entry.scores), entry.action, entry.excerpt),
        )  # fmt: skip

    def record_apply(self, response: dict[str, Any], *, path: str, source: str, excerpt: str = "") -> None:
        """Log an ``ApplyGuardrailResponse`` if it intervened (the one call the apply paths make)."""
        if response.get("action") != "GUARDRAIL_INTERVENED":
            return
        assessment = response["assessments"][0]
        details = assessment["appliedGuardrailDetails"]
        scores = {
            f["type"]: f["score"]
            for policy in assessment.values() if isinstance(policy, dict)
            for f in policy.get("filters", []) if isinstance(f, dict) and "score" in f
        }  # fmt: skip
        self.record(
            guardrail_id=details["guardrailId"], version=details["guardrailVersion"], path=path, source=source,
            scores=scores, action=response["action"], excerpt=excerpt,
        )  # fmt: skip

    def record_check(self, outcome: CheckOutcome, *, guardrail: GuardrailRecord, answer: str) -> None:
        """Log a guardrail check (``POST /v1/guardrails/{id}/check``) if its filters blocked the answer."""
        if outcome.blocked:
            scores: dict[str, float] = {f.type: round(f.score, 4) for f in outcome.assessment.filters}
            self.record(
                guardrail_id=guardrail.id, version=guardrail.version, path="check", source="OUTPUT",
                scores=scores, action="GUARDRAIL_INTERVENED", excerpt=answer,
            )  # fmt: skip

    def list(
        self, *, guardrail_id: str | None = None, path: str | None = None, since: str | None = None,
        limit: int = 500,
    ) -> list[Violation]:  # fmt: skip
        """Newest first, filtered by guardrail, path and time (an ISO timestamp prefix such as ``2026-12-01``)."""
        where, args = ["1 = 1"], []
        for column, value in (("guardrail_id", guardrail_id), ("path", path)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if since:
            where.append("at >= ?")
            args.append(since)
        rows = self._db.execute(
            f"SELECT * FROM violations WHERE {' AND '.join(where)} ORDER BY at DESC, rowid DESC LIMIT ?",
            (*args, limit),
        )
        return [Violation(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in rows]
