"""A deeper reader (round 18's recipe): MiniLM's layers each repeated in place (``deepen``), trained by
``train_crossencoder.py --layers``, and loaded at the depth its weights file holds (``stored_layers``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from grounding.crossencoder import FROZEN, WEIGHTS, CrossEncoder, build_module, deepen, load_weights, stored_layers
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


def test_identity_growth_adds_near_no_op_layers_after_each_original() -> None:
    deep = build_module(layers=12)
    shallow = build_module()
    deepen(shallow.encoder, 12, grow="identity")
    for index in range(12):
        grown, repeated = shallow.encoder.encoder.layer[index], deep.encoder.encoder.layer[index]
        projections = (grown.attention.output.dense, grown.output.dense)
        if index % 2 == 0:  # the original layers, as they were
            pairs = zip(grown.state_dict().values(), repeated.state_dict().values(), strict=True)
            assert all(torch.equal(a, b) for a, b in pairs)
        else:
            assert all(not p.weight.detach().any() and not p.bias.detach().any() for p in projections)
            assert torch.equal(grown.attention.output.LayerNorm.weight, torch.ones(384))


def test_identity_growth_keeps_a_trained_readers_reads_where_repeating_does_not() -> None:
    pairs = [
        ("London is the capital of the UK. Tokyo is the capital of Japan.", "Tokyo is the capital of Japan."),
        ("The museum opens at nine and closes at five on weekdays.", "The museum is closed on weekdays."),
        ("Anna Berg chairs the finance committee.", "Anna Berg chairs the finance committee."),
        ("The bridge was finished in 1932 after six years of work.", "The bridge took ten years to build."),
    ]
    scorer = CrossEncoder.load(runtime="torch")
    before = scorer.grounding(pairs)[:, 0]
    shifts = {}
    for grow in ("identity", "repeat"):
        grown = CrossEncoder.load(runtime="torch")
        deepen(grown.module.encoder, 12, grow=grow)
        shifts[grow] = float(np.abs(grown.grounding(pairs)[:, 0] - before).max())
    assert shifts["identity"] < 0.2 < shifts["repeat"], shifts


def test_a_training_can_grow_a_trained_reader_as_near_no_ops(tmp_path: Path) -> None:
    done = train(
        tmp_path, ROWS, "--init", WEIGHTS, "--layers", "12", "--grow", "identity", "--out", tmp_path / "g.safetensors"
    )
    assert done.returncode == 0, done.stderr
    assert stored_layers(tmp_path / "g.safetensors") == 12


def test_grow_without_layers_is_refused(tmp_path: Path) -> None:
    done = train(tmp_path, ROWS, "--grow", "identity", "--out", tmp_path / "never.safetensors")
    assert done.returncode == 2 and "give --layers too" in done.stderr
    assert not (tmp_path / "never.safetensors").exists()
