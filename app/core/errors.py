"""Every app-level error, under one base class. No HTTP status here: ``app/http/errors.py`` maps classes to
statuses (along the MRO) and the CLI prints ``str(error)``. The libraries' own trees (``IngestError``,
``RetrievalError``, ``GroundingError``) stay in their packages.

    AppError
    ├── RequestError          a bad request found by a route itself (limits, unsupported fields)
    │   └── ModelNotConfigured    Converse / InvokeModel without RAGKB_LLM_BASE_URL; (a model the server has none of)
    ├── ResourceNotFound      a document or other sub-resource that does not exist
    ├── DataSourceNotFound    ├── JobNotFound    ├── GuardrailNotFound
    ├── InvalidDataSource     ├── PathNotAllowed
    ├── JobConflict           ├── GuardrailExists  ├── InvalidGuardrail
    ├── SessionNotFound (a ResourceNotFound)      ├── SessionConflict
    ├── AuthError             missing or invalid credentials (401 native, 403 Bedrock)
    └── Forbidden             valid credentials that may not do this
"""

from __future__ import annotations


class AppError(Exception):
    """Base of the errors ``app`` raises itself. ``str(e)`` is the message shown to the caller."""


class RequestError(AppError):
    """A bad request found by a route itself (limits, unsupported fields). ``str(e)`` is the message."""


class ResourceNotFound(AppError):
    """A document or other sub-resource that does not exist."""


class EvaluationJobNotFound(ResourceNotFound):
    """No evaluation job with that id."""


class DataSourceNotFound(AppError):
    """No data source with that id in the knowledge base."""


class PathNotAllowed(AppError):
    """A folder data source outside the configured data roots."""


class InvalidDataSource(AppError):
    """A data source definition that cannot be used (not a folder, bad glob list, ...)."""


class JobConflict(AppError):
    """A job is already running on this knowledge base."""


class JobNotFound(AppError):
    """No ingestion job with that id in that data source."""


class GuardrailNotFound(AppError):
    """No guardrail with that identifier and version."""


class GuardrailExists(AppError):
    """A guardrail with that name exists already."""


class InvalidGuardrail(AppError):
    """A guardrail definition that cannot be stored (bad name, message, version)."""


class ModelNotConfigured(RequestError):
    """A model call (Converse, InvokeModel) on a server without an OpenAI-compatible model configured, or the
    cross-encoder reranker asked for on a server without its weights."""


class SessionNotFound(ResourceNotFound):
    """No session with that id."""


class SessionConflict(AppError):
    """A session in the wrong state for the call (ending an ended one, deleting an active one)."""


class AuthError(AppError):
    """Missing or invalid credentials. ``aws_code`` is the error type Bedrock routes report."""

    def __init__(self, message: str, *, aws_code: str = "UnrecognizedClientException") -> None:
        super().__init__(message)
        self.aws_code = aws_code


class Forbidden(AppError):
    """Valid credentials that may not do this (a scoped key creating a knowledge base). A knowledge base
    outside a key's scope is not forbidden but absent: the lookups answer 404 for it."""
