"""The evaluation modules without the CLI: metrics, dataset reading (both Bedrock RAG variants), scoring
with the HashEncoder checker, and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evaluation.grounding import (
    DatasetError,
    Prediction,
    auroc,
    balanced_accuracy,
    detection_scores,
    f1_score,
    read_grounding_dataset,
)
from evaluation.rag import RagTurn, evaluate_rag, read_rag_dataset, score_turn
from evaluation.report import histogram, render_report
from grounding import Checker, HashEncoder


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(HashEncoder())


def write(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


# -- metrics ------------------------------------------------------------------------------------------------
def test_metrics_on_known_values() -> None:
    labels = [True, True, False, False, False]
    predicted = [True, False, False, False, True]
    assert balanced_accuracy(labels, predicted) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert f1_score(labels, predicted) == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))
    assert f1_score([True, False], [False, False]) == 0.0
    assert auroc(labels, [0.9, 0.8, 0.1, 0.2, 0.3]) == 1.0
    assert auroc(labels, [0.1, 0.2, 0.9, 0.8, 0.7]) == 0.0
    assert auroc([True, False], [0.5, 0.5]) == 0.5  # ties count half
    assert auroc([True, True], [0.1, 0.2]) is None  # one class: undefined


def test_detection_scores_flag_below_the_threshold() -> None:
    predictions = [Prediction("a", 0.9, 0.9, 2.0, False), Prediction("b", 0.2, 0.9, 4.0, True),
                   Prediction("c", 0.6, 0.9, 3.0, True)]  # fmt: skip
    scores = detection_scores(predictions, threshold=0.5)
    assert (scores.n, scores.balanced_accuracy, scores.auroc, scores.latency_ms_p50) == (3, 0.75, 1.0, 3.0)
    assert list(scores.as_dict()) == ["n", "threshold", "balanced_accuracy", "f1", "auroc", "latency_ms_p50"]
    with pytest.raises(DatasetError):
        detection_scores([], threshold=0.5)


# -- datasets ---------------------------------------------------------------------------------------------------
def test_grounding_dataset_errors_name_the_line(tmp_path: Path) -> None:
    good = {"id": 7, "sources": ["s"], "query": "q", "answer": "a", "label": "ungrounded"}
    [item] = read_grounding_dataset(write(tmp_path / "ok.jsonl", [good]))
    assert (item.id, item.ungrounded, item.sources) == ("7", True, ("s",))
    for bad, fragment in (
        ({**good, "label": "maybe"}, "label"),
        ({k: v for k, v in good.items() if k != "query"}, "missing 'query'"),
        ({**good, "sources": "s"}, "sources must be a list"),
    ):
        with pytest.raises(DatasetError, match=f"bad.jsonl:2: .*{fragment}"):
            read_grounding_dataset(write(tmp_path / "bad.jsonl", [good, bad]))
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    with pytest.raises(DatasetError, match=r"broken\.jsonl:1: not valid JSON"):
        read_grounding_dataset(tmp_path / "broken.jsonl")


def test_rag_dataset_reads_both_variants(tmp_path: Path) -> None:
    passage = {"content": {"text": "Tokyo is the capital of Japan."}, "metadata": {"x": 1}}
    prompt = {"content": [{"text": "What is the capital of Japan?"}]}
    rows = [
        {"conversationTurns": [{"prompt": prompt, "referenceResponses": [{"content": [{"text": "Tokyo."}]}],
                                "output": {"text": "Tokyo.", "knowledgeBaseIdentifier": "kb",
                                           "retrievedPassages": {"retrievalResults": [passage]}}}]},
        {"conversationTurns": [{"prompt": prompt, "output": {"knowledgeBaseIdentifier": "kb",
                                                             "retrievedResults": {"retrievalResults": [passage]}}}]},
        {"conversationTurns": [{"prompt": prompt, "output": {"text": "Tokyo.", "retrievedPassages": [passage]}},
                               {"prompt": prompt, "output": {"text": "Kyoto."}}]},
    ]  # fmt: skip
    turns = read_rag_dataset(write(tmp_path / "rag.jsonl", rows))
    assert [t.id for t in turns] == ["1", "2", "3.1", "3.2"]
    assert turns[0] == RagTurn("1", "What is the capital of Japan?", ("Tokyo is the capital of Japan.",), "Tokyo.",
                               ("Tokyo.",))  # fmt: skip
    assert turns[1].output is None and turns[1].passages == turns[0].passages
    assert turns[2].passages == turns[0].passages and turns[3].passages == ()
    with pytest.raises(DatasetError, match=r"rag\.jsonl:1: turn 1"):
        read_rag_dataset(write(tmp_path / "rag.jsonl", [{"conversationTurns": [{"prompt": {"content": []}}]}]))


# -- scoring ----------------------------------------------------------------------------------------------------
def test_score_turn(checker: Checker) -> None:
    passages = ("Tokyo is the capital of Japan.", "London is the capital of the UK.")
    turn = RagTurn("1", "What is the capital of Japan?", passages, "Tokyo is the capital of Japan. It has 9 moons.",
                   ("Tokyo is the capital of Japan. Its mayor is Mr Smith.",))  # fmt: skip
    scored = score_turn(checker, turn)
    assert scored.error is None
    assert scored.weakest_claim is not None and scored.weakest_claim["text"] == "It has 9 moons."
    assert scored.scores["faithfulness"] == pytest.approx(scored.weakest_claim["score"], abs=1e-4)
    assert scored.scores["context_coverage"] == 0.5 and scored.uncovered == ("Its mayor is Mr Smith.",)
    assert len(scored.passage_relevance) == 2
    assert scored.scores["context_relevance"] == pytest.approx(sum(scored.passage_relevance) / 2)


def test_turns_that_cannot_be_scored(checker: Checker) -> None:
    empty = score_turn(checker, RagTurn("1", "q?", (), "a", ()))
    assert empty.error is not None and set(empty.scores.values()) == {None}
    too_long = score_turn(checker, RagTurn("2", "q" * 1001, ("p",), "a", ()))
    assert too_long.error is not None and "1000" in too_long.error and set(too_long.scores.values()) == {None}
    report = evaluate_rag(checker, [RagTurn("3", "What?", ("Tokyo.",), "Tokyo.", ())], dataset="d")
    assert report.means()["context_coverage"] is None and report.as_dict()["scored"]["faithfulness"] == 1


def test_report_and_histogram(checker: Checker) -> None:
    answers = ["Tokyo is the capital of Japan.", "Bananas <b>grow</b> on Mars."]
    sources = ("Tokyo is the capital of Japan.",)
    turns = [RagTurn(str(i), "What is the capital of Japan?", sources, a, ()) for i, a in enumerate(answers)]
    html = render_report(evaluate_rag(checker, turns, dataset="<ds>"))
    assert "&lt;ds&gt;" in html and "Bananas &lt;b&gt;grow&lt;/b&gt; on Mars." in html and "<b>grow</b>" not in html
    svg = histogram([0.0, 0.05, 0.5, 1.0, 1.0], title="t")
    assert svg.count("<rect") == 10
    assert (
        "<title>0.0-0.1: 2</title>" in svg and "<title>0.9-1.0: 2</title>" in svg and "<title>0.5-0.6: 1</title>" in svg
    )
