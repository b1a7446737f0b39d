"""The grounding checker page: sources (pasted, uploaded, or a knowledge base's retrieved chunks), a query
and an answer, checked with the thresholds and actions a guardrail would use; the same per-claim view as
the playground, and the equivalent JSON call (``POST /v1/grounding/check``)."""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from app.core.errors import RequestError
from app.core.grounding_checks import check_with_filters
from app.core.views import outcome_view
from app.http.deps import ServicesDep
from app.http.ui.session import Csrf, UiPrincipal, render
from grounding import Action

router = APIRouter()
SEPARATOR = re.compile(r"^\s*-{3,}\s*$", re.MULTILINE)
MAX_UPLOAD_BYTES = 2_000_000


@router.get("/checker", response_class=HTMLResponse)
def checker_page(request: Request, services: ServicesDep, principal: UiPrincipal) -> HTMLResponse:
    kbs = [info for info in services.home.list() if principal.allows(info.id)]
    return render(request, "checker.html", {"kbs": kbs, "active": "checker"})


@router.post("/checker/check", response_class=HTMLResponse, dependencies=[Csrf])
async def check(
    request: Request, services: ServicesDep, principal: UiPrincipal,
    query: Annotated[str, Form()], answer: Annotated[str, Form()], sources: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None, kb: Annotated[str, Form()] = "",
    k: Annotated[int, Form(ge=1, le=100)] = 5,
    grounding_threshold: Annotated[float | None, Form(ge=0, le=0.99)] = None,
    relevance_threshold: Annotated[float | None, Form(ge=0, le=0.99)] = None,
    grounding_action: Annotated[str, Form()] = "BLOCK", relevance_action: Annotated[str, Form()] = "BLOCK",
) -> HTMLResponse:  # fmt: skip
    texts = [part.strip() for part in SEPARATOR.split(sources) if part.strip()]
    for upload in files or []:
        if upload.filename:
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                raise RequestError(f"{upload.filename} is over {MAX_UPLOAD_BYTES // 1_000_000} MB")
            try:
                texts.append(data.decode("utf-8"))
            except UnicodeDecodeError:
                raise RequestError(f"{upload.filename} is not UTF-8 text: paste its text instead") from None
    if kb:
        _, handle = services.open_kb(kb, principal=principal)
        texts += [hit.text for hit in handle.retrieve(query, k=k)]
    if not texts:
        raise RequestError("give at least one source: paste it, upload a text file or pick a knowledge base")
    outcome = check_with_filters(
        services.checker, sources=texts, query=query, answer=answer,
        grounding_threshold=grounding_threshold, relevance_threshold=relevance_threshold,
        grounding_action=_action(grounding_action), relevance_action=_action(relevance_action),
    )  # fmt: skip
    body: dict[str, object] = {"sources": texts, "query": query, "answer": answer}
    if grounding_threshold is not None:
        body["grounding_threshold"] = grounding_threshold
    if relevance_threshold is not None:
        body["relevance_threshold"] = relevance_threshold
    body["actions"] = {"grounding": grounding_action, "relevance": relevance_action}
    return render(request, "check_result.html", {
        "result": outcome_view(outcome), "sources": texts, "answer": answer,
        "request_json": json.dumps(body, ensure_ascii=False, indent=2),
    })  # fmt: skip


def _action(value: str) -> Action:
    if value not in ("BLOCK", "NONE"):
        raise RequestError("an action is BLOCK or NONE")
    return "BLOCK" if value == "BLOCK" else "NONE"
