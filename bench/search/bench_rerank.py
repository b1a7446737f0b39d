"""Reranking: nDCG@10 without and with a reranker, on SciFact held-out train queries and on the sample
documents, and the reranker's latency per query at k = 10, 25, 50.

    HF_HUB_OFFLINE=1 nice .venv/bin/python bench/search/bench_rerank.py
        [--reranker fusion|crossencoder|grounding-relevance] [--weights FILE]
        [--depths 10,25,50] [--timed-queries 10] [--quality-depths 10,25,50] [--latency-only | --no-latency]
        [--sets scifact,sample,docs]
        [--variants passage,s8,v1] [--embedder onnx|torch]

* **SciFact** (``../shared/eval/scifact``, train judgements only; the test split is held back): the mini corpus
  (1,279 abstracts, one abstract = one chunk), the bundled MiniLM, HYBRID top 50, the 300 queries of
  ``qrels/train_mini.tsv`` — none of which ``scripts/rerank/fit_fusion.py`` fits on. The first stage and every
  vector are shared with that script's cache (``bench/results/fusion_*``): run it first.
* **Sample documents** (``data/sample``: Markdown, HTML, PDF, DOCX, CSV, XLSX, text; default chunking): the 20
  answerable questions of ``bench/search/bench_answer_quality.py``; a chunk is relevant when it holds the phrase the
  answer must contain.
* **docs-corpus** (six files of ``../shared/eval/docs-corpus``, default chunking): the 21 questions of
  ``bench/data/docs_corpus_rerank.json`` (its ``about`` says who wrote them and how), judged the same way.

For each depth k the first k hits are reranked and the rest keep their search order. Quality is computed
with the embeddings memoised (the same numbers, faster; the shipped weights). Latency: the mini corpus is
indexed into a real knowledge base (SQLite + FAISS, from the cached vectors), and for ``--timed-queries``
queries the HYBRID top k is reranked as the service does, for each ``--variants`` feature set
(``scripts/rerank/compare_variants.py``; the cost does not depend on the weights' values) on two paths:

* ``hits`` (``rerankingConfiguration``): the hits' stored vectors read with ``KnowledgeBase.chunk_vectors``,
  then ``rerank`` — only the query (and any sentences the variant embeds) go through the model;
* ``sources`` (``Rerank``): free text, every passage embedded (one length-sorted batch).

``--reranker crossencoder`` is the shipped cross-encoder reranker (the fusion signals plus the logit of the
cross-encoder of ``retrieval/rerank/crossencoder.py``; with ``--weights FILE``, that cross-encoder alone): it
reads every passage, so both paths cost about the same and only ``hits`` is timed. **Its SciFact rows are
in-sample**: the combination was fitted on these 300 queries (the cross-encoder itself never saw them); the
cross-validated figure is ``scripts/rerank/fit_crossencoder_fusion.py``'s. The sample and docs-corpus sets are
unseen by both; its SciFact scores are read from
``scripts/rerank/score_crossencoder.py``'s cache where that holds them (the same numbers; a pair missing there
is scored here), and a text's scores are reused across depths. ``grounding-relevance`` is the grounding
cross-encoder's relevance head, untrained for this (the baseline). Texts are embedded with ``--embedder``:
``onnx`` (default) is the service's query embedder (ONNX Runtime fp32, exported into ``~/.ragkb/models`` if
missing), ``torch`` PyTorch fp32, ``torch-bf16`` the documents' default.
Each call is timed for wall time and CPU time of the whole process (all threads); the load average is printed
beside every row. Writes bench/results/rerank_<reranker>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench" / "search"), str(ROOT / "scripts/rerank")]

from bench_answer_quality import ANSWERABLE  # noqa: E402
from compare_variants import VARIANTS  # noqa: E402
from fit_fusion import CACHE, MemoEmbedder, _first_stage, digest, placeholder  # noqa: E402
from score_crossencoder import cached_logits  # noqa: E402

from app.core.wiring import GroundingRelevanceReranker, build_embedder, build_query_embedder  # noqa: E402
from app.settings import Settings  # noqa: E402
from evaluation import load_qrels, score_run  # noqa: E402
from evaluation.retrieval import Qrels, Run, build_corpus_kb, load_corpus, load_queries  # noqa: E402
from ingest import ChunkingConfig  # noqa: E402
from retrieval import (  # noqa: E402
    CrossEncoderReranker,
    Embedder,
    FolderSource,
    FusionReranker,
    KnowledgeBase,
    Reranker,
    rerank,
    sync_folder,
)
from retrieval.rerank.crossencoder import WEIGHTS as CROSSENCODER_WEIGHTS  # noqa: E402

SCIFACT = ROOT.parent / "shared/eval/scifact"
DOCS_CORPUS = ROOT.parent / "shared/eval/docs-corpus"
DOCS_QUERIES = ROOT / "bench/data/docs_corpus_rerank.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reranker", default="fusion", choices=["fusion", "crossencoder", "grounding-relevance"])
    parser.add_argument("--weights", type=Path, help="the cross-encoder's weights (train_crossencoder.py --out)")
    parser.add_argument("--quality-depths", default="10,25,50", help="depths scored for nDCG@10")
    parser.add_argument("--depths", default="10,25,50", help="depths timed")
    parser.add_argument("--timed-queries", type=int, default=10)
    parser.add_argument("--quality-queries", type=int, default=300, help="SciFact held-out queries scored")
    parser.add_argument("--latency-only", action="store_true", help="skip the quality tables")
    parser.add_argument("--sets", default="scifact,sample,docs", help="quality tables: scifact, sample, docs")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency table")
    parser.add_argument("--variants", default="passage", help=f"fusion variants timed, among {','.join(VARIANTS)}")
    parser.add_argument("--embedder", default="onnx", choices=["onnx", "torch", "torch-bf16"],
                        help="what the reranker embeds with (onnx: the service's query embedder)")  # fmt: skip
    args = parser.parse_args()
    weights = args.weights or CROSSENCODER_WEIGHTS
    shared = CrossEncoderReranker.load(weights) if args.reranker == "crossencoder" else None
    memo_ce = MemoReranker(shared) if shared is not None else None

    def shipped(embedder: Embedder, inner: Any) -> Reranker:  # the served reranker: fusion signals + its logit
        return FusionReranker.with_cross_encoder(embedder, inner)

    makers: dict[str, Callable[[Embedder], Reranker]] = {
        "fusion": FusionReranker, "grounding-relevance": lambda _: GroundingRelevanceReranker(),
        "crossencoder": (lambda _: memo_ce) if args.weights else (lambda embedder: shipped(embedder, memo_ce)),
    }  # type: ignore[dict-item]  # fmt: skip
    make = makers[args.reranker]
    plain = build_embedder(Settings(embedding_backend="torch"))
    memo = MemoEmbedder(plain)
    corpus = load_corpus(SCIFACT / "corpus_mini.jsonl")
    held = load_qrels(SCIFACT / "qrels/train_mini.tsv")
    held = {q: held[q] for q in sorted(held, key=int)[: args.quality_queries]}
    texts = load_queries(SCIFACT / "queries.jsonl")
    run = _first_stage(corpus, {q: texts[q] for q in held}, memo)
    run = {q: run[q] for q in held}
    results: dict[str, dict[str, dict[str, float]]] = {}

    reranker = make(memo)
    queries = {q: texts[q] for q in held}
    if memo_ce is not None:
        memo_ce.remember(cached_logits(weights), queries, corpus)
    if not args.latency_only:
        _quality_tables(results, reranker, run, held, queries, corpus, plain, make, memo, args)
    if args.no_latency:
        return _write(results, args)
    timed = (
        build_query_embedder(Settings(), prepare=True) if args.embedder == "onnx"
        else plain if args.embedder == "torch" else build_embedder(Settings(embedding_backend="torch-bf16"))
    )  # fmt: skip
    assert timed is not None
    rerankers = (
        {key: FusionReranker(timed, placeholder(VARIANTS[key][1], max_sentences=max(VARIANTS[key][2], 1)))
         for key in args.variants.split(",")}
        if args.reranker == "fusion"
        else {args.reranker: shared if args.weights else shipped(timed, shared)} if shared is not None
        else {args.reranker: make(plain)}
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        kb = build_corpus_kb(corpus, directory=Path(folder), embedder=memo, chunking=ChunkingConfig(strategy="none"))
        try:
            _latency(results, rerankers, kb, run, texts, args)
        finally:
            kb.close()


def _quality_tables(
    results: dict[str, dict[str, dict[str, float]]], reranker: Reranker, run: Run, held: Qrels,
    queries: dict[str, str], corpus: dict[str, str], plain: Embedder, make: Callable[[Embedder], Reranker],
    memo: MemoEmbedder, args: argparse.Namespace,
) -> None:  # fmt: skip
    sets = args.sets.split(",")
    if "scifact" in sets:
        results["scifact"] = _quality(reranker, run, held, queries, {d: t for d, t in corpus.items()}, args)
        print(f"\nSciFact corpus_mini, {len(held)} held-out train queries, HYBRID top 50, reranker {reranker.name}")
        _print(results["scifact"])
    if "sample" in sets:
        _sample_table(results, plain, make(memo), args)
    if "docs" in sets:
        _docs_table(results, plain, make(memo), args)


def _sample_table(
    results: dict[str, dict[str, dict[str, float]]], plain: Embedder, reranker: Reranker, args: argparse.Namespace
) -> None:
    sample_run, sample_qrels, sample_queries, chunks = _sample_documents(plain)
    results["sample"] = _quality(reranker, sample_run, sample_qrels, sample_queries, chunks, args)
    print(f"\ndata/sample ({len(chunks)} chunks), {len(sample_qrels)} answerable questions, HYBRID top 50")
    _print(results["sample"])


def _docs_table(
    results: dict[str, dict[str, dict[str, float]]], plain: Embedder, reranker: Reranker, args: argparse.Namespace
) -> None:
    labelled = json.loads(DOCS_QUERIES.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        for name in labelled["files"]:  # only these files (copied: a sync refuses links that leave its folder)
            shutil.copyfile(DOCS_CORPUS / name, Path(folder) / name.replace("/", "__"))
        docs = _judged_run(plain, Path(folder), [tuple(pair) for pair in labelled["questions"]])
    results["docs-corpus"] = _quality(reranker, *docs, args)
    print(f"\ndocs-corpus, {len(labelled['files'])} files ({len(docs[3])} chunks seen), {len(docs[1])} questions "
          f"of {DOCS_QUERIES.relative_to(ROOT)}, HYBRID top 50")  # fmt: skip
    _print(results["docs-corpus"])


def _latency(
    results: dict[str, dict[str, dict[str, float]]], rerankers: dict[str, Reranker], kb: KnowledgeBase, run: Run,
    texts: dict[str, str], args: argparse.Namespace,
) -> None:  # fmt: skip
    timing: dict[str, dict[str, float]] = {}
    queries = list(run)[: args.timed_queries]
    print(f"\nlatency per query, {len(queries)} SciFact queries, HYBRID top k reranked, embedder {args.embedder}; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'variant':10} {'path':8} {'k':>3} {'wall p50':>9} {'p99':>8} {'CPU p50':>8} {'CPU p99':>8}  load (1 min)")
    for key, reranker in rerankers.items():
        reranker.scores("warm up", ["the first call loads kernels", "and a second text"])
        for depth in (int(d) for d in args.depths.split(",")):
            found = {qid: kb.retrieve(texts[qid], k=depth, search_type="HYBRID") for qid in queries}
            for path in ("hits", "sources") if args.reranker == "fusion" else ("hits",):
                wall, cpu = [], []
                for qid in queries:
                    hits = found[qid]
                    tick, tock = time.perf_counter(), time.process_time()
                    if path == "hits":
                        rerank(reranker, texts[qid], hits, vectors=kb.chunk_vectors(h.chunk_id for h in hits))
                    else:
                        reranker.scores(texts[qid], [h.text for h in hits])
                    wall.append((time.perf_counter() - tick) * 1000)
                    cpu.append((time.process_time() - tock) * 1000)
                row = {"ms_p50": statistics.median(wall), "ms_p99": _p99(wall), "cpu_ms_p50": statistics.median(cpu),
                       "cpu_ms_p99": _p99(cpu), "timed": len(wall), "load_1min": os.getloadavg()[0]}  # fmt: skip
                timing[f"{key} {path} k={depth}"] = row
                print(f"{key:10} {path:8} {depth:3} {row['ms_p50']:9.1f} {row['ms_p99']:8.1f} {row['cpu_ms_p50']:8.1f} "
                      f"{row['cpu_ms_p99']:8.1f}  {row['load_1min']:.2f}", flush=True)  # fmt: skip
    results["latency"] = timing
    _write(results, args)


def _write(results: dict[str, dict[str, dict[str, float]]], args: argparse.Namespace) -> None:
    out = CACHE / f"rerank_{args.reranker}.json"
    out.write_text(json.dumps({"reranker": args.reranker, "embedder": args.embedder, "results": results}, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


class MemoReranker:
    """The cross-encoder with every (query, text) pair's logit remembered: a pair is scored once whatever the
    depth (a cross-encoder scores each pair on its own), and pairs scored by ``score_crossencoder.py`` are
    read from its cache."""

    def __init__(self, inner: CrossEncoderReranker | None) -> None:
        assert inner is not None
        self.inner, self.name = inner, inner.name
        self.remembered: dict[str, float] = {}

    def remember(self, cached: dict[str, dict[str, float]], queries: dict[str, str], corpus: dict[str, str]) -> None:
        for qid, by_doc in cached.items():
            if qid in queries:
                self.remembered.update((digest(queries[qid] + "\0" + corpus[d]), v) for d, v in by_doc.items())

    def scores(self, query: str, texts: Sequence[str], *, vectors: object = None) -> npt.NDArray[np.float32]:
        return (1.0 / (1.0 + np.exp(-self.logits(query, texts)))).astype(np.float32)

    def logits(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        keys = [digest(query + "\0" + text) for text in texts]
        missing = [i for i, key in enumerate(keys) if key not in self.remembered]
        if missing:
            fresh = self.inner.logits(query, [texts[i] for i in missing])
            self.remembered.update((keys[i], float(v)) for i, v in zip(missing, fresh, strict=True))
        return np.array([self.remembered[k] for k in keys], dtype=np.float32)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _quality(
    reranker: Reranker, run: Run, qrels: Qrels, queries: dict[str, str], texts: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, dict[str, float]]:  # fmt: skip
    rows = {"none": _scores(run, qrels)}
    for depth in (int(d) for d in args.quality_depths.split(",")):
        reranked: Run = {}
        for qid, ranked in run.items():
            head = ranked[:depth]
            scores = reranker.scores(queries[qid], [texts[d] for d, _ in head])
            order = sorted(range(len(head)), key=lambda i: (-float(scores[i]), i))
            reranked[qid] = [(head[i][0], float(scores[i])) for i in order] + ranked[depth:]
        rows[f"k={depth}"] = _scores(reranked, qrels)
    return rows


def _scores(run: Run, qrels: Qrels) -> dict[str, float]:
    values = score_run(run, qrels).as_dict()
    return {"nDCG@10": float(values["nDCG@10"]), "Recall@10": float(values["Recall@10"]),
            "MRR@10": float(values["MRR@10"])}  # fmt: skip


def _print(rows: dict[str, dict[str, float]]) -> None:
    print(f"{'rerank':8} {'nDCG@10':>8} {'vs none':>8} {'R@10':>7} {'MRR@10':>7}")
    for label, row in rows.items():
        delta = "" if label == "none" else f"{row['nDCG@10'] - rows['none']['nDCG@10']:+8.4f}"
        print(f"{label:8} {row['nDCG@10']:8.4f} {delta:>8} {row['Recall@10']:7.4f} {row['MRR@10']:7.4f}")


def _sample_documents(embedder: Embedder) -> tuple[Run, Qrels, dict[str, str], dict[str, str]]:
    """data/sample and the answerable questions of ``bench_answer_quality``, judged by :func:`_judged_run`."""
    return _judged_run(embedder, ROOT / "data/sample", ANSWERABLE)


def _judged_run(
    embedder: Embedder, folder: Path, questions: Sequence[tuple[str, str]]
) -> tuple[Run, Qrels, dict[str, str], dict[str, str]]:
    """``folder`` indexed as ``ragkb sync`` does, each question's top 50 chunks, and judgements: a chunk is
    relevant when it holds the question's phrase (case-insensitive, whitespace collapsed)."""
    with tempfile.TemporaryDirectory() as home:
        kb = KnowledgeBase(directory=Path(home), embedder=embedder, chunking=ChunkingConfig())
        sync_folder(kb, FolderSource("DS00000001", folder))
        run: Run = {}
        chunks: dict[str, str] = {}
        qrels: Qrels = {}
        queries = {str(i): question for i, (question, _) in enumerate(questions)}
        for qid, question in queries.items():
            hits = kb.retrieve(question, k=50, search_type="HYBRID")
            run[qid] = [(hit.chunk_id, hit.score) for hit in hits]
            chunks.update((hit.chunk_id, hit.text) for hit in hits)
        kb.close()
    for qid, (_, phrase) in enumerate(questions):
        relevant = {chunk: 1 for chunk, text in chunks.items() if _plain(phrase) in _plain(text)}
        if relevant:
            qrels[str(qid)] = relevant
    return {q: run[q] for q in qrels}, qrels, {q: queries[q] for q in qrels}, chunks


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


if __name__ == "__main__":
    main()
