"""The server file: how ``ragkb serve`` tells command-line runs on the same home where it listens.

While a server is ready it keeps ``<RAGKB_HOME>/server.json`` (mode 0600): its URL, process id, a random
``instance`` id (which ``/readyz`` also reports) and a per-run ``token`` the native routes accept as a
Bearer key with full access. The token grants nothing its readers lack: whoever can read the file can
read the home's knowledge bases directly. ``settings_digest`` names the settings the server answers
with, so that a command run with other settings (another model, backend or keyword index) does not
use it. The file is removed when the server shuts down cleanly; a file left by a killed server is
recognised as stale by its dead process id or by the instance ``/readyz`` reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from app.settings import Settings

FILE_NAME = "server.json"
# Settings only the server itself reads: a command-line run may differ in them and still get the same answers.
SERVER_ONLY_SETTINGS = frozenset({
    "host", "port", "auth", "aws_access_key_id", "aws_secret_access_key", "aws_region", "allow_unsigned_payload",
    "data_roots", "max_request_mb", "max_documents_per_call", "llm_base_url", "llm_model", "llm_api_key",
    "llm_timeout_s", "database_pool_size", "job_lease_s", "cli_use_server",
})  # fmt: skip


@dataclass(frozen=True)
class ServerFile:
    """One running server, as written to ``<home>/server.json``."""

    url: str
    pid: int
    instance: str
    token: str
    settings_digest: str

    @classmethod
    def for_server(cls, settings: Settings, *, url: str) -> ServerFile:
        """A new record for this process serving ``settings`` at ``url``, with a fresh instance id and token."""
        return cls(
            url=url, pid=os.getpid(), instance=secrets.token_hex(8), token=secrets.token_urlsafe(32),
            settings_digest=settings_digest(settings),
        )  # fmt: skip


def settings_digest(settings: Settings) -> str:
    """A hash of every setting that can change an answer (all but ``SERVER_ONLY_SETTINGS``)."""
    answers = settings.model_dump(mode="json", exclude=set(SERVER_ONLY_SETTINGS))
    return hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()


def server_file_path(home: Path) -> Path:
    return home / FILE_NAME


def write_server_file(home: Path, record: ServerFile) -> None:
    """Write the record atomically, readable by its owner only (it holds the token)."""
    home.mkdir(parents=True, exist_ok=True)
    path = server_file_path(home)
    partial = path.with_name(f".{FILE_NAME}.{record.pid}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(record), handle)
    os.replace(partial, path)


def read_server_file(home: Path) -> ServerFile | None:
    """The record in ``home``, or None when there is none or it is not a record this version writes."""
    try:
        record = ServerFile(**json.loads(server_file_path(home).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    texts = (record.url, record.instance, record.token, record.settings_digest)
    if type(record.pid) is not int or not all(isinstance(text, str) for text in texts):
        return None
    return record


def remove_server_file(home: Path, record: ServerFile) -> None:
    """Remove the file if it is still ``record``'s (a second server on the same home may have replaced it)."""
    if read_server_file(home) == record:
        server_file_path(home).unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 checks without signalling)."""
    if pid <= 0:  # 0 and negative ids name process groups, which always "exist"
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
