"""A learned-fusion reranker: a logistic regression over cheap signals of a ``(query, passage)`` pair.

The grounding cross-encoder read as a reranker lowers SciFact nDCG@10 from 0.80 to 0.40 (docs/reranking.md),
and a cross-encoder fine-tuned for reranking (``crossencoder.py``) costs a model pass per passage. This
reranker instead combines, with
weights fitted on SciFact train queries (``scripts/rerank/fit_fusion.py``, shipped in
``retrieval/data/fusion_reranker.json``), some of these signals (:data:`FEATURES`; the weights file names
the ones it was fitted on, and only those are computed):

* ``cosine``: the query's cosine with the passage, and its gap to the best passage in the list. The
  passage's vector is the one the knowledge base stored for it when the caller passes it (``vectors=``),
  else it is embedded;
* ``sentence``: the query's best cosine with one embedded sentence of the passage, and its gap to the
  list's best (costly: every sentence is embedded; not in the shipped weights);
* ``prior``: the passage's place in the order it was given (the first stage's ranking), ``1 / (1 + rank)``;
* ``coverage``: the share of the query's words found in the passage, plain and weighted by how rare each
  word is among the candidates; ``sentence_coverage``: the same rare-weighted share in the passage's best
  single sentence (words only, no model);
* ``ce_logit``: a cross-encoder's relevance logit for the pair (``crossencoder.py``), and ``ce_gap``, its gap
  to the list's best: only with a ``cross_encoder`` (the shipped cross-encoder reranker is this regression
  over the fusion signals and its cross-encoder's, ``crossencoder_reranker.json``).

Scores are the regression's probability that the passage is relevant, in [0, 1].

    reranker = FusionReranker(embedder)
    reranker.scores("what lowers blood pressure?", passages)  # array of len(passages)
    reranker.scores("what lowers blood pressure?", passages, vectors=stored)  # no passage is embedded
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ingest.sentences import split_sentences
from retrieval.embedding import Embedder, FloatArray

FEATURES = (
    "cosine",
    "cosine_gap",
    "sentence_cosine",
    "sentence_gap",
    "prior",
    "coverage",
    "rare_coverage",
    "sentence_coverage",
    "ce_logit",
    "ce_gap",
)
WEIGHTS = Path(__file__).parents[1] / "data" / "fusion_reranker.json"
# The shipped cross-encoder reranker: these signals plus its cross-encoder's (scripts/rerank/fit_crossencoder_fusion.py)
CROSSENCODER_COMBINATION = Path(__file__).parents[1] / "data" / "crossencoder_reranker.json"
_CROSS_ENCODER_FEATURES = frozenset({"ce_logit", "ce_gap"})
_SENTENCE_MODEL_FEATURES = frozenset({"sentence_cosine", "sentence_gap"})
_STOPWORDS = frozenset(
    str.split(
        "the and for are but not you all any can had her was one our out has have with this that from they will "
        "what when where which who whom why how does did its into than then them these those there their been "
        "being were also more most other some such only same very just over under about after before between "
        "while both each few nor own too can should would could may might must shall"
    )
)


class CrossEncoder(Protocol):
    def logits(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """``(len(texts),)`` relevance logits of each ``(query, text)`` pair (``CrossEncoderReranker``)."""
        ...


@dataclass(frozen=True)
class FusionWeights:
    """A fitted standardise-then-logistic-regression model over ``features`` (a subset of :data:`FEATURES`, in
    that order); ``max_sentences`` bounds the sentences embedded per passage for the sentence features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    trained_on: str
    max_sentences: int = 24

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> FusionWeights:
        raw = json.loads(path.read_text(encoding="utf-8"))
        weights = cls(
            features=tuple(raw["features"]), mean=tuple(raw["mean"]), scale=tuple(raw["scale"]),
            coef=tuple(raw["coef"]), intercept=float(raw["intercept"]), trained_on=str(raw["trained_on"]),
            max_sentences=int(raw.get("max_sentences", 24)),
        )  # fmt: skip
        if weights.features != tuple(f for f in FEATURES if f in weights.features):
            raise ValueError(f"{path} was fitted on features {weights.features}, this code computes {FEATURES}")
        if not len(weights.mean) == len(weights.scale) == len(weights.coef) == len(weights.features):
            raise ValueError(f"{path}: mean, scale and coef must have one value per feature")
        return weights

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    def probability(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        """``features`` has one column per name in ``self.features``."""
        z = (features - np.array(self.mean)) / np.array(self.scale) @ np.array(self.coef) + self.intercept
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


class FusionReranker:
    """Reranks with :class:`FusionWeights` over signals read with ``embedder`` (see the module doc).

    ``embedder`` embeds the query and any passage (or sentence) whose vector is not passed. Passed vectors
    must come from the same model: the knowledge base's embedder or an equivalent backend
    (:func:`~retrieval.embedding.query.may_query`), such as the service's ONNX query embedder.
    """

    name = "ragkb-fusion-v2"

    def __init__(
        self, embedder: Embedder, weights: FusionWeights | None = None, *, cross_encoder: CrossEncoder | None = None
    ) -> None:
        self.embedder = embedder
        self.weights = weights or FusionWeights.load()
        self.cross_encoder = cross_encoder
        if cross_encoder is None and _CROSS_ENCODER_FEATURES & set(self.weights.features):
            raise ValueError(f"weights over {self.weights.features} need a cross_encoder to read them")
        if cross_encoder is not None:
            self.name = "ragkb-crossencoder-v1"

    @classmethod
    def with_cross_encoder(cls, embedder: Embedder, cross_encoder: CrossEncoder) -> FusionReranker:
        """The shipped cross-encoder reranker: these signals plus ``cross_encoder``'s logit (the shipped
        ``CrossEncoderReranker.load()``, whose logits the combination was fitted on)."""
        return cls(embedder, FusionWeights.load(CROSSENCODER_COMBINATION), cross_encoder=cross_encoder)

    def scores(
        self, query: str, texts: Sequence[str], *, vectors: Sequence[FloatArray | None] | None = None
    ) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.weights.probability(self.features(query, texts, vectors=vectors))

    def features(
        self, query: str, texts: Sequence[str], *, vectors: Sequence[FloatArray | None] | None = None
    ) -> npt.NDArray[np.float64]:
        """``(len(texts), len(weights.features))``: the signals of each text, in the order given.

        ``vectors[i]``, when not ``None``, is ``texts[i]``'s unit vector from ``embedder`` (as a knowledge base
        stores it): then that text is not embedded again.
        """
        wanted = set(self.weights.features)
        columns: dict[str, npt.NDArray[np.float64]] = {"prior": 1.0 / (1.0 + np.arange(len(texts), dtype=np.float64))}
        if wanted & {"cosine", "cosine_gap", *_SENTENCE_MODEL_FEATURES}:
            query_vector = self.embedder.embed_query(query).astype(np.float64)
            cosine = self._passage_vectors(texts, vectors) @ query_vector
            columns |= {"cosine": cosine, "cosine_gap": cosine - cosine.max()}
            if wanted & _SENTENCE_MODEL_FEATURES:
                sentence = self._best_sentence(texts, query_vector, fallback=cosine)
                columns |= {"sentence_cosine": sentence, "sentence_gap": sentence - sentence.max()}
        if wanted & {"coverage", "rare_coverage", "sentence_coverage"}:
            columns |= _coverage(query, texts, sentences="sentence_coverage" in wanted)
        if wanted & _CROSS_ENCODER_FEATURES and self.cross_encoder is not None:
            logits = self.cross_encoder.logits(query, texts).astype(np.float64)
            columns |= {"ce_logit": logits, "ce_gap": logits - logits.max()}
        return np.column_stack([columns[name] for name in self.weights.features])

    def _passage_vectors(
        self, texts: Sequence[str], vectors: Sequence[FloatArray | None] | None
    ) -> npt.NDArray[np.float64]:
        known = list(vectors) if vectors is not None else [None] * len(texts)
        if len(known) != len(texts):
            raise ValueError(f"{len(known)} vectors for {len(texts)} texts")
        missing = [i for i, vector in enumerate(known) if vector is None]
        out = np.empty((len(texts), self.embedder.dimension), dtype=np.float64)
        if missing:
            out[missing] = _embed_fitting(self.embedder, [texts[i] for i in missing])
        for i, vector in enumerate(known):
            if vector is not None:
                out[i] = vector
        return out

    def _best_sentence(
        self, texts: Sequence[str], query_vector: npt.NDArray[np.float64], *, fallback: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        owners: list[int] = []
        sentences: list[str] = []
        for i, text in enumerate(texts):
            found = split_sentences(text)[: self.weights.max_sentences]
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
    """Each text's vector (one batch; the embedders sort it by length); a text over the model's window is read
    up to the last whole sentence that fits."""
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


def _coverage(query: str, texts: Sequence[str], *, sentences: bool) -> dict[str, npt.NDArray[np.float64]]:
    """Share of the query's content words in each text, plain and weighted by rarity among ``texts``; with
    ``sentences``, also the rarity-weighted share in each text's best sentence."""
    wanted = _content_words(query)
    if not wanted:
        zeros = np.zeros(len(texts))
        return {"coverage": zeros, "rare_coverage": zeros, "sentence_coverage": zeros}
    found = [wanted & _content_words(text) for text in texts]
    frequency = {word: sum(word in f for f in found) for word in wanted}
    rarity = {word: math.log((len(texts) + 1) / (frequency[word] + 0.5)) for word in wanted}
    total = sum(rarity.values()) or 1.0

    def rare(words: set[str]) -> float:
        return sum(rarity[w] for w in words) / total

    columns = {
        "coverage": np.array([len(f) / len(wanted) for f in found]),
        "rare_coverage": np.array([rare(f) for f in found]),
    }
    if sentences:
        columns["sentence_coverage"] = np.array([
            max((rare(wanted & _content_words(s)) for s in split_sentences(text)), default=0.0) if f else 0.0
            for text, f in zip(texts, found, strict=True)
        ])  # fmt: skip
    return columns


def _content_words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in re.findall(r"\w{3,}", text)) if w not in _STOPWORDS}
