"""Bedrock's wire protocol for the compatible routes: reading and validating requests as Bedrock does.

Every Bedrock route declares its operation and a :class:`FieldPolicy`, then takes its input from the
dependency :func:`bedrock_input`, which

1. decodes the JSON body (empty = ``{}``; ``null`` members count as absent) and adds the path labels
   and query-string members under their member names, so the route sees the same dict boto3 was given;
2. validates it against the operation's input shape from botocore's own service model: botocore's
   ``ParamValidator`` (required members, unknown members, types, minimums, unions), then the
   constraints botocore leaves to the server (maximums, enums, patterns), worded as AWS words them;
3. refuses, naming it, any field the policy neither implements nor accepts-and-ignores.

Every failure raises ``RequestError``, which ``app/http/errors.py`` turns into ``ValidationException`` (400).

Streaming responses (``RetrieveAndGenerateStream``, ``ConverseStream``) are framed by :func:`frame` as AWS frames
event streams: a prelude (total length, headers length, CRC32), string headers (``:message-type``,
``:event-type`` or ``:exception-type``, ``:content-type``), the JSON payload and the CRC32 of the whole message.
It is written here because botocore ships only the decoder and ``smithy-aws-event-stream``, AWS's encoder,
needs Python 3.12; tests decode every frame with botocore's own ``EventStreamBuffer``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator
from fastapi import Request

from app.core.errors import RequestError
from app.core.text_rules import query_problem, unicode_problem
from app.http.errors import kind_of

CONTROL = "bedrock"
AGENT = "bedrock-agent"
AGENT_RUNTIME = "bedrock-agent-runtime"
RUNTIME = "bedrock-runtime"
MAX_REPORTED = 10  # AWS lists at most this many constraint violations in one message
EVENT_STREAM = "application/vnd.amazon.eventstream"
_STRING = 7  # the event stream's header value type for a UTF-8 string
log = logging.getLogger("ragkb")
T = TypeVar("T")


@functools.cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` (static data shipped with botocore, read once)."""
    return ServiceModel(Loader().load_service_model(service, "service-2"), service_name=service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@dataclass(frozen=True)
class FieldPolicy:
    """Which input fields of an operation ragkb implements.

    Paths join member names with ``.``; ``[]`` stands for every item of a list
    (``documents[].metadata``). A listed path covers everything below it. A field present in a
    request that no path covers is refused with ``reasons[path]`` or a generic message.

    >>> policy = FieldPolicy(supported=frozenset({"input.text"}), ignored=frozenset({"sessionId"}))
    >>> policy.unsupported({"input": {"text": "hi"}, "sessionConfiguration": {"kmsKeyArn": "k"}})
    'sessionConfiguration.kmsKeyArn'
    """

    supported: frozenset[str]
    ignored: frozenset[str] = frozenset()
    reasons: Mapping[str, str] = field(default_factory=dict)

    def unsupported(self, params: Mapping[str, Any]) -> str | None:
        """The first field of ``params`` this policy does not cover, or ``None``."""
        return self._walk(params, "")

    def check(self, params: Mapping[str, Any]) -> None:
        path = self.unsupported(params)
        if path is not None:
            reason = self.reasons.get(path) or next(
                (text for prefix, text in self.reasons.items() if path.startswith(prefix + ".")), None
            )
            raise RequestError(
                reason or f"{path} is not supported by ragkb's Bedrock-compatible API (docs/bedrock-compatibility.md)"
            )

    def paths(self) -> frozenset[str]:
        return self.supported | self.ignored

    def _walk(self, value: Any, path: str) -> str | None:
        if path and (path in self.supported or path in self.ignored):
            return None
        if isinstance(value, Mapping):
            for key, member in value.items():
                found = self._walk(member, f"{path}.{key}" if path else str(key))
                if found is not None:
                    return found
            return None
        if isinstance(value, list) and all(isinstance(item, Mapping) for item in value):
            for item in value:  # an empty list holds nothing to refuse
                found = self._walk(item, f"{path}[]")
                if found is not None:
                    return found
            return None
        return path


def policy(
    supported: Iterable[str], *, ignored: Iterable[str] = (), reasons: Mapping[str, str] | None = None
) -> FieldPolicy:
    return FieldPolicy(frozenset(supported), frozenset(ignored), dict(reasons or {}))


def bedrock_input(service: str, operation: str, fields: FieldPolicy) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """A dependency giving a route its validated input, as the dict the boto3 caller passed."""

    async def read_input(request: Request) -> dict[str, Any]:
        model = operation_model(service, operation)
        params = _decode(await request.body())
        problem = unicode_problem(params)
        if problem:
            raise RequestError(problem)
        for name, member in model.input_shape.members.items():
            location, label = member.serialization.get("location"), member.serialization.get("name", name)
            if location == "uri" and label in request.path_params:
                params[name] = request.path_params[label]
            elif location == "querystring" and label in request.query_params and member.type_name == "list":
                params[name] = [_from_query(v, member.member, label) for v in request.query_params.getlist(label)]
            elif location == "querystring" and label in request.query_params:
                params[name] = _from_query(request.query_params[label], member, label)
        validate(params, model.input_shape)
        fields.check(params)
        return params

    read_input.__name__ = f"{operation}Input"
    return read_input


def validate(params: Mapping[str, Any], shape: Shape) -> None:
    """Raise ``RequestError`` when ``params`` break ``shape``'s constraints, as Bedrock reports them."""
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise RequestError(report.generate_report().replace("\n", "; "))
    problems = list(_constraints(params, shape, path="", sensitive=False))
    if problems:
        count = len(problems)
        listed = "; ".join(problems[:MAX_REPORTED])
        raise RequestError(f"{count} validation error{'s' if count > 1 else ''} detected: {listed}")


def check_query(text: str, *, path: str) -> str:
    """``text`` if it may be a query (the rule the native API applies too); else ``RequestError``."""
    problem = query_problem(text)
    if problem:
        raise RequestError(f"1 validation error detected: Value at '{path}' failed to satisfy constraint: {problem}")
    return text


def page(items: Sequence[T], *, max_results: int | None, next_token: str | None) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next (``None`` on the last page).

    Tokens are offsets; a token this server did not hand out is refused.
    """
    start = 0
    if next_token is not None:
        if not next_token.isdigit() or int(next_token) > len(items):
            raise RequestError("invalid nextToken: pass the nextToken of the previous page unchanged")
        start = int(next_token)
    end = start + (max_results or 1000)
    return list(items[start:end]), (str(end) if end < len(items) else None)


# -- event streams -----------------------------------------------------------------------------
def event(event_type: str, body: Mapping[str, Any]) -> bytes:
    headers = {":message-type": "event", ":event-type": event_type, ":content-type": "application/json"}
    return frame(headers, json.dumps(body).encode())


def exception_event(exc: Exception, *, service: str, operation: str, aliases: Mapping[str, str] | None = None) -> bytes:
    """The stream's exception event for ``exc``, named as the operation's output shape names it
    (``BadGatewayException`` -> ``badGatewayException``, then through ``aliases`` when the stream has no such
    member); unmapped errors are internal and not described."""
    kind = kind_of(exc)
    shape = operation_model(service, operation).output_shape
    members = shape.members[shape.serialization["payload"]].members
    name = kind.aws[0].lower() + kind.aws[1:] if kind is not None else ""
    name = (aliases or {}).get(name, name)
    if name not in members:
        log.error("%s failed after the stream began", operation, exc_info=exc)
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


# -- internals ---------------------------------------------------------------------------------
def _decode(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise RequestError("the request body must be a JSON object")
    return _without_nulls(parsed)


def _from_query(value: str, shape: Shape, label: str) -> Any:
    """A query-string value as its member's type (botocore sends numbers and booleans as text)."""
    match shape.type_name:
        case "integer" | "long":
            try:
                return int(value)
            except ValueError:
                raise RequestError(f"{label} must be an integer, got {value!r}") from None
        case "boolean":
            if value not in ("true", "false"):
                raise RequestError(f"{label} must be true or false, got {value!r}")
            return value == "true"
    return value


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _constraints(value: Any, shape: Shape, *, path: str, sensitive: bool) -> Iterator[str]:
    """What botocore's client-side validation leaves out: maximums, enums and patterns."""
    sensitive = sensitive or bool(shape.metadata.get("sensitive"))
    meta = shape.metadata
    match shape.type_name:
        case "structure":
            if shape.metadata.get("document"):
                return
            for name, member in shape.members.items():
                if name in value:
                    yield from _constraints(value[name], member, path=_join(path, name), sensitive=sensitive)
        case "list":
            if "max" in meta and len(value) > meta["max"]:
                yield _violation(None, path, f"Member must have length less than or equal to {meta['max']}")
            for i, item in enumerate(value):
                yield from _constraints(item, shape.member, path=f"{path}[{i}]", sensitive=sensitive)
        case "map":
            if "max" in meta and len(value) > meta["max"]:
                yield _violation(None, path, f"Member must have length less than or equal to {meta['max']}")
            for key, item in value.items():
                yield from _constraints(key, shape.key, path=f"{path} (key)", sensitive=sensitive)
                yield from _constraints(item, shape.value, path=f"{path}.{key}", sensitive=sensitive)
        case "string":
            shown = None if sensitive else value
            if "max" in meta and len(value) > meta["max"]:
                yield _violation(shown, path, f"Member must have length less than or equal to {meta['max']}")
            if shape.enum and value not in shape.enum:
                yield _violation(shown, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
            if "pattern" in meta and not _matches(meta["pattern"], value):
                yield _violation(shown, path, f"Member must satisfy regular expression pattern: {meta['pattern']}")
        case "integer" | "long" | "float" | "double":
            if isinstance(value, float) and not math.isfinite(value):
                yield _violation(None, path, "Member must be a finite number")
            elif "max" in meta and value > meta["max"]:
                shown = None if sensitive else value
                yield _violation(shown, path, f"Member must have value less than or equal to {meta['max']}")
        case "blob":
            if "max" in meta and isinstance(value, str) and len(value) * 3 // 4 - value.count("=") > meta["max"]:
                yield _violation(None, path, f"Member must have length less than or equal to {meta['max']}")


def _violation(value: Any, path: str, constraint: str) -> str:
    shown = f"'{value}' " if value is not None and len(str(value)) <= 100 else ""
    return f"Value {shown}at '{path}' failed to satisfy constraint: {constraint}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    # botocore's TaggableResourcesArn spells the digit class "/d" (":/d{12}:"), which would refuse every real
    # ARN; read it as AWS does, "\d".
    pattern = pattern.replace(":/d{12}:", r":\d{12}:").replace("(?::/d+)", r"(?::\d+)")
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct: leave that constraint to nobody rather than fail every call
        return None


def _matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.fullmatch(value) is not None
