"""The PostgreSQL backend at scale: HNSW build time, retrieve latency (p50/p99) and recall@10 against exact
search, with and without metadata filters.

    .venv/bin/python bench/postgresql/bench_pgvector.py [--size 100000] [--queries 100] [--ef 40 100]
        [--database-url postgresql://... [--load-only | --reuse]] [--maintenance-work-mem 1GB]
        [--bases abstracts|windows] [--shared-buffers 2GB]

Without ``--database-url`` a throw-away cluster is started (Debian's PostgreSQL + pgvector 0.8,
``scripts/ci/install_postgres.sh``). A knowledge base of ``--size`` chunks is loaded with COPY (texts: 120-word
windows of SciFact abstracts, so full-text search has real postings; vectors: clustered around real MiniLM
vectors of SciFact abstracts, ``bench/search/synthetic_vectors.py``, since uniform random vectors make HNSW look
broken), then the HNSW index is built. Queries are real SciFact claims embedded with the bundled MiniLM.

Recall@10: the ids ``PostgresKnowledgeBase`` returns (HNSW with ``hnsw.iterative_scan = relaxed_order``,
exact search when the graph scan gives up) against numpy's exact top 10 over the rows passing the filter.
Latency, in process and one thread: the dense search (SQL round trip included), the keyword search HYBRID
adds (depth 50), and the query embedding, each measured apart: on a loaded shared machine the embedding's
time swings by seconds and would drown the database's; then the whole HYBRID ``retrieve`` (embedding, both
sides, fusion). The keyword side's CPU time per call (this process + the cluster's processes, from /proc)
is printed too, and, unfiltered, its agreement with exact BM25 (every posting read): the share of the exact
top 10 / top 50 that the best postings per word also return (compared by score: repeated texts tie), and
the share of HYBRID's top 10 (with the exact keyword side) that the default HYBRID returns.

Before/after in the same run: filtered, each side is also timed as before migration 5 (``*_before``: the exact
filter expression alone, no metadata index, no exact path first) and ``keyword_same_as_before`` is the share of
queries whose keyword results are identical; unfiltered, ``keyword_rescore_postings`` times the keyword side
with its candidates rescored from the words' postings (before) instead of their own tsvectors.
One line gives the issue's target: SEMANTIC ``retrieve`` in process including the query embedding by ONNX
Runtime (as the service embeds queries), p50 and recall@10.

A million chunks take long to load: ``--load-only --database-url URL`` loads and keeps them, ``--reuse`` then
queries them (any number of times). Writes bench/results/pgvector_<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.search.synthetic_vectors import SCIFACT, clustered_vectors, scifact_texts  # noqa: E402
from ingest.chunking import ChunkingConfig  # noqa: E402
from retrieval import Database, PostgresKnowledgeBase, PostgresRegistry, SentenceTransformerEmbedder  # noqa: E402
from retrieval.filters import parse_filter  # noqa: E402
from retrieval.store.postgres import keyword as pg_keyword  # noqa: E402
from retrieval.store.postgres import knowledge_base as pg_kb  # noqa: E402
from retrieval.store.postgres.filters import SqlFilter, filter_sql  # noqa: E402

COPY_BATCH = 100_000
SOURCE = json.dumps({"source": "bench"})
FILTERS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "year>=2020 (20 %)": {"greaterThanOrEquals": {"key": "year", "value": 2020}},
    "bucket=7 (1 %)": {"equals": {"key": "bucket", "value": 7}},
    "bucket=7 and year=2003 (0.04 %)": {"andAll": [{"equals": {"key": "bucket", "value": 7}},
                                                   {"equals": {"key": "year", "value": 2003}}]},
}  # fmt: skip


def load(
    database: Database, size: int, *, reuse: bool, work_mem: str, bases: str = "abstracts"
) -> tuple[PostgresKnowledgeBase, float | None]:
    """A knowledge base of ``size`` chunks (the one a previous ``--load-only`` run left when ``reuse``); returns
    it and the HNSW build seconds (None when reused: that run printed them)."""
    embedder = SentenceTransformerEmbedder()
    registry = PostgresRegistry(database)
    if reuse:
        found = [info for info in registry.list() if info.name == "bench"]
        if found:
            return open_kb(database, found[0].id, embedder), None
    info = registry.create("bench", chunking=ChunkingConfig(), embedder=embedder.name)
    kb = open_kb(database, info.id, embedder)
    texts = scifact_texts()
    vectors = clustered_vectors(size, seed=0, bases=bases)
    metadata = bench_metadata(size)
    with database.connection() as conn:
        conn.execute("DROP INDEX chunks_embedding")  # built once after loading: faster than row by row
        conn.execute("DROP INDEX keyword_postings_by_impact")  # the same for the keyword postings
        conn.execute("DROP INDEX chunks_metadata")  # and for the metadata
        document = conn.execute(
            "INSERT INTO documents (kb_id, data_source_id, uri, content_hash, metadata_hash, embed_metadata_hash, "
            "size, mtime_ns, metadata, updated_at) VALUES (%s, 'BENCH', 'bench', '', '', '', 0, 0, '{}', '') "
            "RETURNING id",
            (info.id,),
        ).fetchone()[0]
        copy_start = time.perf_counter()
        for first in range(0, size, COPY_BATCH):  # one COPY per batch: the postings trigger's tables stay small
            with (
                conn.cursor() as cursor,
                cursor.copy(
                    "COPY chunks (kb_id, document_id, chunk_id, idx, text, token_count, location, metadata, "
                    "searchable, embedding) FROM STDIN"
                ) as copy,
            ):
                for i in range(first, min(first + COPY_BATCH, size)):
                    vector = "[" + ",".join(f"{x:.6f}" for x in vectors[i]) + "]"
                    text, meta = texts[i % len(texts)], json.dumps(metadata[i])
                    copy.write_row((info.id, document, f"c{i}", i, text, 150, SOURCE, meta, True, vector))
            print(f"  {min(first + COPY_BATCH, size)} chunks copied, {time.perf_counter() - copy_start:.0f} s, "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        copy_s = time.perf_counter() - copy_start
        conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(work_mem)))
        start = time.perf_counter()
        conn.execute(
            "CREATE INDEX keyword_postings_by_impact ON keyword_postings "
            "(kb_id, lexeme, ragkb_impact(tf, words) DESC, chunk) INCLUDE (tf, words)"
        )
        print(f"COPY of {size} chunks (keyword postings written by its trigger) {copy_s:.1f} s, then the postings "
              f"index {time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
        start = time.perf_counter()
        conn.execute("CREATE INDEX chunks_metadata ON chunks USING gin (metadata jsonb_path_ops)")
        print(f"metadata index {time.perf_counter() - start:.1f} s", flush=True)
        # Index-only scans of the postings skip the heap once VACUUM (autovacuum, in service) marks its pages.
        conn.execute("VACUUM ANALYZE chunks, keyword_postings")
        start = time.perf_counter()
        conn.execute(
            "CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_cosine_ops) "
            "WITH (m = 16, ef_construction = 64)"
        )
        build_s = time.perf_counter() - start
    print(f"HNSW build {build_s:.1f} s (maintenance_work_mem {work_mem})", flush=True)
    return kb, build_s


def open_kb(database: Database, kb_id: str, embedder: SentenceTransformerEmbedder) -> PostgresKnowledgeBase:
    return PostgresKnowledgeBase(database=database, kb_id=kb_id, embedder=embedder, chunking=ChunkingConfig())


def bench_metadata(size: int) -> list[dict[str, Any]]:
    buckets = np.random.default_rng(1).integers(0, 100, size)  # independent of the year
    return [{"year": 2000 + i % 25, "bucket": int(buckets[i])} for i in range(size)]


def semantic_in_process(kb: PostgresKnowledgeBase, vectors: np.ndarray, queries: list[str], server: Path | None,
                        ef: int) -> dict[str, float]:  # fmt: skip
    """The issue's target as the service runs it: SEMANTIC ``retrieve`` (k 10, no filter) including the query
    embedding by ONNX Runtime fp32 (the service's query embedder, app.core.wiring.build_query_embedder);
    recall@10 against exact search for the ONNX query vector."""
    from app.core.wiring import build_query_embedder
    from app.settings import Settings

    onnx = build_query_embedder(Settings(home=ROOT / "bench/results/home"), prepare=True)
    assert onnx is not None, "the service would embed queries with PyTorch here"
    pg_kb.EF_SEARCH = ef
    kb.query_embedder = onnx
    try:
        kb.retrieve(queries[0], k=10, search_type="SEMANTIC")  # warm-up (session, pool)
        wall: list[float] = []
        cpu: list[float] = []
        found = []
        for query in queries:  # timed alone: numpy's exact search between calls would leave its threads spinning
            with timed(wall, cpu, server):
                hits = kb.retrieve(query, k=10, search_type="SEMANTIC")
            found.append({int(hit.chunk_id[1:]) for hit in hits})
        recalls = [
            len(ids & exact_top(vectors, np.ones(len(vectors), dtype=bool), onnx.embed_query(query), 10)) / 10
            for query, ids in zip(queries, found, strict=True)
        ]
    finally:
        kb.query_embedder = kb.embedder
    result = {"p50_ms": float(np.percentile(wall, 50)), "p99_ms": float(np.percentile(wall, 99)),
              "cpu_ms": float(np.mean(cpu)), "recall@10": float(np.mean(recalls)),
              "load_average": os.getloadavg()[0]}  # fmt: skip
    print(f"SEMANTIC retrieve in process incl. ONNX query embedding, {len(vectors)} chunks, ef_search {ef}: "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, CPU {result['cpu_ms']:.1f} ms/call, "
          f"recall@10 {result['recall@10']:.3f} (target: p50 <= 15 ms, recall@10 >= 0.95); "
          f"load average {result['load_average']:.1f}", flush=True)  # fmt: skip
    return result


def exact_top(vectors: np.ndarray, mask: np.ndarray, query: np.ndarray, k: int) -> set[int]:
    scores = np.where(mask, vectors @ query, -np.inf)
    top = np.argpartition(-scores, k)[:k]
    return {int(i) for i in top if np.isfinite(scores[i])}


def run(kb: PostgresKnowledgeBase, vectors: np.ndarray, metadata: list[dict[str, Any]], queries: list[str],
        ef: int, server: Path | None) -> dict[str, Any]:  # fmt: skip
    pg_kb.EF_SEARCH = ef
    with kb.database.connection() as conn:  # chunk row id -> position in ``vectors``
        ids = dict(conn.execute("SELECT id, idx FROM chunks WHERE kb_id = %s", (kb.kb_id,)).fetchall())
    embed_ms = []
    for query in queries:  # a user's query is embedded on every call: measured apart from the search
        start = time.perf_counter()
        kb.embed_texts([query])
        embed_ms.append((time.perf_counter() - start) * 1000)
    query_vectors = kb.embed_texts(queries)
    results: dict[str, Any] = {"query_embedding_p50_ms": float(np.percentile(embed_ms, 50))}
    for name, filter_json in FILTERS.items():
        flt = None if filter_json is None else parse_filter(filter_json)
        mask = np.array([flt is None or flt.matches(m) for m in metadata])
        allowed = kb._allowed_ids(flt)
        # Before migration 5: the exact expression alone (no containment test, so no index), no exact path first.
        before = None if flt is None else SqlFilter(filter_sql(flt), indexed=False)
        recalls, returned, same_as_before = [], [], []
        times: dict[str, list[float]] = {"dense": [], "dense_before": [], "keyword": [], "keyword_before": [],
                                         "keyword_rescore_postings": [], "keyword_exact": [], "hybrid": []}  # fmt: skip
        cpu: dict[str, list[float]] = {"dense": [], "keyword": [], "keyword_before": [], "keyword_rescore_postings": [],
                                       "keyword_exact": []}  # fmt: skip
        overlap10, overlap50, hybrid_overlap = [], [], []
        kb._dense_hits(query_vectors[:1], k=10, allowed=allowed)  # warm-up
        for n, (query, vector) in enumerate(zip(queries, query_vectors, strict=True)):
            # Before and now each go first on every other query: the first reads the pages from the OS cache.
            for now in (True, False) if n % 2 else (False, True):
                if now:
                    with timed(times["dense"], cpu["dense"], server):
                        hits = kb._dense_hits(vector[None], k=10, allowed=allowed)[0]
                    with timed(times["keyword"], cpu["keyword"], server):  # HYBRID's keyword side (depth 50)
                        best = kb._keyword_hits(query, limit=50, allowed=allowed)
                elif before is not None:
                    with timed(times["dense_before"]):
                        kb._dense_hits(vector[None], k=10, allowed=before)
                    with timed(times["keyword_before"], cpu["keyword_before"], server):
                        earlier = kb._keyword_hits(query, limit=50, allowed=before)
                else:  # the candidates rescored from the words' postings (before) instead of their tsvectors
                    pg_keyword.RESCORE = pg_keyword.RESCORE_FROM_POSTINGS
                    with timed(times["keyword_rescore_postings"], cpu["keyword_rescore_postings"], server):
                        earlier = kb._keyword_hits(query, limit=50, allowed=allowed)
                    pg_keyword.RESCORE = pg_keyword.SCORE_CHUNKS
            same_as_before.append(earlier == best)
            if flt is None:  # every posting read: exact BM25, what the best postings per word approximate
                pg_keyword.POSTINGS_PER_WORD, per_word = None, pg_keyword.POSTINGS_PER_WORD
                with timed(times["keyword_exact"], cpu["keyword_exact"], server):
                    exact = kb._keyword_hits(query, limit=50, allowed=allowed)
                pg_keyword.POSTINGS_PER_WORD = per_word
                for cut, overlaps in ((10, overlap10), (50, overlap50)):
                    overlaps.append(same_scores(exact[:cut], best[:cut]))
            with timed(times["hybrid"]):  # the whole retrieve: query embedding, both sides, fusion
                fused = kb.retrieve(query, k=10, search_type="HYBRID", filter=flt)
            if flt is None:  # what the user gets: HYBRID's top 10 with the exact keyword side instead
                pg_keyword.POSTINGS_PER_WORD, per_word = None, pg_keyword.POSTINGS_PER_WORD
                fused_exact = kb.retrieve(query, k=10, search_type="HYBRID")
                pg_keyword.POSTINGS_PER_WORD = per_word
                want_ids = {hit.chunk_id for hit in fused_exact}
                hybrid_overlap.append(len(want_ids & {hit.chunk_id for hit in fused}) / max(len(want_ids), 1))
            want = exact_top(vectors, mask, vector, 10)
            got = {ids[i] for i, _ in hits}
            recalls.append(len(got & want) / max(len(want), 1))
            returned.append(len(hits))
        results[name] = {
            "passing_rows": int(mask.sum()),
            "recall@10": float(np.mean(recalls)),
            "mean_returned": float(np.mean(returned)),
            "keyword_same_as_before": float(np.mean(same_as_before)),
        }
        if overlap10:
            results[name] |= {"keyword_overlap@10": float(np.mean(overlap10)),
                              "keyword_overlap@50": float(np.mean(overlap50)),
                              "hybrid_overlap@10": float(np.mean(hybrid_overlap))}  # fmt: skip
        for label, values in times.items():
            if values:
                results[name] |= {f"{label}_p50_ms": float(np.percentile(values, 50)),
                                  f"{label}_p99_ms": float(np.percentile(values, 99))}  # fmt: skip
        for label, values in cpu.items():
            if values:
                results[name][f"{label}_cpu_ms"] = float(np.mean(values))
        results[name]["load_average"] = os.getloadavg()[0]
        print(f"ef={ef:4d} {name:34s} " + " ".join(f"{k}={v:.3f}" for k, v in results[name].items()), flush=True)
    return results


def same_scores(want: list[tuple[int, float]], got: list[tuple[int, float]]) -> float:
    """Share of the exact top's scores that ``got`` has too (as a multiset: the bench's texts repeat, so many
    chunks tie and which of them fills the last places is arbitrary)."""
    common = Counter(round(s, 9) for _, s in want) & Counter(round(s, 9) for _, s in got)
    return sum(common.values()) / max(len(want), 1)


@contextmanager
def timed(wall: list[float], cpu: list[float] | None = None, server: Path | None = None) -> Iterator[None]:
    """Wall milliseconds of the block into ``wall``; CPU milliseconds (this process's and, given the cluster's
    data folder, its PostgreSQL processes') into ``cpu``: on a loaded machine the CPU time is what compares."""
    start, start_cpu = time.perf_counter(), time.process_time() + server_cpu_s(server)
    yield
    wall.append((time.perf_counter() - start) * 1000)
    if cpu is not None:
        cpu.append((time.process_time() + server_cpu_s(server) - start_cpu) * 1000)


def server_cpu_s(data: Path | None) -> float:
    """CPU seconds used so far by the PostgreSQL processes of the cluster in ``data`` (0 when not local)."""
    if data is None:
        return 0.0
    postmaster = (data / "postmaster.pid").read_text().split()[0]
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if fields[1] == postmaster or stat.parent.name == postmaster:  # its children, and itself
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--ef", type=int, nargs="+", default=[40, 100])
    parser.add_argument("--database-url", help="a database to use (kept afterwards); default: a throw-away cluster")
    parser.add_argument("--load-only", action="store_true", help="load (into --database-url) and stop")
    parser.add_argument("--reuse", action="store_true", help="query the knowledge base a --load-only run left")
    parser.add_argument("--maintenance-work-mem", default="1GB", help="for the index builds (HNSW: fit the graph)")
    parser.add_argument(
        "--bases",
        choices=("abstracts", "windows"),
        default="abstracts",
        help="the real vectors the synthetic ones are built around (bench/search/synthetic_vectors.py)",
    )
    parser.add_argument("--shared-buffers", default="2GB", help="the throw-away cluster's (default: as deployed)")
    args = parser.parse_args()
    cluster = None
    url = args.database_url
    if url is None:
        from tests.postgres import PostgresCluster, find_postgres

        bin_dir, why = find_postgres()
        if bin_dir is None:
            raise SystemExit(why)
        # The deployment page's server settings (docs/deployment.md's compose file): with PostgreSQL's default
        # 128 MB of shared buffers the 100k graph and vectors (~350 MB) do not stay in its cache.
        cluster = PostgresCluster(bin_dir, settings={"shared_buffers": args.shared_buffers})
        url = cluster.new_database()
    try:
        start = time.perf_counter()
        database = Database(url)  # applies any missing migration (on a reused database: timed here)
        print(f"database opened (migrations) in {time.perf_counter() - start:.1f} s", flush=True)
        kb, build_s = load(database, args.size, reuse=args.reuse, work_mem=args.maintenance_work_mem, bases=args.bases)
        print(f"{args.size} chunks loaded; load average {os.getloadavg()}", flush=True)
        if args.load_only:
            return
        vectors, metadata = clustered_vectors(args.size, seed=0, bases=args.bases), bench_metadata(args.size)
        server = None if cluster is None else cluster.root / "data"
        with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as handle:
            queries = [json.loads(line)["text"] for line, _ in zip(handle, range(args.queries), strict=False)]
        semantic = semantic_in_process(kb, vectors, queries, server, args.ef[-1])
        report = {"size": args.size, "queries": len(queries), "hnsw_build_s": build_s, "semantic_onnx": semantic,
                  "by_ef_search": {ef: run(kb, vectors, metadata, queries, ef, server) for ef in args.ef}}  # fmt: skip
        out = ROOT / f"bench/results/pgvector_{args.size}{'' if args.bases == 'abstracts' else '_windows'}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
        database.close()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
