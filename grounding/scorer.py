"""The learned combinations: logistic regressions whose coefficients live in ``grounding/data/*.json``.

``scripts/grounding/train.py`` writes the files; nothing here trains. A model file holds the
feature names it was fitted on (checked against the code's names when loaded, so a feature change
without retraining fails loudly), the standardisation, the coefficients and the default threshold
chosen on the training data. Scores are probabilities of the positive class (grounded, relevant).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from grounding.errors import GroundingError
from grounding.features import V1_FEATURES, Lexicon

DATA_DIR = Path(__file__).parent / "data"


class ModelFileError(GroundingError):
    """A coefficient file is missing or was written for other features."""


@dataclass(frozen=True, eq=False)
class LogisticModel:
    """``sigmoid(((x - mean) / scale) @ coef + intercept)``, with optional pairwise products."""

    features: tuple[str, ...]
    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]
    intercept: float
    threshold: float
    interactions: tuple[tuple[int, int], ...] = ()

    def predict(self, values: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """Probabilities for a ``(n, len(features))`` array."""
        rows = np.asarray(values, dtype=np.float64).reshape(-1, len(self.features))
        expanded = expand(rows, self.interactions)
        logits = ((expanded - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    @classmethod
    def from_file(cls, path: Path, *, expected: Sequence[str]) -> LogisticModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFileError(f"{path} not found; run scripts/grounding/train.py") from None
        if tuple(data["features"]) != tuple(expected):
            raise ModelFileError(f"{path} was trained on {data['features']}, the code computes {list(expected)}")
        return cls(
            features=tuple(data["features"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            interactions=tuple((int(a), int(b)) for a, b in data.get("interactions", [])),
        )


def weakest_for_length(claim_scores: Sequence[float], faithful: npt.NDArray[np.float64]) -> float:
    """The answer's score: its weakest claim's, adjusted for the number of claims.

    The minimum of eight noisy claim scores is lower than one claim's score even when all eight are true,
    so a plain minimum flags long faithful answers far more often than short ones. With ``F`` the
    distribution of calibrated scores of *faithful* claims (``faithful``: its quantiles 0, 0.01, ..., 1,
    fitted on out-of-fold scores; empty for no adjustment), the answer's score is
    ``F⁻¹(1 - (1 - F(m))ⁿ)`` for the lowest score ``m`` of ``n`` claims: the score one claim would need to
    be as unusual as this minimum is among ``n`` faithful ones. For ``n = 1`` it is ``m``; a claim below
    every faithful claim seen keeps its score.
    """
    lowest = min(claim_scores)
    if len(claim_scores) == 1 or not len(faithful) or lowest <= faithful[0]:
        return lowest
    levels = np.linspace(0.0, 1.0, len(faithful))
    rank = float(np.interp(lowest, faithful, levels))
    adjusted = 1.0 - (1.0 - rank) ** len(claim_scores)
    return max(lowest, float(np.interp(adjusted, levels, faithful)))


def expand(rows: npt.NDArray[np.float64], interactions: Sequence[tuple[int, int]]) -> npt.NDArray[np.float64]:
    """The features plus the products of the listed pairs (the only non-linearity)."""
    if not interactions:
        return rows
    return np.hstack([rows, np.stack([rows[:, a] * rows[:, b] for a, b in interactions], axis=1)])


@dataclass(frozen=True, eq=False)
class Models:
    """Everything trained: the grounding and relevance models and the IDF lexicon."""

    grounding: LogisticModel
    relevance: LogisticModel
    lexicon: Lexicon
    faithful: npt.NDArray[np.float64]  # quantiles of faithful claims' scores, for :func:`weakest_for_length`


@functools.cache
def load_models(directory: Path = DATA_DIR) -> Models:
    """Read the shipped model files once per process."""
    from grounding.relevance import RELEVANCE_FEATURES

    grounding_file = directory / "grounding_model.json"
    grounding = LogisticModel.from_file(grounding_file, expected=V1_FEATURES)
    faithful = json.loads(grounding_file.read_text(encoding="utf-8")).get("faithful", [])
    return Models(
        grounding=grounding,
        relevance=LogisticModel.from_file(directory / "relevance_model.json", expected=RELEVANCE_FEATURES),
        lexicon=load_lexicon(directory),
        faithful=np.asarray(faithful, dtype=np.float64),
    )


def load_lexicon(directory: Path = DATA_DIR) -> Lexicon:
    try:
        data = json.loads((directory / "idf.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"{directory / 'idf.json'} not found; run scripts/grounding/train.py") from None
    return Lexicon(idf=data["idf"], default_idf=float(data["default_idf"]))
