"""The native API's wire format for grounding checks and guardrails (``/v1/grounding``, ``/v1/guardrails``).

Request models refuse unknown fields (``RequestModel``); responses are validated from the plain views
in ``app/core/grounding_checks.py`` so the CLI's ``--json`` and the API print the same shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.guardrails.config import policies_to_bedrock
from app.core.guardrails.store import DEFAULT_BLOCKED_MESSAGE, MAX_DESCRIPTION_CHARS, MAX_MESSAGE_CHARS, GuardrailRecord
from app.http.native.schemas.base import RequestModel
from app.http.native.schemas.guardrail_policies import GuardrailPolicies
from grounding import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    HYBRID_GROUNDING_THRESHOLD,
    MAX_ANSWER_CHARS,
    MAX_QUERY_CHARS,
    MAX_SOURCE_CHARS,
)

ActionField = Literal["BLOCK", "NONE"]
UK_JAPAN = "London is the capital of the UK. Tokyo is the capital of Japan."
LIMITS = (
    f"Limits (Bedrock's): `sources` {MAX_SOURCE_CHARS:,} characters together, `query` {MAX_QUERY_CHARS:,}, "
    f"`answer` {MAX_ANSWER_CHARS:,}; none may be empty or only spaces. Thresholds are in [0, 0.99]."
)


# -- checking ---------------------------------------------------------------------------------------
class FilterActions(RequestModel):
    grounding: ActionField = Field(default="BLOCK", description="BLOCK: an ungrounded answer sets `blocked`.")
    relevance: ActionField = Field(default="BLOCK", description="BLOCK: an irrelevant answer sets `blocked`.")


class GroundingCheckRequest(RequestModel):
    """An answer to check against its sources and the query it answers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"sources": [UK_JAPAN], "query": "What is the capital of Japan?", "answer": "Tokyo."},
                {
                    "sources": [UK_JAPAN],
                    "query": "What is the capital of Japan?",
                    "answer": "The capital of Japan is London.",
                    "grounding_threshold": 0.7,
                    "relevance_threshold": 0.5,
                    "actions": {"grounding": "BLOCK", "relevance": "NONE"},
                },
            ]
        }
    )
    sources: list[str] = Field(
        min_length=1, max_length=1000, description=f"The texts the answer must rest on; {MAX_SOURCE_CHARS:,} "
        "characters together at most. Evidence points into them by index."
    )  # fmt: skip
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="The question the answer responds to.")
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS, description="The text to check.")
    grounding_threshold: float | None = Field(
        default=None, ge=0.0, le=0.99,
        description="`detected` when the grounding score is below it; default: the configured checker's "
        f"calibrated threshold ({HYBRID_GROUNDING_THRESHOLD} for the default v3, {DEFAULT_GROUNDING_THRESHOLD} for v1; "
        "RAGKB_GROUNDING_MODEL).",
    )  # fmt: skip
    relevance_threshold: float | None = Field(
        default=None, ge=0.0, le=0.99,
        description=f"`detected` when the relevance score is below it; default {DEFAULT_RELEVANCE_THRESHOLD}.",
    )  # fmt: skip
    actions: FilterActions = Field(default_factory=lambda: FilterActions(), description="What a detection does.")


