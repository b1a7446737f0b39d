"""Guardrails, kept in ``<home>/guardrails.sqlite``.

A guardrail is a name, blocked messages, up to two contextual grounding filters, ``GROUNDING`` and
``RELEVANCE`` (Bedrock's ``contextualGroundingPolicy``), each with a threshold in [0, 0.99], an action
(``BLOCK`` or ``NONE``) and an ``enabled`` flag, and the other policies (sensitive information, words,
denied topics, content filters) as :class:`guardrails.Policies`, stored in Bedrock's request shape
(``app/core/guardrails/config.py``). It has a working ``DRAFT`` and numbered versions (``1``, ``2``,
...), each a frozen copy of the draft when it was made (Bedrock's ``CreateGuardrailVersion``);
version numbers are never reused. Ids are 12 characters from ``[a-z0-9]``, which Bedrock's
``GuardrailIdentifier`` pattern accepts. Names are unique (Bedrock's ``[0-9a-zA-Z-_]{1,50}``).

Example::

    store = GuardrailStore(home)
    draft = store.create(name="rag-answers", filters=(GroundingFilter("GROUNDING", 0.6),))
    store.create_version(draft.id).version  # "1"
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import GuardrailExists, GuardrailNotFound, InvalidGuardrail
from app.core.guardrails.config import policies_from_bedrock, policies_to_bedrock
from grounding import Action, FilterConfig, FilterType, GroundingPolicy
from guardrails import Policies
from retrieval import open_database, utc_now

DRAFT = "DRAFT"
DEFAULT_BLOCKED_MESSAGE = "Sorry, the model cannot answer this question."
_ID_ALPHABET = string.ascii_lowercase + string.digits
_NAME = re.compile(r"^[0-9a-zA-Z_-]{1,50}$")
MAX_MESSAGE_CHARS = 500  # Bedrock's GuardrailBlockedMessaging
MAX_DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class GroundingFilter:
    """One filter as configured. Validated as :class:`grounding.FilterConfig` (threshold in [0, 0.99])."""

    type: FilterType
    threshold: float
    action: Action = "BLOCK"
    enabled: bool = True

    def __post_init__(self) -> None:
        self.config()  # raises grounding.InvalidInput for a bad type, threshold or action

    def config(self) -> FilterConfig:
        return FilterConfig(self.type, self.threshold, self.action)


@dataclass(frozen=True)
class GuardrailRecord:
    """One version of a guardrail (``version`` is ``DRAFT`` or a number as a string)."""

    id: str
    version: str
    name: str
    description: str
    filters: tuple[GroundingFilter, ...]
    blocked_input_message: str
    blocked_output_message: str
    created_at: str
    updated_at: str
    policies: Policies = Policies()

    def grounding_policy(self) -> GroundingPolicy | None:
        """The enabled filters as the library's policy; ``None`` when none is enabled."""
        enabled = tuple(f.config() for f in self.filters if f.enabled)
        return GroundingPolicy(filters=enabled) if enabled else None


