"""The public surfaces, frozen: the OpenAPI document and every ``ragkb ... --help`` text.

A refactoring must leave both byte-identical (issue 12's proof that nothing changed); a deliberate change
of the API or the CLI regenerates the files and shows up in review as a diff of ``tests/rules/surfaces/``:

    RAGKB_UPDATE_SURFACES=1 .venv/bin/python -m pytest tests/rules/test_surfaces.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from app.settings import Settings

SURFACES = Path(__file__).parent / "surfaces"
UPDATE = os.environ.get("RAGKB_UPDATE_SURFACES") == "1"


def _compare(name: str, text: str) -> None:
    path = SURFACES / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with RAGKB_UPDATE_SURFACES=1 once"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; if on purpose, regenerate (see module doc)"


def test_openapi_document_is_unchanged(tmp_path: Path) -> None:
    from app.http.app import create_app

    document = create_app(Settings(home=tmp_path, embedder="hash")).openapi()
    _compare("openapi.json", json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if hasattr(group, "commands"):  # a group (typer ships its own click, so no isinstance check)
        for name, command in sorted(group.commands.items()):
            found.extend(_commands(command, (*path, name)))
    return found


def _all_commands() -> list[tuple[str, ...]]:
    from app.cli import cli

    return _commands(typer.main.get_command(cli))


@pytest.mark.parametrize("command", _all_commands(), ids=lambda c: " ".join(c) or "ragkb")
def test_cli_help_is_unchanged(command: tuple[str, ...]) -> None:
    from app.cli import cli

    result = CliRunner().invoke(cli, [*command, "--help"], env={"COLUMNS": "120", "TERM": "dumb", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    _compare(f"help/{'_'.join(command) or 'ragkb'}.txt", result.output)
