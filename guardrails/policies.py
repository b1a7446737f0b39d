"""A guardrail's policies beyond grounding, as configured: sensitive information, words, denied topics, content.

Every configured item (a PII type, a regex, a word, a topic, a content filter) carries
:class:`Directions`: what it does to user input (``INPUT``) and to model output (``OUTPUT``), and
whether it runs there at all, as Bedrock's ``inputAction``/``outputAction``/``inputEnabled``/
``outputEnabled`` say. :class:`Policies` holds the four policies; :func:`guardrails.assess` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from guardrails.classifier import CATEGORIES
from guardrails.errors import InvalidPolicy
from guardrails.pii import PII_TYPES, CustomRegex
from guardrails.topics import Topic
from guardrails.words import WordFilter

Source = Literal["INPUT", "OUTPUT"]
STRENGTHS = ("NONE", "LOW", "MEDIUM", "HIGH")
MAX_REGEXES = 10
MAX_WORDS = 10_000
MAX_TOPICS = 30


@dataclass(frozen=True)
class Directions:
    """An item's action on input and on output (``BLOCK``, ``ANONYMIZE`` for PII, or ``NONE``: detect only)."""

    input_action: str = "BLOCK"
    output_action: str = "BLOCK"
    input_enabled: bool = True
    output_enabled: bool = True

    def action(self, source: Source) -> str | None:
        """The action at ``source``, or None when the item does not run there."""
        if source == "INPUT":
            return self.input_action if self.input_enabled else None
        return self.output_action if self.output_enabled else None


@dataclass(frozen=True)
class PiiEntity:
    type: str
    directions: Directions = Directions()

    def __post_init__(self) -> None:
        if self.type not in PII_TYPES:
            raise InvalidPolicy(f"unknown PII entity type {self.type!r}")


@dataclass(frozen=True)
class RegexEntity:
    regex: CustomRegex
    description: str = ""
    directions: Directions = Directions()


@dataclass(frozen=True)
class SensitivePolicy:
    entities: tuple[PiiEntity, ...] = ()
    regexes: tuple[RegexEntity, ...] = ()

    def __post_init__(self) -> None:
        if len(self.regexes) > MAX_REGEXES:
            raise InvalidPolicy(f"at most {MAX_REGEXES} regexes")
        if len({e.type for e in self.entities}) < len(self.entities):
            raise InvalidPolicy("a PII entity type is listed twice")


@dataclass(frozen=True)
class Word:
    text: str
    directions: Directions = Directions()


@dataclass(frozen=True)
class WordPolicy:
    words: tuple[Word, ...] = ()
    profanity: Directions | None = None  # the managed PROFANITY list, when configured

    def __post_init__(self) -> None:
        if len(self.words) > MAX_WORDS:
            raise InvalidPolicy(f"at most {MAX_WORDS} words")
        WordFilter(words=tuple(w.text for w in self.words))  # raises InvalidPolicy for a bad word

    def word_filter(self, source: Source) -> WordFilter:
        """The words (and list) that run at ``source``."""
        words = tuple(w.text for w in self.words if w.directions.action(source) is not None)
        profanity = self.profanity is not None and self.profanity.action(source) is not None
        return WordFilter(words=words, profanity=profanity)


@dataclass(frozen=True)
class DeniedTopic:
    topic: Topic
    directions: Directions = Directions()


@dataclass(frozen=True)
class TopicPolicy:
    topics: tuple[DeniedTopic, ...]
    tier: str = "CLASSIC"

    def __post_init__(self) -> None:
        if not 1 <= len(self.topics) <= MAX_TOPICS:
            raise InvalidPolicy(f"a topic policy has 1-{MAX_TOPICS} topics")
        if len({t.topic.name for t in self.topics}) < len(self.topics):
            raise InvalidPolicy("two topics have the same name")


@dataclass(frozen=True)
class ContentFilter:
    type: str
    input_strength: str
    output_strength: str
    directions: Directions = Directions()

    def __post_init__(self) -> None:
        if self.type not in CATEGORIES:
            raise InvalidPolicy(f"unknown content filter type {self.type!r}")
        if self.input_strength not in STRENGTHS or self.output_strength not in STRENGTHS:
            raise InvalidPolicy(f"a filter strength is one of {', '.join(STRENGTHS)}")

    def strength(self, source: Source) -> str:
        return self.input_strength if source == "INPUT" else self.output_strength


@dataclass(frozen=True)
class ContentPolicy:
    filters: tuple[ContentFilter, ...]
    tier: str = "CLASSIC"

    def __post_init__(self) -> None:
        if not 1 <= len(self.filters) <= len(CATEGORIES):
            raise InvalidPolicy(f"a content policy has 1-{len(CATEGORIES)} filters")
        if len({f.type for f in self.filters}) < len(self.filters):
            raise InvalidPolicy("a content filter type is listed twice")


@dataclass(frozen=True)
class Policies:
    """The policies of one guardrail; absent ones are ``None``."""

    sensitive: SensitivePolicy | None = None
    words: WordPolicy | None = None
    topics: TopicPolicy | None = None
    content: ContentPolicy | None = None

    @property
    def empty(self) -> bool:
        return not (self.sensitive or self.words or self.topics or self.content)
