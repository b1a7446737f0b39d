"""A human evaluation job in numbers: distributions per model, win rates with 95 % Wilson intervals,
agreement between reviewers (share of items rated alike and Cohen's kappa per pair), and how well the
automatic grounding score agrees with the human ratings (Spearman's rank correlation).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from app.core.console.human_eval.datasets import Item
from app.core.console.human_eval.store import Job, Rating, response_rating

Z95 = 1.959964


@dataclass(frozen=True)
class WinRate:
    model: str
    wins: int
    total: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.wins / self.total if self.total else 0.0


@dataclass(frozen=True)
class Agreement:
    reviewers: tuple[str, str]
    items: int
    agreed: float  # share of items both rated alike
    kappa: float | None  # Cohen's kappa; None when it is undefined (one category only)


@dataclass
class Summary:
    """Everything the job's summary page shows; ``distributions[model][rating] = count``."""

    method: str
    ratings: int
    distributions: dict[str, dict[int, int]] = field(default_factory=dict)
    win_rates: list[WinRate] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    auto_agreement: float | None = None  # Spearman between grounding and the human rating, per response
    auto_pairs: int = 0


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default); ``(0, 1)`` when ``total`` is 0."""
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - spread), min(1.0, centre + spread)


def cohen_kappa(left: Sequence[object], right: Sequence[object]) -> float | None:
    """Cohen's kappa of two raters over the same items; ``None`` when chance agreement is 1."""
    n = len(left)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(left, right, strict=True)) / n
    first, second = Counter(left), Counter(right)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    return None if expected >= 1 else (observed - expected) / (1 - expected)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); ``None`` under three pairs or no variance."""
    if len(x) < 3:
        return None
    rx, ry = _ranks(np.asarray(x, dtype=float)), _ranks(np.asarray(y, dtype=float))
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def summarise(job: Job, items: Sequence[Item], ratings: Sequence[Rating]) -> Summary:
    summary = Summary(job.method, len(ratings))
    distributions: dict[str, Counter[int]] = defaultdict(Counter)
    wins: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    human: dict[tuple[int, int], list[int]] = defaultdict(list)
    for rating in ratings:
        item = items[rating.item]
        for position, response in enumerate(item.responses):
            value = response_rating(job.method, rating.value, position)
            distributions[response.model][value] += 1
            human[(rating.item, position)].append(value)
            won = {"thumbs": value == 1, "compare": value == 1, "rank": value == 1, "likert": value >= 4}[job.method]
            wins[response.model][0] += int(won)
            wins[response.model][1] += 1
    summary.distributions = {model: dict(sorted(counts.items())) for model, counts in sorted(distributions.items())}
    summary.win_rates = [WinRate(m, w, t, *wilson(w, t)) for m, (w, t) in sorted(wins.items())]
    summary.agreements = _agreements(job, ratings)
    pairs = [
        (items[i].responses[p].grounding, float(np.mean(values)))
        for (i, p), values in human.items()
        if items[i].responses[p].grounding is not None
    ]
    # rank: 1 is best, so the human score is the negated rank
    sign = -1.0 if job.method == "rank" else 1.0
    summary.auto_pairs = len(pairs)
    summary.auto_agreement = spearman([float(g) for g, _ in pairs if g is not None], [sign * h for _, h in pairs])
    return summary


def _agreements(job: Job, ratings: Sequence[Rating]) -> list[Agreement]:
    by_reviewer: dict[str, dict[int, tuple[int, ...]]] = defaultdict(dict)
    for rating in ratings:
        by_reviewer[rating.reviewer][rating.item] = rating.value
    found = []
    for a, b in itertools.combinations(job.reviewers, 2):
        shared = sorted(set(by_reviewer[a]) & set(by_reviewer[b]))
        if not shared:
            continue
        left = [by_reviewer[a][i] for i in shared]
        right = [by_reviewer[b][i] for i in shared]
        agreed = sum(x == y for x, y in zip(left, right, strict=True)) / len(shared)
        found.append(Agreement((a, b), len(shared), agreed, cohen_kappa(left, right)))
    return found


def _ranks(values: np.ndarray) -> np.ndarray:
    order = values.argsort(kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    for value in np.unique(values):  # ties share their average rank
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks
