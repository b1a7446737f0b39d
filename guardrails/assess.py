"""Apply a guardrail's policies to text blocks: what was found, what it does, and the masked texts.

:class:`Guard` holds the models (the MiniLM ``encode`` function, the content heads, the topic vectors)
and applies :class:`~guardrails.policies.Policies` to the text blocks of one request with
:meth:`Guard.assess`. Each block is judged on its own for sensitive information and words (offsets
are into that block); topics and content categories are judged on all blocks together (the best
passage or window decides). One MiniLM call encodes the windows a request needs, shared by topics and
content filters, on a background thread while the text rules run.

``BLOCK`` on any finding blocks the whole request; ``ANONYMIZE`` (sensitive information only) masks
the match in :attr:`Assessment.masked` with ``{TYPE}`` or ``{regex name}``; ``NONE`` reports it only.

Example::

    guard = Guard(encode)
    policies = Policies(sensitive=SensitivePolicy(entities=(PiiEntity("EMAIL", Directions("ANONYMIZE")),)))
    result = guard.assess(policies, source="INPUT", texts=["Mail me at jane@example.com"])
    result.masked  # ('Mail me at {EMAIL}',)
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

from guardrails.classifier import Confidence, ContentDetector, blocks, window_texts
from guardrails.features import Encode, FloatArray
from guardrails.pii import SensitiveMatch, find_sensitive, mask
from guardrails.policies import ContentFilter, DeniedTopic, Policies, Source
from guardrails.topics import TopicDetector, passages
from guardrails.words import WordMatch

ACTION_DONE = {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED", "NONE": "NONE"}


@dataclass(frozen=True)
class SensitiveFinding:
    block: int  # index of the text it is in
    match: SensitiveMatch
    action: str  # BLOCKED, ANONYMIZED or NONE


@dataclass(frozen=True)
class WordFinding:
    block: int
    match: WordMatch
    action: str  # BLOCKED or NONE


@dataclass(frozen=True)
class TopicFinding:
    name: str
    score: float
    detected: bool
    action: str  # BLOCKED or NONE


@dataclass(frozen=True)
class ContentFinding:
    type: str
    probability: float
    confidence: Confidence
    strength: str
    detected: bool
    action: str  # BLOCKED or NONE


@dataclass(frozen=True)
class Assessment:
    """Every finding of one :meth:`Guard.assess` call; ``masked`` holds the texts with ANONYMIZE matches masked."""

    sensitive: tuple[SensitiveFinding, ...]
    words: tuple[WordFinding, ...]
    topics: tuple[TopicFinding, ...]
    content: tuple[ContentFinding, ...]
    masked: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        findings: tuple[SensitiveFinding | WordFinding | TopicFinding | ContentFinding, ...] = (
            *self.sensitive, *self.words, *self.topics, *self.content
        )
        return any(f.action == "BLOCKED" for f in findings)

    @property
    def anonymized(self) -> bool:
        return any(f.action == "ANONYMIZED" for f in self.sensitive)

    @property
    def intervened(self) -> bool:
        return self.blocked or self.anonymized


class Guard:
    """Applies policies to texts; the models load on first use (``encode`` is MiniLM's sentence vectors).

    The MiniLM pass a request needs runs on a background thread while sensitive information and words are
    matched on the caller's (``encode`` releases the GIL while the model runs), so on two cores the rules
    cost no wall time beside it. Concurrent requests' encodings queue on that one thread: each already
    spreads its windows over the cores ``encode`` uses.
    """

    def __init__(self, encode: Encode) -> None:
        self.encode = encode
        self._background = ThreadPoolExecutor(1, thread_name_prefix="guard-encode")

    @cached_property
    def content_detector(self) -> ContentDetector:
        return ContentDetector.bundled(self.encode)

    @cached_property
    def topic_detector(self) -> TopicDetector:
        return TopicDetector(self.encode)

    def assess(self, policies: Policies, *, source: Source, texts: Sequence[str]) -> Assessment:
        """Apply ``policies`` to ``texts`` (the guarded blocks of one request) as ``source`` content."""
        topics = [t for t in (policies.topics.topics if policies.topics else ()) if t.directions.action(source)]
        filters = [
            f for f in (policies.content.filters if policies.content else ())
            if f.directions.action(source) is not None and f.strength(source) != "NONE"
        ]  # fmt: skip
        content_pieces = window_texts(texts) if filters and self.content_detector.uses_vectors else []
        # One MiniLM pass: with content filters on, topics are judged on the same 500-character windows
        # (instead of their own 300-character sentence passages), which halves the encoding cost.
        pieces = content_pieces or (passages(texts) if topics else [])
        if topics:
            self.topic_detector.prepare([t.topic for t in topics])  # the topics' own vectors, cached: before ours
        encoding = self._background.submit(self.encode, pieces) if pieces else None
        sensitive = self._sensitive(policies, source, texts)
        words = self._words(policies, source, texts)
        vectors = encoding.result() if encoding is not None else None
        topic_findings = self._topics(topics, source, texts, vectors)
        content = self._content(filters, source, texts, vectors if content_pieces else None)
        masked = tuple(
            mask(text, [f.match for f in sensitive if f.block == i and f.action == "ANONYMIZED"])
            for i, text in enumerate(texts)
        )
        return Assessment(tuple(sensitive), tuple(words), topic_findings, content, masked)

    def _sensitive(self, policies: Policies, source: Source, texts: Sequence[str]) -> list[SensitiveFinding]:
        policy = policies.sensitive
        if policy is None:
            return []
        actions = {e.type: e.directions.action(source) for e in policy.entities}
        entities = [kind for kind, action in actions.items() if action is not None]
        regexes = {r.regex: r.directions.action(source) for r in policy.regexes}
        active = [regex for regex, action in regexes.items() if action is not None]
        found = []
        for i, text in enumerate(texts):
            for match in find_sensitive(text, entities=entities, regexes=active):
                action = actions[match.type] if match.type is not None else regexes[match.regex]  # type: ignore[index]
                found.append(SensitiveFinding(i, match, ACTION_DONE[action or "NONE"]))
        return found

    def _words(self, policies: Policies, source: Source, texts: Sequence[str]) -> list[WordFinding]:
        policy = policies.words
        if policy is None:
            return []
        actions = {w.text: w.directions.action(source) for w in policy.words}
        managed = policy.profanity.action(source) if policy.profanity is not None else None
        word_filter = policy.word_filter(source)
        found = []
        for i, text in enumerate(texts):
            for match in word_filter.find(text):
                action = managed if match.managed else actions.get(match.word)
                found.append(WordFinding(i, match, ACTION_DONE[action or "NONE"]))
        return found

    def _topics(
        self, topics: Sequence[DeniedTopic], source: Source, texts: Sequence[str], vectors: FloatArray | None
    ) -> tuple[TopicFinding, ...]:
        if not topics:
            return ()
        scores = self.topic_detector.scores(texts, [t.topic for t in topics], vectors=vectors)
        found = []
        for t in topics:
            score = scores[t.topic.name]
            detected = score >= self.topic_detector.threshold
            action = t.directions.action(source) if detected else "NONE"
            found.append(TopicFinding(t.topic.name, score, detected, ACTION_DONE[action or "NONE"]))
        return tuple(found)

    def _content(
        self, filters: Sequence[ContentFilter], source: Source, texts: Sequence[str], vectors: FloatArray | None
    ) -> tuple[ContentFinding, ...]:
        if not filters:
            return ()
        scored = self.content_detector.score(texts, vectors=vectors)
        found = []
        for f in filters:
            result = scored[f.type]
            detected = blocks(f.strength(source), result.confidence)
            action = f.directions.action(source) if detected else "NONE"
            found.append(
                ContentFinding(f.type, result.probability, result.confidence, f.strength(source), detected,
                               ACTION_DONE[action or "NONE"])
            )  # fmt: skip
        return tuple(found)
