"""Bedrock ``bedrock-runtime`` model calls: ``Converse``, ``ConverseStream`` and ``InvokeModel``, passed through
to the server's OpenAI-compatible chat model (``RAGKB_LLM_BASE_URL``) whatever ``modelId`` names, with a
guardrail applied to the input and the output; and :func:`guard_text`, the one way a model call or
retrieve-and-generate applies a guardrail (``app.core.guardrails.apply``, as ``apply_guardrail`` runs it).

Without a configured model each is a ``ValidationException`` saying so. Text only: images, documents,
tools and reasoning blocks are refused by name.

Converse: ``messages`` and ``system`` become chat messages (text and ``guardContent`` text joined per
message); ``inferenceConfig`` becomes ``max_tokens``, ``temperature``, ``top_p``, ``stop``. With a
``guardrailConfig``, the last user message is guarded as ``INPUT`` (its ``guardContent`` blocks when it has
some) and the reply as ``OUTPUT``, grounded in the ``guardContent`` blocks qualified ``grounding_source``
and ``query``; an intervention answers the guardrail's blocked message with ``stopReason``
``guardrail_intervened`` (the model is not called when the input is blocked). ``trace: enabled`` adds
``trace.guardrail`` with both assessments.

InvokeModel: the body is a chat request in OpenAI's form (``messages``, ``max_tokens``, ``temperature``,
``top_p``, ``stop``) or Anthropic's (``anthropic_version``, ``system``, ``messages`` whose content is a
string or ``[{"type": "text", "text"}]``, ``max_tokens``, ``stop_sequences``); the response body has the
same family's shape. The guardrail comes in the ``X-Amzn-Bedrock-Guardrail*`` headers; when it intervenes
the reply is its blocked message and the body carries ``"amazon-bedrock-guardrailAction": "INTERVENED"``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from app.core.errors import ModelNotConfigured, RequestError
from app.core.guardrails.apply import BLOCKED_REASON, Source, TextBlock, apply_stored_guardrail
from app.core.services import Services
from app.http.bedrock.protocol import (
    EVENT_STREAM,
    RUNTIME,
    bedrock_input,
    event,
    exception_event,
    operation_model,
    policy,
    validate,
)
from app.http.deps import AwsPrincipal, ServicesDep
from retrieval import ChatCompletionGenerator, Completion

router = APIRouter(tags=["bedrock-runtime"])
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "content_filter": "content_filtered"}
_UNSUPPORTED_BLOCK = "{} content blocks are not supported: ragkb passes text to its chat model"
CONVERSE = policy(
    ["modelId", "messages[].role", "messages[].content[].text", "messages[].content[].guardContent.text",
     "system[].text", "system[].guardContent.text", "inferenceConfig", "guardrailConfig"],
    ignored=["requestMetadata", "performanceConfig", "serviceTier"],
    reasons={
        **{f"messages[].content[].{kind}": _UNSUPPORTED_BLOCK.format(kind) for kind in (
            "image", "document", "video", "audio", "toolUse", "toolResult", "reasoningContent", "citationsContent",
            "searchResult", "cachePoint")},
        "messages[].content[].guardContent.image": _UNSUPPORTED_BLOCK.format("guardContent image"),
        "toolConfig": "toolConfig is not supported: ragkb passes text to its chat model",
        "additionalModelRequestFields": "additionalModelRequestFields is not supported",
        "additionalModelResponseFieldPaths": "additionalModelResponseFieldPaths is not supported",
        "promptVariables": "promptVariables are not supported (no prompt management)",
        "outputConfig": "outputConfig is not supported",
    },
)  # fmt: skip
INVOKE_MODEL = policy(
    ["modelId", "body", "contentType", "accept", "trace", "guardrailIdentifier", "guardrailVersion"],
    ignored=["performanceConfigLatency", "serviceTier"],
)
ConverseInput = Annotated[dict[str, Any], Depends(bedrock_input(RUNTIME, "Converse", CONVERSE))]
CONVERSE_STREAM = policy(
    CONVERSE.supported, ignored=CONVERSE.ignored | {"guardrailConfig.streamProcessingMode"}, reasons=CONVERSE.reasons
)
ConverseStreamInput = Annotated[dict[str, Any], Depends(bedrock_input(RUNTIME, "ConverseStream", CONVERSE_STREAM))]


async def invoke_input(request: Request) -> dict[str, Any]:
    """``InvokeModel``'s input: the path label, the raw body and the header members, validated like the others."""
    model = operation_model(RUNTIME, "InvokeModel")
    params: dict[str, Any] = {"modelId": request.path_params["modelId"], "body": await request.body()}
    for name, member in model.input_shape.members.items():
        label = member.serialization.get("name", name)
        if member.serialization.get("location") == "header" and label in request.headers:
            params[name] = request.headers[label]
    validate(params, model.input_shape)
    INVOKE_MODEL.check(params)
    return params


