"""``ragkb check``, ``ragkb eval grounding`` and ``ragkb eval rag`` run as a user runs them (subprocess).

The fast tests use the hash embedder (HashEncoder: scores only roughly calibrated), so they check formats
and files; the real-model verdicts (AUROC 1.0 on a clear pair) are slow-marked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from grounding import DEFAULT_GROUNDING_THRESHOLD, DEFAULT_RELEVANCE_THRESHOLD, HYBRID_GROUNDING_THRESHOLD
from tests.support import ragkb

UK_JAPAN = "London is the capital of the UK. Tokyo is the capital of Japan."
QUERY = "What is the capital of Japan?"
GROUNDING_KEYS = ["n", "threshold", "balanced_accuracy", "f1", "auroc", "latency_ms_p50"]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def grounding_dataset(tmp_path: Path) -> Path:
    descaling = "The espresso machine must be descaled every two weeks with citric acid."
    return write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": "a", "sources": [UK_JAPAN], "query": QUERY, "answer": "Tokyo is the capital of Japan.",
         "label": "grounded"},
        {"id": "b", "sources": [UK_JAPAN], "query": QUERY, "answer": "The capital of Japan is Osaka, home to 30 "
         "million people.", "label": "ungrounded"},
        {"id": "c", "sources": [descaling], "query": "How often is the machine descaled?",
         "answer": "Every two weeks, with citric acid.", "label": "grounded"},
        {"id": "d", "sources": [descaling], "query": "How often is the machine descaled?",
         "answer": "Every three months, with vinegar.", "label": "ungrounded"},
    ])  # fmt: skip


def rag_turn(prompt: str, passages: list[str], *, output: str | None, reference: str | None = None) -> dict[str, Any]:
    results = {"retrievalResults": [{"content": {"text": p}} for p in passages]}
    turn: dict[str, Any] = {"prompt": {"content": [{"text": prompt}]}}
    if reference is not None:
        turn["referenceResponses"] = [{"content": [{"text": reference}]}]
    if output is None:  # retrieve-only
        turn["output"] = {"knowledgeBaseIdentifier": "kb", "retrievedResults": results}
    else:
        turn["output"] = {"text": output, "knowledgeBaseIdentifier": "kb", "retrievedPassages": results}
    return {"conversationTurns": [turn]}


WORST_OUTPUT = "Bananas are purple and grow on Mars."


def rag_dataset(tmp_path: Path) -> Path:
    descaling = "The espresso machine must be descaled every two weeks with citric acid."
    return write_jsonl(tmp_path / "rag.jsonl", [
        rag_turn(QUERY, ["Tokyo is the capital of Japan.", "London is the capital of the UK."],
                 output="Tokyo is the capital of Japan.", reference="Tokyo is the capital of Japan."),
        rag_turn("How often is the espresso machine descaled?", [descaling], output=WORST_OUTPUT),
        rag_turn("What is the capital of the UK?", ["London is the capital of the UK."], output=None,
                 reference="London is the capital of the UK. It has 9 million people."),
    ])  # fmt: skip


# -- ragkb check ---------------------------------------------------------------------------------------------
def test_check_json(tmp_path: Path) -> None:
    answer = "Tokyo is the capital of Japan. Bananas grow on Mars."
    result = ragkb("check", "--query", QUERY, "--answer", answer, "--source", UK_JAPAN, "--json", home=tmp_path)
    assert result.returncode == 3, result.stderr  # blocked: "Bananas grow on Mars." has no support
    body = json.loads(result.stdout)
    assert set(body) == {"grounding", "relevance", "blocked", "abstained", "claims"}
    assert body["blocked"] is True
    assert [c["text"] for c in body["claims"]] == ["Tokyo is the capital of Japan.", "Bananas grow on Mars."]
    assert body["claims"][0]["evidence"]["text"] == "Tokyo is the capital of Japan."
    assert body["grounding"]["score"] == min(c["score"] for c in body["claims"])


def test_check_human_output_with_files_and_threshold(tmp_path: Path) -> None:
    source = tmp_path / "capitals.md"
    source.write_text(f"# Capitals\n\n{UK_JAPAN}\n", encoding="utf-8")
    result = ragkb(
        "check", "--query", QUERY, "--answer", "Tokyo is the capital of Japan.", "--source-file", str(source),
        "--threshold", "0.99", home=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr  # the documented exit code of a BLOCKED verdict
    lines = result.stdout.splitlines()
    assert re.match(r"Grounding +0\.\d{3} +threshold 0\.99 +detected", lines[0]), lines[0]
    assert re.match(rf"Relevance +[01]\.\d{{3}} +threshold {DEFAULT_RELEVANCE_THRESHOLD:.2f} ", lines[1]), lines[1]
    assert "Verdict: BLOCKED" in result.stdout
    assert "unsupported" in result.stdout or "contradicted" in result.stdout  # labels follow the threshold
    assert "capitals.md" in result.stdout  # the evidence names its source


def test_check_exits_0_when_the_answer_passes(tmp_path: Path) -> None:
    answer = "Tokyo is the capital of Japan."
    result = ragkb("check", "--query", QUERY, "--answer", answer, "--source", UK_JAPAN, "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["blocked"] is False


def test_check_help_documents_the_exit_codes() -> None:
    result = ragkb("check", "--help")
    assert result.returncode == 0
    assert "3 the verdict is BLOCKED" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--query", QUERY, "--answer", "Tokyo."], "--source"),
        (["--query", QUERY, "--answer", "Tokyo.", "--source", UK_JAPAN, "--threshold", "1.5"], "--threshold"),
        (["--query", QUERY, "--answer", "   ", "--source", UK_JAPAN], "answer is empty"),
    ],
    ids=["no source", "threshold out of range", "blank answer"],
)
def test_check_refuses(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = ragkb("check", *args, home=tmp_path)
    assert result.returncode in (1, 2) and fragment in result.stderr, result.stderr


# -- ragkb eval grounding --------------------------------------------------------------------------------------
def test_eval_grounding_json_and_predictions(tmp_path: Path) -> None:
    predictions = tmp_path / "scores.jsonl"
    result = ragkb(
        "eval", "grounding", "--dataset", str(grounding_dataset(tmp_path)), "--predictions", str(predictions),
        "--json", home=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert list(scores) == GROUNDING_KEYS
    assert scores["n"] == 4 and scores["threshold"] == DEFAULT_GROUNDING_THRESHOLD and scores["latency_ms_p50"] > 0
    for key in ("balanced_accuracy", "f1", "auroc"):
        assert 0.0 <= scores[key] <= 1.0
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert [list(r) for r in rows] == [["id", "grounding_score", "relevance_score"]] * 4
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]


def test_eval_grounding_human_output(tmp_path: Path) -> None:
    result = ragkb("eval", "grounding", "--dataset", str(grounding_dataset(tmp_path)), home=tmp_path)
    assert result.returncode == 0, result.stderr
    for label in (
        f"4 items, threshold {DEFAULT_GROUNDING_THRESHOLD:.2f}",
        "balanced accuracy",
        "F1 (ungrounded)",
        "AUROC",
        "latency p50",
    ):
        assert label in result.stdout


def test_eval_grounding_names_a_bad_line(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text('{"id": "a", "sources": ["s"], "query": "q", "answer": "a", "label": "maybe"}\n')
    result = ragkb("eval", "grounding", "--dataset", str(dataset), home=tmp_path)
    assert result.returncode == 1 and "bad.jsonl:1" in result.stderr and "label" in result.stderr, result.stderr


@pytest.mark.slow
def test_eval_grounding_separates_a_clear_pair_with_the_real_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGKB_TEST_EMBEDDER", "sentence-transformers")
    result = ragkb("eval", "grounding", "--dataset", str(grounding_dataset(tmp_path)), "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["auroc"] == 1.0
    # Without --threshold the verdicts are the configured checker's: v3's calibrated threshold by default, v1's
    # with RAGKB_GROUNDING_MODEL=features (before 2026-12-05 evening, 0.55 whatever the checker).
    assert json.loads(result.stdout)["threshold"] == HYBRID_GROUNDING_THRESHOLD
    monkeypatch.setenv("RAGKB_GROUNDING_MODEL", "features")
    v1 = ragkb("eval", "grounding", "--dataset", str(grounding_dataset(tmp_path)), "--json", home=tmp_path)
    assert v1.returncode == 0, v1.stderr
    assert json.loads(v1.stdout)["threshold"] == DEFAULT_GROUNDING_THRESHOLD


# -- ragkb eval rag ---------------------------------------------------------------------------------------------
def test_eval_rag_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = ragkb("eval", "rag", "--dataset", str(rag_dataset(tmp_path)), "--report", str(report), "--json",
                   home=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert (body["n"], body["dataset"]) == (3, "rag.jsonl")
    assert set(body["means"]) == {"faithfulness", "answer_relevance", "context_relevance", "context_coverage"}
    assert body["scored"] == {"faithfulness": 2, "answer_relevance": 2, "context_relevance": 3, "context_coverage": 2}
    first, second, retrieve_only = body["items"]
    assert first["context_coverage"] == 1.0  # the reference repeats a passage
    assert second["faithfulness"] < first["faithfulness"]
    assert second["weakest_claim"]["text"] == WORST_OUTPUT
    assert retrieve_only["faithfulness"] is None and retrieve_only["context_relevance"] is not None
    assert 0.0 <= retrieve_only["context_coverage"] < 1.0  # "9 million people" is in no passage
    assert retrieve_only["uncovered_reference_claims"] == ["It has 9 million people."]

    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<svg" in html and "<style>" in html
    # Self-contained: nothing fetched from elsewhere.
    assert not re.search(r"<(script|link|img|iframe)\b|\b(src|href)\s*=|url\(|@import|https?://", html, re.I)
    worst = html.index("Worst examples: faithfulness")
    assert WORST_OUTPUT in html[worst:]


def test_eval_rag_human_output(tmp_path: Path) -> None:
    result = ragkb("eval", "rag", "--dataset", str(rag_dataset(tmp_path)), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3 items")
    for title in ("Faithfulness", "Answer relevance", "Context relevance", "Context coverage"):
        assert title in result.stdout


def test_eval_rag_names_a_bad_line(tmp_path: Path) -> None:
    dataset = write_jsonl(tmp_path / "bad.jsonl", [rag_turn(QUERY, ["p"], output="o"), {"conversationTurns": []}])
    result = ragkb("eval", "rag", "--dataset", str(dataset), home=tmp_path)
    assert result.returncode == 1 and "bad.jsonl:2" in result.stderr, result.stderr
