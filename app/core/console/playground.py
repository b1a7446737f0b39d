"""The playground's one question: retrieve, answer, and check the answer's grounding -- the work of
``retrieve-and-generate`` with the console's knobs. The turn goes into the conversation's history
(``app/core/console/conversations.py``).

Example::

    turn = ask(services, kb="sample", principal=ANONYMOUS, query="How many vacation days?", options=AskOptions())
    turn.answer.text, [hit.score for hit in turn.hits], turn.outcome.result.grounding
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.console.conversations import Turn
from app.core.grounding_checks import check_answer, grounding_policy
from app.core.keys import Principal
from app.core.services import Services
from retrieval import DEFAULT_SEARCH_TYPE, SearchType, new_id, parse_filter


@dataclass(frozen=True)
class AskOptions:
    """What the playground lets a person adjust (the defaults are the API's)."""

    k: int = 5
    search_type: SearchType = DEFAULT_SEARCH_TYPE
    filter: dict[str, Any] | None = None
    grounding_threshold: float | None = None
    relevance_threshold: float | None = None


def ask(
    services: Services, *, kb: str, principal: Principal, query: str, options: AskOptions,
    conversation_id: str | None = None,
) -> Turn:  # fmt: skip
    """Retrieve from ``kb``, answer, and check the answer against the retrieved chunks (when any)."""
    info, handle = services.open_kb(kb, principal=principal)
    metadata_filter = None if options.filter is None else parse_filter(options.filter)
    hits = handle.retrieve(query, k=options.k, search_type=options.search_type, filter=metadata_filter)
    answer = services.generator.generate(query, hits)
    outcome = None
    if hits:
        policy = grounding_policy(
            grounding_threshold=options.grounding_threshold, relevance_threshold=options.relevance_threshold
        )
        outcome = check_answer(
            services.checker, sources=[h.text for h in hits], query=query, answer=answer.text, policy=policy
        )
    return Turn(new_id(), conversation_id or new_id(), info.name, query, answer, tuple(hits), outcome)