InvokeInput = Annotated[dict[str, Any], Depends(invoke_input)]


@dataclass(frozen=True)
class Verdict:
    """A guardrail's verdict on one text: ``text`` is the text itself, the blocked message when it blocked, or
    the text with its sensitive information masked when it only masked."""

    intervened: bool
    text: str
    response: dict[str, Any]  # ApplyGuardrailResponse, for a trace

    @property
    def blocked(self) -> bool:
        """Intervened by blocking (``text`` is the blocked message), not only by masking (``text`` is masked)."""
        return self.intervened and self.response.get("actionReason") == BLOCKED_REASON


def guard_text(
    services: Services, configuration: dict[str, Any], *, source: Source, text: str,
    sources: Sequence[str] = (), query: str | None = None,
) -> Verdict:  # fmt: skip
    """Run the guardrail a ``guardrailConfiguration`` names (``guardrailId`` or ``guardrailIdentifier``, and
    ``guardrailVersion``) on ``text``, as ``apply_guardrail`` does with ``sources`` qualified
    ``grounding_source`` and ``query`` qualified ``query``."""
    identifier = configuration.get("guardrailId") or configuration["guardrailIdentifier"]
    version = configuration["guardrailVersion"]
    blocks = [TextBlock(item, frozenset({"grounding_source"})) for item in sources]
    if query is not None:
        blocks.append(TextBlock(query, frozenset({"query"})))
    blocks.append(TextBlock(text, frozenset({"guard_content"})))
    response = apply_stored_guardrail(services, identifier, version, source=source, blocks=blocks)
    intervened = response["action"] == "GUARDRAIL_INTERVENED"
    return Verdict(intervened, response["outputs"][0]["text"] if intervened else text, response)


@router.post("/model/{modelId:path}/converse", summary="Converse")
def converse(principal: AwsPrincipal, services: ServicesDep, params: ConverseInput) -> dict[str, Any]:
    started = time.perf_counter()
    model, messages, guardrail = _conversation(services, params)
    trace: dict[str, Any] = {}
    if guardrail is not None:
        verdict = guard_text(services, guardrail, source="INPUT", text=_guarded_input(params["messages"][-1]))
        trace["inputAssessment"] = {verdict.response["assessments"][0]["appliedGuardrailDetails"]["guardrailId"]:
                                    verdict.response["assessments"][0]}  # fmt: skip
        if verdict.intervened:
            return _converse_response(verdict.text, "guardrail_intervened", None, started, guardrail, trace)
    reply = model.complete(messages, **_options(params.get("inferenceConfig", {})))
    text, reason = reply.text, _STOP_REASONS.get(reply.finish_reason, "end_turn")
    if guardrail is not None:
        sources, queries = _qualified(params, "grounding_source"), _qualified(params, "query")
        verdict = guard_text(services, guardrail, source="OUTPUT", text=text, sources=sources,
                             query="\n".join(queries) if queries else None)  # fmt: skip
        assessment = verdict.response["assessments"][0]
        trace["outputAssessments"] = {assessment["appliedGuardrailDetails"]["guardrailId"]: [assessment]}
        if verdict.intervened:
            trace["modelOutput"] = [text]
            text, reason = verdict.text, "guardrail_intervened"
    return _converse_response(text, reason, reply, started, guardrail, trace)


