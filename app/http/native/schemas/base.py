"""What every native request and error model shares: the strict request base and the one error shape."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from app.core.text_rules import unicode_problem


def _integral(value: Any) -> Any:
    """JSON Schema counts 54.0 as an integer; strict mode would not. Booleans and strings stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


JsonInt = Annotated[int, BeforeValidator(_integral)]


class RequestModel(BaseModel):
    """Base of every request body: an unknown field is an error (400), not silently ignored, and values
    must have their documented JSON type (strict: ``"5"`` or ``true`` is not an integer)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        problem = unicode_problem(data)
        if problem:
            raise ValueError(problem)
        return data


# -- errors ---------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code: invalid_request, not_found, conflict, ...")
    message: str = Field(description="One line for people, naming the field or resource at fault.")
    status: int = Field(description="The HTTP status, repeated.")


class ErrorResponse(BaseModel):
    """Every native error, whatever the route or cause."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "not_found", "message": "no ...", "status": 404}}]}
    )
    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("Invalid request: malformed JSON, wrong types, unknown fields, values out of range."),
    401: _error("Auth is on and the API key is missing, invalid or revoked (`Authorization: Bearer <key>`)."),
    403: _error("A scoped API key creating a knowledge base or guardrail, or a folder outside the data roots."),
    404: _error("No such knowledge base (or one outside the API key's scope), data source, ingestion job or document."),
    413: _error("Request body over RAGKB_MAX_REQUEST_MB."),
    # Also keeps FastAPI from documenting a 422 this API never sends (validation errors are 400).
    "default": _error("Any other error (405, 500, ...), in the same shape."),
}
CONFLICT_RESPONSE: dict[int | str, dict[str, Any]] = {
    409: _error("An ingestion job is running on this knowledge base (one at a time), or (stop) it has finished.")
}
