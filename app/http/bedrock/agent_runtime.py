"""Bedrock ``bedrock-agent-runtime``: ``Retrieve``, ``RetrieveAndGenerate`` and ``Rerank``.

Retrieval takes ``numberOfResults`` (default 5), ``overrideSearchType`` (``SEMANTIC`` or ``HYBRID``;
absent, the service chooses, as Bedrock does: ragkb chooses ``HYBRID``, its default everywhere) and a
metadata ``filter``. Scores are higher-is-better: cosine similarity for SEMANTIC,
normalised reciprocal-rank fusion in [0, 1] for HYBRID (see ``retrieval.types.Hit``). A
``rerankingConfiguration`` reranks the hits found with the server's reranker (``app/core/wiring.py``: the
default ``RAGKB_RERANKER``, or the one a ``modelArn`` ending in ``ragkb-fusion`` / ``ragkb-crossencoder``
names), as ``Rerank`` scores inline sources; scores are then the reranker's, in [0, 1].

Generation uses the server's generator (an OpenAI-compatible chat model when configured, else the
offline extractive answerer): ``modelArn`` is accepted and ignored. A call without ``sessionId`` starts a
session (``app/core/sessions.py``); a call with one continues it: the follow-up question is retrieved and
answered together with the session's previous question, and a session that is unknown, ended or expired
(24 hours after it began) is a ``ValidationException``. A ``guardrailConfiguration`` guards the question
(``INPUT``) and the answer (``OUTPUT``, with the retrieved chunks as grounding sources); when it intervenes
the output is its blocked message and ``guardrailAction`` is ``INTERVENED``.
``RetrieveAndGenerateStream`` (``agent_stream.py``) shares :func:`start_turn` and :func:`finish_turn`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import RequestError, SessionNotFound
from app.core.followups import FollowUp, read_follow_up, retrieve_follow_up
from app.core.keys import Principal
from app.core.services import Services
from app.core.sessions import Turn
from app.core.views import hit_view
from app.http.bedrock.converse import guard_text
from app.http.bedrock.protocol import AGENT_RUNTIME, bedrock_input, check_query, policy
from app.http.bedrock.views import citation_view
from app.http.deps import AwsPrincipal, ServicesDep
from retrieval import DEFAULT_SEARCH_TYPE, Answer, Hit, KnowledgeBase, Reranker, parse_filter, rerank

router = APIRouter(tags=["bedrock-agent-runtime"])
DEFAULT_RESULTS = 5  # Bedrock's default numberOfResults

_VECTOR = "vectorSearchConfiguration"
_RERANK = f"{_VECTOR}.rerankingConfiguration"
_SEARCH = [f"{_VECTOR}.numberOfResults", f"{_VECTOR}.overrideSearchType", f"{_VECTOR}.filter", f"{_RERANK}.type",
           f"{_RERANK}.bedrockRerankingConfiguration.numberOfRerankedResults",
           f"{_RERANK}.bedrockRerankingConfiguration.modelConfiguration.modelArn"]  # fmt: skip
_UNSUPPORTED_SEARCH = {
    f"{_VECTOR}.implicitFilterConfiguration": "implicitFilterConfiguration is not supported (a model would write "
    "the filter); send an explicit filter",
    f"{_RERANK}.bedrockRerankingConfiguration.metadataConfiguration": "metadataConfiguration is not supported: "
    "ragkb's reranker reads the chunk text only",
    f"{_RERANK}.bedrockRerankingConfiguration.modelConfiguration.additionalModelRequestFields": "additionalModelRequest"
    "Fields is not supported by ragkb's reranker",
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

_RERANKER = "rerankingConfiguration.bedrockRerankingConfiguration"
RERANK = policy(
    ["queries[].type", "queries[].textQuery.text", "sources[].type", "sources[].inlineDocumentSource.type",
     "sources[].inlineDocumentSource.textDocument.text", "sources[].inlineDocumentSource.jsonDocument",
     "rerankingConfiguration.type", f"{_RERANKER}.numberOfResults"],
    ignored=[f"{_RERANKER}.modelConfiguration.modelArn"],
    reasons={
        "nextToken": "nextToken is not supported: ragkb returns every result in one response",
        f"{_RERANKER}.modelConfiguration.additionalModelRequestFields": "additionalModelRequestFields is not "
        "supported by ragkb's reranker",
    },
)  # fmt: skip
RerankInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "Rerank", RERANK))]
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
    hits = search(kb, text, params.get("retrievalConfiguration"), reranker=services.reranker_for)
    return {"retrievalResults": [hit_view(hit) for hit in hits]}


@router.post("/retrieveAndGenerate", summary="RetrieveAndGenerate")
def retrieve_and_generate(principal: AwsPrincipal, services: ServicesDep, params: RagInput) -> dict[str, Any]:
    turn = start_turn(services, principal, params)
    action: str | None = "INTERVENED"
    if turn.blocked is not None:
        answer = Answer(turn.blocked, ())
    else:
        answer = services.generator.generate(turn.query, turn.hits)
        answer, action = guard_answer(services, turn, answer)
    finish_turn(services, turn, answer.text)
    response: dict[str, Any] = {
        "output": {"text": answer.text},
        "citations": [citation_view(answer.text, citation) for citation in answer.citations],
        "sessionId": turn.session_id,
    }
    if action is not None:
        response["guardrailAction"] = action
    return response


@router.post("/rerank", summary="Rerank")
def rerank_route(principal: AwsPrincipal, services: ServicesDep, params: RerankInput) -> dict[str, Any]:
    """Score each source against the query with the reranker ``modelArn`` names (``ragkb-fusion`` or
    ``ragkb-crossencoder``; any other: the server's default); the best ``numberOfResults`` (default: all),
    best first, each with its ``index`` in ``sources``."""
    query = check_query(params["queries"][0]["textQuery"].get("text", ""), path="queries[0].textQuery.text")
    documents = [source["inlineDocumentSource"] for source in params["sources"]]
    texts = []
    for i, document in enumerate(documents):
        if document["type"] == "TEXT" and "textDocument" in document:
            texts.append(document["textDocument"].get("text", ""))
        elif document["type"] == "JSON" and "jsonDocument" in document:
            texts.append(json.dumps(document["jsonDocument"], ensure_ascii=False))
        else:
            raise RequestError(f"sources[{i}].inlineDocumentSource of type {document['type']} has no matching document")
    configuration = params["rerankingConfiguration"]["bedrockRerankingConfiguration"]
    scores = services.reranker_for(configuration.get("modelConfiguration", {}).get("modelArn")).scores(query, texts)
    order = sorted(range(len(texts)), key=lambda i: (-float(scores[i]), i))
    top_n = configuration.get("numberOfResults")
    return {"results": [{"index": i, "relevanceScore": float(scores[i]), "document": documents[i]}
                        for i in order[:top_n]]}  # fmt: skip


@dataclass(frozen=True)
class RagTurn:
    """One retrieve-and-generate call, ready for generation: what to answer, from which hits, in which session."""

    kb_id: str
    question: str  # as asked
    query: str  # as retrieved and answered: the question read in its session's context
    hits: list[Hit]
    session_id: str
    guardrail: dict[str, Any] | None  # the generationConfiguration's guardrailConfiguration
    blocked: str | None = None  # the guardrail's blocked-input message when it stopped the question


def start_turn(services: Services, principal: Principal, params: Mapping[str, Any]) -> RagTurn:
    """Check a (validated) ``RetrieveAndGenerate`` input, open its knowledge base and session, guard the
    question and retrieve; a new session is created when the call has none."""
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
    info, kb = services.open_kb(kb_config["knowledgeBaseId"], principal=principal, by_id=True)
    question = check_query(params["input"]["text"], path="input.text")
    guardrail = kb_config.get("generationConfiguration", {}).get("guardrailConfiguration")
    session_id = params.get("sessionId")
    history = [] if session_id is None else _history(services, session_id, kb_id=info.id)
    follow_up = read_follow_up(history, question)
    verdict = None if guardrail is None else guard_text(services, guardrail, source="INPUT", text=question)
    if session_id is None:  # made once the request has passed every check
        session_id = services.sessions.create().id
    if verdict is not None and verdict.blocked:
        return RagTurn(info.id, question, follow_up.question, [], session_id, guardrail, blocked=verdict.text)
    if verdict is not None and verdict.intervened:  # masked: the masked question is searched and answered
        question = verdict.text
        follow_up = read_follow_up(history, question)
    hits = search(kb, follow_up.question, kb_config.get("retrievalConfiguration"),
                  reranker=services.reranker_for, follow_up=follow_up)  # fmt: skip
    return RagTurn(info.id, question, follow_up.question, hits, session_id, guardrail)


def guard_answer(services: Services, turn: RagTurn, answer: Answer) -> tuple[Answer, str | None]:
    """The answer as the turn's guardrail lets it out, and ``guardrailAction`` (``None`` without a guardrail)."""
    if turn.guardrail is None:
        return answer, None
    verdict = guard_text(
        services, turn.guardrail, source="OUTPUT", text=answer.text, sources=[hit.text for hit in turn.hits],
        query=turn.question,
    )  # fmt: skip
    return (Answer(verdict.text, ()), "INTERVENED") if verdict.intervened else (answer, "NONE")


def finish_turn(services: Services, turn: RagTurn, answer: str) -> None:
    """Record the answered turn in its session."""
    services.sessions.add_turn(turn.session_id, kb_id=turn.kb_id, question=turn.question, answer=answer)


def _history(services: Services, session_id: str, *, kb_id: str) -> list[Turn]:
    try:
        session = services.sessions.get(session_id)
    except SessionNotFound:
        raise RequestError(
            f"Session with Id {session_id} is not valid: pass the sessionId an earlier call returned, or none"
        ) from None
    status = services.sessions.status(session)
    if status != "ACTIVE":
        raise RequestError(f"Session with Id {session_id} is {status}: start a new session (send no sessionId)")
    return services.sessions.turns(session_id, kb_id=kb_id)


def search(
    kb: KnowledgeBase,
    query: str,
    configuration: Mapping[str, Any] | None,
    *,
    reranker: Callable[[str | None], Reranker],
    follow_up: FollowUp | None = None,
) -> list[Hit]:
    """Run a Bedrock ``KnowledgeBaseRetrievalConfiguration`` (validated by the caller's input shape).

    With a ``rerankingConfiguration``, the ``numberOfResults`` hits found are reranked by
    ``reranker(modelArn)`` (``Services.reranker_for``) and the best ``numberOfRerankedResults`` (default:
    all) come back with the reranker's scores, as Bedrock does. With a session's ``follow_up``, each of its
    queries is retrieved and the rankings fused (``app/core/followups.py``); ``query`` is what the reranker reads.
    """
    vector = (configuration or {}).get(_VECTOR, {})
    where = vector.get("filter")

    def retrieve(text: str, k: int) -> list[Hit]:
        return kb.retrieve(
            text,
            k=k,
            search_type=vector.get("overrideSearchType", DEFAULT_SEARCH_TYPE),
            filter=None if where is None else parse_filter(where),
        )

    k = vector.get("numberOfResults", DEFAULT_RESULTS)
    hits = retrieve(query, k) if follow_up is None else retrieve_follow_up(follow_up, k=k, retrieve=retrieve)
    reranking = vector.get("rerankingConfiguration")
    if reranking is None:
        return hits
    bedrock = reranking.get("bedrockRerankingConfiguration", {})
    chosen = reranker(bedrock.get("modelConfiguration", {}).get("modelArn"))
    # The hits' stored vectors: the fusion reranker need not embed them again.
    vectors = kb.chunk_vectors(hit.chunk_id for hit in hits)
    return rerank(chosen, query, hits, top_n=bedrock.get("numberOfRerankedResults"), vectors=vectors)
