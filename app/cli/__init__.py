"""The ``ragkb`` command line: one Typer app gathering one module per command group (``ingest``: chunk and
sync; ``query``: retrieve and kb; ``grounding``: check; ``evaluate``: eval; ``serve``: serve and keys).
Settings are built once per run, on first use (``context.py``); ``main`` turns errors into exit codes."""

from __future__ import annotations

import json
import logging
import os
import re
import sys

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.markup import escape

from app.cli import evaluate, grounding, guardrails, ingest, query, serve, transfer, worker
from app.cli.context import start_run
from app.cli.terminal import err
from app.settings import Settings
from evaluation import DatasetError
from grounding import GroundingError
from ingest import IngestError
from retrieval import RetrievalError

cli = typer.Typer(
    name="ragkb",
    help="Self-hosted knowledge bases: ingest documents, retrieve, and check answers for grounding. "
    "Runs offline on a CPU. Data lives in RAGKB_HOME (default ~/.ragkb).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@cli.callback()
def _start(ctx: typer.Context) -> None:
    start_run(ctx)


cli.command()(ingest.chunk)
cli.command()(ingest.sync)
cli.command()(query.retrieve)
cli.command()(grounding.check)
query.kb_cli.command("export")(transfer.export_command)
query.kb_cli.command("import")(transfer.import_command)
cli.add_typer(query.kb_cli, name="kb")
cli.add_typer(evaluate.eval_cli, name="eval")
cli.command()(serve.serve)
cli.add_typer(serve.keys_cli, name="keys")
cli.add_typer(guardrails.guardrail_cli, name="guardrail")
cli.command()(worker.worker)


def main() -> None:
    """Entry point: domain errors print one line and exit 1; usage errors and bad ``RAGKB_*`` settings exit 2."""
    # PyTorch's OpenMP threads otherwise spin after each parallel region, burning the cores the next batch
    # and the sync's other threads need (docs/benchmarks.md: a sync went from 1.3x to 2.1x the plain loop).
    # The OpenMP runtime reads this once, when PyTorch loads, which no command does before this line;
    # a value set in the environment wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # pypdf logs every repair it makes to a damaged PDF; the user sees the file's outcome instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        cli()
    except (IngestError, RetrievalError, GroundingError, DatasetError) as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(1)
    except (ValidationError, SettingsError) as exc:
        if isinstance(exc, ValidationError) and exc.title != Settings.__name__:
            raise
        for problem in settings_problems(exc):
            err.print(f"[bold red]error:[/] {escape(problem)}", soft_wrap=True)
        sys.exit(2)


_SECRET_WORDS = ("secret", "key", "password")


def settings_problems(exc: ValidationError | SettingsError) -> list[str]:
    """One line per bad setting, named as the user sets it: ``RAGKB_AUTH="bogus": input should be 'auto', ...``."""
    if isinstance(exc, SettingsError):
        # Raised for list settings whose environment value is not JSON; the message names the field.
        named = re.search(r'field "(\w+)"', str(exc))
        name = f"RAGKB_{named.group(1).upper()}" if named else "a RAGKB_* setting"
        example = '["first", "second"]'
        return [f"{name} is not valid JSON: this setting is a list, e.g. {name}='{example}'"]
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        if not error["loc"]:  # a rule over several settings: the message names them
            problems.append(message)
            continue
        field = str(error["loc"][0])
        shown = "" if any(word in field for word in _SECRET_WORDS) else f"={json.dumps(error['input'], default=str)}"
        problems.append(f"RAGKB_{field.upper()}{shown}: {message}")
    return problems
