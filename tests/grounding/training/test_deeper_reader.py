"""A deeper reader (round 18's recipe): MiniLM's layers each repeated in place (``deepen``), trained by
``train_crossencoder.py --layers``, and loaded at the depth its weights file holds (``stored_layers``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from grounding.crossencoder import FROZEN, WEIGHTS, CrossEncoder, build_module, load_weights, stored_layers
from tests.grounding.training.training_runs import PAIRS, ROWS, train

pytestmark = pytest.mark.slow  # builds and trains the real MiniLM


def layer_tensors(module: torch.nn.Module, index: int) -> dict[str, torch.Tensor]:
    return dict(module.encoder.encoder.layer[index].state_dict())


def test_each_layer_is_repeated_in_place_as_its_own_copy() -> None:
    shallow, deep = build_module(), build_module(layers=12)

    assert len(deep.encoder.encoder.layer) == 12 and deep.encoder.config.num_hidden_layers == 12
    for i in range(6):
        original = layer_tensors(shallow, i)
        for copy in (2 * i, 2 * i + 1):
            grown = layer_tensors(deep, copy)
            assert all(torch.equal(grown[name], tensor) for name, tensor in original.items())
    first, second = deep.encoder.encoder.layer[0], deep.encoder.encoder.layer[1]
    assert first is not second
    assert first.attention.self.query.weight.data_ptr() != second.attention.self.query.weight.data_ptr()


def test_a_deep_file_loads_each_layer_where_it_was(tmp_path: Path) -> None:
    module = build_module(layers=12)
    with torch.no_grad():  # the two copies of layer 3 start equal: make one of them its own
        module.encoder.encoder.layer[7].attention.self.query.weight.add_(0.5)
    state = {name: tensor.half() for name, tensor in module.state_dict().items() if name != FROZEN}
    save_file(state, str(tmp_path / "deep.safetensors"))

    loaded = CrossEncoder.load(tmp_path / "deep.safetensors", runtime="torch").module
    for index in (6, 7, 8):
        expected = state[f"encoder.encoder.layer.{index}.attention.self.query.weight"].float()
        assert torch.equal(loaded.encoder.encoder.layer[index].attention.self.query.weight.cpu(), expected)


@pytest.mark.parametrize("layers", [3, 9])
def test_a_depth_that_is_not_a_multiple_of_six_is_refused(layers: int) -> None:
    with pytest.raises(ValueError, match="multiple of 6"):
        build_module(layers=layers)


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("deep")
    done = train(folder, ROWS * 4, "--layers", "12", "--out", folder / "deep.safetensors")
    assert done.returncode == 0, done.stderr
    return folder / "deep.safetensors"


def test_a_deep_training_writes_weights_that_load_at_their_depth(deep: Path) -> None:
    assert stored_layers(deep) == 12
    scorer = CrossEncoder.load(deep, runtime="torch")
    assert len(scorer.module.encoder.encoder.layer) == 12
    probabilities = scorer.grounding(PAIRS)
    assert probabilities.shape == (2, 2) and np.all((probabilities >= 0) & (probabilities <= 1))
    shipped = CrossEncoder.load(runtime="torch")  # the shipped file still loads at MiniLM's depth
    assert len(shipped.module.encoder.encoder.layer) == 6


def test_a_deep_file_does_not_fit_a_shallow_reader(deep: Path) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        load_weights(build_module(), deep)


def test_trained_weights_grow_deeper_with_init_and_layers(tmp_path: Path) -> None:
    done = train(tmp_path, ROWS, "--init", WEIGHTS, "--layers", "12", "--out", tmp_path / "grown.safetensors")
    assert done.returncode == 0, done.stderr
    assert stored_layers(WEIGHTS) == 6 and stored_layers(tmp_path / "grown.safetensors") == 12


def test_a_training_from_deep_weights_keeps_their_depth(deep: Path, tmp_path: Path) -> None:
    done = train(tmp_path, ROWS, "--init", deep, "--out", tmp_path / "again.safetensors")
    assert done.returncode == 0, done.stderr
    assert stored_layers(tmp_path / "again.safetensors") == 12
