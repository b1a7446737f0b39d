"""Measure the libraries on labelled data: retrieval quality, grounding detection, RAG outputs, an HTML report.

    from evaluation import evaluate, read_rag_dataset, evaluate_rag, render_report
    results = evaluate(corpus=..., queries=..., qrels=..., embedder=embedder, chunking=config,
                       search_types=["SEMANTIC"])
    scores, run = results["SEMANTIC"]
    report = evaluate_rag(checker, read_rag_dataset(Path("turns.jsonl")))
    Path("report.html").write_text(render_report(report))

A library like ``ingest``, ``retrieval`` and ``grounding``: it takes explicit arguments and never imports ``app``.
"""

from evaluation.grounding import (
    DatasetError,
    DetectionScores,
    GroundingItem,
    Prediction,
    PredictionRun,
    detection_scores,
    predict,
    read_grounding_dataset,
    write_predictions,
)
from evaluation.rag import (
    METRICS,
    RagReport,
    RagTurn,
    TurnScores,
    evaluate_rag,
    read_rag_dataset,
    score_turn,
    turn_view,
)
from evaluation.report import TITLES, render_report
from evaluation.retrieval import RetrievalScores, evaluate, load_qrels, score_run, write_trec_run

__all__ = [
    "METRICS", "TITLES", "DatasetError", "DetectionScores", "GroundingItem", "Prediction", "PredictionRun",
    "RagReport", "RagTurn", "RetrievalScores", "TurnScores", "detection_scores", "evaluate", "evaluate_rag",
    "load_qrels", "predict", "read_grounding_dataset", "read_rag_dataset", "render_report", "score_run",
    "score_turn", "turn_view", "write_predictions", "write_trec_run",
]  # fmt: skip
