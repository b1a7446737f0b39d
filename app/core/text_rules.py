"""The one rule for text in requests, shared by the native API (pydantic models) and the Bedrock API
(botocore-shaped input), so the same text gets the same answer from both.

- every string of every request must be valid Unicode: JSON can escape a lone surrogate
  (``"\\ud800"``), which no UTF-8 store, tokenizer or log can take;
- a query must also hold no control character other than tab, newline and carriage return (NUL and
  the like are never part of a question, and would end up in logs and keyword indexes).
"""

from __future__ import annotations

import unicodedata
from typing import Any

LONE_SURROGATE = "text must be valid Unicode: lone surrogate escapes (\\ud800-\\udfff) are refused"
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def unicode_problem(value: Any) -> str | None:
    """Why a decoded JSON value (strings, keys, any nesting) is not valid text, or ``None``.

    >>> unicode_problem({"query": "caf\\u00e9"}) is None, unicode_problem(["\\ud800"]) == LONE_SURROGATE
    (True, True)
    """
    return LONE_SURROGATE if _has_lone_surrogate(value) else None


def query_problem(text: str) -> str | None:
    """Why ``text`` cannot be a query, or ``None``: a lone surrogate or a control character.

    >>> query_problem("vacation days\\tper year") is None
    True
    >>> query_problem("vacation\\x00days")
    'text must not contain control characters other than tab, newline and carriage return (found U+0000)'
    """
    if _has_lone_surrogate(text):
        return LONE_SURROGATE
    for ch in text:
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
            return (
                "text must not contain control characters other than tab, newline and carriage return "
                f"(found U+{ord(ch):04X})"
            )
    return None


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False
