"""The one place that maps errors to HTTP statuses and renders the two JSON error shapes.

Native routes (``/v1/...``): ``{"error": {"code": "not_found", "message": "...", "status": 404}}``.
Bedrock-compatible routes: AWS's shape, ``{"message": "..."}`` with the ``x-amzn-ErrorType`` header
naming the exception (``ValidationException``, ``ResourceNotFoundException``, ...), which is what
botocore reads to raise ``client.exceptions.<Name>``.
Lookup walks the exception's MRO, so a subclass inherits its base's mapping.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import NamedTuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.errors import (
    AuthError,
    DataSourceNotFound,
    Forbidden,
    GuardrailExists,
    GuardrailNotFound,
    InvalidDataSource,
    InvalidGuardrail,
    JobConflict,
    JobNotFound,
    PathNotAllowed,
    RequestError,
    ResourceNotFound,
    SessionConflict,
)
from grounding import GroundingError, InvalidInput, ModelFileError
from ingest import IngestError
from retrieval import GenerationFailed, KnowledgeBaseExists, KnowledgeBaseNotFound, ModelMismatch, RetrievalError

log = logging.getLogger("ragkb")


class ErrorKind(NamedTuple):
    status: int
    code: str  # native
    aws: str  # x-amzn-ErrorType


class PayloadTooLarge(StarletteHTTPException):
    """A request body over ``max_request_mb``. An HTTPException because FastAPI turns any other error
    raised while it reads a body (a chunked one, counted as it arrives) into a generic 400."""

    def __init__(self, message: str = "request body too large") -> None:
        super().__init__(413, message)

    def __str__(self) -> str:
        return str(self.detail)


NOT_FOUND = ErrorKind(404, "not_found", "ResourceNotFoundException")
CONFLICT = ErrorKind(409, "conflict", "ConflictException")
INVALID = ErrorKind(400, "invalid_request", "ValidationException")

STATUS_BY_CLASS: dict[type[BaseException], ErrorKind] = {
    KnowledgeBaseNotFound: NOT_FOUND,
    DataSourceNotFound: NOT_FOUND,
    JobNotFound: NOT_FOUND,
    ResourceNotFound: NOT_FOUND,
    GuardrailNotFound: NOT_FOUND,
    KnowledgeBaseExists: CONFLICT,
    GuardrailExists: CONFLICT,
    JobConflict: CONFLICT,
    SessionConflict: CONFLICT,
    ModelMismatch: CONFLICT,
    PathNotAllowed: ErrorKind(403, "forbidden", "AccessDeniedException"),
    Forbidden: ErrorKind(403, "forbidden", "AccessDeniedException"),
    PayloadTooLarge: ErrorKind(413, "payload_too_large", "ValidationException"),
    GenerationFailed: ErrorKind(502, "bad_gateway", "BadGatewayException"),
    InvalidDataSource: INVALID,
    RequestError: INVALID,
    IngestError: INVALID,
    RetrievalError: INVALID,
    InvalidGuardrail: INVALID,
    GroundingError: INVALID,
    InvalidInput: INVALID,
}
# Subclasses of a mapped class that are the server's fault, not the caller's: 500, logged, details hidden.
SERVER_FAULTS: tuple[type[BaseException], ...] = (ModelFileError,)


def kind_of(exc: BaseException) -> ErrorKind | None:
    if isinstance(exc, SERVER_FAULTS):
        return None
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_CLASS:
            return STATUS_BY_CLASS[cls]
    return None


def is_native(request: Request) -> bool:
    return request.url.path.startswith(("/v1/", "/ui")) or request.url.path in ("/healthz", "/readyz")


def error_response(
    request: Request, kind: ErrorKind, message: str, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    if is_native(request):
        body = {"error": {"code": kind.code, "message": message, "status": kind.status}}
        return JSONResponse(body, status_code=kind.status, headers=headers)
    return JSONResponse(
        {"message": message}, status_code=kind.status, headers={**(headers or {}), "x-amzn-ErrorType": kind.aws}
    )


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, AuthError):
            if is_native(request):
                return JSONResponse(
                    {"error": {"code": "unauthorized", "message": str(exc), "status": 401}}, status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )  # fmt: skip
            return error_response(request, ErrorKind(403, "unauthorized", exc.aws_code), str(exc))
        known = kind_of(exc)
        if known is None:
            log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            internal = ErrorKind(500, "internal_error", "InternalServerException")
            return error_response(request, internal, "internal error; the server log has the details")
        return error_response(request, known, str(exc) or type(exc).__name__)

    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(request, INVALID, _describe(exc))

    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "error"
        )
        aws = "ResourceNotFoundException" if exc.status_code == 404 else "ValidationException"
        # exc.headers carries what the status needs, such as Allow on a 405
        return error_response(request, ErrorKind(exc.status_code, code, aws), str(exc.detail), headers=exc.headers)

    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    for cls in (*STATUS_BY_CLASS, AuthError):
        app.add_exception_handler(cls, domain_error)
    app.add_exception_handler(Exception, domain_error)  # anything unexpected: 500 in the right shape


def _describe(exc: RequestValidationError) -> str:
    """One line naming each bad field: ``body.k: Input should be less than or equal to 100``."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"
