"""Grounding v1 (features + logistic regression): :class:`Checker` scores an answer's grounding and relevance.

One call: validate, split the answer into claims, cut the sources into units and pick candidate
evidence per claim, encode claims + query + candidate units in one MiniLM forward pass, compute
each claim's features, score them with the trained logistic regression, and take the lowest claim
score as the answer's grounding score.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from grounding.claims import Claim, split_claims
from grounding.encoder import Encoded, MiniLMEncoder, TextEncoder
from grounding.evidence import Unit, lexical_scores, rank_candidates, source_units, units_to_encode
from grounding.features import ClaimFeatures, Lexicon, SourceFacts, claim_features
from grounding.inputs import threshold_of, validate
from grounding.lexical import content_stems
from grounding.relevance import relevance_features
from grounding.scorer import Models, load_models, weakest_for_length
from grounding.types import ClaimLabel, ClaimResult, Evidence, GroundingChecker, GroundingResult


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything computed for one answer before scoring (what the training script learns from)."""

    claims: tuple[Claim, ...]
    abstained: bool
    features: tuple[ClaimFeatures, ...]
    candidates: tuple[tuple[Unit, ...], ...]  # per claim, its candidate units (features' ``best`` indexes them)
    relevance: npt.NDArray[np.float32] | None  # None when there are no claims

    def matrix(self) -> npt.NDArray[np.float32]:
        """The claims' v1 feature rows (:data:`~grounding.features.V1_FEATURES`), ``(n_claims, n_features)``."""
        return np.stack([f.v1_values for f in self.features]) if self.features else np.zeros((0, 0), dtype=np.float32)


class Checker:
    """Holds the encoder and the trained models; :meth:`check` is :func:`check` without the defaults.

    ``encoder=None`` loads the bundled all-MiniLM-L6-v2 (about 1 s); tests may pass
    :class:`~grounding.encoder.HashEncoder`. ``models=None`` reads ``grounding/data``.
    ``blas_threads``: see :func:`analyse`; ``None`` leaves numpy's BLAS threads alone.
    """

    def __init__(
        self, encoder: TextEncoder | None = None, *, models: Models | None = None, blas_threads: int | None = 1
    ) -> None:
        self.models = models or load_models()
        self.encoder = encoder if encoder is not None else MiniLMEncoder()
        self.blas_threads = blas_threads

    @property
    def default_threshold(self) -> float:
        return self.models.grounding.threshold

    def check(
        self, sources: Sequence[str], query: str, answer: str, *, threshold: float | None = None
    ) -> GroundingResult:
        """See :func:`check`."""
        validate(sources, query, answer)
        limit = self.models.grounding.threshold if threshold is None else threshold_of(threshold)
        [analysis] = self.analyse(sources, [(query, answer)])
        return self.result(analysis, threshold=limit)

    def analyse(self, sources: Sequence[str], items: Sequence[tuple[str, str]]) -> list[Analysis]:
        """Analyse several ``(query, answer)`` pairs against the same sources (sources encoded once).

        No validation: :meth:`check` validates; the training script feeds known-good data.
        """
        lexicon, threads = self.models.lexicon, self.blas_threads
        return analyse(sources, items, encoder=self.encoder, lexicon=lexicon, blas_threads=threads)

    def result(self, analysis: Analysis, *, threshold: float) -> GroundingResult:
        """Score an analysis: claim scores, labels and the answer's grounding and relevance."""
        if not analysis.claims:
            # Nothing asserted: nothing can be ungrounded, and declining is a response to the query.
            return GroundingResult(
                grounding=1.0, relevance=1.0, claims=(), abstained=analysis.abstained, threshold=threshold
            )
        scores = self.models.grounding.predict(analysis.matrix())
        claims = []
        for claim, details, units, score in zip(
            analysis.claims, analysis.features, analysis.candidates, scores, strict=True
        ):
            unit = units[details.best]
            evidence = Evidence(unit.source_index, unit.start, unit.end, unit.text, round(details.similarity, 4))
            label: ClaimLabel = "supported"
            if score < threshold:
                label = "contradicted" if details.opposes else "unsupported"
            text = claim.text[claim.focus_start :]  # answer[start:end], also for a short answer
            claims.append(ClaimResult(text, claim.start, claim.end, float(score), label, evidence, details.flags))
        relevance = float(self.models.relevance.predict(analysis.relevance)[0])  # type: ignore[arg-type]
        grounding = weakest_for_length([c.score for c in claims], self.models.faithful)
        return GroundingResult(
            grounding=grounding, relevance=relevance, claims=tuple(claims), abstained=False, threshold=threshold
        )


