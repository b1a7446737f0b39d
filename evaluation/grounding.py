"""How well the grounding check detects ungrounded answers, on a labelled JSONL dataset.

Each line: ``{"id", "sources": [str], "query": str, "answer": str, "label": "grounded" | "ungrounded"}``.
Detection is the positive class: an answer is flagged when its grounding score is below the threshold.
Reported: balanced accuracy and F1 (of the flagged class) at the threshold, AUROC of ``1 - grounding``
(threshold-free; ties count half; ``None`` when only one class occurs), and the median latency of one
check in milliseconds.

Example::

    items = read_grounding_dataset(Path("pairs.jsonl"))
    run = predict(checker, items)
    detection_scores(run.predictions, threshold=0.5).as_dict()
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grounding import GroundingChecker, InvalidInput

LABELS = ("grounded", "ungrounded")


class DatasetError(Exception):
    """A dataset line that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class GroundingItem:
    id: str
    sources: tuple[str, ...]
    query: str
    answer: str
    ungrounded: bool


@dataclass(frozen=True)
class Prediction:
    id: str
    grounding_score: float
    relevance_score: float
    latency_ms: float
    ungrounded: bool  # the label


@dataclass(frozen=True)
class PredictionRun:
    predictions: list[Prediction]
    skipped: list[tuple[str, str]]  # (id, why the checker refused it)


@dataclass(frozen=True)
class DetectionScores:
    n: int
    threshold: float
    balanced_accuracy: float
    f1: float
    auroc: float | None
    latency_ms_p50: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "threshold": self.threshold, "balanced_accuracy": round(self.balanced_accuracy, 4),
            "f1": round(self.f1, 4), "auroc": None if self.auroc is None else round(self.auroc, 4),
            "latency_ms_p50": round(self.latency_ms_p50, 2),
        }  # fmt: skip


def read_grounding_dataset(path: Path) -> list[GroundingItem]:
    """Every item of ``path``; raises :class:`DatasetError` naming the first bad line."""
    items = []
    for number, record in json_lines(path):
        try:
            label = record["label"]
            if label not in LABELS:
                raise DatasetError(f"label must be 'grounded' or 'ungrounded', got {label!r}")
            sources = record["sources"]
            if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
                raise DatasetError("sources must be a list of strings")
            query, answer = record["query"], record["answer"]
            if not isinstance(query, str) or not isinstance(answer, str):
                raise DatasetError("query and answer must be strings")
            item_id = str(record.get("id", number))
        except KeyError as exc:
            raise DatasetError(f"{path}:{number}: missing {exc.args[0]!r}") from None
        except DatasetError as exc:
            raise DatasetError(f"{path}:{number}: {exc}") from None
        items.append(GroundingItem(item_id, tuple(sources), query, answer, label == "ungrounded"))
    return items


def predict(
    checker: GroundingChecker,
    items: Sequence[GroundingItem],
    *,
    progress: Callable[[int, int], None] = lambda d, t: None,
) -> PredictionRun:
    """Check every item; one the checker refuses (empty, over the limits) is skipped with its reason."""
    predictions, skipped = [], []
    for done, item in enumerate(items, start=1):
        started = time.perf_counter()
        try:
            result = checker.check(list(item.sources), item.query, item.answer)
        except InvalidInput as exc:
            skipped.append((item.id, str(exc)))
        else:
            elapsed = (time.perf_counter() - started) * 1000
            predictions.append(Prediction(item.id, result.grounding, result.relevance, elapsed, item.ungrounded))
        progress(done, len(items))
    return PredictionRun(predictions, skipped)


def detection_scores(predictions: Sequence[Prediction], *, threshold: float) -> DetectionScores:
    """Detection quality at ``threshold`` (flagged = grounding score below it)."""
    if not predictions:
        raise DatasetError("no item could be checked")
    labels = [p.ungrounded for p in predictions]
    flagged = [p.grounding_score < threshold for p in predictions]
    return DetectionScores(
        n=len(predictions), threshold=threshold, balanced_accuracy=balanced_accuracy(labels, flagged),
        f1=f1_score(labels, flagged), auroc=auroc(labels, [1.0 - p.grounding_score for p in predictions]),
        latency_ms_p50=statistics.median(p.latency_ms for p in predictions),
    )  # fmt: skip


def write_predictions(predictions: Sequence[Prediction], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for p in predictions:
            row = {
                "id": p.id,
                "grounding_score": round(p.grounding_score, 6),
                "relevance_score": round(p.relevance_score, 6),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


# -- metrics (positive class = True) ------------------------------------------------------------------
def balanced_accuracy(labels: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean recall of the classes present (0.5 for a constant guess on both classes)."""
    recalls = []
    for cls in (True, False):
        hits = [p == cls for label, p in zip(labels, predicted, strict=True) if label == cls]
        if hits:
            recalls.append(sum(hits) / len(hits))
    return sum(recalls) / len(recalls)


def f1_score(labels: Sequence[bool], predicted: Sequence[bool]) -> float:
    pairs = list(zip(labels, predicted, strict=True))
    tp = sum(label and p for label, p in pairs)
    fp = sum(p and not label for label, p in pairs)
    fn = sum(label and not p for label, p in pairs)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties half); ``None`` for one class.

    The Mann-Whitney U statistic from average ranks, O(n log n).
    """
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    rank_sum = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        average_rank = (start + end) / 2 + 1
        rank_sum += average_rank * sum(labels[i] for i in order[start : end + 1])
        start = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; raises :class:`DatasetError`."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise DatasetError(f"{path}:{number}: each line must be a JSON object")
            yield number, record
