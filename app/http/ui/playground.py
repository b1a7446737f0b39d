"""The playground: pick a knowledge base, ask, and see the chunks, the cited answer and its grounding.

``GET /ui/playground`` is the page (with a conversation's history when ``conversation`` is given);
``POST /ui/playground/ask`` answers one question and returns the turn as an HTML fragment that htmx
appends to the conversation.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from app.core.console.conversations import turn_record
from app.core.console.playground import AskOptions, ask
from app.core.errors import RequestError
from app.http.deps import ServicesDep
from app.http.ui.session import Csrf, UiPrincipal, render
from retrieval import DEFAULT_SEARCH_TYPE, MAX_K, MAX_QUERY_CHARS

router = APIRouter()


@router.get("/playground", response_class=HTMLResponse)
def playground(
    request: Request, services: ServicesDep, principal: UiPrincipal, kb: str | None = None,
    conversation: str | None = None,
) -> HTMLResponse:  # fmt: skip
    kbs = [info for info in services.home.list() if principal.allows(info.id)]
    history = services.console.history
    turns = history.conversation(conversation, owner=principal.name) if conversation else []
    chosen = kb or (turns[0]["kb"] if turns else (kbs[0].name if kbs else ""))
    return render(request, "playground.html", {
        "kbs": kbs, "kb": chosen, "turns": turns, "conversation": conversation or "",
        "conversations": history.conversations(owner=principal.name), "search_type": DEFAULT_SEARCH_TYPE,
        "max_k": MAX_K, "max_query": MAX_QUERY_CHARS,
    })  # fmt: skip


@router.post("/playground/ask", response_class=HTMLResponse, dependencies=[Csrf])
def ask_question(
    request: Request, services: ServicesDep, principal: UiPrincipal,
    kb: Annotated[str, Form()], query: Annotated[str, Form()], conversation: Annotated[str, Form()] = "",
    k: Annotated[int, Form(ge=1, le=MAX_K)] = 5, search_type: Annotated[str, Form()] = DEFAULT_SEARCH_TYPE,
    filter: Annotated[str, Form()] = "", grounding_threshold: Annotated[str, Form()] = "",
    relevance_threshold: Annotated[str, Form()] = "",
) -> HTMLResponse:  # fmt: skip
    if search_type not in ("HYBRID", "SEMANTIC"):
        raise RequestError("search type must be HYBRID or SEMANTIC")
    if not query.strip() or len(query) > MAX_QUERY_CHARS:
        raise RequestError(f"ask a question of 1-{MAX_QUERY_CHARS} characters")
    options = AskOptions(
        k=k, search_type="SEMANTIC" if search_type == "SEMANTIC" else "HYBRID", filter=_filter(filter),
        grounding_threshold=_threshold(grounding_threshold, "grounding"),
        relevance_threshold=_threshold(relevance_threshold, "relevance"),
    )  # fmt: skip
    turn = ask(services, kb=kb, principal=principal, query=query, options=options, conversation_id=conversation or None)
    services.console.history.add(turn, owner=principal.name)
    conversations = services.console.history.conversations(owner=principal.name)
    return render(request, "turn_response.html", {"turn": turn_record(turn), "conversations": conversations})


def _filter(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(f"the metadata filter is not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise RequestError('the metadata filter must be a JSON object, e.g. {"equals": {"key": "year", "value": 2024}}')
    return value


def _threshold(text: str, name: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise RequestError(f"the {name} threshold must be a number between 0 and 0.99") from None