@router.post("/model/{modelId:path}/converse-stream", summary="ConverseStream", response_class=StreamingResponse)
def converse_stream(principal: AwsPrincipal, services: ServicesDep, params: ConverseStreamInput) -> StreamingResponse:
    """Converse as an event stream (``messageStart``, ``contentBlockDelta``..., ``contentBlockStop``,
    ``messageStop``, ``metadata``). Without a guardrail the model's deltas are passed on as they come; with
    one, the reply is checked whole first and sent as one delta (Bedrock's synchronous processing mode)."""
    started = time.perf_counter()
    chat, messages, guardrail = _conversation(services, params)
    options = _options(params.get("inferenceConfig", {}))

    checked: list[Completion] = []
    if guardrail is not None:  # before the stream starts, so a bad guardrail is a plain error
        response = converse(principal, services, params)
        usage = response["usage"]
        checked = [Completion(response["output"]["message"]["content"][0]["text"], "", 0, 0),
                   Completion("", response["stopReason"], usage["inputTokens"], usage["outputTokens"])]  # fmt: skip

    def deltas() -> Iterator[Completion]:
        return iter(checked) if guardrail is not None else chat.stream_complete(messages, **options)

    def events() -> Iterator[bytes]:
        try:
            yield event("messageStart", {"role": "assistant"})
            last = Completion("", "stop", 0, 0)
            for part in deltas():
                if part.text:
                    yield event("contentBlockDelta", {"delta": {"text": part.text}, "contentBlockIndex": 0})
                else:
                    last = part
            yield event("contentBlockStop", {"contentBlockIndex": 0})
            reason = last.finish_reason if guardrail is not None else _STOP_REASONS.get(last.finish_reason, "end_turn")
            yield event("messageStop", {"stopReason": reason})
            used = {"inputTokens": last.input_tokens, "outputTokens": last.output_tokens,
                    "totalTokens": last.input_tokens + last.output_tokens}  # fmt: skip
            yield event(
                "metadata", {"usage": used, "metrics": {"latencyMs": round((time.perf_counter() - started) * 1000)}}
            )
        except Exception as exc:  # the status line is sent: every failure must become an event
            yield exception_event(exc, service=RUNTIME, operation="ConverseStream",
                                  aliases={"badGatewayException": "modelStreamErrorException"})  # fmt: skip

    return StreamingResponse(events(), media_type=EVENT_STREAM)


@router.post("/model/{modelId:path}/invoke", summary="InvokeModel")
def invoke_model(principal: AwsPrincipal, services: ServicesDep, params: InvokeInput) -> Response:
    model = chat_model(services)
    try:
        body = json.loads(params["body"])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
        raise RequestError("the body must be a chat request: a JSON object with a non-empty 'messages' list")
    anthropic = "anthropic_version" in body
    messages = [{"role": "system", "content": _content(body["system"])}] if body.get("system") else []
    for i, message in enumerate(body["messages"]):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant", "system"):
            raise RequestError(f"messages[{i}] must be an object with a role 'user', 'assistant' or 'system'")
        messages.append({"role": message["role"], "content": _content(message.get("content"))})
    options = {key: body[key] for key in ("max_tokens", "temperature", "top_p", "stop") if key in body}
    if "stop_sequences" in body:
        options["stop"] = body["stop_sequences"]
    guardrail = None
    if "guardrailIdentifier" in params:
        if "guardrailVersion" not in params:
            raise RequestError("X-Amzn-Bedrock-GuardrailVersion is required with X-Amzn-Bedrock-GuardrailIdentifier")
        guardrail = {key: params[key] for key in ("guardrailIdentifier", "guardrailVersion")}
    intervened = False
    if guardrail is not None:
        verdict = guard_text(services, guardrail, source="INPUT", text=messages[-1]["content"])
        intervened = verdict.intervened
    if intervened:
        reply = Completion(verdict.text, "guardrail_intervened", 0, 0)
    else:
        reply = model.complete(messages, **options)
        if guardrail is not None:
            verdict = guard_text(services, guardrail, source="OUTPUT", text=reply.text)
            if verdict.intervened:
                intervened, reply = True, Completion(verdict.text, "guardrail_intervened", reply.input_tokens,
                                                     reply.output_tokens)  # fmt: skip
    out = _anthropic_body(reply) if anthropic else _openai_body(reply, model.model)
    if intervened:
        out["amazon-bedrock-guardrailAction"] = "INTERVENED"
    return Response(json.dumps(out), media_type="application/json")


