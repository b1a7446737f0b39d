"""The playground's one question: retrieve, answer, and check the answer's grounding -- the work of
``retrieve-and-generate`` with the console's knobs. The turn goes into the conversation's history
(``app/core/console/conversations.py``). :func:`ask` does it at once; the streaming playground calls its
halves, :func:`retrieve`, then :func:`stream` (the answer as it is written) and :func:`finish`.

Example::

    turn = ask(services, kb="sample", principal=ANONYMOUS, query="How many vacation days?", options=AskOptions())
    turn.answer.text, [hit.score for hit in turn.hits], turn.outcome.result.grounding
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.core.console.conversations import Turn
from app.core.grounding_checks import check_with_filters
from app.core.keys import Principal
from app.core.services import Services
from retrieval import DEFAULT_SEARCH_TYPE, Answer, Hit, Piece, SearchType, new_id, parse_filter


@dataclass(frozen=True)
class AskOptions:
    """What the playground lets a person adjust (the defaults are the API's)."""

    k: int = 5
    search_type: SearchType = DEFAULT_SEARCH_TYPE
    filter: dict[str, Any] | None = None
    grounding_threshold: float | None = None
    relevance_threshold: float | None = None


@dataclass(frozen=True)
class Question:
    """A playground question with its chunks retrieved, ready to be answered (at once or streamed)."""

    kb: str  # the knowledge base's name
    query: str
    hits: tuple[Hit, ...]
    options: AskOptions
    conversation_id: str | None


def ask(
    services: Services, *, kb: str, principal: Principal, query: str, options: AskOptions,
    conversation_id: str | None = None,
) -> Turn:  # fmt: skip
    """Retrieve from ``kb``, answer, and check the answer against the retrieved chunks (when any)."""
    question = retrieve(services, kb=kb, principal=principal, query=query, options=options,
                        conversation_id=conversation_id)  # fmt: skip
    return finish(services, question, services.generator.generate(question.query, question.hits))


def retrieve(
    services: Services, *, kb: str, principal: Principal, query: str, options: AskOptions,
    conversation_id: str | None = None,
) -> Question:  # fmt: skip
    """The first half of :func:`ask`: open ``kb`` (refusing what ``principal`` may not read) and retrieve."""
    info, handle = services.open_kb(kb, principal=principal)
    metadata_filter = None if options.filter is None else parse_filter(options.filter)
    hits = handle.retrieve(query, k=options.k, search_type=options.search_type, filter=metadata_filter)
    return Question(info.name, query, tuple(hits), options, conversation_id)


def stream(services: Services, question: Question) -> Iterator[Piece]:
    """The answer to ``question`` sentence by sentence, as the generator writes it (``join_pieces`` makes
    the whole answer, which :func:`finish` takes)."""
    return services.generator.stream(question.query, question.hits)


def finish(services: Services, question: Question, answer: Answer) -> Turn:
    """The second half of :func:`ask`: check ``answer`` against the retrieved chunks (when any)."""
    outcome = None
    if question.hits:
        options = question.options
        outcome = check_with_filters(
            services.checker, sources=[h.text for h in question.hits], query=question.query, answer=answer.text,
            grounding_threshold=options.grounding_threshold, relevance_threshold=options.relevance_threshold,
        )  # fmt: skip
    conversation = question.conversation_id or new_id()
    return Turn(new_id(), conversation, question.kb, question.query, answer, question.hits, outcome)
