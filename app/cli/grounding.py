"""``ragkb check``: is an answer grounded in its sources and relevant to the question?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.context import current_run
from app.cli.remote import LocalOpt, find_server
from app.cli.terminal import out, print_json
from app.core.grounding_checks import check_with_filters
from app.core.views import outcome_view
from app.core.wiring import build_checker
from grounding import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    HYBRID_GROUNDING_THRESHOLD,
    MAX_ANSWER_CHARS,
    MAX_QUERY_CHARS,
)
from ingest import parse_file

# `ragkb check`'s exit code when the verdict is BLOCKED: scripts tell it apart from errors (1) and usage (2).
EXIT_BLOCKED = 3

ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        min=0.0,
        max=0.99,
        help=f"Grounding threshold in [0, 0.99] (default: the configured checker's calibrated one, "
        f"{HYBRID_GROUNDING_THRESHOLD} for the default v3, {DEFAULT_GROUNDING_THRESHOLD} for v1; "
        "RAGKB_GROUNDING_MODEL).",
    ),
]
RelevanceOpt = Annotated[
    float | None,
    typer.Option(
        "--relevance-threshold",
        min=0.0,
        max=0.99,
        help=f"Relevance threshold in [0, 0.99] (default {DEFAULT_RELEVANCE_THRESHOLD}).",
    ),
]


def check(
    ctx: typer.Context,
    query: Annotated[str, typer.Option("--query", help=f"The question (at most {MAX_QUERY_CHARS:,} characters).")],
    answer: Annotated[str, typer.Option("--answer", help=f"The answer to check (at most {MAX_ANSWER_CHARS:,}).")],
    source: Annotated[
        list[str] | None, typer.Option("--source", help="A source text; repeat for several.", show_default=False)
    ] = None,
    source_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--source-file",
            exists=True,
            dir_okay=False,
            show_default=False,
            help="A source document (any format ragkb ingests: .txt, .md, .pdf, .docx, ...); repeat for several.",
        ),
    ] = None,
    threshold: ThresholdOpt = None,
    relevance_threshold: RelevanceOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON (as POST /v1/grounding/check).")
    ] = False,
    local: LocalOpt = False,
) -> None:
    """Check that ANSWER is supported by the sources (grounding) and addresses QUERY (relevance).

    Scores are in [0, 1], higher is better; a filter is detected when its score is below its threshold.
    Each claim of the answer is listed with its label and the source sentence that best supports it.
    Sources may total at most 100,000 characters (Bedrock's limit). A `ragkb serve` running for the
    same home checks instead of a model loaded here (same output).

    Exit codes: 0 the answer passes, 3 the verdict is BLOCKED (a filter detected with action BLOCK),
    1 an error (e.g. an unreadable source file), 2 bad usage or a bad RAGKB_* setting.

    Example: ragkb check --query "What is the capital of Japan?" --answer "The capital of Japan is London."
    --source "London is the capital of the UK. Tokyo is the capital of Japan."
    """
    settings = current_run(ctx).settings()
    sources = list(source or [])
    sources += [parse_file(path, limits=settings.parse_limits()).markdown() for path in source_file or []]
    if not sources:
        raise typer.BadParameter("give at least one --source or --source-file", param_hint="--source")
    view = None
    server = None if local else find_server(settings)
    if server is not None:
        view = server.check(sources=sources, query=query, answer=answer, grounding_threshold=threshold,
                            relevance_threshold=relevance_threshold)  # fmt: skip
        server.close()
    if view is None:
        checker = build_checker(settings)
        outcome = check_with_filters(
            checker, sources=sources, query=query, answer=answer,
            grounding_threshold=threshold, relevance_threshold=relevance_threshold,
        )  # fmt: skip
        view = outcome_view(outcome)
    if as_json:
        print_json(view)
    else:
        print_outcome(view, source_names=[f"source {i + 1}" for i in range(len(source or []))]
                      + [path.name for path in source_file or []])  # fmt: skip
    if view["blocked"]:
        raise typer.Exit(EXIT_BLOCKED)


def print_outcome(view: dict[str, Any], *, source_names: list[str]) -> None:
    """Scores, the verdict and a table of claims with their evidence, from ``outcome_view``'s shape (what
    ``--json`` prints and the server answers), so that both ways print the same."""
    for name in ("grounding", "relevance"):
        judged = view[name]
        if judged is None:
            continue
        verdict = "[bold red]detected[/]" if judged["detected"] else "[green]ok[/]"
        out.print(f"{name.title():10} {judged['score']:.3f}  threshold {judged['threshold']:.2f}  {verdict}")
    if view["abstained"]:
        out.print("The answer declines to answer: nothing to check.")
    out.print("Verdict: " + ("[bold red]BLOCKED[/]" if view["blocked"] else "[green]pass[/]"))
    if not view["claims"]:
        return
    table = Table(show_lines=True)
    for column in ("#", "Claim", "Label", "Score", "Evidence"):
        table.add_column(column)
    colours = {"supported": "green", "unsupported": "yellow", "contradicted": "red"}
    for number, claim in enumerate(view["claims"], start=1):
        evidence = claim["evidence"]
        where = ""
        if evidence is not None and evidence["text"]:
            index = evidence["source_index"]
            name = source_names[index] if index < len(source_names) else "source"
            where = f"[dim]{escape(name)} [{evidence['start']}:{evidence['end']}][/]\n{escape(evidence['text'])}"
        flags = f"\n[dim]{', '.join(claim['flags'])}[/]" if claim["flags"] else ""
        label = claim["label"]
        table.add_row(
            str(number), f"{escape(claim['text'])}\n[dim][{claim['start']}:{claim['end']}][/]",
            f"[{colours[label]}]{label}[/]{flags}", f"{claim['score']:.3f}", where,
        )  # fmt: skip
    out.print(table)