class GuardrailCheckRequest(RequestModel):
    """An answer to check with a stored guardrail's filters."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"sources": [UK_JAPAN], "query": "What is the capital of Japan?", "answer": "Tokyo."}]
        }
    )
    sources: list[str] = Field(min_length=1, max_length=1000)
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


class Evidence(BaseModel):
    source_index: int = Field(description="Which source (index into `sources`).")
    start: int = Field(description="First character in that source.")
    end: int = Field(description="End of the span, exclusive: sources[source_index][start:end] == text.")
    text: str
    similarity: float = Field(description="Embedding cosine between claim and evidence, in [-1, 1].")


class Claim(BaseModel):
    text: str = Field(description="answer[start:end].")
    start: int
    end: int = Field(description="Exclusive.")
    score: float = Field(description="Probability that the sources support the claim, in [0, 1].")
    label: Literal["supported", "unsupported", "contradicted"] = Field(
        description="supported when score >= the grounding threshold; contradicted when the evidence says the "
        "opposite (flipped negation, antonym, other number or name), else unsupported."
    )
    flags: list[str] = Field(
        description=(
            "Why a claim scored low: new_number, new_name, negation_flip, antonym, new_content, no_evidence, "
            "quantity_conflict (a number of the sources with another unit or meaning), quantifier_raised "
            "('always' where the source says 'usually')."
        ),
    )
    evidence: Evidence | None = Field(description="The source sentence that best supports the claim.")


class FilterOutcome(BaseModel):
    score: float = Field(description="In [0, 1]; higher is better (grounded / relevant).")
    threshold: float
    detected: bool = Field(description="score < threshold.")
    action: ActionField = Field(description="The configured action.")
    blocked: bool = Field(description="detected and action BLOCK.")


class GroundingCheckResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "grounding": {
                        "score": 0.07, "threshold": 0.5, "detected": True, "action": "BLOCK", "blocked": True
                    },
                    "relevance": {
                        "score": 0.93, "threshold": 0.5, "detected": False, "action": "BLOCK", "blocked": False
                    },
                    "blocked": True,
                    "abstained": False,
                    "claims": [
                        {
                            "text": "The capital of Japan is London.", "start": 0, "end": 31, "score": 0.07,
                            "label": "contradicted", "flags": ["new_name"],
                            "evidence": {"source_index": 0, "start": 33, "end": 64,
                                         "text": "Tokyo is the capital of Japan.", "similarity": 0.71},
                        }
                    ],
                }
            ]
        }
    )  # fmt: skip
    grounding: FilterOutcome | None = Field(
        description="Is the answer supported by the sources? Its score is the lowest claim score. Null when a "
        "guardrail's grounding filter is off."
    )
    relevance: FilterOutcome | None = Field(description="Does the answer address the query? Null when off.")
    blocked: bool = Field(description="Some filter with action BLOCK detected.")
    abstained: bool = Field(description="The answer only declines to answer (no claims; scores are 1).")
    claims: list[Claim] = Field(description="The answer's claims, in order.")


# -- guardrails -------------------------------------------------------------------------------------
class GuardrailFilterSpec(RequestModel):
    threshold: float = Field(ge=0.0, le=0.99, description="Detected when the score is below it.")
    action: ActionField = Field(default="BLOCK", description="BLOCK replaces the answer; NONE only reports.")
    enabled: bool = Field(default=True, description="A disabled filter is kept but not evaluated.")


class CreateGuardrailRequest(RequestModel):
    """A guardrail: a contextual grounding policy and/or Bedrock's other policies (`policies`); the same
    guardrail Bedrock's ApplyGuardrail applies."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "rag-answers",
                    "description": "Block ungrounded answers, report irrelevant ones",
                    "grounding": {"threshold": 0.6, "action": "BLOCK"},
                    "relevance": {"threshold": 0.5, "action": "NONE"},
                    "blocked_output_message": "I could not find a reliable answer in the documents.",
                }
            ]
        }
    )
    name: str = Field(pattern=r"^[0-9a-zA-Z_-]{1,50}$", description="Unique; 1-50 letters, digits, '-' or '_'.")
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)
    grounding: GuardrailFilterSpec | None = Field(default=None, description="The GROUNDING filter, if any.")
    relevance: GuardrailFilterSpec | None = Field(default=None, description="The RELEVANCE filter, if any.")
    policies: GuardrailPolicies | None = Field(
        default=None, description="Sensitive information, word, topic and content policies in Bedrock's shapes."
    )
    blocked_input_message: str = Field(default=DEFAULT_BLOCKED_MESSAGE, min_length=1, max_length=MAX_MESSAGE_CHARS)
    blocked_output_message: str = Field(
        default=DEFAULT_BLOCKED_MESSAGE, min_length=1, max_length=MAX_MESSAGE_CHARS,
        description="What replaces a blocked answer (Bedrock's blockedOutputsMessaging).",
    )  # fmt: skip


class CreateGuardrailVersionRequest(RequestModel):
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)


class GuardrailFilter(BaseModel):
    type: Literal["GROUNDING", "RELEVANCE"]
    threshold: float
    action: ActionField
    enabled: bool


class Guardrail(BaseModel):
    id: str = Field(description="12 characters [a-z0-9], as Bedrock's guardrail ids.", examples=["k3v9x2m4q7ta"])
    name: str
    version: str = Field(description="DRAFT (editable working copy) or a version number.")
    description: str
    filters: list[GuardrailFilter]
    policies: dict[str, Any] = Field(
        description="Bedrock's policy configurations (sensitiveInformationPolicyConfig, wordPolicyConfig, "
        "topicPolicyConfig, contentPolicyConfig), every default filled in; {} when none."
    )
    blocked_input_message: str
    blocked_output_message: str
    created_at: str
    updated_at: str

    @classmethod
    def from_record(cls, record: GuardrailRecord) -> Guardrail:
        filters = [GuardrailFilter(**vars(f)) for f in record.filters]
        return cls(
            id=record.id, name=record.name, version=record.version, description=record.description, filters=filters,
            policies=policies_to_bedrock(record.policies), blocked_input_message=record.blocked_input_message,
            blocked_output_message=record.blocked_output_message,
            created_at=record.created_at, updated_at=record.updated_at,
        )  # fmt: skip


class GuardrailDetail(Guardrail):
    versions: list[str] = Field(description="Every version: DRAFT first, then by number.")


class GuardrailList(BaseModel):
    guardrails: list[Guardrail] = Field(description="Every guardrail's DRAFT, by name.")
