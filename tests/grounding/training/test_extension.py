"""``scripts/grounding/extension.py``: reading the base model that new features are fitted on top of."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parents[3] / "scripts" / "grounding")]

import extension  # noqa: E402  (a script folder, put on the path just above)

BASE = {"features": ["a", "b", "c"], "mean": [0, 0, 0], "scale": [1, 1, 1], "coef": [1.0, -2.0, 0.5],
        "intercept": 0.25, "interactions": [], "threshold": 0.55, "faithful": []}  # fmt: skip


def test_the_base_is_its_first_features_with_its_threshold(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")

    base, faithful, threshold = extension.read_base(path, ("a", "b"))

    assert base["coef"] == [1.0, -2.0] and base["intercept"] == 0.25 and threshold == 0.55
    assert len(faithful) == 0
    with pytest.raises(SystemExit, match="first features"):
        extension.read_base(path, ("b", "a"))


def test_a_base_with_interactions_is_refused(tmp_path: Path) -> None:
    # The extension's offset is the base's linear logit: products of features would be left out of it.
    path = tmp_path / "model.json"
    path.write_text(json.dumps({**BASE, "interactions": [[0, 1]]}), encoding="utf-8")

    with pytest.raises(SystemExit, match="interactions"):
        extension.read_base(path, ("a", "b"))
