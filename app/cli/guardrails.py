"""``ragkb guardrail test``: run a guardrail's test cases (those made in the console, or added from a file)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.context import current_run
from app.cli.terminal import err, out, print_json
from app.core.errors import AppError, RequestError
from app.core.guardrails.cases import run_cases
from app.core.guardrails.store import DRAFT

# Exit code when at least one case did not get its expected action (1 is an error, 2 bad usage).
EXIT_FAILED = 3

guardrail_cli = typer.Typer(help="Guardrail test cases.", no_args_is_help=True)


@guardrail_cli.command("test")
def test(
    ctx: typer.Context,
    guardrail: Annotated[str, typer.Argument(help="The guardrail's name or id.")],
    version: Annotated[str, typer.Option("--version", help="DRAFT or a version number.")] = DRAFT,
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            exists=True,
            dir_okay=False,
            show_default=False,
            help="JSONL of cases to add first: name, text, and optionally source (INPUT|OUTPUT), sources, query, "
            "expected (NONE|GUARDRAIL_INTERVENED).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Run every test case of GUARDRAIL and report pass or fail with the filters' scores.

    Cases are kept in <home>/guardrail_tests.sqlite, the same the console's "Run all" runs (/ui/guardrails);
    interventions are written to the violation log (path "test").

    Exit codes: 0 every case passed, 3 some case failed, 1 an error (unknown guardrail, bad case file),
    2 bad usage.

    Example: ragkb guardrail test rag-answers --cases cases.jsonl
    """
    services = current_run(ctx).services
    store = services.console.guardrail_tests
    try:
        record = services.guardrails.find(guardrail)
        if version != DRAFT:
            record = services.guardrails.get(record.id, version)
        for number, line in enumerate(cases.read_text(encoding="utf-8").splitlines() if cases else [], start=1):
            if line.strip():
                case = _case_line(number, line)
                store.add(
                    guardrail_id=record.id, name=str(case.get("name", "")), text=str(case.get("text", "")),
                    source=str(case.get("source", "OUTPUT")), sources=[str(s) for s in case.get("sources", [])],
                    query=str(case.get("query", "")), expected=str(case.get("expected", "NONE")),
                )  # fmt: skip
        results = run_cases(
            services.checker, record, store.list(record.id), log=services.console.violations,
            guard=lambda: services.guard,
        )  # fmt: skip
    except AppError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    if as_json:
        print_json([
            {"case": asdict(r.case), "action": r.action, "scores": r.scores, "passed": r.passed} for r in results
        ])  # fmt: skip
    else:
        table = Table()
        for column in ("Case", "Expected", "Got", "Scores", "Result"):
            table.add_column(column)
        for r in results:
            scores = ", ".join(f"{k.lower()} {v:.2f}" for k, v in r.scores.items())
            verdict = "[green]pass[/]" if r.passed else "[bold red]FAIL[/]"
            table.add_row(escape(r.case.name), r.case.expected, r.action, scores, verdict)
        out.print(table)
        passed = sum(r.passed for r in results)
        out.print(f"{passed} of {len(results)} passed ({record.name}, version {record.version})")
    if not all(r.passed for r in results):
        raise typer.Exit(EXIT_FAILED)


def _case_line(number: int, line: str) -> dict[str, Any]:
    try:
        case = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RequestError(f"line {number} of the cases file is not valid JSON ({exc.msg})") from None
    if not isinstance(case, dict):
        raise RequestError(f"line {number} of the cases file must be a JSON object")
    return case
