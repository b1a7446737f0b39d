"""Bedrock's guardrail policy configurations <-> the guardrails library's :class:`~guardrails.Policies`.

:func:`policies_from_bedrock` reads ``sensitiveInformationPolicyConfig``, ``wordPolicyConfig``,
``topicPolicyConfig`` and ``contentPolicyConfig`` as ``CreateGuardrail``/``UpdateGuardrail`` take them
(an item's ``inputAction``/``outputAction`` default to its ``action``, or to ``BLOCK``;
``inputEnabled``/``outputEnabled`` to true). :func:`policies_to_bedrock` writes them back, in the
request's shape (``piiEntitiesConfig``, how the store keeps them) or in ``GetGuardrail``'s
(``piiEntities``). The native API and the store use the same two functions, so there is one reading of
each field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.errors import InvalidGuardrail
from guardrails import (
    ContentFilter,
    ContentPolicy,
    CustomRegex,
    DeniedTopic,
    Directions,
    GuardrailError,
    PiiEntity,
    Policies,
    RegexEntity,
    SensitivePolicy,
    Topic,
    TopicPolicy,
    Word,
    WordPolicy,
    supported_categories,
)

POLICY_KEYS = ("sensitiveInformationPolicyConfig", "wordPolicyConfig", "topicPolicyConfig", "contentPolicyConfig")


def policies_from_bedrock(config: Mapping[str, Any]) -> Policies:
    """The policies in a ``CreateGuardrail``-shaped mapping; raises :class:`InvalidGuardrail` for a bad one."""
    try:
        return Policies(
            sensitive=_sensitive(config.get("sensitiveInformationPolicyConfig")),
            words=_words(config.get("wordPolicyConfig")),
            topics=_topics(config.get("topicPolicyConfig")),
            content=_content(config.get("contentPolicyConfig")),
        )
    except GuardrailError as exc:
        raise InvalidGuardrail(str(exc)) from exc


def policies_to_bedrock(policies: Policies, *, view: bool = False) -> dict[str, Any]:
    """``policies`` as ``CreateGuardrail``'s ``*PolicyConfig`` members, or (``view``) ``GetGuardrail``'s ``*Policy``."""
    out: dict[str, Any] = {}
    name = (lambda key, config_key: key if view else config_key)  # noqa: E731
    if policies.sensitive is not None:
        body: dict[str, Any] = {}
        if policies.sensitive.entities:
            body[name("piiEntities", "piiEntitiesConfig")] = [
                {"type": e.type, "action": e.directions.input_action, **_directions(e.directions)}
                for e in policies.sensitive.entities
            ]
        if policies.sensitive.regexes or view:
            body[name("regexes", "regexesConfig")] = [
                {"name": r.regex.name, "pattern": r.regex.pattern, "action": r.directions.input_action,
                 **({"description": r.description} if r.description else {}), **_directions(r.directions)}
                for r in policies.sensitive.regexes
            ]  # fmt: skip
        out[name("sensitiveInformationPolicy", "sensitiveInformationPolicyConfig")] = body
    if policies.words is not None:
        body = {}
        if policies.words.words:
            body[name("words", "wordsConfig")] = [
                {"text": w.text, **_directions(w.directions)} for w in policies.words.words
            ]
        if policies.words.profanity is not None or view:
            lists = [] if policies.words.profanity is None else [policies.words.profanity]
            body[name("managedWordLists", "managedWordListsConfig")] = [
                {"type": "PROFANITY", **_directions(d)} for d in lists
            ]
        out[name("wordPolicy", "wordPolicyConfig")] = body
    if policies.topics is not None:
        out[name("topicPolicy", "topicPolicyConfig")] = {
            name("topics", "topicsConfig"): [
                {"name": t.topic.name, "definition": t.topic.definition, "examples": list(t.topic.examples),
                 "type": "DENY", **_directions(t.directions)}
                for t in policies.topics.topics
            ],
            "tier" if view else "tierConfig": {"tierName": policies.topics.tier},
        }  # fmt: skip
    if policies.content is not None:
        out[name("contentPolicy", "contentPolicyConfig")] = {
            name("filters", "filtersConfig"): [
                {"type": f.type, "inputStrength": f.input_strength, "outputStrength": f.output_strength,
                 "inputModalities": ["TEXT"], "outputModalities": ["TEXT"], **_directions(f.directions)}
                for f in policies.content.filters
            ],
            "tier" if view else "tierConfig": {"tierName": policies.content.tier},
        }  # fmt: skip
    return out


def _directions(d: Directions) -> dict[str, Any]:
    return {"inputAction": d.input_action, "outputAction": d.output_action, "inputEnabled": d.input_enabled,
            "outputEnabled": d.output_enabled}  # fmt: skip


def _read_directions(item: Mapping[str, Any], *, default: str = "BLOCK") -> Directions:
    action = item.get("action", default)
    return Directions(
        item.get("inputAction", action), item.get("outputAction", action),
        item.get("inputEnabled", True), item.get("outputEnabled", True),
    )  # fmt: skip


def _sensitive(config: Mapping[str, Any] | None) -> SensitivePolicy | None:
    if config is None:
        return None
    entities = tuple(PiiEntity(e["type"], _read_directions(e)) for e in config.get("piiEntitiesConfig", ()))
    regexes = tuple(
        RegexEntity(CustomRegex(r["name"], r["pattern"]), r.get("description", ""), _read_directions(r))
        for r in config.get("regexesConfig", ())
    )
    if not entities and not regexes:
        raise InvalidGuardrail("sensitiveInformationPolicyConfig needs piiEntitiesConfig or regexesConfig")
    return SensitivePolicy(entities, regexes)


def _words(config: Mapping[str, Any] | None) -> WordPolicy | None:
    if config is None:
        return None
    words = tuple(Word(w["text"], _read_directions(w)) for w in config.get("wordsConfig", ()))
    lists = config.get("managedWordListsConfig", ())
    if len(lists) > 1:
        raise InvalidGuardrail("managedWordListsConfig lists PROFANITY once")
    profanity = _read_directions(lists[0]) if lists else None
    if not words and profanity is None:
        raise InvalidGuardrail("wordPolicyConfig needs wordsConfig or managedWordListsConfig")
    return WordPolicy(words, profanity)


def _topics(config: Mapping[str, Any] | None) -> TopicPolicy | None:
    if config is None:
        return None
    topics = tuple(
        DeniedTopic(Topic(t["name"], t["definition"], tuple(t.get("examples", ()))), _read_directions(t))
        for t in config["topicsConfig"]
    )
    return TopicPolicy(topics, config.get("tierConfig", {}).get("tierName", "CLASSIC"))


def _content(config: Mapping[str, Any] | None) -> ContentPolicy | None:
    if config is None:
        return None
    filters = []
    supported = supported_categories()
    for f in config["filtersConfig"]:
        if f["type"] not in supported:
            raise InvalidGuardrail(
                f"content filter {f['type']} is not supported: the training data does not support a measured "
                f"detector for it (docs/guardrails.md); ragkb has {', '.join(sorted(supported))}"
            )
        if any(m != "TEXT" for m in (*f.get("inputModalities", ()), *f.get("outputModalities", ()))):
            raise InvalidGuardrail("IMAGE modalities are not supported: ragkb guardrails check text")
        filters.append(ContentFilter(f["type"], f["inputStrength"], f["outputStrength"], _read_directions(f)))
    return ContentPolicy(tuple(filters), config.get("tierConfig", {}).get("tierName", "CLASSIC"))
