"""``scripts/grounding/average_weights.py``, the "model soup" that made round 7 of the weights, run as its command
line on small files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

SCRIPT = Path(__file__).parents[3] / "scripts" / "grounding" / "average_weights.py"


def run(*args: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False)


def test_every_tensor_is_the_mean_in_the_inputs_dtype(tmp_path: Path) -> None:
    a, b, out = tmp_path / "a.safetensors", tmp_path / "b.safetensors", tmp_path / "out.safetensors"
    save_file({"w": torch.tensor([1.0, 2.0], dtype=torch.float16), "b": torch.tensor([0.5], dtype=torch.float16)}, a)
    save_file({"w": torch.tensor([3.0, -2.0], dtype=torch.float16), "b": torch.tensor([1.5], dtype=torch.float16)}, b)

    done = run(out, a, b)

    assert done.returncode == 0, done.stderr
    assert "mean of 2 files" in done.stdout
    averaged = load_file(str(out))
    assert averaged["w"].dtype == torch.float16
    assert averaged["w"].tolist() == [2.0, 0.0]
    assert averaged["b"].tolist() == [1.0]


@pytest.mark.parametrize("other", [{"x": torch.zeros(2)}, {"w": torch.zeros(3)}], ids=["other-names", "other-shape"])
def test_files_of_different_models_are_refused(tmp_path: Path, other: dict[str, torch.Tensor]) -> None:
    a, b, out = tmp_path / "a.safetensors", tmp_path / "b.safetensors", tmp_path / "out.safetensors"
    save_file({"w": torch.zeros(2)}, a)
    save_file(other, b)

    done = run(out, a, b)

    assert done.returncode != 0
    assert "only rounds of one model can be averaged" in done.stderr
    assert not out.exists()


def test_one_file_or_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    a = tmp_path / "a.safetensors"
    save_file({"w": torch.zeros(2)}, a)

    assert "at least two" in run(tmp_path / "out.safetensors", a).stderr
    assert "no such file" in run(tmp_path / "out.safetensors", a, tmp_path / "missing.safetensors").stderr
