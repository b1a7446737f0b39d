"""``ragkb retrieve`` and ``ragkb check`` answered by a running server for the same home (app/cli/remote.py):
a real uvicorn server advertising itself in ``<home>/server.json``, the real CLI in a subprocess, output
compared byte for byte with the in-process run, and every reason to ignore a server file."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import httpx
import pytest

from app.cli.remote import find_server
from app.core.server_file import ServerFile, read_server_file, server_file_path, write_server_file
from app.settings import Settings
from tests.live_server import running_server
from tests.support import ROOT, ragkb

SAMPLE = ROOT / "data" / "sample"
UK_JAPAN = "London is the capital of the UK. Tokyo is the capital of Japan."
QUERY = "What is the capital of Japan?"
FILTER = '{"equals": {"key": "department", "value": "people"}}'
COMMANDS = [
    ["retrieve", "how many vacation days?", "--kb", "sample", "-k", "3"],
    ["retrieve", "how many vacation days?", "--kb", "sample", "--json", "--filter", FILTER],
    ["retrieve", "espresso", "--kb", "sample", "--search-type", "SEMANTIC", "--json"],
    ["check", "--query", QUERY, "--answer", "Tokyo is the capital of Japan. Bananas grow on Mars.",
     "--source", UK_JAPAN],
    ["check", "--query", QUERY, "--answer", "Tokyo is the capital of Japan.", "--source", UK_JAPAN, "--json",
     "--threshold", "0.3"],
]  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding the sample corpus as knowledge base ``sample`` (hash embedder, as ``ragkb`` runs here)."""
    home = tmp_path_factory.mktemp("home")
    synced = ragkb("sync", str(SAMPLE), "--kb", "sample", "--json", home=home)
    assert synced.returncode == 0, synced.stderr
    return home


def settings_for(home: Path, **fields: object) -> Settings:
    # The same settings the `ragkb` subprocesses read (tests/support.py: hash embedder unless told otherwise).
    return Settings(home=home, embedder=os.environ.get("RAGKB_TEST_EMBEDDER", "hash"), **fields)  # type: ignore[arg-type]


@contextmanager
def requests_seen() -> Iterator[list[str]]:
    """``METHOD PATH STATUS`` of each request the servers of this process answer (uvicorn's access log)."""
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            method, path, status = record.args[1], record.args[2], record.args[4]  # type: ignore[index]
            seen.append(f"{method} {path} {status}")

    logger = logging.getLogger("uvicorn.access")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def answered(seen: list[str]) -> list[str]:
    return [request for request in seen if request.startswith("POST ")]


@pytest.mark.parametrize("auth", ["auto", "required"])
def test_a_running_server_answers_with_the_same_output(home: Path, auth: str) -> None:
    with running_server(settings_for(home, auth=auth), advertise=True) as url:
        record = read_server_file(home)
        assert record is not None and record.url == url and record.pid == os.getpid()
        assert stat.S_IMODE(server_file_path(home).stat().st_mode) == 0o600  # it holds a token
        for args in COMMANDS:
            with requests_seen() as seen:
                through_server = ragkb(*args, home=home)
            assert through_server.returncode in (0, 3), through_server.stderr
            assert [request.split()[-1] for request in answered(seen)] == ["200"], (args, seen)  # the server answered
            with requests_seen() as seen:
                local = ragkb(*args, "--local", home=home)
            assert answered(seen) == [], args
            assert (through_server.stdout, through_server.returncode) == (local.stdout, local.returncode), args
        assert through_server.returncode == 0 and json.loads(through_server.stdout)["blocked"] is False
    assert not server_file_path(home).exists()  # removed at shutdown


