"""``ragkb retrieve`` and ``ragkb kb ...``: query and manage knowledge bases."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from app.cli.context import current_run
from app.cli.remote import LocalOpt, find_server
from app.cli.terminal import out, print_json
from app.core.keys import ANONYMOUS
from app.core.views import hit_view, knowledge_base_row
from retrieval import DEFAULT_SEARCH_TYPE, parse_filter

kb_cli = typer.Typer(help="List, inspect and delete knowledge bases.", no_args_is_help=True)


def retrieve(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="The question or search text (1-1000 characters).")],
    kb: Annotated[str, typer.Option("--kb", help="Knowledge base name or id.")],
    k: Annotated[int, typer.Option("-k", "--top-k", help="How many results (1-100).")] = 5,
    search_type: Annotated[
        str,
        typer.Option(
            "--search-type", help="HYBRID (dense + BM25 keywords; the default, best on SciFact) or SEMANTIC (dense)."
        ),
    ] = DEFAULT_SEARCH_TYPE,
    filter_json: Annotated[
        str | None,
        typer.Option(
            "--filter",
            help='Bedrock RetrievalFilter JSON, e.g. \'{"equals": {"key": "year", "value": 2024}}\'.',
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print Bedrock\'s {"retrievalResults": [...]}.')] = False,
    local: LocalOpt = False,
) -> None:
    """Find the chunks most relevant to QUERY.

    Scores: higher is better. SEMANTIC gives the cosine similarity (-1 to 1); HYBRID gives
    reciprocal-rank fusion normalised to 0-1 (1 = ranked first by both retrievers).
    A `ragkb serve` running for the same home answers instead of a model loaded here (same output).

    Example: ragkb retrieve "how many vacation days?" --kb sample -k 3
    --filter '{"equals": {"key": "department", "value": "people"}}'
    """
    search_type = search_type.upper()
    if search_type not in ("SEMANTIC", "HYBRID"):
        raise typer.BadParameter("use SEMANTIC or HYBRID", param_hint="--search-type")
    flt = raw_filter = None
    if filter_json is not None:
        try:
            raw_filter = json.loads(filter_json)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not valid JSON: {exc}", param_hint="--filter") from exc
        flt = parse_filter(raw_filter)
    run = current_run(ctx)
    hits = None
    server = None if local else find_server(run.settings())
    if server is not None:
        hits = server.retrieve(kb, query=query, k=k, search_type=search_type, filter_json=raw_filter)
        server.close()
    if hits is None:
        _, knowledge_base = run.services.open_kb(kb, principal=ANONYMOUS)
        hits = knowledge_base.retrieve(query, k=k, search_type=search_type, filter=flt)  # type: ignore[arg-type]
    if as_json:
        print_json({"retrievalResults": [hit_view(h) for h in hits]})
        return
    if not hits:
        out.print("No results.")
    for rank, hit in enumerate(hits, start=1):
        out.print(f"[bold cyan]{rank}. {hit.score:.3f}[/] [dim]{escape(hit.document_uri)}[/]")
        out.print(escape(hit.text))
        out.print()


@kb_cli.command("list")
def list_kbs(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every knowledge base in RAGKB_HOME."""
    home = current_run(ctx).services.home
    rows = [knowledge_base_row(info) for info in home.list()]
    if as_json:
        print_json({"knowledgeBases": rows})
        return
    for row in rows:
        out.print(f"{row['knowledgeBaseId']}  {row['name']:24} {row['embedder']}  updated {row['updatedAt']}")
    if not rows:
        out.print("No knowledge bases yet. Create one with `ragkb sync FOLDER --kb NAME`.")


@kb_cli.command("delete")
def delete_kb(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Knowledge base name or id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a knowledge base and everything indexed in it (source files are not touched)."""
    home = current_run(ctx).services.home
    info = home.get(name)
    if not yes:
        typer.confirm(f"Delete knowledge base {info.name} ({info.id})?", abort=True)
    home.delete(info.id)
    out.print(f"Deleted {info.name} ({info.id}).")
