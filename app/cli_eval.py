"""``ragkb eval ...``: measure retrieval quality on labelled data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli_ingest import ChunkingOpt, MaxTokensOpt, OverlapOpt, chunking_config
from app.settings import Settings
from app.terminal import out, print_json, progress_bar
from app.wiring import build_embedder
from retrieval.evaluation import evaluate, write_trec_run

eval_cli = typer.Typer(help="Evaluate retrieval (and, later, grounding) on labelled datasets.", no_args_is_help=True)


@eval_cli.command("retrieval")
def eval_retrieval(
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="BEIR corpus.jsonl (_id, title, text).")],
    queries: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="BEIR queries.jsonl (_id, text).")],
    qrels: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="BEIR qrels TSV (query-id, corpus-id, score).")
    ],
    search_type: Annotated[str, typer.Option("--search-type", help="SEMANTIC or HYBRID (default).")] = "HYBRID",
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
    settings = Settings()
    embedder = build_embedder(settings)
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
