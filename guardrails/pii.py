"""Sensitive information: find PII entities and custom regex matches, and mask them as Bedrock does.

:func:`find_sensitive` returns every match of the configured types and regexes in one text, with
character offsets into that text; overlapping matches are resolved to the longest (a card number is
not also a phone number). :func:`mask` replaces matches with ``{TYPE}`` (``{EMAIL}``) or, for a
custom regex, ``{<its name>}``, working from the end so earlier offsets stay right; each text block is
masked on its own, so offsets never cross blocks.

Example::

    matches = find_sensitive("Mail jane@example.com", entities=("EMAIL",), regexes=())
    mask("Mail jane@example.com", matches)  # 'Mail {EMAIL}'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from guardrails.errors import InvalidPolicy
from guardrails.recognizers import RECOGNIZERS

PII_TYPES = (
    "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD", "PHONE",
    "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
)  # fmt: skip
"""Bedrock's ``GuardrailPiiEntityType`` values, all recognised (NAME and ADDRESS only partly: see the docs)."""

# When two matches overlap and are as long, the type listed first wins: checksummed and specific
# types before loose ones.
_PRIORITY = {
    name: i for i, name in enumerate((
        "CREDIT_DEBIT_CARD_NUMBER", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
        "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
        "AWS_ACCESS_KEY", "EMAIL", "IP_ADDRESS", "MAC_ADDRESS", "US_BANK_ROUTING_NUMBER", "PHONE", "URL",
    ))
}  # fmt: skip


@dataclass(frozen=True)
class CustomRegex:
    """A user's pattern (Bedrock's ``GuardrailRegexConfig``): matches are masked as ``{name}``."""

    name: str
    pattern: str

    def __post_init__(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise InvalidPolicy(f"regex {self.name!r} does not compile: {exc}") from exc


@dataclass(frozen=True)
class SensitiveMatch:
    """One match: ``type`` is a PII type, or ``None`` for a custom regex (then ``regex`` names it)."""

    start: int
    end: int
    text: str
    type: str | None = None
    regex: CustomRegex | None = None

    @property
    def placeholder(self) -> str:
        return "{" + (self.type if self.type is not None else self.regex.name if self.regex else "") + "}"


def find_sensitive(text: str, *, entities: Iterable[str], regexes: Sequence[CustomRegex]) -> list[SensitiveMatch]:
    """Matches of ``entities`` (PII types) and ``regexes`` in ``text``, in order, without overlaps."""
    found: list[SensitiveMatch] = []
    for kind in entities:
        recognize = RECOGNIZERS.get(kind)
        if recognize is None:
            raise InvalidPolicy(f"unknown PII entity type {kind!r}")
        found += [SensitiveMatch(s, e, text[s:e], type=kind) for s, e in recognize(text) if e > s]
    for regex in regexes:
        found += [
            SensitiveMatch(m.start(), m.end(), m.group(), regex=regex)
            for m in re.finditer(regex.pattern, text)
            if m.end() > m.start()
        ]
    return _without_overlaps(found)


def mask(text: str, matches: Sequence[SensitiveMatch]) -> str:
    """``text`` with each match replaced by its placeholder (``matches`` from this same text, no overlaps)."""
    for match in sorted(matches, key=lambda m: m.start, reverse=True):
        text = text[: match.start] + match.placeholder + text[match.end :]
    return text


def _without_overlaps(matches: list[SensitiveMatch]) -> list[SensitiveMatch]:
    # Longest first, then by priority (custom regexes last), then leftmost; keep what does not overlap a kept one.
    ranked = sorted(
        matches, key=lambda m: (-(m.end - m.start), _PRIORITY.get(m.type or "", 99 if m.type else 100), m.start)
    )
    kept: list[SensitiveMatch] = []
    for match in ranked:
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
