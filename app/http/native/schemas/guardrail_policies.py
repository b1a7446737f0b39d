"""The native API's guardrail policies and ``apply`` call, in Bedrock's own shapes.

``policies`` takes the four members of Bedrock's ``CreateGuardrail`` with their names and limits
(``sensitiveInformationPolicyConfig``, ``wordPolicyConfig``, ``topicPolicyConfig``,
``contentPolicyConfig``), so a configuration written for boto3 is pasted as is. ``POST
/v1/guardrails/{guardrail}/apply`` answers with Bedrock's ``ApplyGuardrailResponse``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.http.native.schemas.base import RequestModel
from guardrails import CATEGORIES, PII_TYPES

MAX_APPLY_CHARS = 200_000  # Bedrock's grounding sources (100,000) plus the text they check, with room
PiiAction = Literal["BLOCK", "ANONYMIZE", "NONE"]
Action = Literal["BLOCK", "NONE"]
Strength = Literal["NONE", "LOW", "MEDIUM", "HIGH"]
PiiType = Literal[PII_TYPES]  # type: ignore[valid-type]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class _Directions(RequestModel):
    inputEnabled: bool = True
    outputEnabled: bool = True


class PiiEntityConfig(_Directions):
    type: PiiType
    action: PiiAction
    inputAction: PiiAction | None = None
    outputAction: PiiAction | None = None


class RegexConfig(_Directions):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, min_length=1, max_length=1000)
    pattern: str = Field(min_length=1, max_length=500)
    action: PiiAction
    inputAction: PiiAction | None = None
    outputAction: PiiAction | None = None


class SensitiveInformationPolicyConfig(RequestModel):
    piiEntitiesConfig: list[PiiEntityConfig] | None = Field(default=None, min_length=1)
    regexesConfig: list[RegexConfig] | None = Field(default=None, min_length=1, max_length=10)


class WordConfig(_Directions):
    text: str = Field(min_length=1, max_length=100)
    inputAction: Action = "BLOCK"
    outputAction: Action = "BLOCK"


class ManagedWordsConfig(_Directions):
    type: Literal["PROFANITY"]
    inputAction: Action = "BLOCK"
    outputAction: Action = "BLOCK"


class WordPolicyConfig(RequestModel):
    wordsConfig: list[WordConfig] | None = Field(default=None, min_length=1, max_length=10_000)
    managedWordListsConfig: list[ManagedWordsConfig] | None = None


class Tier(RequestModel):
    tierName: Literal["CLASSIC", "STANDARD"]


class TopicConfig(_Directions):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[0-9a-zA-Z-_ !?.]+$")
    definition: str = Field(min_length=1, max_length=200)
    examples: list[str] = Field(default_factory=list, max_length=5)
    type: Literal["DENY"]
    inputAction: Action = "BLOCK"
    outputAction: Action = "BLOCK"


class TopicPolicyConfig(RequestModel):
    topicsConfig: list[TopicConfig] = Field(min_length=1, max_length=30)
    tierConfig: Tier | None = None


class ContentFilterConfig(_Directions):
    type: Category
    inputStrength: Strength
    outputStrength: Strength
    inputModalities: list[Literal["TEXT", "IMAGE"]] | None = Field(default=None, min_length=1, max_length=2)
    outputModalities: list[Literal["TEXT", "IMAGE"]] | None = Field(default=None, min_length=1, max_length=2)
    inputAction: Action = "BLOCK"
    outputAction: Action = "BLOCK"


class ContentPolicyConfig(RequestModel):
    filtersConfig: list[ContentFilterConfig] = Field(min_length=1, max_length=6)
    tierConfig: Tier | None = None


class GuardrailPolicies(RequestModel):
    """Bedrock's policy configurations, by their CreateGuardrail names; each optional."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={
            "examples": [
                {
                    "sensitiveInformationPolicyConfig": {
                        "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]
                    },
                    "wordPolicyConfig": {"managedWordListsConfig": [{"type": "PROFANITY"}]},
                    "topicPolicyConfig": {"topicsConfig": [{
                        "name": "Investment advice", "type": "DENY",
                        "definition": "Recommendations about which stocks, funds or other assets to invest in.",
                        "examples": ["Should I buy Tesla shares?"],
                    }]},
                    "contentPolicyConfig": {"filtersConfig": [
                        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
                    ]},
                }
            ]
        },
    )  # fmt: skip
    sensitiveInformationPolicyConfig: SensitiveInformationPolicyConfig | None = None
    wordPolicyConfig: WordPolicyConfig | None = None
    topicPolicyConfig: TopicPolicyConfig | None = None
    contentPolicyConfig: ContentPolicyConfig | None = None

    def bedrock(self) -> dict[str, Any]:
        """As the plain mapping ``app/core/guardrails/config.py`` reads (absent members left out)."""
        return self.model_dump(exclude_none=True)


class ContentBlock(RequestModel):
    text: str = Field(min_length=1, max_length=MAX_APPLY_CHARS)
    qualifiers: list[Literal["grounding_source", "query", "guard_content"]] = Field(default_factory=list)


class ApplyGuardrailRequest(RequestModel):
    """Text to judge with a guardrail, as Bedrock's ApplyGuardrail takes it."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"source": "INPUT", "content": [{"text": "Mail me at jane@example.com"}]}]},
    )  # fmt: skip
    source: Literal["INPUT", "OUTPUT"] = Field(description="INPUT: a user's prompt; OUTPUT: a model's answer.")
    content: list[ContentBlock] = Field(min_length=1, max_length=100)
    output_scope: Literal["INTERVENTIONS", "FULL"] = Field(
        default="INTERVENTIONS", description="FULL also reports the topics and filters that detected nothing."
    )

    @model_validator(mode="after")
    def _total_size(self) -> ApplyGuardrailRequest:
        if sum(len(block.text) for block in self.content) > MAX_APPLY_CHARS:
            raise ValueError(f"content has more than {MAX_APPLY_CHARS:,} characters in all")
        return self


class ApplyGuardrailResponse(BaseModel):
    """Bedrock's ApplyGuardrailResponse (its member names)."""

    model_config = ConfigDict(extra="allow")
    action: Literal["NONE", "GUARDRAIL_INTERVENED"]
    actionReason: str
    outputs: list[dict[str, str]] = Field(description="The blocked message, or each guarded block masked.")
    assessments: list[dict[str, Any]]
    usage: dict[str, int]
