"""``ragkb eval ...``: measure retrieval quality, grounding detection and RAG outputs on labelled data.

The evaluation logic lives in the ``evaluation`` package; these commands only read options and print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.context import current_run
from app.cli.ingest import ChunkingOpt, MaxTokensOpt, OverlapOpt, chunking_config
from app.cli.terminal import err, out, print_json, progress_bar
from app.core.wiring import build_checker, build_embedder
from evaluation import (
    METRICS,
    TITLES,
    detection_scores,
    evaluate,
    evaluate_rag,
    predict,
    read_grounding_dataset,
    read_rag_dataset,
    render_report,
    write_predictions,
    write_trec_run,
)
from grounding import DEFAULT_GROUNDING_THRESHOLD, HYBRID_GROUNDING_THRESHOLD
from retrieval import DEFAULT_SEARCH_TYPE

eval_cli = typer.Typer(help="Evaluate retrieval, grounding checks and RAG outputs on datasets.", no_args_is_help=True)
DatasetOpt = Annotated[Path, typer.Option("--dataset", exists=True, dir_okay=False, help="The JSONL dataset.")]


@eval_cli.command("retrieval")
def eval_retrieval(
    ctx: typer.Context,
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="BEIR corpus.jsonl (_id, title, text).")],
    queries: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="BEIR queries.jsonl (_id, text).")],
    qrels: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="BEIR qrels TSV (query-id, corpus-id, score).")
    ],
    search_type: Annotated[str, typer.Option("--search-type", help="HYBRID (the default) or SEMANTIC.")] = (
        DEFAULT_SEARCH_TYPE
    ),
    chunking: ChunkingOpt = "none",
    max_tokens: MaxTokensOpt = None,
    overlap_pct: OverlapOpt = None,
    run: Annotated[Path | None, typer.Option("--run", help="Also write a TREC run file here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Build a throw-away knowledge base from a BEIR corpus and score the queries that have judgements.

    Prints nDCG@10, Recall@10, Recall@100 and MRR@10. Chunking defaults to one chunk per document
    (as BEIR results are usually reported); a document's score is its best chunk's.

    Example: ragkb eval retrieval --corpus ../shared/eval/scifact/corpus_mini.jsonl
    --queries ../shared/eval/scifact/queries.jsonl --qrels ../shared/eval/scifact/qrels/train_mini.tsv
    """
    search_type = search_type.upper()
    if search_type not in ("SEMANTIC", "HYBRID"):
        raise typer.BadParameter("use SEMANTIC or HYBRID", param_hint="--search-type")
    config = chunking_config(chunking, max_tokens, overlap_pct)
    embedder = build_embedder(current_run(ctx).settings())
    with progress_bar("Embedding corpus", total=None) as update:
        results = evaluate(corpus=corpus, queries=queries, qrels=qrels, embedder=embedder, chunking=config,
                           search_types=[search_type], progress=update)  # type: ignore[list-item]  # fmt: skip
    scores, ranking = results[search_type]  # type: ignore[index]
    if run is not None:
        write_trec_run(ranking, run, tag=f"ragkb-{search_type.lower()}")
    result = {"search_type": search_type, "embedder": embedder.name, **scores.as_dict()}
    if as_json:
        print_json(result)
        return
    out.print(f"{scores.queries} queries, {search_type}, {embedder.name}")
    for key in ("nDCG@10", "Recall@10", "Recall@100", "MRR@10"):
        out.print(f"  {key:11} {result[key]:.4f}")


@eval_cli.command("grounding")
def eval_grounding(
    ctx: typer.Context,
    dataset: DatasetOpt,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", help='Write {"id", "grounding_score", "relevance_score"} lines.')
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=0.99,
            help="Flag answers whose grounding score is below it (default: the configured checker's calibrated "
            f"threshold: {HYBRID_GROUNDING_THRESHOLD} for the default v3, {DEFAULT_GROUNDING_THRESHOLD} for v1; "
            "RAGKB_GROUNDING_MODEL).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """How well the grounding check detects ungrounded answers.

    Each line of the dataset: {"id", "sources": [str], "query", "answer", "label": "grounded" | "ungrounded"}.
    Prints n, balanced accuracy and F1 (positive class: ungrounded, i.e. detected) at the threshold,
    AUROC and the median latency of one check. Items the checker refuses (over the limits) are skipped
    with a warning.

    Example: ragkb eval grounding --dataset pairs.jsonl --predictions scores.jsonl
    """
    items = read_grounding_dataset(dataset)
    checker = build_checker(current_run(ctx).settings())
    with progress_bar("Checking", total=len(items)) as update:
        run = predict(checker, items, progress=update)
    for item_id, reason in run.skipped:
        err.print(f"[yellow]skipped[/] {item_id}: {reason}")
    limit = checker.default_threshold if threshold is None else threshold
    scores = detection_scores(run.predictions, threshold=limit)
    if predictions is not None:
        write_predictions(run.predictions, predictions)
    if as_json:
        print_json(scores.as_dict())
        return
    auroc = "n/a (one class only)" if scores.auroc is None else f"{scores.auroc:.4f}"
    out.print(f"{scores.n} items, threshold {scores.threshold:.2f} ({len(run.skipped)} skipped)")
    out.print(f"  balanced accuracy  {scores.balanced_accuracy:.4f}")
    out.print(f"  F1 (ungrounded)    {scores.f1:.4f}")
    out.print(f"  AUROC              {auroc}")
    out.print(f"  latency p50        {scores.latency_ms_p50:.1f} ms per item")


@eval_cli.command("rag")
def eval_rag(
    ctx: typer.Context,
    dataset: DatasetOpt,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report (histograms, worst cases).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every item's scores and the means as JSON.")] = False,
) -> None:
    """Score RAG outputs in Bedrock's evaluation JSONL ("bring your own inference responses").

    Retrieve-and-generate lines (output.text + output.retrievedPassages) and retrieve-only lines
    (output.retrievedResults) are both read. Per item and on average: faithfulness (grounding of the
    output in the passages), answer relevance, context relevance (of the passages to the prompt) and,
    with referenceResponses, context coverage (share of the reference's claims the passages support).

    Example: ragkb eval rag --dataset rag-outputs.jsonl --report report.html
    """
    turns = read_rag_dataset(dataset)
    checker = build_checker(current_run(ctx).settings())
    with progress_bar("Scoring", total=len(turns)) as update:
        result = evaluate_rag(checker, turns, dataset=dataset.name, progress=update)
    if report is not None:
        report.write_text(render_report(result), encoding="utf-8")
    if as_json:
        print_json(result.as_dict())
        return
    means = result.means()
    out.print(f"{len(result.turns)} items")
    for metric in METRICS:
        scored = sum(t.scores[metric] is not None for t in result.turns)
        shown = "n/a" if means[metric] is None else f"{means[metric]:.4f}"
        out.print(f"  {TITLES[metric]:18} {shown}  ({scored} scored)")
    for turn in result.turns:
        if turn.error:
            err.print(f"[yellow]not scored[/] {turn.turn.id}: {turn.error}")
    if report is not None:
        out.print(f"Report: {report}")
