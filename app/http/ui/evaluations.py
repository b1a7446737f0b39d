"""Human evaluation jobs: create one (a Bedrock evaluation JSONL upload or the playground's history), rate
its items as one of its reviewers with the keyboard, export the ratings and read the summary."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.console.human_eval.datasets import MAX_ITEMS, auto_scores, history_items, parse_dataset
from app.core.console.human_eval.store import METHODS, response_rating
from app.core.console.human_eval.summary import summarise
from app.core.errors import RequestError
from app.http.deps import ServicesDep
from app.http.ui.plots import distribution_chart, win_rate_chart
from app.http.ui.session import Csrf, UiPrincipal, render

router = APIRouter()
MAX_DATASET_BYTES = 20_000_000
LABELS = {
    "thumbs": {0: "down", 1: "up"},
    "likert": {v: str(v) for v in range(1, 6)},
    "compare": {0: "lost", 1: "won"},
}
WIN_MEANS = {
    "thumbs": "share of thumbs up",
    "likert": "share rated 4 or 5",
    "compare": "win rate",
    "rank": "share ranked first",
}


@router.get("/evaluations", response_class=HTMLResponse)
def jobs_page(request: Request, services: ServicesDep, principal: UiPrincipal) -> HTMLResponse:
    store = services.console.evaluations
    jobs = [(job, len(store.ratings(job.id))) for job in store.jobs()]
    conversations = services.console.history.conversations(owner=principal.name)
    return render(request, "evaluations.html", {
        "jobs": jobs, "methods": METHODS, "conversations": conversations, "active": "evaluations",
        "max_items": MAX_ITEMS,
    })  # fmt: skip


@router.post("/evaluations", dependencies=[Csrf])
async def create_job(
    services: ServicesDep, principal: UiPrincipal, name: Annotated[str, Form()], method: Annotated[str, Form()],
    reviewers: Annotated[str, Form()], instructions: Annotated[str, Form()] = "",
    dataset: Annotated[UploadFile | None, File()] = None, history: Annotated[str, Form()] = "",
) -> RedirectResponse:  # fmt: skip
    if dataset is not None and dataset.filename:
        data = await dataset.read(MAX_DATASET_BYTES + 1)
        if len(data) > MAX_DATASET_BYTES:
            raise RequestError(f"the dataset is over {MAX_DATASET_BYTES // 1_000_000} MB")
        items = auto_scores(services.checker, parse_dataset(data))
    elif history:
        owner = principal.name
        turns = services.console.history.turns(owner=owner, conversation_id=None if history == "*" else history)
        items = history_items(turns, model=type(services.generator).__name__)
    else:
        raise RequestError("upload a dataset (JSONL) or pick the playground history")
    job = services.console.evaluations.create(
        name=name, method=method, reviewers=reviewers.replace("\n", ",").split(","), items=items,
        instructions=instructions,
    )  # fmt: skip
    return RedirectResponse(f"/ui/evaluations/{job.id}", status_code=303)


@router.get("/evaluations/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, services: ServicesDep, principal: UiPrincipal) -> HTMLResponse:
    store = services.console.evaluations
    job = store.job(job_id)
    progress = {reviewer: job.items - len(store.queue(job_id, reviewer)) for reviewer in job.reviewers}
    return render(request, "job.html", {"job": job, "progress": progress, "active": "evaluations"})


@router.get("/evaluations/{job_id}/review/{reviewer}", response_model=None)
def review_page(
    request: Request, job_id: str, reviewer: str, services: ServicesDep, principal: UiPrincipal, item: int | None = None
) -> HTMLResponse | RedirectResponse:
    store = services.console.evaluations
    job = store.job(job_id)
    if reviewer not in job.reviewers:
        raise RequestError(f"{reviewer!r} is not a reviewer of this job")
    queue = store.queue(job_id, reviewer)
    if item is None:
        if not queue:
            return render(request, "review_done.html", {"job": job, "reviewer": reviewer, "active": "evaluations"})
        item = queue[0]
    if not 0 <= item < job.items:
        raise RequestError(f"item must be between 1 and {job.items}")
    mine = {r.item: r.value for r in store.ratings(job_id, reviewer=reviewer)}
    base = f"/ui/evaluations/{job_id}/review/{reviewer}"
    return render(request, "review.html", {
        "job": job, "reviewer": reviewer, "index": item, "item": store.item(job_id, item), "current": mine.get(item),
        "left": len(queue), "previous": f"{base}?item={item - 1}" if item > 0 else "",
        "next": f"{base}?item={item + 1}" if item + 1 < job.items else "", "active": "evaluations",
    })  # fmt: skip


@router.post("/evaluations/{job_id}/review/{reviewer}/{item}", dependencies=[Csrf])
async def rate(
    request: Request, job_id: str, reviewer: str, item: int, services: ServicesDep, principal: UiPrincipal
) -> RedirectResponse:
    form = await request.form()
    fields = sorted((k for k in form if k.startswith("value_")), key=lambda k: int(k.removeprefix("value_")))
    try:
        value = [int(str(form[k])) for k in fields]
    except ValueError:
        raise RequestError("every response needs a rating") from None
    services.console.evaluations.rate(job_id, item, reviewer=reviewer, value=value)
    return RedirectResponse(f"/ui/evaluations/{job_id}/review/{reviewer}", status_code=303)


@router.get("/evaluations/{job_id}/summary", response_class=HTMLResponse)
def summary_page(request: Request, job_id: str, services: ServicesDep, principal: UiPrincipal) -> HTMLResponse:
    store = services.console.evaluations
    job, items = store.job(job_id), store.items(job_id)
    ratings = store.ratings(job_id)
    summary = summarise(job, items, ratings)
    labels = LABELS.get(job.method) or {r: f"rank {r}" for r in range(1, max(len(i.responses) for i in items) + 1)}
    rows = [
        {"item": r.item + 1, "reviewer": r.reviewer, "prompt": items[r.item].prompt,
         "cells": [(resp.model, response_rating(job.method, r.value, p), resp.grounding, resp.relevance)
                   for p, resp in enumerate(items[r.item].responses)]}
        for r in ratings
    ]  # fmt: skip
    return render(request, "summary.html", {
        "job": job, "summary": summary, "rows": rows, "win_means": WIN_MEANS[job.method],
        "distribution": distribution_chart(summary.distributions, labels=labels),
        "wins": win_rate_chart(summary.win_rates, what=WIN_MEANS[job.method]), "active": "evaluations",
    })  # fmt: skip


@router.get("/evaluations/{job_id}/export.{fmt}")
def export(job_id: str, fmt: str, services: ServicesDep, principal: UiPrincipal) -> Response:
    rows = services.console.evaluations.export_rows(job_id)
    name = f"human-eval-{job_id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "jsonl":
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return Response(body, media_type="application/x-ndjson", headers=headers)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["job"])
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    raise RequestError("export as .jsonl or .csv")
