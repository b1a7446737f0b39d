"""Shared test paths, the parser tests' fixtures and the live-server fixture factory (real uvicorn servers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from tests.live_server import running_server
from tests.postgres import PostgresCluster, find_postgres

FIXTURES = Path(__file__).parent / "fixtures"
# Real-world documents beside the project (../shared); tests needing them skip when it is absent.
DOCS_CORPUS = Path(__file__).parents[2] / "shared/eval/docs-corpus"


@pytest.fixture(scope="session")
def docs_corpus() -> Path:
    """The docs-corpus folder, or a skip when this checkout has no ../shared beside it."""
    if not (DOCS_CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"docs corpus not found at {DOCS_CORPUS}")
    return DOCS_CORPUS


ServerFactory = Callable[..., str]


@contextmanager
def _servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    with ExitStack() as running:

        def start(settings: Settings | None = None, /, **fields: Any) -> str:
            if settings is None:
                settings = Settings(**({"home": tmp_path_factory.mktemp("home"), "embedder": "hash"} | fields))
            return running.enter_context(running_server(settings))

        yield start


@pytest.fixture
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """The one way tests start a real server: ``live_server(**fields)`` (or ``live_server(settings)``) runs
    ``create_app`` under uvicorn on a free loopback port and returns its base URL; without ``settings``, a
    fresh home and the hash embedder, ``fields`` overriding. Every server started stops after the test."""
    with _servers(tmp_path_factory) as start:
        yield start


@pytest.fixture(scope="module")
def module_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """:func:`live_server` for a whole test module: its servers stop after the module's last test."""
    with _servers(tmp_path_factory) as start:
        yield start


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A real PostgreSQL with pgvector for this test run (skips, saying why, where none is installed)."""
    bin_dir, why = find_postgres()
    if bin_dir is None:
        pytest.skip(why)
    cluster = PostgresCluster(bin_dir)
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of a fresh, migrated database of the test run's cluster."""
    return postgres_cluster.new_database()