def _conversation(
    services: Services, params: dict[str, Any]
) -> tuple[ChatCompletionGenerator, list[dict[str, Any]], dict[str, Any] | None]:
    """The model, the chat messages and the guardrail of a (validated) Converse input."""
    model = chat_model(services)
    guardrail = params.get("guardrailConfig")
    if guardrail is not None and not {"guardrailIdentifier", "guardrailVersion"} <= guardrail.keys():
        raise RequestError("guardrailConfig needs guardrailIdentifier and guardrailVersion")
    messages = ([{"role": "system", "content": "\n".join(_block_text(b) for b in params["system"])}]
                if params.get("system") else [])  # fmt: skip
    messages += [{"role": m["role"], "content": "\n".join(_block_text(b) for b in m["content"])}
                 for m in params.get("messages", [])]  # fmt: skip
    if not messages or messages[-1]["role"] != "user":
        raise RequestError("messages must end with a user message")
    return model, messages, guardrail


def chat_model(services: Services) -> ChatCompletionGenerator:
    """The configured OpenAI-compatible model, or ``ModelNotConfigured``."""
    generator = services.generator
    if not isinstance(generator, ChatCompletionGenerator):
        raise ModelNotConfigured(
            "no model is configured: this server answers with its extractive answerer; set RAGKB_LLM_BASE_URL "
            "(and RAGKB_LLM_MODEL) to an OpenAI-compatible endpoint to use converse and invoke_model"
        )
    return generator


# -- internals ---------------------------------------------------------------------------------
def _block_text(block: dict[str, Any]) -> str:
    if "text" in block:
        return str(block["text"])
    return str(block["guardContent"]["text"]["text"])


def _guarded_input(message: dict[str, Any]) -> str:
    guarded = [b["guardContent"]["text"]["text"] for b in message["content"] if "guardContent" in b]
    return "\n".join(guarded) if guarded else "\n".join(_block_text(b) for b in message["content"])


def _qualified(params: dict[str, Any], qualifier: str) -> list[str]:
    """The text of every ``guardContent`` block qualified ``qualifier``, in the system prompt and the messages."""
    blocks = list(params.get("system", [])) + [b for m in params.get("messages", []) for b in m["content"]]
    return [b["guardContent"]["text"]["text"] for b in blocks
            if qualifier in b.get("guardContent", {}).get("text", {}).get("qualifiers", [])]  # fmt: skip


def _options(config: dict[str, Any]) -> dict[str, Any]:
    names = {"maxTokens": "max_tokens", "temperature": "temperature", "topP": "top_p", "stopSequences": "stop"}
    return {names[key]: value for key, value in config.items()}


def _converse_response(
    text: str, reason: str, reply: Completion | None, started: float, guardrail: dict[str, Any] | None,
    trace: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    used_in, used_out = (reply.input_tokens, reply.output_tokens) if reply is not None else (0, 0)
    response: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": reason,
        "usage": {"inputTokens": used_in, "outputTokens": used_out, "totalTokens": used_in + used_out},
        "metrics": {"latencyMs": round((time.perf_counter() - started) * 1000)},
    }
    if guardrail is not None and guardrail.get("trace") in ("enabled", "enabled_full"):
        response["trace"] = {"guardrail": trace}
    return response


def _content(content: Any) -> str:
    """A chat message's content as text: a string, or a list of ``{"type": "text", "text"}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return "\n".join(str(p["text"]) for p in content)
    raise RequestError("message content must be a string or a list of {'type': 'text', 'text': ...} parts")


def _openai_body(reply: Completion, model: str) -> dict[str, Any]:
    return {
        "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                     "finish_reason": reply.finish_reason}],
        "usage": {"prompt_tokens": reply.input_tokens, "completion_tokens": reply.output_tokens,
                  "total_tokens": reply.input_tokens + reply.output_tokens},
    }  # fmt: skip


def _anthropic_body(reply: Completion) -> dict[str, Any]:
    reason = {"length": "max_tokens", "guardrail_intervened": "end_turn"}.get(reply.finish_reason, "end_turn")
    return {
        "type": "message", "role": "assistant", "content": [{"type": "text", "text": reply.text}],
        "stop_reason": reason, "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }  # fmt: skip
