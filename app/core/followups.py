"""Follow-up questions in a session: what to retrieve, and what to answer.

"And for part-time staff?" after "How many days of annual leave do full-time staff get?" means "How many
days of annual leave do part-time staff get?". Two rules, applied in order by :func:`read_follow_up`:

1. **Rewrite an elliptical follow-up.** A question that opens with a connector ("and", "what about",
   "how about", "and for", ...) or is at most four words and no question of its own is a fragment: its
   connector and leading preposition or article are dropped ("part-time staff"), and the phrase of the
   previous question that ends with the fragment's last word, stretched left over content words
   ("full-time staff"), is replaced by it. The rewritten question is what gets answered.
2. **Otherwise** the contextual query (the previous question, then the follow-up) is answered.

Either way the follow-up is retrieved twice, as asked and as read in context (rewritten or contextual), and
the two rankings are fused (each hit's scores summed, CombSUM): the words of the previous question alone
would outweigh the fragment, the fragment alone would lose its subject.

Why rules and not a model: ragkb runs without a chat model by default, and the elliptical follow-ups of a
knowledge-base chat mostly swap one noun phrase. On the handbook example with the real MiniLM embedder, the
concatenated questions and even the rewritten one rank the full-time rule first (it shares more words with
the question); fused with the follow-up as asked, the part-time rule comes first (tests/console/test_followups.py).

    read_follow_up([Turn("KB", "How many days of annual leave do full-time staff get?", "25.", at)],
                   "and for part-time staff?")
    # FollowUp(question='How many days of annual leave do part-time staff get?',
    #          queries=(that question, 'and for part-time staff?'))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from app.core.sessions import Turn, contextual_query
from retrieval import Hit

# Openers that mark a follow-up as continuing the previous question, longest first.
CONNECTORS = (
    "and what about", "and how about", "what about", "how about", "what of", "and also", "and for", "and in",
    "and", "also", "same for", "same question for", "or",
)  # fmt: skip
_LEADING = frozenset(str.split("for in of about to with on at the a an"))
# Words a phrase of the previous question is not stretched over (they end a noun phrase on its left).
_FUNCTION_WORDS = frozenset(
    str.split(
        "a an the do does did is are was were be been have has had get gets got can could will would should may "
        "might must shall of for in on at to from by with about as and or but not no how many much what which who "
        "whom whose when where why that this these those there their its our your my his her they we you i it "
        "per each every all any some"
    )
)
_QUESTION_OPENERS = frozenset(
    str.split(
        "how what which who whom whose when where why is are was were do does did can could will would should may "
        "might must shall has have had"
    )
)
_WORD = re.compile(r"[\w][\w'-]*")
# Hits retrieved per query before fusing: a fused list cut at k = 1 must still see each query's runners-up.
FUSION_DEPTH = 10


@dataclass(frozen=True)
class FollowUp:
    """How a question is read in its session: ``question`` is answered, ``queries`` are retrieved (fused
    when more than one)."""

    question: str
    queries: tuple[str, ...]


def read_follow_up(turns: Sequence[Turn], question: str) -> FollowUp:
    """The question as its session's last turn explains it (see the module doc). Without turns: as asked."""
    if not turns:
        return FollowUp(question, (question,))
    previous = turns[-1].question
    in_context = rewrite_elliptical(previous, question) or contextual_query(turns, question)
    return FollowUp(in_context, (in_context, question))


def rewrite_elliptical(previous: str, question: str) -> str | None:
    """``previous`` with its matching phrase replaced by the fragment ``question``, or ``None`` when
    ``question`` is not a fragment or nothing in ``previous`` matches.

    >>> rewrite_elliptical("What are the opening hours of the Paris office?", "What about the Berlin office?")
    'What are the opening hours of the Berlin office?'
    """
    fragment = _fragment(question)
    if not fragment:
        return None
    head = fragment[-1].lower()
    words = list(_WORD.finditer(previous))
    for end in range(len(words) - 1, -1, -1):  # the last mention: questions put their subject late
        if words[end].group().lower() != head:
            continue
        start = end
        while start > 0 and words[start - 1].group().lower() not in _FUNCTION_WORDS:
            start -= 1
        return previous[: words[start].start()] + " ".join(fragment) + previous[words[end].end() :]
    return None


def fuse(results: Sequence[Sequence[Hit]], *, k: int) -> list[Hit]:
    """The ``k`` best hits of several rankings of the same knowledge base, each hit's scores summed (CombSUM;
    a hit a ranking missed counts 0 there), ties kept in first-seen order."""
    total: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for hits in results:
        for hit in hits:
            total[hit.chunk_id] = total.get(hit.chunk_id, 0.0) + hit.score
            first.setdefault(hit.chunk_id, hit)
    order = sorted(first, key=lambda chunk: -total[chunk])  # sorted is stable: first-seen order on ties
    return [replace(first[chunk], score=total[chunk] / len(results)) for chunk in order[:k]]


def retrieve_follow_up(follow_up: FollowUp, *, k: int, retrieve: Callable[[str, int], list[Hit]]) -> list[Hit]:
    """``retrieve(query, depth)`` for each of ``follow_up``'s queries, fused; one query: retrieved as is."""
    if len(follow_up.queries) == 1:
        return retrieve(follow_up.queries[0], k)
    depth = max(k, FUSION_DEPTH)
    return fuse([retrieve(query, depth) for query in follow_up.queries], k=k)


def _fragment(question: str) -> list[str]:
    """The words of an elliptical ``question`` without its connector and leading prepositions/articles;
    empty when it reads as a question of its own."""
    text = question.strip().rstrip("?.! ").strip()
    lowered = text.lower()
    connector = next((c for c in CONNECTORS if lowered == c or lowered.startswith(c + " ")), None)
    words = [m.group() for m in _WORD.finditer(text)]
    if connector is not None:
        words = words[len(connector.split()) :]
    elif len(words) > 4 or (words and words[0].lower() in _QUESTION_OPENERS):
        return []
    while words and words[0].lower() in _LEADING:
        words = words[1:]
    return words
