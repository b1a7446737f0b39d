"""Items of a human evaluation job from the three places they come from.

* Bedrock's human evaluation dataset ("bring your own responses"): one JSON object a line with ``prompt``,
  optional ``referenceResponse`` and ``category``, and ``modelResponses`` -- one or more
  ``{"response", "modelIdentifier"}``.
* Bedrock's RAG evaluation dataset (``conversationTurns``, as ``ragkb eval rag`` reads it): one response
  per turn (the ``output.text``), its retrieved passages as the sources.
* The playground's history: each turn's answer, with the chunks it was given.

Where an item has sources, each response gets the grounding checker's ``grounding`` and ``relevance``
(:func:`auto_scores`), shown beside the human ratings.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import RequestError
from evaluation import DatasetError, read_rag_dataset
from grounding import GroundingChecker, InvalidInput

MAX_ITEMS = 2000


@dataclass(frozen=True)
class Response:
    model: str
    text: str
    grounding: float | None = None
    relevance: float | None = None


@dataclass(frozen=True)
class Item:
    """One prompt and the responses a reviewer judges (in the order shown)."""

    prompt: str
    responses: tuple[Response, ...]
    reference: str = ""
    category: str = ""
    sources: tuple[str, ...] = ()


def parse_dataset(data: bytes) -> list[Item]:
    """Items of an uploaded JSONL file in either Bedrock format; raises :class:`RequestError` naming the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError("the dataset is not UTF-8 text") from exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise RequestError("the dataset is empty: give one JSON object a line")
    if len(lines) > MAX_ITEMS:
        raise RequestError(f"the dataset has {len(lines)} lines; at most {MAX_ITEMS} items per job")
    first = _json(lines[0][0], lines[0][1])
    if "conversationTurns" in first:
        return _rag_items(text)
    return [_model_responses_item(n, _json(n, line)) for n, line in lines]


def history_items(turns: Sequence[dict[str, Any]], *, model: str) -> list[Item]:
    """Items from playground turns (``app.core.console.playground.turn_record``), grounding scores included."""
    items = []
    for turn in turns:
        grounding = turn.get("grounding") or {}
        score = (grounding.get("grounding") or {}).get("score")
        relevance = (grounding.get("relevance") or {}).get("score")
        response = Response(model, turn["answer"], score, relevance)
        items.append(Item(turn["query"], (response,), sources=tuple(h["text"] for h in turn["hits"])))
    if not items:
        raise RequestError("the playground history has no turns to evaluate")
    return items


def auto_scores(checker: GroundingChecker, items: Sequence[Item]) -> list[Item]:
    """Items whose responses have sources get the checker's grounding and relevance (others are kept)."""
    scored = []
    for item in items:
        if not item.sources or all(r.grounding is not None for r in item.responses):
            scored.append(item)
            continue
        responses = []
        for response in item.responses:
            try:
                result = checker.check(list(item.sources), item.prompt, response.text)
                responses.append(Response(response.model, response.text, result.grounding, result.relevance))
            except InvalidInput:  # over the checker's limits: no automatic score, the item stays
                responses.append(response)
        scored.append(Item(item.prompt, tuple(responses), item.reference, item.category, item.sources))
    return scored


def _json(number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RequestError(f"line {number}: not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise RequestError(f"line {number}: each line must be a JSON object")
    return record


def _model_responses_item(number: int, record: dict[str, Any]) -> Item:
    prompt, responses = record.get("prompt"), record.get("modelResponses")
    if not isinstance(prompt, str) or not prompt.strip():
        raise RequestError(f"line {number}: 'prompt' must be a non-empty string")
    if not isinstance(responses, list) or not responses:
        raise RequestError(f"line {number}: 'modelResponses' must be a non-empty list")
    parsed = []
    for i, response in enumerate(responses):
        if not isinstance(response, dict) or not isinstance(response.get("response"), str):
            raise RequestError(f"line {number}: modelResponses[{i}] needs a 'response' string")
        parsed.append(Response(str(response.get("modelIdentifier") or f"model {i + 1}"), response["response"]))
    return Item(prompt, tuple(parsed), str(record.get("referenceResponse") or ""), str(record.get("category") or ""))


def _rag_items(text: str) -> list[Item]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dataset.jsonl"
        path.write_text(text, encoding="utf-8")
        try:
            turns = read_rag_dataset(path)
        except DatasetError as exc:
            raise RequestError(str(exc).replace(str(path), "dataset")) from None
    return [
        Item(t.prompt, (Response("output", t.output or ""),), "\n".join(t.references), sources=t.passages)
        for t in turns
    ]