def test_a_sync_by_another_process_is_answered_at_once(tmp_path: Path) -> None:
    """The server's open knowledge base picks up what a `ragkb sync` beside it committed."""
    folder, home = tmp_path / "notes", tmp_path / "home"
    folder.mkdir()
    (folder / "first.txt").write_text("The espresso machine is descaled every two weeks.", encoding="utf-8")
    assert ragkb("sync", str(folder), "--kb", "notes", home=home).returncode == 0
    question = ["retrieve", "which zeppelin hangar?", "--kb", "notes", "--json"]
    with running_server(settings_for(home), advertise=True):
        assert len(json.loads(ragkb(*question, home=home).stdout)["retrievalResults"]) == 1  # the server opens it
        (folder / "second.txt").write_text("The zeppelin hangar stands north of the roastery.", encoding="utf-8")
        assert ragkb("sync", str(folder), "--kb", "notes", home=home).returncode == 0
        with requests_seen() as seen:
            through_server = ragkb(*question, home=home)
        assert [request.split()[-1] for request in answered(seen)] == ["200"]
        assert through_server.stdout == ragkb(*question, "--local", home=home).stdout
        top = json.loads(through_server.stdout)["retrievalResults"][0]
        assert top["location"]["customDocumentLocation"]["id"].endswith("second.txt")


def test_the_setting_turns_the_server_off(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_server(settings_for(home), advertise=True):
        monkeypatch.setenv("RAGKB_CLI_USE_SERVER", "0")
        with requests_seen() as seen:
            result = ragkb(*COMMANDS[0], home=home)
        assert result.returncode == 0, result.stderr
        assert answered(seen) == []
        assert "1. " in result.stdout


def test_errors_are_the_in_process_ones(home: Path) -> None:
    """The server refuses these (404, 400); the command redoes them in-process for the usual message and exit."""
    with running_server(settings_for(home), advertise=True):
        for args in (["retrieve", "x", "--kb", "nope"], ["retrieve", "x", "--kb", "sample", "-k", "0"]):
            with requests_seen() as seen:
                through_server = ragkb(*args, home=home)
            assert len(answered(seen)) == 1
            local = ragkb(*args, "--local", home=home)
            assert through_server.returncode == local.returncode != 0, through_server.stderr
            assert through_server.stderr == local.stderr and "error:" in local.stderr


def test_server_files_that_do_not_match_are_ignored(home: Path, tmp_path: Path) -> None:
    settings = settings_for(home)
    assert find_server(settings) is None  # no file
    with running_server(settings_for(home), advertise=True):
        record = read_server_file(home)
        assert record is not None
        server = find_server(settings)
        assert server is not None and server.record == record
        server.close()
        assert find_server(settings.model_copy(update={"cli_use_server": False})) is None
        assert find_server(settings.model_copy(update={"keyword_index": "fts5"})) is None  # other answers
        assert find_server(settings.model_copy(update={"port": 9, "auth": "required"})) is not None  # server-only
        for stale in (replace(record, pid=_exited_pid()), replace(record, instance="0" * 16),
                      replace(record, url="http://127.0.0.1:9")):  # fmt: skip
            write_server_file(home, stale)
            assert find_server(settings) is None, stale
        write_server_file(home, record)
        # A server for another home answers /readyz with its own instance.
        with running_server(settings_for(tmp_path), advertise=True) as other_url:
            write_server_file(home, replace(record, url=other_url))
            assert find_server(settings) is None
        for garbage in ("{not json", "[]", json.dumps({**asdict(record), "pid": str(record.pid)})):
            server_file_path(home).write_text(garbage, encoding="utf-8")
            assert find_server(settings) is None, garbage
        write_server_file(home, record)


def test_the_token_opens_the_native_api_when_auth_is_on(home: Path) -> None:
    with running_server(settings_for(home, auth="required"), advertise=True) as url:
        record = read_server_file(home)
        assert record is not None
        body = {"query": "vacation", "k": 1}
        path = f"{url}/v1/knowledge-bases/sample/retrieve"
        assert httpx.post(path, json=body).status_code == 401
        assert httpx.post(path, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
        accepted = httpx.post(path, json=body, headers={"Authorization": f"Bearer {record.token}"})
        assert accepted.status_code == 200 and len(accepted.json()["results"]) == 1
        assert httpx.get(f"{url}/readyz").json()["instance"] == record.instance


def _exited_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_record_round_trips(tmp_path: Path) -> None:
    record = ServerFile.for_server(settings_for(tmp_path), url="http://127.0.0.1:1")
    write_server_file(tmp_path, record)
    assert read_server_file(tmp_path) == record
    assert ServerFile.for_server(settings_for(tmp_path), url="http://127.0.0.1:1").token != record.token
