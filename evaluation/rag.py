"""Score RAG outputs in Bedrock's evaluation format ("bring your own inference responses") with the grounding checker.

Each JSONL line is ``{"conversationTurns": [turn, ...]}``; a turn has ``prompt.content[].text``,
optional ``referenceResponses[].content[].text`` and an ``output``:

- retrieve-and-generate: ``output.text`` and ``output.retrievedPassages.retrievalResults[].content.text``;
- retrieve-only: ``output.retrievedResults.retrievalResults[].content.text`` (no ``text``).

Either key is read in either variant, and a bare list in place of ``{"retrievalResults": [...]}``.
Per turn, in [0, 1], higher is better, ``None`` when it cannot be computed:

``faithfulness``       the grounding score of ``output.text`` against the retrieved passages
``answer_relevance``   the checker's relevance of ``output.text`` to the prompt
``context_relevance``  the mean over passages of the checker's relevance of the passage (read as an
                       answer, cut to the answer limit) to the prompt
``context_coverage``   with reference responses: the share of the references' claims that the passages
                       support (claim score at or above the default threshold), over all references

A turn the checker refuses (a prompt over 1,000 characters, an output over 5,000, sources over
100,000) keeps ``None`` scores and an ``error``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.grounding import DatasetError, json_lines
from grounding import MAX_ANSWER_CHARS, GroundingChecker, InvalidInput

METRICS = ("faithfulness", "answer_relevance", "context_relevance", "context_coverage")


@dataclass(frozen=True)
class RagTurn:
    id: str
    prompt: str
    passages: tuple[str, ...]
    output: str | None
    references: tuple[str, ...]


@dataclass(frozen=True)
class TurnScores:
    """A turn's metrics and what explains the low ones (the weakest output claim, unsupported reference claims)."""

    turn: RagTurn
    scores: dict[str, float | None]
    weakest_claim: dict[str, Any] | None = None  # text, score, label, evidence text
    uncovered: tuple[str, ...] = ()  # reference claims the passages do not support
    passage_relevance: tuple[float, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class RagReport:
    dataset: str
    turns: list[TurnScores] = field(default_factory=list)

    def means(self) -> dict[str, float | None]:
        means: dict[str, float | None] = {}
        for metric in METRICS:
            values = [s for t in self.turns if (s := t.scores[metric]) is not None]
            means[metric] = round(statistics.fmean(values), 4) if values else None
        return means

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` output: ``{"dataset", "n", "means", "scored", "items"}``."""
        return {
            "dataset": self.dataset,
            "n": len(self.turns),
            "means": self.means(),
            "scored": {m: sum(t.scores[m] is not None for t in self.turns) for m in METRICS},
            "items": [turn_view(t) for t in self.turns],
        }


def turn_view(turn: TurnScores) -> dict[str, Any]:
    view: dict[str, Any] = {"id": turn.turn.id, "prompt": turn.turn.prompt}
    view |= {metric: None if (s := turn.scores[metric]) is None else round(s, 4) for metric in METRICS}
    if turn.weakest_claim is not None:
        view["weakest_claim"] = turn.weakest_claim
    if turn.uncovered:
        view["uncovered_reference_claims"] = list(turn.uncovered)
    if turn.error:
        view["error"] = turn.error
    return view


def read_rag_dataset(path: Path) -> list[RagTurn]:
    """Every conversation turn of ``path``; raises :class:`DatasetError` naming the first bad line."""
    turns = []
    for number, record in json_lines(path):
        conversation = record.get("conversationTurns")
        if not isinstance(conversation, list) or not conversation:
            raise DatasetError(f"{path}:{number}: 'conversationTurns' must be a non-empty list")
        for index, turn in enumerate(conversation):
            turn_id = str(number) if len(conversation) == 1 else f"{number}.{index + 1}"
            try:
                turns.append(_turn(turn_id, turn))
            except (KeyError, TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{number}: turn {index + 1}: {exc}") from None
    return turns


def evaluate_rag(
    checker: GroundingChecker, turns: Sequence[RagTurn], *, dataset: str = "",
    progress: Callable[[int, int], None] = lambda d, t: None,
) -> RagReport:  # fmt: skip
    """Score every turn (see the module docstring)."""
    report = RagReport(dataset)
    for done, turn in enumerate(turns, start=1):
        report.turns.append(score_turn(checker, turn))
        progress(done, len(turns))
    return report


def score_turn(checker: GroundingChecker, turn: RagTurn) -> TurnScores:
    scores: dict[str, float | None] = dict.fromkeys(METRICS)
    passages = [p for p in turn.passages if p.strip()]
    if not passages:
        return TurnScores(turn, scores, error="no retrieved passages: nothing to score against")
    try:
        weakest = None
        if turn.output is not None and turn.output.strip():
            result = checker.check(passages, turn.prompt, turn.output)
            scores["faithfulness"], scores["answer_relevance"] = result.grounding, result.relevance
            claim = result.weakest_claim
            if claim is not None:
                evidence = claim.evidence.text if claim.evidence is not None else ""
                weakest = {"text": claim.text, "score": round(claim.score, 4), "label": claim.label,
                           "evidence": evidence}  # fmt: skip
        relevance = tuple(
            checker.check([passage], turn.prompt, passage[:MAX_ANSWER_CHARS]).relevance for passage in passages
        )
        scores["context_relevance"] = statistics.fmean(relevance)
        uncovered: list[str] = []
        if turn.references:
            supported = total = 0
            for reference in turn.references:
                claims = checker.check(passages, turn.prompt, reference).claims
                total += len(claims)
                supported += sum(c.label == "supported" for c in claims)
                uncovered += [c.text for c in claims if c.label != "supported"]
            scores["context_coverage"] = supported / total if total else None
    except InvalidInput as exc:
        return TurnScores(turn, dict.fromkeys(METRICS), error=str(exc))
    return TurnScores(turn, scores, weakest, tuple(uncovered), relevance)


def _turn(turn_id: str, turn: dict[str, Any]) -> RagTurn:
    prompt = _text_of(turn["prompt"]["content"], "prompt.content")
    references = tuple(
        _text_of(r["content"], f"referenceResponses[{i}].content")
        for i, r in enumerate(turn.get("referenceResponses") or [])
    )
    output = turn.get("output") or {}
    if not isinstance(output, dict):
        raise ValueError("'output' must be an object")
    retrieved = output.get("retrievedPassages") or output.get("retrievedResults") or {}
    results = retrieved.get("retrievalResults", []) if isinstance(retrieved, dict) else retrieved
    if not isinstance(results, list):
        raise ValueError("retrievalResults must be a list")
    passages = tuple(str(r["content"]["text"]) for r in results)
    text = output.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError("'output.text' must be a string")
    return RagTurn(turn_id, prompt, passages, text, references)


def _text_of(content: Any, where: str) -> str:
    """The text of Bedrock content blocks (``[{"text": ...}]``), joined by new lines."""
    if not isinstance(content, list) or not content:
        raise ValueError(f"{where} must be a non-empty list of {{'text': ...}} blocks")
    return "\n".join(str(block["text"]) for block in content)
