"""What the tests of the cross-encoder's training scripts share: a few training rows, two pairs to score, and a
way to run a script of ``scripts/grounding`` as its own process."""

from __future__ import annotations

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
