"""Reranking: a second, slower look at the first ``k`` hits of a search, reading the query and each passage
together (Bedrock's ``rerankingConfiguration`` and ``Rerank``).

A :class:`Reranker` scores ``(query, text)`` pairs, higher is more relevant; :func:`rerank` reorders hits by
those scores and keeps the best ``top_n``. The service's reranker is chosen in ``app/core/wiring.py`` (the
fusion reranker of ``retrieval/rerank/fusion.py`` or the cross-encoder of ``retrieval/rerank/crossencoder.py``;
:class:`OverlapReranker` is the fast fake for tests).

    reranked = rerank(OverlapReranker(), "descale the machine", hits, top_n=3)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from retrieval.embedding import FloatArray
from retrieval.types import Hit


class Reranker(Protocol):
    name: str

    def scores(
        self, query: str, texts: Sequence[str], *, vectors: Sequence[FloatArray | None] | None = None
    ) -> npt.NDArray[np.float32]:
        """``(len(texts),)`` relevance of each text to ``query``, in [0, 1], higher is better.

        ``vectors[i]``, where not ``None``, is the vector the knowledge base stored for ``texts[i]`` (made by
        the service's embedder): a reranker that reads embeddings may use it instead of embedding the text.
        """
        ...


class OverlapReranker:
    """A fast, deterministic fake: the share of the query's words (3+ letters) found in the text."""

    name = "overlap"

    def scores(
        self, query: str, texts: Sequence[str], *, vectors: Sequence[FloatArray | None] | None = None
    ) -> npt.NDArray[np.float32]:
        wanted = _words(query)
        return np.array([len(wanted & _words(t)) / len(wanted) if wanted else 0.0 for t in texts], dtype=np.float32)


def rerank(
    reranker: Reranker,
    query: str,
    hits: Sequence[Hit],
    *,
    top_n: int | None = None,
    vectors: Mapping[str, FloatArray] | None = None,
) -> list[Hit]:
    """``hits`` ordered by ``reranker``'s scores (which replace their scores), the best ``top_n`` (all: ``None``).

    ``vectors``: the hits' stored vectors by ``chunk_id`` (``KnowledgeBase.chunk_vectors``), handed to the
    reranker so that it need not embed the hits again. Ties keep the search's order.
    """
    if not hits:
        return []
    known = None if vectors is None else [vectors.get(hit.chunk_id) for hit in hits]
    scores = reranker.scores(query, [hit.text for hit in hits], vectors=known)
    order = sorted(range(len(hits)), key=lambda i: (-float(scores[i]), i))
    return [dataclasses.replace(hits[i], score=float(scores[i])) for i in order[:top_n]]


def _words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"\w{3,}", text)}
