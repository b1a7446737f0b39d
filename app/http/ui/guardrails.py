"""Guardrail test cases (write them, run them all in one click) and the violation log (filter, export)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.errors import RequestError
from app.core.guardrails.cases import EXPECTED, run_cases
from app.core.guardrails.store import DRAFT, GroundingFilter
from app.http.deps import ServicesDep
from app.http.ui.session import Csrf, UiPrincipal, render

router = APIRouter()
SEPARATOR = "\n---\n"


@router.get("/guardrails", response_class=HTMLResponse)
def guardrails_page(request: Request, services: ServicesDep, principal: UiPrincipal) -> HTMLResponse:
    tests = services.console.guardrail_tests
    rows = [(g, len(tests.list(g.id))) for g in services.guardrails.list()]
    return render(request, "guardrails.html", {"rows": rows, "active": "guardrails"})


@router.post("/guardrails", dependencies=[Csrf])
def create_guardrail(
    services: ServicesDep, principal: UiPrincipal, name: Annotated[str, Form()],
    grounding_threshold: Annotated[float | None, Form(ge=0, le=0.99)] = None,
    relevance_threshold: Annotated[float | None, Form(ge=0, le=0.99)] = None,
) -> RedirectResponse:  # fmt: skip
    filters = (
        *((GroundingFilter("GROUNDING", grounding_threshold),) if grounding_threshold is not None else ()),
        *((GroundingFilter("RELEVANCE", relevance_threshold),) if relevance_threshold is not None else ()),
    )
    record = services.guardrails.create(name=name, filters=filters)
    return RedirectResponse(f"/ui/guardrails/{record.id}", status_code=303)


@router.get("/guardrails/violations", response_class=HTMLResponse)
def violations_page(
    request: Request, services: ServicesDep, principal: UiPrincipal, guardrail: str = "", path: str = "",
    since: str = "",
) -> HTMLResponse:  # fmt: skip
    entries = services.console.violations.list(guardrail_id=guardrail or None, path=path or None, since=since or None)
    names = {g.id: g.name for g in services.guardrails.list()}
    query = f"guardrail={guardrail}&path={path}&since={since}"
    return render(request, "violations.html", {
        "entries": entries, "names": names, "guardrail": guardrail, "path": path, "since": since, "query": query,
        "active": "violations",
    })  # fmt: skip


@router.get("/guardrails/violations/export.{fmt}")
def export_violations(
    fmt: str, services: ServicesDep, principal: UiPrincipal, guardrail: str = "", path: str = "", since: str = ""
) -> Response:
    entries = services.console.violations.list(guardrail_id=guardrail or None, path=path or None, since=since or None)
    rows = [asdict(e) for e in entries]
    headers = {"Content-Disposition": f'attachment; filename="violations.{fmt}"'}
    if fmt == "jsonl":
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return Response(body, media_type="application/x-ndjson", headers=headers)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["at", "guardrail_id", "version", "path", "source", "action", "scores", "excerpt"])
        for e in entries:
            writer.writerow(
                [e.at, e.guardrail_id, e.version, e.path, e.source, e.action, json.dumps(e.scores), e.excerpt]
            )
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    raise RequestError("export as .jsonl or .csv")


@router.get("/guardrails/{guardrail_id}", response_class=HTMLResponse)
def cases_page(request: Request, guardrail_id: str, services: ServicesDep, principal: UiPrincipal) -> HTMLResponse:
    record = services.guardrails.get(guardrail_id)
    versions = [r.version for r in services.guardrails.versions(guardrail_id)]
    cases = services.console.guardrail_tests.list(guardrail_id)
    return render(request, "guardrail_cases.html", {
        "guardrail": record, "versions": versions, "cases": cases, "expected": EXPECTED, "active": "guardrails",
    })  # fmt: skip


@router.post("/guardrails/{guardrail_id}/cases", dependencies=[Csrf])
def add_case(
    guardrail_id: str, services: ServicesDep, principal: UiPrincipal, name: Annotated[str, Form()],
    text: Annotated[str, Form()], source: Annotated[str, Form()] = "OUTPUT", sources: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "", expected: Annotated[str, Form()] = "NONE",
) -> RedirectResponse:  # fmt: skip
    services.guardrails.get(guardrail_id)  # 404 for an unknown guardrail
    services.console.guardrail_tests.add(
        guardrail_id=guardrail_id, name=name, source=source, text=text, sources=sources.split(SEPARATOR),
        query=query, expected=expected,
    )  # fmt: skip
    return RedirectResponse(f"/ui/guardrails/{guardrail_id}", status_code=303)


@router.post("/guardrails/{guardrail_id}/cases/{case_id}/delete", dependencies=[Csrf])
def delete_case(guardrail_id: str, case_id: str, services: ServicesDep, principal: UiPrincipal) -> RedirectResponse:
    services.console.guardrail_tests.delete(case_id)
    return RedirectResponse(f"/ui/guardrails/{guardrail_id}", status_code=303)


@router.post("/guardrails/{guardrail_id}/run", response_class=HTMLResponse, dependencies=[Csrf])
def run(
    request: Request, guardrail_id: str, services: ServicesDep, principal: UiPrincipal,
    version: Annotated[str, Form()] = DRAFT,
) -> HTMLResponse:  # fmt: skip
    record = services.guardrails.get(guardrail_id, version)
    cases = services.console.guardrail_tests.list(guardrail_id)
    results = run_cases(services.checker, record, cases, log=services.console.violations, guard=lambda: services.guard)
    passed = sum(r.passed for r in results)
    return render(request, "guardrail_results.html", {"results": results, "passed": passed, "version": version})
