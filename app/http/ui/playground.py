"""The playground: pick a knowledge base, ask, and see the chunks, the cited answer and its grounding.

``GET /ui/playground`` is the page (with a conversation's history when ``conversation`` is given);
``POST /ui/playground/ask`` answers one question and returns the turn as an HTML fragment that htmx
appends to the conversation. ``POST /ui/playground/stream`` (what the page's script calls) streams the same
turn as newline-delimited JSON: ``{"text": ...}`` per sentence as the generator writes it, then
``{"html": ...}``, the turn's fragment with its citations and grounding (``{"error": ...}`` instead when the
answer fails once the stream has begun; a bad question is refused before, as by ``/ask``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.core.console.conversations import Turn, turn_record
from app.core.console.playground import AskOptions, Question, finish, retrieve, stream
from app.core.errors import RequestError
from app.core.keys import Principal
from app.core.services import Services
from app.http.deps import ServicesDep
from app.http.ui.session import Csrf, UiPrincipal, render
from retrieval import DEFAULT_SEARCH_TYPE, MAX_K, MAX_QUERY_CHARS, GenerationFailed, join_pieces

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
    question = _question(services, principal, kb, query, conversation, k=k, search_type=search_type,
                         filter=filter, grounding_threshold=grounding_threshold,
                         relevance_threshold=relevance_threshold)  # fmt: skip
    turn = finish(services, question, services.generator.generate(question.query, question.hits))
    return _turn_fragment(request, services, principal, turn)


@router.post("/playground/stream", response_class=StreamingResponse, dependencies=[Csrf])
def stream_question(
    request: Request, services: ServicesDep, principal: UiPrincipal,
    kb: Annotated[str, Form()], query: Annotated[str, Form()], conversation: Annotated[str, Form()] = "",
    k: Annotated[int, Form(ge=1, le=MAX_K)] = 5, search_type: Annotated[str, Form()] = DEFAULT_SEARCH_TYPE,
    filter: Annotated[str, Form()] = "", grounding_threshold: Annotated[str, Form()] = "",
    relevance_threshold: Annotated[str, Form()] = "",
) -> StreamingResponse:  # fmt: skip
    question = _question(services, principal, kb, query, conversation, k=k, search_type=search_type,
                         filter=filter, grounding_threshold=grounding_threshold,
                         relevance_threshold=relevance_threshold)  # fmt: skip

    def lines() -> Iterator[str]:
        try:
            pieces = []
            for piece in stream(services, question):
                pieces.append(piece)
                yield json.dumps({"text": piece.text}) + "\n"
            turn = finish(services, question, join_pieces(pieces))
            html = _turn_fragment(request, services, principal, turn).body
            yield json.dumps({"html": bytes(html).decode("utf-8")}) + "\n"
        except GenerationFailed as exc:  # the status line is sent: the failure travels in the stream
            yield json.dumps({"error": str(exc)}) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _question(
    services: Services, principal: Principal, kb: str, query: str, conversation: str, *, k: int, search_type: str,
    filter: str, grounding_threshold: str, relevance_threshold: str,
) -> Question:  # fmt: skip
    if search_type not in ("HYBRID", "SEMANTIC"):
        raise RequestError("search type must be HYBRID or SEMANTIC")
    if not query.strip() or len(query) > MAX_QUERY_CHARS:
        raise RequestError(f"ask a question of 1-{MAX_QUERY_CHARS} characters")
    options = AskOptions(
        k=k, search_type="SEMANTIC" if search_type == "SEMANTIC" else "HYBRID", filter=_filter(filter),
        grounding_threshold=_threshold(grounding_threshold, "grounding"),
        relevance_threshold=_threshold(relevance_threshold, "relevance"),
    )  # fmt: skip
    return retrieve(services, kb=kb, principal=principal, query=query, options=options,
                    conversation_id=conversation or None)  # fmt: skip


def _turn_fragment(request: Request, services: Services, principal: Principal, turn: Turn) -> HTMLResponse:
    """The answered turn, kept in the history, as the fragment the page appends (conversation list updated)."""
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
