"""The ``ragkb`` command line: one Typer app; each command module builds what it needs from Settings."""

from __future__ import annotations

import logging
import sys

import typer

from app import cli_eval, cli_grounding, cli_ingest, cli_query, cli_serve
from app.evaluation_grounding import DatasetError
from app.terminal import err
from grounding import GroundingError
from ingest.errors import IngestError
from retrieval.errors import RetrievalError

cli = typer.Typer(
    name="ragkb",
    help="Self-hosted knowledge bases: ingest documents, retrieve, and check answers for grounding. "
    "Runs offline on a CPU. Data lives in RAGKB_HOME (default ~/.ragkb).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cli.command()(cli_ingest.chunk)
cli.command()(cli_ingest.sync)
cli.command()(cli_query.retrieve)
cli.command()(cli_grounding.check)
cli.add_typer(cli_query.kb_cli, name="kb")
cli.add_typer(cli_eval.eval_cli, name="eval")
cli.command()(cli_serve.serve)
cli.add_typer(cli_serve.keys_cli, name="keys")


def main() -> None:
    """Entry point: domain errors print one line and exit 1; usage errors exit 2 (Typer)."""
    # pypdf logs every repair it makes to a damaged PDF; the user sees the file's outcome instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        cli()
    except (IngestError, RetrievalError, GroundingError, DatasetError) as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(1)
