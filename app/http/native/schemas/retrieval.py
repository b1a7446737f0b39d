"""The native API's retrieval wire format (``/v1/knowledge-bases/{kb}/retrieve`` and
``/retrieve-and-generate``): requests, hits with their locations, answers with citations."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.text_rules import query_problem
from app.http.native.schemas.base import JsonInt, RequestModel
from app.http.native.schemas.grounding import GroundingCheckResponse
from retrieval import DEFAULT_SEARCH_TYPE, MAX_K, MAX_QUERY_CHARS, Hit
from retrieval import Citation as CitationSpan

SearchTypeField = Literal["SEMANTIC", "HYBRID"]
FILTER_EXAMPLE: dict[str, Any] = {
    "andAll": [
        {"equals": {"key": "department", "value": "hr"}},
        {"greaterThanOrEquals": {"key": "year", "value": 2024}},
    ]
}


class RetrieveRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"query": "How many vacation days do employees get?", "k": 5, "search_type": "HYBRID"},
                {"query": "parental leave", "filter": FILTER_EXAMPLE},
            ]
        },
    )
    query: str = Field(
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        description=f"1-{MAX_QUERY_CHARS} characters, not only spaces; no control characters but tab and newlines.",
    )
    k: JsonInt = Field(default=5, ge=1, le=MAX_K, description=f"How many results, 1-{MAX_K}.")
    search_type: SearchTypeField = Field(
        default=DEFAULT_SEARCH_TYPE,
        description="HYBRID (the default, as in `ragkb retrieve`; better on SciFact, docs/benchmarks.md): "
        "embeddings and BM25 keywords, fused by rank. SEMANTIC: embeddings only.",
    )
    filter: dict[str, Any] | None = Field(
        default=None,
        description="A Bedrock RetrievalFilter on metadata: one operator per object (equals, notEquals, "
        "greaterThan, greaterThanOrEquals, lessThan, lessThanOrEquals, in, notIn, startsWith, stringContains, "
        "listContains, andAll, orAll), at most 5 levels of andAll/orAll.",
        examples=[FILTER_EXAMPLE],
    )

    @field_validator("query")
    @classmethod
    def _valid_query(cls, value: str) -> str:
        problem = query_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class RetrieveAndGenerateRequest(RetrieveRequest):
    """Retrieve, then answer from the results only: an OpenAI-compatible model when RAGKB_LLM_BASE_URL is
    set, else the built-in extractive answerer (quotes the most relevant retrieved sentences)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"query": "How many vacation days do employees get?", "k": 5},
                {"query": "How many vacation days do employees get?", "check_grounding": True},
            ]
        },
    )
    check_grounding: bool = Field(
        default=False,
        description="Also check the answer against the retrieved chunks (sources) and the query, at the default "
        "thresholds; the outcome is `grounding` in the response (as `POST /v1/grounding/check`).",
    )


class Location(BaseModel):
    source: str = Field(description="The document id.")
    pages: list[int] = Field(default_factory=list, description="PDF pages, 1-based.")
    sheet: str | None = Field(default=None, description="Spreadsheet sheet.")
    row: int | None = Field(default=None, description="First spreadsheet/CSV row.")
    row_end: int | None = Field(default=None, description="Last spreadsheet/CSV row.")
    headings: list[str] = Field(default_factory=list, description="Enclosing headings, outermost first.")


class RetrievalResult(BaseModel):
    chunk_id: str
    text: str
    score: float = Field(
        description="Higher is better. SEMANTIC: cosine similarity of query and chunk, in [-1, 1], comparable "
        "across queries. HYBRID: reciprocal-rank fusion of the dense and keyword rankings, in [0, 1] where 1 "
        "means ranked first by both; a rank agreement, not a similarity."
    )
    document_id: str
    data_source_id: str
    location: Location
    metadata: dict[str, Any] = Field(description="Document attributes plus x-amz-bedrock-kb-* keys.")

    @classmethod
    def from_hit(cls, hit: Hit) -> RetrievalResult:
        return cls(
            chunk_id=hit.chunk_id, text=hit.text, score=hit.score, document_id=hit.document_uri,
            data_source_id=hit.data_source_id, location=Location.model_validate(hit.location), metadata=hit.metadata,
        )  # fmt: skip


class RetrieveResponse(BaseModel):
    results: list[RetrievalResult] = Field(description="Best first; fewer than k when fewer chunks match.")


class Citation(BaseModel):
    start: int = Field(description="First character of the cited span in `answer`.")
    end: int = Field(description="Last character of the span, inclusive (Bedrock's Span): answer[start:end+1].")
    text: str = Field(description="The cited span, answer[start:end+1].")
    references: list[RetrievalResult] = Field(description="The retrieved chunks supporting the span.")

    @classmethod
    def from_span(cls, span: CitationSpan, answer: str) -> Citation:
        return cls(
            start=span.start, end=span.end, text=answer[span.start : span.end + 1],
            references=[RetrievalResult.from_hit(hit) for hit in span.hits],
        )  # fmt: skip


class RetrieveAndGenerateResponse(BaseModel):
    answer: str = Field(description="The generated answer; a fixed apology when nothing relevant was found.")
    citations: list[Citation]
    retrieved: list[RetrievalResult] = Field(description="Everything retrieved for the query, best first.")
    grounding: GroundingCheckResponse | None = Field(
        default=None,
        description="With `check_grounding`: the answer's grounding in the retrieved chunks (evidence `source_index` "
        "indexes `retrieved`) and relevance to the query. Null otherwise, and when nothing was retrieved.",
    )
