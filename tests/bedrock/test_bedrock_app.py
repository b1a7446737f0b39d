"""``scripts/bedrock_app.py``, a boto3 application written as for AWS (streaming RAG with citations, rerank, a
two-turn session, an update, an evaluation job to completion), run against a fresh server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ServerFactory

SCRIPT = Path(__file__).parents[2] / "scripts" / "bedrock_app.py"


def test_bedrock_app_runs_against_a_fresh_server(live_server: ServerFactory, tmp_path: Path) -> None:
    root = tmp_path / "ragkb-evals"
    root.mkdir()
    spec = importlib.util.spec_from_file_location("bedrock_app", SCRIPT)
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    seen = app.run(live_server(data_roots=[root]), bucket="ragkb-evals", dataset_dir=root)
    assert seen["rerank"][0][0] == "vacation"
    assert "pro rata" in seen["session"][1]
    assert set(seen["evaluation"]) == {"faithfulness", "answer_relevance", "context_relevance", "context_coverage"}


@pytest.mark.slow
def test_bedrock_app_runs_against_a_server_with_the_real_model(live_server: ServerFactory, tmp_path: Path) -> None:
    root = tmp_path / "ragkb-evals"
    root.mkdir()
    spec = importlib.util.spec_from_file_location("bedrock_app", SCRIPT)
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    url = live_server(data_roots=[root], embedder="sentence-transformers")
    seen = app.run(url, bucket="ragkb-evals", dataset_dir=root)
    assert seen["rerank"][0][0] == "vacation"  # the fusion reranker
    assert "pro rata" in seen["session"][1]  # the follow-up, read in its session (app/core/followups.py)
