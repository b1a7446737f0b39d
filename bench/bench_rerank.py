"""Reranking on SciFact (train judgements): nDCG@10 without and with the cross-encoder reranker, and its latency.

    .venv/bin/python bench/bench_rerank.py [--full] [--queries 100] [--search-type HYBRID] [--depths 10,25,50]

Builds a knowledge base from the corpus (mini by default: 1,279 abstracts; --full: 5,183) with the bundled
MiniLM embedder and no chunking (one abstract = one chunk), retrieves 50 documents per judged query, then for
each depth k reranks the first k with ``CrossEncoderReranker`` (the grounding cross-encoder's relevance head,
no training for this task) and keeps the rest in search order. Prints nDCG@10, Recall@10 and MRR@10 per depth
and the reranker's time per query (wall median and p95, and CPU median: k pairs scored in one call, this
machine's CPU threads), and writes bench/results/rerank[_full].json. The first stage (index + search) is cached
in bench/results/, so a second run measures the reranker alone. Train judgements only: SciFact's test split
is held back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from app.core.wiring import CrossEncoderReranker, build_embedder
from app.settings import Settings
from evaluation import RetrievalScores, load_qrels, score_run
from evaluation.retrieval import build_corpus_kb, load_corpus, load_queries, run_queries
from ingest.chunking import ChunkingConfig

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared/eval/scifact"
DEPTH = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="full corpus + qrels/train.tsv (slow)")
    parser.add_argument("--queries", type=int, default=100, help="judged queries to use (first N by id order)")
    parser.add_argument("--search-type", default="HYBRID", choices=["SEMANTIC", "HYBRID"])
    parser.add_argument("--depths", default="10,25,50", help="comma-separated rerank depths (at most 50)")
    parser.add_argument("--timed-only", default="", help="depths only timed, on --timed-queries queries (no nDCG)")
    parser.add_argument("--timed-queries", type=int, default=10, help="queries the --timed-only depths run on")
    args = parser.parse_args()
    corpus = load_corpus(SCIFACT / ("corpus.jsonl" if args.full else "corpus_mini.jsonl"))
    qrels = load_qrels(SCIFACT / "qrels" / ("train.tsv" if args.full else "train_mini.tsv"))
    judged = sorted(qrels, key=int)[: args.queries]
    qrels = {q: qrels[q] for q in judged}
    queries = {q: text for q, text in load_queries(SCIFACT / "queries.jsonl").items() if q in qrels}

    # The first stage is cached: indexing is the slow part and does not change between reranker runs.
    cache = ROOT / f"bench/results/rerank_run{'_full' if args.full else ''}_{args.search_type}_{len(queries)}.json"
    if cache.is_file():
        run = {q: [(d, score) for d, score in ranked] for q, ranked in json.loads(cache.read_text()).items()}
    else:
        embedder = build_embedder(Settings(embedding_backend="torch"))
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            chunking = ChunkingConfig(strategy="none")
            kb = build_corpus_kb(corpus, directory=Path(folder), embedder=embedder, chunking=chunking)
            run = run_queries(kb, queries, search_type=args.search_type, depth=DEPTH)
            kb.close()
        elapsed = time.perf_counter() - started
        print(f"indexed {len(corpus)} documents and searched {len(queries)} queries in {elapsed:.0f} s", flush=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(run))

    reranker = CrossEncoderReranker()
    reranker.scores("warm up", ["the first call loads kernels"])
    rows = {"none": _row(score_run(run, qrels), [], [])}
    timed_only = {int(d) for d in args.timed_only.split(",") if d}
    for depth in (int(d) for d in args.depths.split(",")):
        reranked, seconds, cpu = {}, [], []
        for n, (qid, ranked) in enumerate(run.items()):
            if depth in timed_only and n >= args.timed_queries:
                break
            head = ranked[:depth]
            tick, tock = time.perf_counter(), time.process_time()
            scores = reranker.scores(queries[qid], [corpus[doc] for doc, _ in head])
            seconds.append(time.perf_counter() - tick)
            cpu.append(time.process_time() - tock)
            order = sorted(range(len(head)), key=lambda i: -float(scores[i]))
            reranked[qid] = [(head[i][0], float(scores[i])) for i in order] + ranked[depth:]
        if depth in timed_only:  # too few queries for a quality figure: time only
            rows[f"k={depth}"] = _row(None, seconds, cpu)
        else:
            rows[f"k={depth}"] = _row(score_run(reranked, qrels), seconds, cpu)

    name = "corpus.jsonl" if args.full else "corpus_mini.jsonl"
    print(f"\nSciFact {name}, {len(queries)} judged train queries, {args.search_type} top {DEPTH}, "
          f"reranker {reranker.name}\n")  # fmt: skip
    print(f"{'rerank':8} {'nDCG@10':>8} {'vs none':>8} {'R@10':>7} {'MRR@10':>7} {'ms/query p50':>13} {'p95':>7} "
          f"{'CPU ms p50':>11}")  # fmt: skip
    for label, row in rows.items():
        if "nDCG@10" in row:
            delta = row["nDCG@10"] - rows["none"]["nDCG@10"]
            quality = f"{row['nDCG@10']:8.4f} {delta:+8.4f} {row['Recall@10']:7.4f} {row['MRR@10']:7.4f}"
        else:
            quality = f"{'(timed on ' + str(row['timed']) + ' queries)':>33}"
        print(f"{label:8} {quality} {row['ms_p50']:13.0f} {row['ms_p95']:7.0f} {row['cpu_ms_p50']:11.0f}")
    out = ROOT / f"bench/results/rerank{'_full' if args.full else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"corpus": name, "queries": len(queries), "search_type": args.search_type,
                               "rows": rows}, indent=2) + "\n")  # fmt: skip
    print(f"\nwrote {out.relative_to(ROOT)}")


def _row(scores: RetrievalScores | None, seconds: list[float], cpu: list[float]) -> dict[str, float]:
    """Quality (unless only timed), wall time per query (p50, p95) and CPU time per query (all threads; steadier
    on a busy machine)."""
    ms = sorted(s * 1000 for s in seconds) or [0.0]
    row = {"ms_p50": statistics.median(ms), "ms_p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
           "cpu_ms_p50": statistics.median(c * 1000 for c in cpu) if cpu else 0.0, "timed": len(seconds)}  # fmt: skip
    if scores is not None:
        values = scores.as_dict()
        row |= {"nDCG@10": values["nDCG@10"], "Recall@10": values["Recall@10"], "MRR@10": values["MRR@10"]}
    return row


if __name__ == "__main__":
    main()
