"""Can a knowledge base built with one embedding backend be queried with another? (Speed II, item 2)

Builds (or reuses, ``--kb-dir``) a knowledge base of the SciFact corpus written by ``torch-bf16``
(the default documents' backend), one chunk per abstract. Then, in the same run:

1. every SciFact query (all of queries.jsonl) is embedded by each backend; the table gives the cosine
   of each backend's vector to ``torch`` (fp32) and to ``torch-bf16``, min and mean;
2. the knowledge base is queried with each query backend (``query_embedder``), SEMANTIC and HYBRID,
   and nDCG@10 on the judged queries is compared with querying through ``torch-bf16`` itself;
3. single-query embedding latency per backend (p50/p99 over the first 200 queries, 3 passes, median).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search/bench_query_backends.py [--full] [--kb-dir /tmp/scifact-bf16]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from app.core.wiring import build_embedder
from app.settings import Settings
from evaluation.retrieval import build_corpus_kb, load_corpus, load_qrels, load_queries, run_queries, score_run
from ingest.chunking import ChunkingConfig
from retrieval import Embedder, KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
SCIFACT = ROOT.parent / "shared/eval/scifact"
BACKENDS = ("torch", "torch-bf16", "onnx", "onnx-int8")


def latency(embedder: Embedder, queries: list[str], *, passes: int = 3) -> tuple[float, float]:
    p50s, p99s = [], []
    for _ in range(passes):
        times = []
        for query in queries:
            start = time.perf_counter()
            embedder.embed_query(query)
            times.append((time.perf_counter() - start) * 1000)
        p50s.append(float(np.percentile(times, 50)))
        p99s.append(float(np.percentile(times, 99)))
    return statistics.median(p50s), statistics.median(p99s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="full corpus + qrels/train.tsv (else the mini corpus)")
    parser.add_argument("--kb-dir", type=Path, default=None, help="reuse/keep the torch-bf16 knowledge base here")
    parser.add_argument("--ndcg-backends", default=",".join(BACKENDS), help="query backends scored for nDCG@10")
    parser.add_argument("--latency-queries", type=int, default=200)
    args = parser.parse_args()
    corpus_file = SCIFACT / ("corpus.jsonl" if args.full else "corpus_mini.jsonl")
    qrels = load_qrels(SCIFACT / "qrels" / ("train.tsv" if args.full else "train_mini.tsv"))
    queries = load_queries(SCIFACT / "queries.jsonl")
    judged = {q: text for q, text in queries.items() if q in qrels}
    home = Path(tempfile.mkdtemp(prefix="ragkb-bench-qb-"))
    embedders = {b: build_embedder(Settings(home=home, embedding_backend=b)) for b in BACKENDS}
    kb_dir = args.kb_dir or home / "kb"
    documents = embedders["torch-bf16"]
    if not (kb_dir / "catalog.sqlite").exists():
        start = time.perf_counter()
        build_corpus_kb(load_corpus(corpus_file), directory=kb_dir, embedder=documents, chunking=ChunkingConfig(
            strategy="none")).save()  # fmt: skip
        print(f"built {kb_dir} with torch-bf16 in {time.perf_counter() - start:.0f} s", flush=True)

    texts = list(queries.values())
    vectors = {b: e.embed_documents(texts) for b, e in embedders.items()}
    report: dict[str, dict[str, float]] = {}
    for backend in BACKENDS:
        to_fp32 = np.sum(vectors[backend] * vectors["torch"], axis=1)
        to_bf16 = np.sum(vectors[backend] * vectors["torch-bf16"], axis=1)
        p50, p99 = latency(embedders[backend], texts[: args.latency_queries])
        report[backend] = {
            "cos_fp32_min": float(to_fp32.min()), "cos_fp32_mean": float(to_fp32.mean()),
            "cos_bf16_min": float(to_bf16.min()), "cos_bf16_mean": float(to_bf16.mean()),
            "query_p50_ms": p50, "query_p99_ms": p99,
        }  # fmt: skip
        for search_type in ("SEMANTIC", "HYBRID") if backend in args.ndcg_backends.split(",") else ():
            kb = KnowledgeBase(
                directory=kb_dir, embedder=documents, chunking=ChunkingConfig(strategy="none"),
                query_embedder=embedders[backend] if backend != "onnx-int8" else None,
            )  # fmt: skip
            if backend == "onnx-int8":  # not equivalent: refused as query backend, so scored by hand for the table
                kb.query_embedder = embedders[backend]
            scores = score_run(run_queries(kb, judged, search_type=search_type), qrels)
            report[backend][f"{search_type}_ndcg10"] = scores.ndcg_at_10
            kb.close()

    print(f"\nSciFact {corpus_file.name}: {len(texts)} queries embedded, {len(judged)} judged; "
          "knowledge base written by torch-bf16, queried by each backend\n")  # fmt: skip
    print("| query backend | cos to fp32 min / mean | cos to bf16 min / mean | query p50 ms | p99 ms "
          "| SEMANTIC nDCG@10 | HYBRID nDCG@10 |\n|---|---|---|---:|---:|---:|---:|")  # fmt: skip
    base = report["torch-bf16"]
    for backend, r in report.items():
        if "HYBRID_ndcg10" not in r:
            r["SEMANTIC_ndcg10"] = r["HYBRID_ndcg10"] = float("nan")
        print(f"| {backend} | {r['cos_fp32_min']:.6f} / {r['cos_fp32_mean']:.6f} | {r['cos_bf16_min']:.6f} / "
              f"{r['cos_bf16_mean']:.6f} | {r['query_p50_ms']:.1f} | {r['query_p99_ms']:.1f} | "
              f"{r['SEMANTIC_ndcg10']:.4f} ({r['SEMANTIC_ndcg10'] - base['SEMANTIC_ndcg10']:+.4f}) | "
              f"{r['HYBRID_ndcg10']:.4f} ({r['HYBRID_ndcg10'] - base['HYBRID_ndcg10']:+.4f}) |")  # fmt: skip
    out = ROOT / "bench" / "results" / "query_backends.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"corpus": corpus_file.name, "backends": report}, indent=2))


if __name__ == "__main__":
    main()
