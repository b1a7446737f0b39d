"""Native routes for querying: retrieve, and retrieve-and-generate with citations."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.grounding_checks import check_with_filters
from app.core.keys import Principal
from app.core.services import Services
from app.core.views import outcome_view
from app.http.deps import NativePrincipal, ServicesDep
from app.http.native.params import KbPath
from app.http.native.schemas.grounding import GroundingCheckResponse
from app.http.native.schemas.resources import ERROR_RESPONSES, ErrorResponse
from app.http.native.schemas.retrieval import (
    Citation,
    RetrievalResult,
    RetrieveAndGenerateRequest,
    RetrieveAndGenerateResponse,
    RetrieveRequest,
    RetrieveResponse,
)
from retrieval import MAX_K, MAX_QUERY_CHARS, Hit, parse_filter

router = APIRouter(responses=ERROR_RESPONSES, tags=["retrieval"])
LIMITS = (
    f"Limits: `query` 1-{MAX_QUERY_CHARS} characters and not only spaces, `k` 1-{MAX_K}; a malformed `filter` "
    "is 400 naming the place at fault (`filter.andAll[1].equals: 'key' is missing`)."
)


@router.post(
    "/knowledge-bases/{kb}/retrieve",
    summary="Retrieve chunks",
    description="The `k` chunks most relevant to `query`, best first, after the metadata `filter`. SEMANTIC ranks "
    "by embedding similarity; HYBRID fuses that with BM25 keyword ranking (reciprocal rank fusion). "
    "See `RetrievalResult.score` for what scores mean. " + LIMITS,
)
def retrieve(kb: KbPath, body: RetrieveRequest, services: ServicesDep, principal: NativePrincipal) -> RetrieveResponse:
    """``POST /v1/knowledge-bases/handbook/retrieve {"query": "vacation days", "k": 3}``"""
    hits = _retrieve(services, principal, kb, body)
    return RetrieveResponse(results=[RetrievalResult.from_hit(hit) for hit in hits])


@router.post(
    "/knowledge-bases/{kb}/retrieve-and-generate",
    summary="Answer a question with citations",
    description="Retrieves as `retrieve` does, then answers from the retrieved chunks only: a configured "
    "OpenAI-compatible model (RAGKB_LLM_BASE_URL) or, by default, the offline extractive answerer. Each citation "
    "is a span of the answer (`answer[start:end+1]`, `end` inclusive as Bedrock's Span) and the retrieved "
    "chunks it rests on. With `check_grounding`, the answer is also checked against the retrieved chunks "
    "(`grounding`, as `POST /v1/grounding/check` reports; the grounding limits apply to the answer and "
    "the chunks together). " + LIMITS + " 502 when the configured model fails.",
    responses={502: {"model": ErrorResponse, "description": "The configured chat model failed."}},
)
def retrieve_and_generate(
    kb: KbPath, body: RetrieveAndGenerateRequest, services: ServicesDep, principal: NativePrincipal
) -> RetrieveAndGenerateResponse:
    """``POST .../retrieve-and-generate {"query": "How many vacation days do employees get?"}``"""
    hits = _retrieve(services, principal, kb, body)
    answer = services.generator.generate(body.query, hits)
    grounding = None
    if body.check_grounding and hits:
        outcome = check_with_filters(
            services.checker, sources=[hit.text for hit in hits], query=body.query, answer=answer.text
        )
        grounding = GroundingCheckResponse.model_validate(outcome_view(outcome))
    return RetrieveAndGenerateResponse(
        answer=answer.text,
        citations=[Citation.from_span(span, answer.text) for span in answer.citations],
        retrieved=[RetrievalResult.from_hit(hit) for hit in hits],
        grounding=grounding,
    )


def _retrieve(services: Services, principal: Principal, kb: str, body: RetrieveRequest) -> list[Hit]:
    _, handle = services.open_kb(kb, principal=principal)
    metadata_filter = None if body.filter is None else parse_filter(body.filter)
    return handle.retrieve(body.query, k=body.k, search_type=body.search_type, filter=metadata_filter)
