"""Prompt-attack patterns: the fallback beside the trained PROMPT_ATTACK head.

The pack has few short direct injections ("ignore previous instructions and ..."), prompt-leak
attempts and persona overrides (about 75 rows), so the trained head misses many of them. These
patterns name those styles directly; a text that matches one is judged at ``HIGH`` confidence
whatever the head says. Their false-positive rate on the pack's benign prompts, harmful requests and
assistant queries is reported in docs/guardrails.md.
"""

from __future__ import annotations

import re

_IGNORE = r"(?:ignore|disregard|forget|override|bypass|skip|drop)"
_PRIOR = (
    r"(?:all\s+|any\s+|the\s+|your\s+|my\s+|every\s+)*"
    r"(?:previous|prior|above|preceding|earlier|original|initial|system|existing)"
)
_RULES = (
    r"(?:instructions?|prompts?|rules|guidelines|directives|constraints|restrictions|guardrails|policies|"
    r"programming|context|messages?)"
)

PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"\b{_IGNORE}\s+{_PRIOR}\s+{_RULES}",
        rf"\b{_IGNORE}\s+(?:everything|all)\s+(?:above|before|you\s+(?:were|have\s+been)\s+told)",
        r"\b(?:reveal|print|show|repeat|output|display|leak|tell me)\s+(?:me\s+)?(?:your|the)\s+"
        r"(?:full\s+|hidden\s+|secret\s+|original\s+|initial\s+)*(?:system\s+prompt|instructions|prompt|rules)",
        r"\brepeat\s+(?:the\s+|all\s+)?(?:text|words|everything)\s+above\b",
        r"\b(?:you\s+are\s+now|from\s+now\s+on,?\s+you\s+(?:are|will\s+be)|act\s+as|pretend\s+(?:to\s+be|you\s+are))\s+"
        r"(?:DAN|an?\s+(?:unfiltered|uncensored|unrestricted|jailbroken)|.{0,40}\b(?:no|without\s+any)\s+(?:rules|restrictions|filters?|limits))",
        r"\b(?:developer|god|jailbreak|DAN|unrestricted)\s+mode\b",
        r"\bdo\s+anything\s+now\b",
        r"\b(?:your\s+)?new\s+(?:task|instructions?|role)\s+(?:is|are)\b",
        r"\bsystem\s+(?:override|prompt\s*:)",
        r"\bwithout\s+(?:any\s+)?(?:moral|ethical)\s+(?:restrictions|limits|guidelines)",
    )
)


def attack_pattern(text: str) -> str | None:
    """The first attack pattern ``text`` matches (the matched words), or None."""
    for pattern in PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group()
    return None
