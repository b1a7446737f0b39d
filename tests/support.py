"""Helpers shared by test modules (not fixtures): running the real CLI in a subprocess, opening a
knowledge base on the hash embedder (also from a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ingest.chunking import ChunkingConfig
from retrieval.embedding import HashEmbedder
from retrieval.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]


def ragkb(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ragkb ARGS`` as a user would (fast hash embedder unless the env says otherwise)."""
    env = {**os.environ, "RAGKB_EMBEDDER": os.environ.get("RAGKB_TEST_EMBEDDER", "hash")}
    if home is not None:
        env["RAGKB_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip


def open_kb(home: Path) -> KnowledgeBase:
    """The knowledge base in ``home / "kb"``: hash embedder, default chunking."""
    return KnowledgeBase(directory=home / "kb", embedder=HashEmbedder(), chunking=ChunkingConfig())