class GuardrailStore:
    """Guardrails and their versions in one SQLite file; safe to share between threads."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = open_database(home / "guardrails.sqlite")
        # versions_made lives on the DRAFT row: numbers of deleted versions are not handed out again.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS guardrails (id TEXT NOT NULL, version TEXT NOT NULL, name TEXT NOT NULL, "
            "description TEXT NOT NULL, config TEXT NOT NULL, versions_made INTEGER NOT NULL DEFAULT 0, "
            "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (id, version), UNIQUE (name, version))"
        )

    def close(self) -> None:
        self._db.close()

    def create(
        self, *, name: str, description: str = "", filters: tuple[GroundingFilter, ...] = (),
        blocked_input_message: str = DEFAULT_BLOCKED_MESSAGE, blocked_output_message: str = DEFAULT_BLOCKED_MESSAGE,
        policies: Policies = Policies(),
    ) -> GuardrailRecord:  # fmt: skip
        """A new guardrail's ``DRAFT``; raises :class:`GuardrailExists`, :class:`InvalidGuardrail` or
        ``grounding.InvalidInput`` (two filters of one type)."""
        check_definition(name, description, filters, blocked_input_message, blocked_output_message)
        now = utc_now()
        record = GuardrailRecord(
            new_guardrail_id(), DRAFT, name, description, filters, blocked_input_message, blocked_output_message, now,
            now, policies,
        )  # fmt: skip
        with self._db.lock:
            try:
                self._insert(record, versions_made=0)
            except sqlite3.IntegrityError as exc:
                raise GuardrailExists(f"a guardrail named {name!r} already exists") from exc
        return record

    def update(
        self, guardrail_id: str, *, name: str, description: str = "", filters: tuple[GroundingFilter, ...] = (),
        blocked_input_message: str, blocked_output_message: str, policies: Policies = Policies(),
    ) -> GuardrailRecord:  # fmt: skip
        """Replace the ``DRAFT``'s whole definition (Bedrock's ``UpdateGuardrail``); versions are untouched."""
        check_definition(name, description, filters, blocked_input_message, blocked_output_message)
        with self._db.lock:
            draft = self.get(guardrail_id)
            record = GuardrailRecord(
                draft.id, DRAFT, name, description, filters, blocked_input_message, blocked_output_message,
                draft.created_at, utc_now(), policies,
            )  # fmt: skip
            try:
                self._db.execute(
                    "UPDATE guardrails SET name = ?, description = ?, config = ?, updated_at = ? "
                    "WHERE id = ? AND version = ?",
                    (name, description, config_json(record), record.updated_at, draft.id, DRAFT),
                )
            except sqlite3.IntegrityError as exc:
                raise GuardrailExists(f"a guardrail named {name!r} already exists") from exc
        return record

    def get(self, guardrail_id: str, version: str = DRAFT) -> GuardrailRecord:
        """The guardrail with this id at ``version``; raises :class:`GuardrailNotFound`."""
        row = self._db.execute(
            "SELECT * FROM guardrails WHERE id = ? AND version = ?", (guardrail_id, version)
        ).fetchone()
        if row is None:
            if version != DRAFT and self._exists(guardrail_id):
                raise GuardrailNotFound(f"guardrail {guardrail_id} has no version {version}")
            raise GuardrailNotFound(f"guardrail {guardrail_id} does not exist")
        return guardrail_record(row)

    def find(self, name_or_id: str) -> GuardrailRecord:
        """The ``DRAFT`` of the guardrail with this name or id; raises :class:`GuardrailNotFound`."""
        row = self._db.execute(
            "SELECT * FROM guardrails WHERE version = ? AND (name = ? OR id = ?) ORDER BY name = ? DESC LIMIT 1",
            (DRAFT, name_or_id, name_or_id, name_or_id),
        ).fetchone()
        if row is None:
            raise GuardrailNotFound(f"no guardrail named {name_or_id!r}")
        return guardrail_record(row)

    def versions(self, guardrail_id: str) -> list[GuardrailRecord]:
        """Every version of one guardrail, ``DRAFT`` first, then by number; raises :class:`GuardrailNotFound`."""
        rows = self._db.execute("SELECT * FROM guardrails WHERE id = ?", (guardrail_id,)).fetchall()
        if not rows:
            raise GuardrailNotFound(f"guardrail {guardrail_id} does not exist")
        records = [guardrail_record(row) for row in rows]
        return sorted(records, key=lambda r: -1 if r.version == DRAFT else int(r.version))

    def create_version(self, guardrail_id: str, *, description: str | None = None) -> GuardrailRecord:
        """Freeze the ``DRAFT`` as the next numbered version (``description`` replaces the draft's)."""
        if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
            raise InvalidGuardrail(f"description has more than {MAX_DESCRIPTION_CHARS} characters")
        with self._db.lock:
            draft = self.get(guardrail_id)
            made = self._db.execute(
                "SELECT versions_made FROM guardrails WHERE id = ? AND version = ?", (guardrail_id, DRAFT)
            ).fetchone()[0]
            now = utc_now()
            version = GuardrailRecord(
                draft.id, str(made + 1), draft.name, draft.description if description is None else description,
                draft.filters, draft.blocked_input_message, draft.blocked_output_message, now, now, draft.policies,
            )  # fmt: skip
            self._db.execute("BEGIN")
            try:
                self._insert(version, versions_made=0)
                self._db.execute(
                    "UPDATE guardrails SET versions_made = ? WHERE id = ? AND version = ?",
                    (made + 1, guardrail_id, DRAFT),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return version

    def delete(self, guardrail_id: str, version: str | None = None) -> None:
        """Delete one numbered version, or (``version=None``) the guardrail and all its versions."""
        if version == DRAFT:
            raise InvalidGuardrail("the DRAFT cannot be deleted alone: delete the guardrail")
        with self._db.lock:
            if version is None:
                deleted = self._db.execute("DELETE FROM guardrails WHERE id = ?", (guardrail_id,)).rowcount
            else:
                deleted = self._db.execute(
                    "DELETE FROM guardrails WHERE id = ? AND version = ?", (guardrail_id, version)
                ).rowcount
        if not deleted:
            self.get(guardrail_id, version or DRAFT)  # raises the right GuardrailNotFound

    def _exists(self, guardrail_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM guardrails WHERE id = ? LIMIT 1", (guardrail_id,)).fetchone() is not None

    def _insert(self, record: GuardrailRecord, *, versions_made: int) -> None:
        self._db.execute(
            "INSERT INTO guardrails VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.version, record.name, record.description, config_json(record), versions_made,
             record.created_at, record.updated_at),
        )  # fmt: skip

    # Last: inside the class body, ``list`` names this method from here on.
    def list(self) -> list[GuardrailRecord]:
        """Every guardrail's ``DRAFT``, by name."""
        rows = self._db.execute("SELECT * FROM guardrails WHERE version = ? ORDER BY name", (DRAFT,))
        return [guardrail_record(row) for row in rows]


def check_definition(
    name: str, description: str, filters: tuple[GroundingFilter, ...], blocked_input: str, blocked_output: str
) -> None:
    if not _NAME.match(name):
        raise InvalidGuardrail(f"invalid guardrail name {name!r}: use 1-50 letters, digits, '-' or '_'")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidGuardrail(f"description has more than {MAX_DESCRIPTION_CHARS} characters")
    for label, message in (("blocked input", blocked_input), ("blocked output", blocked_output)):
        if not message.strip() or len(message) > MAX_MESSAGE_CHARS:
            raise InvalidGuardrail(f"the {label} message must have 1-{MAX_MESSAGE_CHARS} characters")
    GroundingPolicy(filters=tuple(f.config() for f in filters))  # at most one filter per type


def config_json(record: GuardrailRecord) -> str:
    config = {
        "filters": [
            {"type": f.type, "threshold": f.threshold, "action": f.action, "enabled": f.enabled} for f in record.filters
        ],
        "blocked_input_message": record.blocked_input_message,
        "blocked_output_message": record.blocked_output_message,
        "policies": policies_to_bedrock(record.policies),
    }
    return json.dumps(config)


def new_guardrail_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def guardrail_record(row: tuple[Any, ...]) -> GuardrailRecord:
    guardrail_id, version, name, description, config_text, _made, created_at, updated_at = row
    config = json.loads(config_text)
    filters = tuple(GroundingFilter(**f) for f in config["filters"])
    return GuardrailRecord(
        guardrail_id, version, name, description, filters, config["blocked_input_message"],
        config["blocked_output_message"], created_at, updated_at, policies_from_bedrock(config.get("policies", {})),
    )  # fmt: skip
