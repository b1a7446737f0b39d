"""Shared test paths and the fixtures the parser tests use."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# Real-world documents beside the project (../shared); tests needing them skip when it is absent.
DOCS_CORPUS = Path(__file__).parents[2] / "shared/eval/docs-corpus"


@pytest.fixture(scope="session")
def docs_corpus() -> Path:
    """The docs-corpus folder, or a skip when this checkout has no ../shared beside it."""
    if not (DOCS_CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"docs corpus not found at {DOCS_CORPUS}")
    return DOCS_CORPUS
