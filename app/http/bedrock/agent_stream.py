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

Every message is framed as AWS frames event streams: a prelude (total length, headers length, CRC32),
string headers (``:message-type``, ``:event-type`` or ``:exception-type``, ``:content-type``), the JSON
payload and the CRC32 of the whole message. It is written here (:func:`frame`) because botocore ships
only the decoder and ``smithy-aws-event-stream``, AWS's encoder, needs Python 3.12; tests decode every
frame with botocore's own ``EventStreamBuffer``.
"""

from __future__ import annotations

import json
import logging
import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from app.core.services import Services
from app.http.bedrock.agent_runtime import RETRIEVE_AND_GENERATE, RagTurn, finish_turn, guard_answer, start_turn
from app.http.bedrock.protocol import AGENT_RUNTIME, bedrock_input, operation_model
from app.http.bedrock.views import citation_view
from app.http.deps import AwsPrincipal, ServicesDep
from app.http.errors import kind_of
from retrieval import NO_ANSWER, Answer, Citation, Piece

router = APIRouter(tags=["bedrock-agent-runtime"])
log = logging.getLogger("ragkb")
SESSION_HEADER = "x-amzn-bedrock-knowledge-base-session-id"
MEDIA_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7  # the event stream's header value type for a UTF-8 string

RagStreamInput = Annotated[
    dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "RetrieveAndGenerateStream", RETRIEVE_AND_GENERATE))
]


@router.post("/retrieveAndGenerateStream", summary="RetrieveAndGenerateStream", response_class=StreamingResponse)
def retrieve_and_generate_stream(
    principal: AwsPrincipal, services: ServicesDep, params: RagStreamInput
) -> StreamingResponse:
    turn = start_turn(services, principal, params)
    return StreamingResponse(
        answer_events(services, turn), media_type=MEDIA_TYPE, headers={SESSION_HEADER: turn.session_id}
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
        yield exception_event(exc)


def pieces_of(answer: Answer) -> list[Piece]:
    """A finished answer as the pieces that stream it (its cited spans, or the whole text when it has none)."""
    if not answer.citations:
        return [Piece(answer.text, ())]
    return [Piece(answer.text[c.start : c.end + 1], c.hits) for c in answer.citations]


def event(event_type: str, body: Mapping[str, Any]) -> bytes:
    headers = {":message-type": "event", ":event-type": event_type, ":content-type": "application/json"}
    return frame(headers, json.dumps(body).encode())


def exception_event(exc: Exception) -> bytes:
    """The stream's exception event for ``exc``, named as the operation's output shape names it
    (``BadGatewayException`` -> ``badGatewayException``); unmapped errors are internal and not described."""
    kind = kind_of(exc)
    members = operation_model(AGENT_RUNTIME, "RetrieveAndGenerateStream").output_shape.members["stream"].members
    name = kind.aws[0].lower() + kind.aws[1:] if kind is not None else ""
    if name not in members:
        log.error("retrieve_and_generate_stream failed after the stream began", exc_info=exc)
        name, message = "internalServerException", "internal error"
    else:
        message = str(exc)
    headers = {":message-type": "exception", ":exception-type": name, ":content-type": "application/json"}
    return frame(headers, json.dumps({"message": message}).encode())


def frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One event stream message: prelude, prelude CRC, string headers, payload, message CRC (big-endian).

    >>> frame({":message-type": "event"}, b"{}")[:8] == struct.pack(">II", 45, 25)
    True
    """
    encoded = b"".join(_header(name, value) for name, value in headers.items())
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _header(name: str, value: str) -> bytes:
    key, data = name.encode(), value.encode()
    return struct.pack(">B", len(key)) + key + struct.pack(">BH", _STRING, len(data)) + data