def analyse(
    sources: Sequence[str],
    items: Sequence[tuple[str, str]],
    *,
    encoder: TextEncoder,
    lexicon: Lexicon,
    blas_threads: int | None = 1,
) -> list[Analysis]:
    """The unscored analysis of each ``(query, answer)`` against ``sources``; see :meth:`Checker.analyse`.

    The features are many small matrix products (a claim's ~20 token vectors against a unit's ~40).
    numpy's BLAS would run each on all its threads, which then wait on PyTorch's, still spinning after
    the forward pass (and on other processes): on 2 busy cores that made the features take 40 ms of
    CPU instead of 6. So the feature arithmetic runs with ``blas_threads`` BLAS threads (``None``: as
    configured); the results do not depend on it.
    """
    units = source_units(sources)
    facts = SourceFacts.of(sources, units)
    split = [split_claims(answer, query=query) for query, answer in items]
    all_claims = [claim for claims, _ in split for claim in claims]
    lexical = [
        lexical_scores(sorted(content_stems(text)), units, idf=lexicon.idf, default_idf=lexicon.default_idf)
        for text in [c.text for c in all_claims] + [query for query, _ in items]
    ]
    chosen = units_to_encode(lexical, len(units))
    queries = sorted({query for query, _ in items})
    contexts = sorted({answer[a:b] for (_, answer), (claims, _) in zip(items, split, strict=True)
                       for a, b in (c.context for c in claims if c.context)})  # fmt: skip
    texts = [c.text for c in all_claims] + queries + contexts + [units[i].text for i in chosen]
    encoded = encoder.encode(texts)
    claim_vectors = encoded[: len(all_claims)]
    after_claims, after_queries = len(all_claims) + len(queries), len(all_claims) + len(queries) + len(contexts)
    query_vectors = dict(zip(queries, encoded[len(all_claims) : after_claims], strict=True))
    context_vectors = dict(zip(contexts, encoded[after_claims:after_queries], strict=True))
    unit_vectors = encoded[after_queries:]
    with _blas_limit(blas_threads):
        empty = np.zeros((0, 1), dtype=np.float32)
        unit_matrix = np.stack([e.vector for e in unit_vectors]) if unit_vectors else empty
        analyses = []
        position = 0
        for (query, answer), (claims, abstained) in zip(items, split, strict=True):
            features, candidates = [], []
            for claim in claims:
                vector = claim_vectors[position]
                if claim.context:
                    first, last = claim.context
                    vector = in_context(vector, context_vectors[answer[first:last]], offset=claim.start - first)
                cosines = unit_matrix @ vector.vector if unit_vectors else np.zeros(0, dtype=np.float32)
                ranked = rank_candidates(cosines, lexical[position][chosen]) if unit_vectors else []
                picked = [(units[chosen[i]], unit_vectors[i]) for i in ranked]
                picked = picked or [(_EMPTY_UNIT, _empty_like(vector))]
                features.append(claim_features(claim, vector, picked, facts=facts, lexicon=lexicon))
                candidates.append(tuple(unit for unit, _ in picked))
                position += 1
            relevance = None
            if claims:
                own = claim_vectors[position - len(claims) : position]
                relevance = relevance_features(query, query_vectors[query], claims, own, lexicon=lexicon)
            analyses.append(Analysis(tuple(claims), abstained, tuple(features), tuple(candidates), relevance))
    return analyses


def in_context(alone: Encoded, context: Encoded, *, offset: int) -> Encoded:
    """``alone`` (a clause encoded by itself) with the word vectors of its tokens in ``context`` (its sentence,
    where the clause starts at ``offset``), the sentence vector kept. Encoded alone, a clause cut from its
    sentence ("but not during chewing.") has word vectors 0.3-0.5 from the same words in the source sentence.
    Unchanged when the tokens differ (the sentence cut at the encoder's length limit)."""
    end = offset + (int(alone.spans[-1, 1]) if len(alone.spans) else 0)
    inside = (context.spans[:, 0] >= offset) & (context.spans[:, 1] <= end)
    spans = context.spans[inside] - offset
    if spans.shape != alone.spans.shape or not np.array_equal(spans, alone.spans):
        return alone
    return Encoded(alone.vector, context.tokens[inside], spans)


def _blas_limit(threads: int | None) -> contextlib.AbstractContextManager[object]:
    return contextlib.nullcontext() if threads is None else _blas_libraries().limit(limits=threads)


@functools.cache
def _blas_libraries() -> ThreadpoolController:
    """The BLAS libraries loaded in this process (numpy's OpenBLAS; PyTorch's MKL is linked in, not seen)."""
    return ThreadpoolController().select(user_api="blas")


_EMPTY_UNIT = Unit(source_index=0, start=0, end=0, text="", stems=frozenset())


def _empty_like(encoded: Encoded) -> Encoded:
    dim = encoded.vector.shape[0]
    return Encoded(
        np.zeros(dim, dtype=np.float32), np.zeros((0, dim), dtype=np.float32), np.zeros((0, 2), dtype=np.int64)
    )


@functools.cache
def default_checker() -> Checker:
    """The process-wide checker (v1 on the bundled MiniLM), created on first use (not at import)."""
    return Checker()


def check(
    sources: Sequence[str],
    query: str,
    answer: str,
    *,
    threshold: float | None = None,
    checker: GroundingChecker | None = None,
) -> GroundingResult:
    """Score how well ``answer`` is grounded in ``sources`` and how relevant it is to ``query``.

    ``grounding`` is the lowest claim score: one unsupported claim makes the answer ungrounded. Claims
    scoring under ``threshold`` (default: the checker's default,
    :data:`grounding.policy.DEFAULT_GROUNDING_THRESHOLD` for the default checker) are labelled
    ``unsupported`` or ``contradicted``. Raises :class:`~grounding.errors.InvalidInput` for an empty or
    blank source list, query or answer, or inputs over :data:`~grounding.inputs.MAX_SOURCE_CHARS` (all
    sources), ``MAX_QUERY_CHARS`` or ``MAX_ANSWER_CHARS``. ``checker`` defaults to a shared v1
    :class:`Checker` with MiniLM, loaded on the first call; pass a :class:`~grounding.CrossEncoderChecker`
    for v2.

    Example::

        result = check(["The UK's capital is London. Japan's capital is Tokyo."],
                       "What is the capital of Japan?", "The capital of the UK is London.")
        result.grounding > 0.5, result.relevance < 0.5  # (True, True): grounded, but off the question
        result.claims[0].evidence.text  # "The UK's capital is London."
    """
    return (checker or default_checker()).check(sources, query, answer, threshold=threshold)
