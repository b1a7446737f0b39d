"""The ``ragkb`` command line. Each command builds its dependencies from :class:`Settings` here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from app.json_views import document_view
from app.progress import progress_bar
from app.settings import Settings
from ingest.chunking import ChunkingConfig
from ingest.errors import InvalidChunkingConfig
from ingest.pipeline import DocumentResult, iter_documents, process_file
from ingest.types import ChunkLocation

cli = typer.Typer(
    name="ragkb",
    help="Self-hosted knowledge bases: ingest documents, retrieve, and check answers for grounding. "
    "Runs offline on a CPU.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

STRATEGIES = ("default", "fixed", "none", "hierarchical", "semantic")


def chunking_config(strategy: str, max_tokens: int | None, overlap_pct: int | None) -> ChunkingConfig:
    """Build the config from CLI flags, turning range errors into usage errors (exit 2)."""
    if strategy not in STRATEGIES:
        raise typer.BadParameter(f"choose one of {', '.join(STRATEGIES)}", param_hint="--chunking")
    if strategy == "default" and (max_tokens is not None or overlap_pct is not None):
        strategy = "fixed"
    options: dict[str, int] = {}
    if max_tokens is not None:
        options["max_tokens"] = max_tokens
    if overlap_pct is not None:
        options["overlap_percentage"] = overlap_pct
    try:
        return ChunkingConfig(strategy=strategy, **options)  # type: ignore[arg-type]
    except InvalidChunkingConfig as exc:
        raise typer.BadParameter(str(exc)) from exc


@cli.command()
def chunk(
    files: Annotated[
        list[Path],
        typer.Argument(help="Files or folders to preview (folders are walked; sidecars are read, not listed)."),
    ],
    chunking: Annotated[
        str, typer.Option(help="default (200 tokens, 20% overlap) | fixed | none | hierarchical | semantic.")
    ] = "default",
    max_tokens: Annotated[
        int | None, typer.Option(help="fixed: tokens per chunk (1-8192, cl100k tokens).")
    ] = None,
    overlap_pct: Annotated[
        int | None, typer.Option(help="fixed: overlap between consecutive chunks, percent (0-99).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")] = False,
) -> None:
    """Show how files would be chunked, without embedding or indexing anything.

    Every file is either chunked or refused with a one-line reason (encrypted, scanned, unsupported
    type, empty...). The exit code is 0 when every file was handled; 2 for usage errors.

    Example: ragkb chunk data/ --chunking fixed --max-tokens 100 --overlap-pct 10
    """
    config = chunking_config(chunking, max_tokens, overlap_pct)
    if config.strategy == "semantic":
        raise typer.BadParameter("semantic chunking needs the embedding model; use it with `ragkb sync`",
                                 param_hint="--chunking")
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or folder: {', '.join(missing)}", param_hint="FILES")
    settings = Settings()
    paths = [p for f in files for p in iter_documents(f)]
    results: list[DocumentResult] = []
    with progress_bar("Chunking", total=len(paths), console=err) as advance:
        for path in paths:
            results.append(process_file(path, chunking=config, limits=settings.parse_limits()))
            advance(1)
    if as_json:
        json.dump({"documents": [document_view(r) for r in results]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for result in results:
        _print_result(result)
    ok = sum(r.status == "ok" for r in results)
    out.print(f"\n{ok} of {len(results)} files chunked, {len(results) - ok} refused, "
              f"{sum(len(r.chunks) for r in results)} chunks.")


def _print_result(result: DocumentResult) -> None:
    if result.status == "failed":
        out.print(f"[bold red]✗ {escape(result.path)}[/]: {escape(result.reason or '')}")
        return
    out.print(f"[bold green]✓ {escape(result.path)}[/]: {len(result.chunks)} chunks")
    for warning in result.warnings:
        out.print(f"  [yellow]warning:[/] {escape(warning)}")
    for c in result.chunks:
        where = ", ".join(_location_parts(c.location))
        out.print(f"[cyan]── chunk {c.index} · {c.token_count} tokens · {escape(where)}[/]")
        out.print(escape(c.text))


def _location_parts(location: ChunkLocation) -> list[str]:
    parts: list[str] = []
    if location.pages:
        parts.append("pages " + ",".join(map(str, location.pages)))
    if location.sheet:
        parts.append(f"sheet {location.sheet}")
    if location.row is not None:
        parts.append(f"rows {location.row}-{location.row_end}")
    if location.headings:
        parts.append(" > ".join(location.headings))
    return parts or ["whole document"]


def main() -> None:
    cli()
