"""Keyword search engines side by side (Speed II, item 1): SQLite FTS5 (today's), tantivy and bm25s.

Latency part: ``--sizes`` chunks of SciFact-like text (120-word windows of real abstracts, drawn at
random as ``bench_query.py`` does), indexed by each engine; 200 SciFact claims searched one at a
time for the top 50 (what HYBRID asks for), 3 passes, p50/p99 median over passes with the spread of
the p50. Also: build time, index size on disk, and the update cost (add 1,000 chunks and delete
1,000, each made durable: FTS5 commit, tantivy commit, bm25s has no update and is rebuilt).

* FTS5: ragkb's own ``Catalog.keyword_search`` (porter tokenizer, stop words and words in > 20 % of
  chunks left out), on a real catalog.
* tantivy (``en_stem`` tokenizer, BM25 k1=1.2 b=0.75 like FTS5; an OR of the query's words without
  stop words; top-k by block-max WAND, ``count=False`` so it may stop early).
* bm25s (``method="lucene"``, English stop words, PyStemmer's English stemmer): scores precomputed
  into a sparse matrix at indexing; a query sums the rows of its words.

Quality part (``--kb-dir`` of ``bench_query_backends.py``, a SciFact corpus written by torch-bf16;
``--qrels train_mini.tsv`` for the mini corpus): HYBRID nDCG@10 on the train queries with the same
dense side (ONNX fp32 queries) fused (RRF, k=60, top 100 each, as evaluation.retrieval.run_queries
asks) with each engine's keyword side.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search/bench_keywords.py --sizes 100000 --keyword-alone
    HF_HUB_OFFLINE=1 .venv/bin/python bench/search/bench_keywords.py --sizes --kb-dir /tmp/scifact-mini-bf16 \
        --qrels train_mini.tsv
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

import numpy as np
from synthetic_vectors import SCIFACT, scifact_texts

from retrieval.knowledge_base import reciprocal_rank_fusion
from retrieval.store.catalog import Catalog
from retrieval.store.keyword_index import or_query
from retrieval.store.rows import NewChunk

ROOT = Path(__file__).resolve().parents[2]
Hits = list[tuple[int, float]]


class Fts5:
    name = "SQLite FTS5 (today)"

    def __init__(self, folder: Path) -> None:
        self.path = folder / "catalog.sqlite"
        self.catalog = Catalog(self.path)
        self._documents = 0

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> list[int]:
        rows = [
            NewChunk(chunk_id=f"c{i}", index=n, text=t, token_count=150, location={}, metadata={}, parent_id=None,
                     searchable=True, vector=np.zeros(4, dtype=np.float32))
            for n, (i, t) in enumerate(zip(ids, texts, strict=True))
        ]  # fmt: skip
        created: list[int] = []
        for start in range(0, len(rows), 1000):
            with self.catalog.transaction():
                self._documents += 1
                document = self.catalog.upsert_document(
                    data_source_id="B", uri=f"d{self._documents}", hashes=("", "", ""), size=0, mtime_ns=0,
                    metadata={}, now="",
                )  # fmt: skip
                created += self.catalog.replace_chunks(document, rows[start : start + 1000])[1]
        return created

    def delete(self, ids: Sequence[int]) -> None:
        with self.catalog.transaction():
            self.catalog._delete_fts(list(ids))

    def search(self, query: str, k: int) -> Hits:
        return self.catalog.keyword_search(query, limit=k)

    def size(self) -> int:
        rows = self.catalog._db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'chunks_fts%'").fetchone()
        return int(rows[0] or 0)


class Tantivy:
    name = "tantivy"

    def __init__(self, folder: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=False, indexed=True, fast=True)
        builder.add_text_field("text", stored=False, tokenizer_name="en_stem", index_option="freq")
        self.folder = folder / "tantivy"
        self.folder.mkdir()
        self.index = tantivy.Index(builder.build(), path=str(self.folder))

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> list[int]:
        writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        for i, text in zip(ids, texts, strict=True):
            writer.add_document(self.tantivy.Document(id=int(i), text=text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        return list(ids)

    def delete(self, ids: Sequence[int]) -> None:
        writer = self.index.writer(heap_size=15_000_000, num_threads=1)
        for i in ids:
            writer.delete_documents_by_term("id", int(i))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def search(self, query: str, k: int) -> Hits:
        parsed = or_query(self.tantivy, self.index, query)
        if parsed is None:
            return []
        searcher = self.index.searcher()
        hits = searcher.search(parsed, k, count=False).hits
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        return [(int(i), float(score)) for (score, _), i in zip(hits, ids, strict=True)]

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


class Bm25s:
    name = "bm25s"

    def __init__(self, folder: Path) -> None:
        import bm25s
        import Stemmer

        self.bm25s, self.stemmer, self.folder = bm25s, Stemmer.Stemmer("english"), folder / "bm25s"
        self.ids: list[int] = []
        self.texts: list[str] = []

    def _build(self) -> None:
        tokens = self.bm25s.tokenize(self.texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.model = self.bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        self.model.index(tokens, show_progress=False)
        self.model.save(str(self.folder))
        self.id_array = np.asarray(self.ids, dtype=np.int64)

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> list[int]:
        self.ids += list(ids)
        self.texts += list(texts)
        self._build()  # no incremental update: every change re-indexes the collection
        return list(ids)

    def delete(self, ids: Sequence[int]) -> None:
        gone = set(ids)
        kept = [(i, t) for i, t in zip(self.ids, self.texts, strict=True) if i not in gone]
        self.ids, self.texts = [i for i, _ in kept], [t for _, t in kept]
        self._build()

    def search(self, query: str, k: int) -> Hits:
        tokens = self.bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        documents, scores = self.model.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False, n_threads=1)
        return [(int(self.id_array[d]), float(s)) for d, s in zip(documents[0], scores[0], strict=True) if s > 0]

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


ENGINES: dict[str, Callable[[Path], Fts5 | Tantivy | Bm25s]] = {"fts5": Fts5, "tantivy": Tantivy, "bm25s": Bm25s}


def timed(engine: Fts5 | Tantivy | Bm25s, queries: list[str], passes: int) -> dict[str, float]:
    engine.search(queries[0], 50)
    p50s, p99s = [], []
    for _ in range(passes):
        times = []
        for query in queries:
            start = time.perf_counter()
            engine.search(query, 50)
            times.append((time.perf_counter() - start) * 1000)
        p50s.append(float(np.percentile(times, 50)))
        p99s.append(float(np.percentile(times, 99)))
    return {"p50": statistics.median(p50s), "p50_min": min(p50s), "p50_max": max(p50s), "p99": statistics.median(p99s)}


def latency_part(engines: list[str], sizes: list[int], queries: list[str], passes: int) -> dict[str, object]:
    texts = scifact_texts()
    rng = np.random.default_rng(0)
    report: dict[str, object] = {}
    for size in sizes:
        picked = [texts[int(i)] for i in rng.integers(len(texts), size=size + 1000)]
        for key in engines:
            folder = Path(tempfile.mkdtemp(prefix=f"ragkb-kw-{key}-"))
            engine = ENGINES[key](folder)
            start = time.perf_counter()
            ids = engine.add(range(1, size + 1), picked[:size])
            build_s = time.perf_counter() - start
            latency = timed(engine, queries, passes)
            start = time.perf_counter()
            engine.add(range(size + 1, size + 1001), picked[size:])
            add_s = time.perf_counter() - start
            start = time.perf_counter()
            engine.delete(ids[:1000])
            delete_s = time.perf_counter() - start
            entry = {**latency, "build_s": build_s, "size_mb": engine.size() / 1e6, "add_1000_s": add_s,
                     "delete_1000_s": delete_s}  # fmt: skip
            report[f"{size}/{key}"] = entry
            print(f"| {size:,} | {engine.name} | {entry['p50']:.2f} ({entry['p50_min']:.2f}-{entry['p50_max']:.2f}) "
                  f"| {entry['p99']:.2f} | {build_s:.1f} | {entry['size_mb']:.1f} | {add_s:.2f} | {delete_s:.2f} |",
                  flush=True)  # fmt: skip
            del engine
            shutil.rmtree(folder, ignore_errors=True)
    return report


def quality_part(engines: list[str], kb_dir: Path, qrels_name: str) -> dict[str, float]:
    from app.core.wiring import build_embedder, build_query_embedder
    from app.settings import Settings
    from evaluation.retrieval import load_qrels, load_queries, score_run
    from ingest.chunking import ChunkingConfig
    from retrieval import KnowledgeBase

    qrels = load_qrels(SCIFACT / "qrels" / qrels_name)
    queries = {q: t for q, t in load_queries(SCIFACT / "queries.jsonl").items() if q in qrels}
    # RAGKB_HOME, when set, holds the ONNX export already (else it is made in a new home).
    settings = Settings() if "RAGKB_HOME" in os.environ else Settings(home=Path(tempfile.mkdtemp()))
    onnx = build_query_embedder(settings, prepare=True)
    assert onnx is not None
    documents = build_embedder(settings)  # torch-bf16, deferred: never loaded here
    kb = KnowledgeBase(
        directory=kb_dir, embedder=documents, chunking=ChunkingConfig(strategy="none"), query_embedder=onnx
    )
    uri = dict(kb.catalog._db.execute("SELECT c.id, d.uri FROM chunks c JOIN documents d ON d.id = c.document_id"))
    vectors = kb.embed_texts(list(queries.values()), embedder=onnx)
    dense = kb.store.search_many(vectors, k=100, allowed_ids=None)  # run_queries asks k=100: 100 a side
    pairs = list(kb.catalog.iter_texts())
    report = {}
    for key in engines:
        folder = Path(tempfile.mkdtemp(prefix=f"ragkb-kwq-{key}-"))
        engine: Fts5 | Tantivy | Bm25s
        if key == "fts5":
            engine = Fts5(folder)
            engine.catalog = kb.catalog
        else:
            engine = ENGINES[key](folder)
            engine.add([i for i, _ in pairs], [t for _, t in pairs])
        run = {}
        for (qid, text), dense_hits in zip(queries.items(), dense, strict=True):
            fused = reciprocal_rank_fusion([dense_hits, engine.search(text, 100)])
            run[qid] = [(uri[i], s) for i, s in fused[:100]]
        report[key] = score_run(run, qrels).ndcg_at_10
        print(f"| {engine.name} | {report[key]:.4f} |", flush=True)
    kb.close()
    return report


def keyword_alone_part(engines: list[str], corpus_name: str, qrels_name: str) -> dict[str, float]:
    """nDCG@10 of each engine's keyword ranking alone (no dense side): one chunk per abstract, title + text."""
    from evaluation.retrieval import load_corpus, load_qrels, load_queries, score_run

    corpus = load_corpus(SCIFACT / corpus_name)
    qrels = load_qrels(SCIFACT / "qrels" / qrels_name)
    queries = {q: t for q, t in load_queries(SCIFACT / "queries.jsonl").items() if q in qrels}
    uris = list(corpus)
    report = {}
    for key in engines:
        engine = ENGINES[key](Path(tempfile.mkdtemp(prefix=f"ragkb-kwa-{key}-")))
        ids = engine.add(range(1, len(uris) + 1), [corpus[u] for u in uris])
        uri = dict(zip(ids, uris, strict=True))
        run = {qid: [(uri[i], s) for i, s in engine.search(text, 100)] for qid, text in queries.items()}
        report[key] = score_run(run, qrels).ndcg_at_10
        print(f"| {engine.name} | {corpus_name} | {len(queries)} | {report[key]:.4f} |", flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--kb-dir", type=Path, default=None, help="SciFact knowledge base for the quality part")
    parser.add_argument("--qrels", default="train.tsv", help="judgements for --kb-dir (train_mini.tsv: mini)")
    parser.add_argument("--keyword-alone", action="store_true", help="nDCG@10 of BM25 alone, full and mini SciFact")
    args = parser.parse_args()
    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as handle:
        queries = [json.loads(line)["text"] for line in handle][: args.queries]
    print(f"{len(queries)} SciFact claims, top 50, {args.passes} passes; python {sys.version.split()[0]}\n")
    print("| chunks | engine | p50 ms (spread) | p99 ms | build s | index MB | add 1,000 s | delete 1,000 s |\n"
          "|---:|---|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    report: dict[str, object] = {"latency": latency_part(args.engines, args.sizes, queries, args.passes)}
    if args.keyword_alone:
        print("\n| keyword engine alone | corpus | judged queries | nDCG@10 |\n|---|---|---:|---:|")
        report["alone_full"] = keyword_alone_part(args.engines, "corpus.jsonl", "train.tsv")
        report["alone_mini"] = keyword_alone_part(args.engines, "corpus_mini.jsonl", "train_mini.tsv")
    if args.kb_dir:
        print(f"\n| keyword engine | HYBRID nDCG@10 ({args.qrels}) |\n|---|---:|")
        report["quality"] = quality_part(args.engines, args.kb_dir, args.qrels)
    out = ROOT / "bench" / "results" / "keywords.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
