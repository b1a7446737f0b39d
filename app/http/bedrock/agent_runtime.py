"""Bedrock ``bedrock-agent-runtime``: ``Retrieve`` and ``RetrieveAndGenerate`` over a knowledge base.

Retrieval takes ``numberOfResults`` (default 5), ``overrideSearchType`` (``SEMANTIC`` or ``HYBRID``;
absent, the service chooses, as Bedrock does: ragkb chooses ``HYBRID``, its default everywhere) and a
metadata ``filter``. Scores are higher-is-better: cosine similarity for SEMANTIC,
normalised reciprocal-rank fusion in [0, 1] for HYBRID (see ``retrieval.types.Hit``).

Generation uses the server's generator (an OpenAI-compatible chat model when configured, else the
offline extractive answerer): ``modelArn`` is accepted and ignored. Sessions carry no history: each call
is answered on its own; ``sessionId`` is echoed back, or a new one is made when the call has none.

A ``guardrailConfiguration`` applies that guardrail twice, as Bedrock does: to the question (``INPUT``;
blocked: the answer is the guardrail's blocked-input message; masked: the masked question is what is
searched and answered) and to the answer (``OUTPUT``, with the retrieved passages as grounding sources
and the question as the query; blocked: the blocked-output message; masked: the masked answer). When
it intervenes, ``guardrailAction`` is ``INTERVENED`` and there are no citations (their spans would not
fit the replaced text).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import RequestError
from app.core.guardrail_apply import BLOCKED_REASON, TextBlock, apply_stored_guardrail
from app.core.services import Services
from app.core.views import hit_view
from app.http.bedrock.protocol import AGENT_RUNTIME, bedrock_input, check_query, policy
from app.http.bedrock.views import citation_view
from app.http.deps import AwsPrincipal, ServicesDep
from retrieval import DEFAULT_SEARCH_TYPE, Hit, KnowledgeBase, parse_filter

router = APIRouter(tags=["bedrock-agent-runtime"])
DEFAULT_RESULTS = 5  # Bedrock's default numberOfResults

_VECTOR = "vectorSearchConfiguration"
_SEARCH = [f"{_VECTOR}.numberOfResults", f"{_VECTOR}.overrideSearchType", f"{_VECTOR}.filter"]
_UNSUPPORTED_SEARCH = {
    f"{_VECTOR}.rerankingConfiguration": "rerankingConfiguration is not supported: ragkb ranks by the search "
    "type alone",
    f"{_VECTOR}.implicitFilterConfiguration": "implicitFilterConfiguration is not supported (a model would write "
    "the filter); send an explicit filter",
}
_KB_CONFIG = "retrieveAndGenerateConfiguration.knowledgeBaseConfiguration"
_GENERATION = f"{_KB_CONFIG}.generationConfiguration"

RETRIEVE = policy(
    ["knowledgeBaseId", "retrievalQuery.text", "retrievalQuery.type",
     *(f"retrievalConfiguration.{p}" for p in _SEARCH)],
    reasons={
        "nextToken": "nextToken is not supported: ragkb returns all numberOfResults results in one response",
        "guardrailConfiguration": "guardrailConfiguration is not supported on retrieve; call apply_guardrail",
        "retrievalQuery.image": "image queries are not supported: ragkb retrieves by text",
    } | {f"retrievalConfiguration.{path}": reason for path, reason in
         _UNSUPPORTED_SEARCH.items()},
)  # fmt: skip
RETRIEVE_AND_GENERATE = policy(
    ["input.text", "sessionId", "retrieveAndGenerateConfiguration.type", f"{_KB_CONFIG}.knowledgeBaseId",
     *(f"{_KB_CONFIG}.retrievalConfiguration.{p}" for p in _SEARCH), f"{_GENERATION}.guardrailConfiguration"],
    ignored=[f"{_KB_CONFIG}.modelArn", "sessionConfiguration", f"{_GENERATION}.inferenceConfig",
             f"{_GENERATION}.performanceConfig"],
    reasons={
        "retrieveAndGenerateConfiguration.externalSourcesConfiguration": "retrieveAndGenerateConfiguration.type "
        "EXTERNAL_SOURCES is not supported: ragkb answers from its knowledge bases (type KNOWLEDGE_BASE)",
        f"{_GENERATION}.promptTemplate": "promptTemplate is not supported: ragkb's generator uses its own prompt",
        f"{_GENERATION}.additionalModelRequestFields": "additionalModelRequestFields is not supported",
        f"{_KB_CONFIG}.orchestrationConfiguration": "orchestrationConfiguration (query transformation) is not "
        "supported",
    } | {f"{_KB_CONFIG}.retrievalConfiguration.{path}": reason for path, reason in
         _UNSUPPORTED_SEARCH.items()},
)  # fmt: skip

RetrieveInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "Retrieve", RETRIEVE))]
RagInput = Annotated[
    dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "RetrieveAndGenerate", RETRIEVE_AND_GENERATE))
]


@router.post("/knowledgebases/{knowledgeBaseId}/retrieve", summary="Retrieve")
def retrieve(principal: AwsPrincipal, services: ServicesDep, params: RetrieveInput) -> dict[str, Any]:
    _, kb = services.open_kb(params["knowledgeBaseId"], principal=principal, by_id=True)
    query = params["retrievalQuery"]
    if query.get("type", "TEXT") != "TEXT":
        raise RequestError(f"retrievalQuery.type {query['type']} is not supported: ragkb retrieves by text")
    if "text" not in query:
        raise RequestError("retrievalQuery.text is required")
    text = check_query(query["text"], path="retrievalQuery.text")
    hits = search(kb, text, params.get("retrievalConfiguration"))
    return {"retrievalResults": [hit_view(hit) for hit in hits]}


@router.post("/retrieveAndGenerate", summary="RetrieveAndGenerate")
def retrieve_and_generate(principal: AwsPrincipal, services: ServicesDep, params: RagInput) -> dict[str, Any]:
    config = params.get("retrieveAndGenerateConfiguration")
    if config is None:
        raise RequestError("retrieveAndGenerateConfiguration is required (type KNOWLEDGE_BASE)")
    if config["type"] != "KNOWLEDGE_BASE":
        raise RequestError(
            f"retrieveAndGenerateConfiguration.type {config['type']} is not supported: ragkb answers from its "
            "knowledge bases (type KNOWLEDGE_BASE)"
        )
    kb_config = config.get("knowledgeBaseConfiguration")
    if kb_config is None:
        raise RequestError(f"{_KB_CONFIG} is required when the type is KNOWLEDGE_BASE")
    _, kb = services.open_kb(kb_config["knowledgeBaseId"], principal=principal, by_id=True)
    question = check_query(params["input"]["text"], path="input.text")
    session = params.get("sessionId") or str(uuid.uuid4())
    guardrail = kb_config.get("generationConfiguration", {}).get("guardrailConfiguration")
    if guardrail is not None:
        checked = _guard(services, guardrail, "INPUT", [TextBlock(question)])
        if checked is not None and checked[1]:
            return _intervened(checked[0], session)
        question = checked[0] if checked is not None else question
    hits = search(kb, question, kb_config.get("retrievalConfiguration"))
    answer = services.generator.generate(question, hits)
    if guardrail is not None:
        blocks = [TextBlock(hit.text, frozenset({"grounding_source"})) for hit in hits]
        blocks += [TextBlock(question, frozenset({"query"})), TextBlock(answer.text, frozenset({"guard_content"}))]
        checked = _guard(services, guardrail, "OUTPUT", blocks if hits else blocks[-1:])
        if checked is not None:
            return _intervened(checked[0], session)
    body: dict[str, Any] = {
        "output": {"text": answer.text},
        "citations": [citation_view(answer.text, citation) for citation in answer.citations],
        "sessionId": session,
    }
    if guardrail is not None:
        body["guardrailAction"] = "NONE"
    return body


def _guard(
    services: Services, guardrail: Mapping[str, str], source: str, blocks: list[TextBlock]
) -> tuple[str, bool] | None:
    """Apply the configured guardrail: None when it lets the text through, else (the text to use instead,
    whether it blocked)."""
    response = apply_stored_guardrail(
        services, guardrail["guardrailId"], guardrail["guardrailVersion"], source=source,  # type: ignore[arg-type]
        blocks=blocks,
    )  # fmt: skip
    if response["action"] != "GUARDRAIL_INTERVENED":
        return None
    blocked = response["actionReason"] == BLOCKED_REASON
    return " ".join(output["text"] for output in response["outputs"]), blocked


def _intervened(text: str, session: str) -> dict[str, Any]:
    return {"output": {"text": text}, "citations": [], "sessionId": session, "guardrailAction": "INTERVENED"}


def search(kb: KnowledgeBase, query: str, configuration: Mapping[str, Any] | None) -> list[Hit]:
    """Run a Bedrock ``KnowledgeBaseRetrievalConfiguration`` (validated by the caller's input shape)."""
    vector = (configuration or {}).get(_VECTOR, {})
    where = vector.get("filter")
    return kb.retrieve(
        query,
        k=vector.get("numberOfResults", DEFAULT_RESULTS),
        search_type=vector.get("overrideSearchType", DEFAULT_SEARCH_TYPE),
        filter=None if where is None else parse_filter(where),
    )
