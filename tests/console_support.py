"""What the console's tests share: a ragkb home holding the sample knowledge base, and Chromium for Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.keys import ANONYMOUS
from app.core.services import Services
from app.settings import Settings
from ingest import ChunkingConfig
from retrieval import FolderSource, sync_folder

SAMPLE = Path(__file__).parents[1] / "data/sample"
CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium, headless, with nothing that reaches the network on its own.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


def sample_home(home: Path, *, embedder: str = "hash") -> Path:
    """``home`` with the knowledge base ``sample`` made from ``data/sample`` (as ``ragkb sync`` makes it)."""
    services = Services(Settings(home=home, embedder=embedder))
    try:
        services.create_knowledge_base("sample", chunking=ChunkingConfig())
        _, kb = services.open_kb("sample", principal=ANONYMOUS)
        sync_folder(kb, FolderSource("DS00000001", SAMPLE))
        kb.save()
    finally:
        services.close(save=False)
    return home


def chromium_or_skip() -> Path:
    """Debian's chromium (``apt-get install chromium``; .ci/run installs it), or a skip saying so."""
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not found:
        pytest.skip("chromium is not installed: apt-get install -y chromium (the browser tests drive it)")
    return Path(found)
