"""Denied topics: is a text about a topic given by its definition and up to five examples?

Each topic is represented by the MiniLM vectors of its definition and examples. A text is cut into
passages (sentences, joined up to :data:`PASSAGE_CHARS` characters) and each passage is compared with
the topic: its score is the highest cosine similarity to an example, or to the definition less
:data:`DEFINITION_PENALTY` (a definition is worded differently from requests, so it scores lower for
the same closeness). The text is on the topic when some passage reaches the threshold
(:data:`THRESHOLD`, chosen on CLINC150 intents used as stand-in topics, where F1 peaks at 0.35, moved
towards precision: see docs/guardrails.md for the measured precision and recall, and
scripts/guardrails/eval_topics.py).

Example::

    detector = TopicDetector(encode)
    topic = Topic("investment advice", "Recommendations on what to invest in.", ("Should I buy Tesla shares?",))
    detector.detect(["Which stocks will go up next year?"], [topic])  # {'investment advice': 0.71}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from guardrails.errors import InvalidPolicy
from guardrails.features import Encode, FloatArray

THRESHOLD = 0.40
DEFINITION_PENALTY = 0.05
PASSAGE_CHARS = 300
MAX_EXAMPLES = 5
MAX_DEFINITION_CHARS = 200  # Bedrock's GuardrailTopicDefinition
MAX_EXAMPLE_CHARS = 100  # Bedrock's GuardrailTopicExample
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Topic:
    """A denied topic (Bedrock's ``GuardrailTopicConfig``, type ``DENY``)."""

    name: str
    definition: str
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.definition.strip() or len(self.definition) > MAX_DEFINITION_CHARS:
            raise InvalidPolicy(f"topic {self.name!r}: the definition must have 1-{MAX_DEFINITION_CHARS} characters")
        if len(self.examples) > MAX_EXAMPLES:
            raise InvalidPolicy(f"topic {self.name!r} has more than {MAX_EXAMPLES} examples")
        for example in self.examples:
            if not example.strip() or len(example) > MAX_EXAMPLE_CHARS:
                raise InvalidPolicy(f"topic {self.name!r}: each example must have 1-{MAX_EXAMPLE_CHARS} characters")


class TopicDetector:
    """Scores texts against topics; topic vectors are computed once per topic and kept."""

    def __init__(self, encode: Encode, *, threshold: float = THRESHOLD) -> None:
        self.encode = encode
        self.threshold = threshold
        self._vectors: dict[Topic, tuple[FloatArray, FloatArray]] = {}

    def scores(
        self, texts: Sequence[str], topics: Sequence[Topic], *, vectors: FloatArray | None = None
    ) -> dict[str, float]:
        """Each topic's score for ``texts`` (the best passage's); ``vectors``: the caller's vectors of the texts'
        pieces (``passages(texts)``, or other windows of them), instead of encoding ``passages(texts)`` here."""
        pieces = passages(texts)
        if not pieces or not topics:
            return {topic.name: 0.0 for topic in topics}
        if vectors is None:
            vectors = self.encode(pieces)
        out = {}
        for topic in topics:
            definition, examples = self._topic_vectors(topic)
            best = float((vectors @ definition).max()) - DEFINITION_PENALTY
            if len(examples):
                best = max(best, float((vectors @ examples.T).max()))
            out[topic.name] = best
        return out

    def detect(
        self, texts: Sequence[str], topics: Sequence[Topic], *, vectors: FloatArray | None = None
    ) -> dict[str, float]:
        """The topics ``texts`` are about, with their scores."""
        scored = self.scores(texts, topics, vectors=vectors)
        return {name: score for name, score in scored.items() if score >= self.threshold}

    def prepare(self, topics: Sequence[Topic]) -> None:
        """Encode the vectors of those of ``topics`` not yet cached (in one call)."""
        missing = list(dict.fromkeys(t for t in topics if t not in self._vectors))
        if not missing:
            return
        if len(self._vectors) + len(missing) > 1024:  # many distinct guardrails over time: keep the memory bounded
            self._vectors.clear()
        texts = [text for t in missing for text in (t.definition, *t.examples)]
        encoded = self.encode(texts)
        at = 0
        for topic in missing:
            size = 1 + len(topic.examples)
            self._vectors[topic] = (encoded[at], encoded[at + 1 : at + size])
            at += size

    def _topic_vectors(self, topic: Topic) -> tuple[FloatArray, FloatArray]:
        if topic not in self._vectors:
            self.prepare([topic])
        return self._vectors[topic]


def passages(texts: Sequence[str], *, size: int = PASSAGE_CHARS) -> list[str]:
    """The passages topics are judged on: each text's sentences, joined in order up to ``size`` characters.

    >>> passages(["One. Two.", "Three"], size=5)
    ['One.', 'Two.', 'Three']
    """
    out: list[str] = []
    for text in texts:
        current = ""
        for sentence in (s.strip() for s in _SENTENCE.split(text)):
            if not sentence:
                continue
            if current and len(current) + 1 + len(sentence) > size:
                out.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
            while len(current) > size:
                cut = current.rfind(" ", 0, size)
                cut = size if cut <= 0 else cut
                out.append(current[:cut].strip())
                current = current[cut:].strip()
        if current:
            out.append(current)
    return out


def unit(vectors: np.ndarray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
