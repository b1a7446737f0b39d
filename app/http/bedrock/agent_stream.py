"""Bedrock ``bedrock-agent-runtime``: ``RetrieveAndGenerateStream``, the answer as an AWS event stream.

The request is ``RetrieveAndGenerate``'s (same fields, sessions and guardrail, see ``agent_runtime``); the
response is ``application/vnd.amazon.eventstream`` with the session in the
``x-amzn-bedrock-knowledge-base-session-id`` header and these events, which boto3 reads as
``response["stream"]``:

- ``output`` ``{"text"}``: the next part of the answer (one sentence, with the space that joins it);
- ``citation`` ``{"generatedResponsePart", "retrievedReferences"}``: the sentence just sent and its sources,
  its span counted in the whole answer as ``retrieve_and_generate`` counts it;
- ``guardrail`` ``{"action"}``: last, when the request names a guardrail (``INTERVENED`` or ``NONE``);
- an exception event (``badGatewayException``, ``validationException``, ...) when something fails after the
  stream began; before it begins, errors are ordinary JSON errors.

Without a guardrail the chat model's answer is passed on sentence by sentence as it is written; with one,
the whole answer is checked first (a guardrail judges the answer, not a part of it) and then streamed.

Every message is framed by ``protocol.frame`` (AWS's event stream framing, CRC32s included).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from app.core.services import Services
from app.http.bedrock.agent_runtime import RETRIEVE_AND_GENERATE, RagTurn, finish_turn, guard_answer, start_turn
from app.http.bedrock.protocol import AGENT_RUNTIME, EVENT_STREAM, bedrock_input, event, exception_event
from app.http.bedrock.views import citation_view
from app.http.deps import AwsPrincipal, ServicesDep
from retrieval import NO_ANSWER, Answer, Citation, Piece

router = APIRouter(tags=["bedrock-agent-runtime"])
SESSION_HEADER = "x-amzn-bedrock-knowledge-base-session-id"

RagStreamInput = Annotated[
    dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "RetrieveAndGenerateStream", RETRIEVE_AND_GENERATE))
]


@router.post("/retrieveAndGenerateStream", summary="RetrieveAndGenerateStream", response_class=StreamingResponse)
def retrieve_and_generate_stream(
    principal: AwsPrincipal, services: ServicesDep, params: RagStreamInput
) -> StreamingResponse:
    turn = start_turn(services, principal, params)
    return StreamingResponse(
        answer_events(services, turn), media_type=EVENT_STREAM, headers={SESSION_HEADER: turn.session_id}
    )


def answer_events(services: Services, turn: RagTurn) -> Iterator[bytes]:
    """The framed events of one turn's answer; the turn is recorded in its session once the answer is out."""
    try:
        action: str | None = None
        if turn.blocked is not None:
            pieces: Iterable[Piece] = [Piece(turn.blocked, ())]
            action = "INTERVENED"
        elif turn.guardrail is not None:
            answer, action = guard_answer(services, turn, services.generator.generate(turn.query, turn.hits))
            pieces = pieces_of(answer)
        else:
            pieces = services.generator.stream(turn.query, turn.hits)
        text = ""
        for piece in pieces:
            if not piece.text:
                continue
            start = len(text) + (1 if text else 0)
            part = f" {piece.text}" if text else piece.text
            text += part
            yield event("output", {"text": part})
            if piece.hits:
                yield event("citation", citation_view(text, Citation(start, len(text) - 1, piece.hits)))
        if not text:
            text = NO_ANSWER
            yield event("output", {"text": text})
        if action is not None:
            yield event("guardrail", {"action": action})
        finish_turn(services, turn, text)
    except Exception as exc:  # the status line is sent: every failure must become an event
        yield exception_event(exc, service=AGENT_RUNTIME, operation="RetrieveAndGenerateStream")


def pieces_of(answer: Answer) -> list[Piece]:
    """A finished answer as the pieces that stream it (its cited spans, or the whole text when it has none)."""
    if not answer.citations:
        return [Piece(answer.text, ())]
    return [Piece(answer.text[c.start : c.end + 1], c.hits) for c in answer.citations]
