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
from grounding.features import FEATURE_NAMES, Lexicon

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


@functools.cache
def load_models(directory: Path = DATA_DIR) -> Models:
    """Read the shipped model files once per process."""
    from grounding.relevance import RELEVANCE_FEATURES

    return Models(
        grounding=LogisticModel.from_file(directory / "grounding_model.json", expected=FEATURE_NAMES),
        relevance=LogisticModel.from_file(directory / "relevance_model.json", expected=RELEVANCE_FEATURES),
        lexicon=load_lexicon(directory),
    )


def load_lexicon(directory: Path = DATA_DIR) -> Lexicon:
    try:
        data = json.loads((directory / "idf.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"{directory / 'idf.json'} not found; run scripts/grounding/train.py") from None
    return Lexicon(idf=data["idf"], default_idf=float(data["default_idf"]))
