"""``train_crossencoder.py --steps``: a schedule that ends after a given number of batches, so a control run
reads the same batches, in the same order and under the same learning-rate shape, as a run it is compared with
(round 19: the 6-layer control of a 12-layer run that a time budget ended)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.grounding.training.training_runs import ROWS, train

pytestmark = pytest.mark.slow  # trains the real MiniLM


def steps_read(output: str) -> tuple[int, int, int]:
    found = re.search(r"done: (\d+) steps \(batches (\d+)-(\d+)\)", output)
    assert found, output
    return int(found[1]), int(found[2]), int(found[3])


def test_steps_ends_the_schedule_after_that_many_batches(tmp_path: Path) -> None:
    (tmp_path / "whole").mkdir()
    whole = train(tmp_path / "whole", ROWS * 12, "--out", tmp_path / "whole.safetensors")
    assert whole.returncode == 0, whole.stderr
    assert steps_read(whole.stdout)[0] > 3  # the rows make more batches than the control reads

    (tmp_path / "control").mkdir()
    control = train(tmp_path / "control", ROWS * 12, "--steps", "3", "--out", tmp_path / "control.safetensors")
    assert control.returncode == 0, control.stderr
    assert steps_read(control.stdout) == (3, 0, 3)


def test_steps_counts_from_start(tmp_path: Path) -> None:
    done = train(tmp_path, ROWS * 12, "--start", "1", "--steps", "2", "--out", tmp_path / "later.safetensors")
    assert done.returncode == 0, done.stderr
    assert steps_read(done.stdout) == (2, 1, 3)
