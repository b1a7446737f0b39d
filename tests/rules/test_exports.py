"""Each library's ``__all__`` is its public surface: exactly what ``app`` and ``evaluation`` import from it
(from the package or any of its modules, at module level or inside a function), plus the entry points a
library offers beyond them, named here. A name app starts to use must be exported; an export nobody uses
must be listed here as an entry point or dropped."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPORTERS = ("app", "evaluation")
# Exported though app and evaluation do not import them: injection points, fakes and records for callers.
ENTRY_POINTS: dict[str, set[str]] = {
    "ingest": set(),
    "retrieval": {"InMemoryStore", "JobStatus", "SyncReport"},
    "grounding": {
        "Calibration", "Evidence", "FilterAssessment", "OverlapScorer", "PairScorer", "TextEncoder",
        "check",
    },
    "guardrails": {
        "ContentDetector", "ContentFinding", "InvalidPolicy", "SensitiveFinding", "SensitiveMatch", "Source",
        "TopicDetector", "TopicFinding", "WordFilter", "WordFinding", "WordMatch",
        "find_sensitive", "mask", "profanity_words",
    },
    "evaluation": {
        "DetectionScores", "GroundingItem", "Prediction", "PredictionRun", "RetrievalScores", "TurnScores",
        "load_qrels", "score_run",
    },
}  # fmt: skip


def imported_names(package: str) -> dict[str, set[str]]:
    """Name -> the files of app/ and evaluation/ that import it from ``package`` or one of its modules."""
    found: dict[str, set[str]] = {}
    for importer in IMPORTERS:
        if importer == package:
            continue
        for path in sorted((ROOT / importer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                if (
                    isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                    and node.module.partition(".")[0] == package
                ):  # fmt: skip
                    for alias in node.names:
                        found.setdefault(alias.name, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(ENTRY_POINTS))
def test_all_is_what_app_and_evaluation_import_plus_the_entry_points(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), "a name is listed twice"
    assert [name for name in exported if not hasattr(module, name)] == []
    used = imported_names(package)
    missing = {name: sorted(files) for name, files in used.items() if name not in exported}
    assert missing == {}, f"import these through {package}/__init__.py: add them to __all__"
    assert set(exported) - set(used) == ENTRY_POINTS[package]
