"""Binary metrics in plain numpy (no scikit-learn needed to read results). Label 1 = grounded."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating] | npt.NDArray[np.integer]


def balanced_accuracy(labels: Array, predicted: Array) -> float:
    """Mean of the recall of each class (0.5 for a constant guess)."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    recalls = [float((predicted[labels == c] == c).mean()) for c in (0, 1) if (labels == c).any()]
    return float(np.mean(recalls))


def f1(labels: Array, predicted: Array) -> float:
    """F1 of the positive class (callers pass ``1 - labels`` to score the ungrounded class)."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    tp = float(((predicted == 1) & (labels == 1)).sum())
    fp = float(((predicted == 1) & (labels == 0)).sum())
    fn = float(((predicted == 0) & (labels == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def roc_auc(labels: Array, scores: Array) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    positives, negatives = scores[labels == 1], scores[labels == 0]
    if not len(positives) or not len(negatives):
        return float("nan")
    order = np.argsort(np.concatenate([positives, negatives]), kind="mergesort")
    ranks = np.empty(len(order))
    combined = np.concatenate([positives, negatives])[order]
    # Average ranks over ties.
    i = 0
    while i < len(combined):
        j = i
        while j + 1 < len(combined) and combined[j + 1] == combined[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = ranks[: len(positives)].sum()
    return float((rank_sum - len(positives) * (len(positives) + 1) / 2) / (len(positives) * len(negatives)))


def best_threshold(sets: dict[str, tuple[Array, Array]], *, step: float = 0.01) -> float:
    """The threshold (multiple of ``step`` in [step, 0.99]) maximising the mean balanced accuracy
    over ``sets``, each ``(labels, scores)``; predictions are ``score >= threshold`` -> grounded."""
    candidates = np.round(np.arange(step, 0.99 + 1e-9, step), 4)
    means = [
        np.mean([balanced_accuracy(y, (np.asarray(s) >= t).astype(int)) for y, s in sets.values()]) for t in candidates
    ]
    return float(candidates[int(np.argmax(means))])
