"""The guardrails library's :class:`~guardrails.Assessment` in Bedrock's ``GuardrailAssessment`` shapes:
``sensitiveInformationPolicy`` (``piiEntities``, ``regexes``), ``wordPolicy`` (``customWords``,
``managedWordLists``), ``topicPolicy`` (``topics``) and ``contentPolicy`` (``filters``). What was
detected is always reported (``action`` ``NONE`` for an item in detect mode); with ``outputScope``
``FULL`` the topics and content filters that detected nothing are reported too (``detected: false``).
"""

from __future__ import annotations

from typing import Any

from guardrails import Assessment, Policies


def assessment_view(result: Assessment, policies: Policies, *, full: bool) -> dict[str, Any]:
    """``result`` as the members of Bedrock's ``GuardrailAssessment`` (one per configured policy)."""
    view: dict[str, Any] = {}
    if policies.sensitive is not None:
        view["sensitiveInformationPolicy"] = {
            "piiEntities": [
                {"match": f.match.text, "type": f.match.type, "action": f.action, "detected": True}
                for f in result.sensitive
                if f.match.type is not None
            ],
            "regexes": [
                {"name": f.match.regex.name, "match": f.match.text, "regex": f.match.regex.pattern,
                 "action": f.action, "detected": True}
                for f in result.sensitive
                if f.match.regex is not None
            ],
        }  # fmt: skip
    if policies.words is not None:
        view["wordPolicy"] = {
            "customWords": [
                {"match": f.match.text, "action": f.action, "detected": True}
                for f in result.words
                if not f.match.managed
            ],
            "managedWordLists": [
                {"match": f.match.text, "type": "PROFANITY", "action": f.action, "detected": True}
                for f in result.words
                if f.match.managed
            ],
        }
    if policies.topics is not None:
        view["topicPolicy"] = {
            "topics": [
                {"name": f.name, "type": "DENY", "action": f.action, "detected": f.detected}
                for f in result.topics
                if f.detected or full
            ]
        }
    if policies.content is not None:
        view["contentPolicy"] = {
            "filters": [
                {"type": f.type, "confidence": f.confidence, "filterStrength": f.strength, "action": f.action,
                 "detected": f.detected}
                for f in result.content
                if f.detected or full
            ]
        }  # fmt: skip
    return view
