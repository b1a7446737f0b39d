"""A learned-fusion reranker: a logistic regression over cheap signals of a ``(query, passage)`` pair.

The grounding cross-encoder read as a reranker lowers SciFact nDCG@10 from 0.80 to 0.40 (docs/reranking.md),
and fine-tuning a cross-encoder is out of reach on this project's CPUs. This reranker instead re-reads each
candidate with the embedding model the knowledge base already loads and combines, with weights fitted on
SciFact train queries (``scripts/rerank/fit_fusion.py``, shipped in ``retrieval/data/fusion_reranker.json``):

* ``cosine``: the query's cosine with the passage, and its gap to the best passage in the list;
* ``sentence``: the query's best cosine with one sentence of the passage, and its gap to the list's best;
* ``prior``: the passage's place in the order it was given (the first stage's ranking), ``1 / (1 + rank)``;
* ``coverage``: the share of the query's words found in the passage, plain and weighted by how rare each
  word is among the candidates.

Scores are the regression's probability that the passage is relevant, in [0, 1].

    reranker = FusionReranker(embedder)
    reranker.scores("what lowers blood pressure?", passages)  # array of len(passages)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ingest.sentences import split_sentences
from retrieval.embedding import Embedder

FEATURES = (
    "cosine",
    "cosine_gap",
    "sentence_cosine",
    "sentence_gap",
    "prior",
    "coverage",
    "rare_coverage",
)
WEIGHTS = Path(__file__).parent / "data" / "fusion_reranker.json"
# Bounds the sentences embedded per passage: the cost of a rerank grows with them.
MAX_SENTENCES = 24
_STOPWORDS = frozenset(
    str.split(
        "the and for are but not you all any can had her was one our out has have with this that from they will "
        "what when where which who whom why how does did its into than then them these those there their been "
        "being were also more most other some such only same very just over under about after before between "
        "while both each few nor own too can should would could may might must shall"
    )
)


@dataclass(frozen=True)
class FusionWeights:
    """A fitted standardise-then-logistic-regression model over :data:`FEATURES`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    trained_on: str

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> FusionWeights:
        raw = json.loads(path.read_text(encoding="utf-8"))
        weights = cls(
            features=tuple(raw["features"]), mean=tuple(raw["mean"]), scale=tuple(raw["scale"]),
            coef=tuple(raw["coef"]), intercept=float(raw["intercept"]), trained_on=str(raw["trained_on"]),
        )  # fmt: skip
        if weights.features != FEATURES:
            raise ValueError(f"{path} was fitted on features {weights.features}, this code computes {FEATURES}")
        return weights

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    def probability(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        z = (features - np.array(self.mean)) / np.array(self.scale) @ np.array(self.coef) + self.intercept
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


class FusionReranker:
    """Reranks with :class:`FusionWeights` over signals read with ``embedder`` (see the module doc)."""

    name = "ragkb-fusion-v1"

    def __init__(self, embedder: Embedder, weights: FusionWeights | None = None) -> None:
        self.embedder = embedder
        self.weights = weights or FusionWeights.load()

    def scores(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.weights.probability(self.features(query, texts))

    def features(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """``(len(texts), len(FEATURES))``: the signals of each text, in the order given."""
        query_vector = self.embedder.embed_query(query).astype(np.float64)
        cosine = _embed_fitting(self.embedder, texts) @ query_vector
        sentence = self._best_sentence(texts, query_vector, fallback=cosine)
        prior = 1.0 / (1.0 + np.arange(len(texts)))
        coverage, rare = _coverage(query, texts)
        columns = (cosine, cosine - cosine.max(), sentence, sentence - sentence.max(), prior, coverage, rare)
        return np.column_stack(columns)

    def _best_sentence(
        self, texts: Sequence[str], query_vector: npt.NDArray[np.float64], *, fallback: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        owners: list[int] = []
        sentences: list[str] = []
        for i, text in enumerate(texts):
            found = split_sentences(text)[:MAX_SENTENCES]
            sentences += found
            owners += [i] * len(found)
        best = fallback.copy()
        if not sentences:
            return best
        fits = self.embedder.fits(sentences)
        kept = [s for s, ok in zip(sentences, fits, strict=True) if ok]
        owners = [o for o, ok in zip(owners, fits, strict=True) if ok]
        if not kept:
            return best
        cosines = self.embedder.embed_documents(kept).astype(np.float64) @ query_vector
        best[:] = -1.0
        np.maximum.at(best, np.array(owners), cosines)
        # A text none of whose sentences fits the window keeps its whole-text cosine.
        return np.where(best < -0.5, fallback, best)


def _embed_fitting(embedder: Embedder, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Each text's vector; a text over the model's window is read up to the last whole sentence that fits."""
    fitted = list(texts)
    for i, ok in enumerate(embedder.fits(fitted)):
        if not ok:
            fitted[i] = _longest_fitting_prefix(embedder, fitted[i])
    return embedder.embed_documents(fitted).astype(np.float64)


def _longest_fitting_prefix(embedder: Embedder, text: str) -> str:
    sentences = split_sentences(text)
    prefixes = [" ".join(sentences[: n + 1]) for n in range(len(sentences))]
    fitting = [p for p, ok in zip(prefixes, embedder.fits(prefixes), strict=True) if ok]
    if fitting:
        return fitting[-1]
    words = text.split()  # one sentence over the window: halve it until it fits
    while len(words) > 1 and not embedder.fits([" ".join(words)])[0]:
        words = words[: len(words) // 2]
    return " ".join(words)


def _coverage(query: str, texts: Sequence[str]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Share of the query's content words in each text, plain and weighted by rarity among ``texts``."""
    wanted = _content_words(query)
    if not wanted:
        zeros = np.zeros(len(texts))
        return zeros, zeros
    found = [wanted & _content_words(text) for text in texts]
    frequency = {word: sum(word in f for f in found) for word in wanted}
    rarity = {word: math.log((len(texts) + 1) / (frequency[word] + 0.5)) for word in wanted}
    total = sum(rarity.values())
    plain = np.array([len(f) / len(wanted) for f in found])
    rare = np.array([sum(rarity[w] for w in f) / total if total > 0 else 0.0 for f in found])
    return plain, rare


def _content_words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in re.findall(r"\w{3,}", text)) if w not in _STOPWORDS}
