"""BEIR retrieval evaluation: metric arithmetic, the CLI, and SciFact quality with the real model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evaluation.retrieval import evaluate, load_qrels, score_run, write_trec_run
from ingest.chunking import ChunkingConfig
from tests.support import ragkb

SCIFACT = Path(__file__).resolve().parents[3] / "shared" / "eval" / "scifact"


def test_metrics_on_a_hand_computed_run() -> None:
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 2}}
    run = {"q1": [("x", 0.9), ("a", 0.8), ("y", 0.7)], "q2": [("c", 0.5)]}
    scores = score_run(run, qrels)
    q1_ndcg = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert scores.ndcg_at_10 == pytest.approx((q1_ndcg + 1.0) / 2)
    assert scores.recall_at_10 == pytest.approx((0.5 + 1.0) / 2)
    assert scores.mrr_at_10 == pytest.approx((0.5 + 1.0) / 2)
    assert scores.queries == 2


def test_qrels_header_and_trec_run_format(tmp_path: Path) -> None:
    qrels_file = tmp_path / "qrels.tsv"
    qrels_file.write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\t0\n", encoding="utf-8")
    assert load_qrels(qrels_file) == {"1": {"d1": 1, "d2": 0}}
    run_file = tmp_path / "run.tsv"
    write_trec_run({"1": [("d1", 0.5), ("d2", 0.25)]}, run_file, tag="t")
    assert run_file.read_text().splitlines() == ["1 Q0 d1 1 0.500000 t", "1 Q0 d2 2 0.250000 t"]


def write_beir(folder: Path) -> tuple[Path, Path, Path]:
    docs = {
        "d1": ("Coffee roasting", "Drum roasters heat green coffee beans until first crack."),
        "d2": ("Tea brewing", "Green tea is brewed at seventy degrees for two minutes."),
        "d3": ("Bicycle repair", "A flat tyre is fixed by patching the inner tube."),
    }
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, (t, x) in docs.items()))
    queries = folder / "queries.jsonl"
    queries.write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in [("1", "roasting beans"), ("2", "patch tyre")])
    )
    qrels = folder / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n2\td3\t1\n")
    return corpus, queries, qrels


def test_eval_retrieval_cli(tmp_path: Path) -> None:
    corpus, queries, qrels = write_beir(tmp_path)
    result = ragkb(
        "eval", "retrieval", "--corpus", str(corpus), "--queries", str(queries), "--qrels", str(qrels),
        "--search-type", "hybrid", "--run", str(tmp_path / "run.tsv"), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["search_type"] == "HYBRID" and scores["queries"] == 2
    assert scores["nDCG@10"] == pytest.approx(1.0)
    first_lines = [line.split() for line in (tmp_path / "run.tsv").read_text().splitlines() if " 1 " in line[:12]]
    assert {(parts[0], parts[2]) for parts in first_lines} == {("1", "d1"), ("2", "d3")}


@pytest.mark.slow
@pytest.mark.corpus
def test_scifact_mini_dense_quality_and_hybrid_beats_it() -> None:
    if not SCIFACT.is_dir():
        pytest.skip("../shared/eval/scifact is absent")
    from retrieval.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    kwargs = dict(corpus=SCIFACT / "corpus_mini.jsonl", queries=SCIFACT / "queries.jsonl",
                  qrels=SCIFACT / "qrels" / "train_mini.tsv", embedder=embedder,
                  chunking=ChunkingConfig(strategy="none"))  # fmt: skip
    results = evaluate(search_types=["SEMANTIC", "HYBRID"], **kwargs)  # type: ignore[arg-type]
    dense, hybrid = results["SEMANTIC"][0], results["HYBRID"][0]
    # Measured 0.778 / 0.796 (bench/search/bench_retrieval_quality.py); the floor guards against regressions.
    assert dense.ndcg_at_10 >= 0.76
    assert hybrid.ndcg_at_10 > dense.ndcg_at_10
