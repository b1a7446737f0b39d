"""Guardrail policies beyond grounding, as Bedrock Guardrails has them: sensitive information (PII and
custom regexes), word filters (custom words, managed profanity list), denied topics and content filters
(hate, insults, sexual, violence, misconduct, prompt attacks).

A plain library (it imports nothing from the rest of ragkb): :class:`Policies` is the configuration,
:class:`Guard` applies it to text blocks and returns an :class:`Assessment`. The semantic policies need
MiniLM sentence vectors, passed in as a function (``encode``), so the caller chooses how the model runs.
Measured quality and known misses of each policy: docs/guardrails.md.

Example::

    guard = Guard(encode)
    policies = Policies(words=WordPolicy(words=(Word("darn"),)))
    guard.assess(policies, source="INPUT", texts=["d4rn it"]).blocked  # True
"""

from guardrails.assess import (
    Assessment,
    ContentFinding,
    Guard,
    SensitiveFinding,
    TopicFinding,
    WordFinding,
)
from guardrails.classifier import CATEGORIES, ContentDetector, supported_categories
from guardrails.errors import GuardrailError, InvalidPolicy
from guardrails.features import Encode
from guardrails.pii import PII_TYPES, CustomRegex, SensitiveMatch, find_sensitive, mask
from guardrails.policies import (
    ContentFilter,
    ContentPolicy,
    DeniedTopic,
    Directions,
    PiiEntity,
    Policies,
    RegexEntity,
    SensitivePolicy,
    Source,
    TopicPolicy,
    Word,
    WordPolicy,
)
from guardrails.topics import Topic, TopicDetector
from guardrails.words import WordFilter, WordMatch, profanity_words

__all__ = [
    "CATEGORIES", "PII_TYPES", "Assessment", "ContentDetector", "ContentFilter", "ContentFinding", "ContentPolicy",
    "CustomRegex", "DeniedTopic", "Directions", "Encode", "Guard", "GuardrailError", "InvalidPolicy", "PiiEntity",
    "Policies", "RegexEntity", "SensitiveFinding", "SensitiveMatch", "SensitivePolicy", "Source", "Topic",
    "TopicDetector", "TopicFinding", "TopicPolicy", "Word", "WordFilter", "WordFinding",
    "WordMatch", "WordPolicy", "find_sensitive", "mask", "profanity_words", "supported_categories",
]  # fmt: skip
