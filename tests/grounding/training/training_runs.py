"""What the tests of the cross-encoder's training scripts share: a few training rows, two pairs to score, and a
way to run a script of ``scripts/grounding`` as its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).parents[3] / "scripts" / "grounding"
ROWS = [
    {"task": "grounding", "premise": "Tokyo is the capital of Japan.", "claim": "Japan's capital is Tokyo.",
     "label": 1, "label3": "entailment", "source": "esnli"},
    {"task": "grounding", "premise": "Tokyo is the capital of Japan.", "claim": "Japan's capital is Osaka.",
     "label": 0, "label3": "contradiction", "source": "esnli"},
    {"task": "grounding", "premise": "The shop opens at 9 am.", "claim": "The shop opens at 9 am.",
     "label": 1, "label3": None, "source": "rules_support", "twin": "shop"},
    {"task": "grounding", "premise": "The shop opens at 9 am.", "claim": "The shop opens at 10 am.",
     "label": 0, "label3": "contradiction", "source": "rules_changed", "twin": "shop"},
    {"task": "relevance", "premise": "When does the shop open?", "claim": "At 9 am.",
     "label": 1, "label3": None, "source": "trecqa"},
]  # fmt: skip
PAIRS = [("Tokyo is the capital of Japan.", "Osaka is the capital of Japan."), ("A cat sat.", "A cat sat.")]


def run(script: str, *args: object) -> subprocess.CompletedProcess[str]:
    """``scripts/grounding/<script>`` with ``args``, offline, its output captured."""
    command = [sys.executable, str(SCRIPTS / script), *map(str, args)]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(command, capture_output=True, text=True, check=False, env=environment)


def train(folder: Path, rows: list[dict], *options: object) -> subprocess.CompletedProcess[str]:
    """``train_crossencoder.py`` on ``rows`` (written to ``folder/pairs``, its run in ``folder/run``), small: 256
    word pieces a batch, fp32, one thread, an hour's schedule that the rows end first; ``options`` add to these
    (``--out`` among them)."""
    (folder / "pairs").mkdir(exist_ok=True)
    (folder / "pairs" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return run(
        "train_crossencoder.py", "--pairs", folder / "pairs", "--run", folder / "run", "--tokens", "256",
        "--hours", "1", "--precision", "fp32", "--threads", "1", *options,
    )  # fmt: skip
