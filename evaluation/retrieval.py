"""Retrieval evaluation on BEIR-format data: nDCG@10, Recall@10/100, MRR@10, and TREC run files.

A throw-away knowledge base is built from the corpus (title + text per document, chunked with the
given config); a document's score for a query is its best chunk's score (max-pooling), the usual
way to rank documents from passages.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest import Block, ChunkingConfig, ParsedDocument, chunk_document
from retrieval import DocumentWrite, Embedder, KnowledgeBase, SearchType

Qrels = dict[str, dict[str, int]]
Run = dict[str, list[tuple[str, float]]]


@dataclass(frozen=True)
class RetrievalScores:
    ndcg_at_10: float
    recall_at_10: float
    recall_at_100: float
    mrr_at_10: float
    queries: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "nDCG@10": self.ndcg_at_10,
            "Recall@10": self.recall_at_10,
            "Recall@100": self.recall_at_100,
            "MRR@10": self.mrr_at_10,
            "queries": self.queries,
        }


def load_corpus(path: Path) -> dict[str, str]:
    """``{doc id: title + blank line + text}`` from a BEIR ``corpus.jsonl``."""
    corpus: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                doc = json.loads(line)
                title = (doc.get("title") or "").strip()
                corpus[str(doc["_id"])] = f"{title}\n\n{doc['text']}" if title else doc["text"]
    return corpus


def load_queries(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        return {str(q["_id"]): q["text"] for q in map(json.loads, filter(str.strip, handle))}


def load_qrels(path: Path) -> Qrels:
    """BEIR qrels TSV (``query-id<TAB>corpus-id<TAB>score``, header line optional)."""
    qrels: Qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip().lstrip("-").isdigit():
            continue  # header or blank line
        qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def build_corpus_kb(
    corpus: Mapping[str, str],
    *,
    directory: Path,
    embedder: Embedder,
    chunking: ChunkingConfig,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 64,
) -> KnowledgeBase:
    """Index ``corpus`` into a new knowledge base in ``directory`` (one document per entry)."""
    kb = KnowledgeBase(directory=directory, embedder=embedder, chunking=chunking)
    items = list(corpus.items())
    for start in range(0, len(items), batch):
        writes = []
        for doc_id, text in items[start : start + batch]:
            parsed = ParsedDocument(path=doc_id, blocks=(Block(kind="text", text=text),))
            chunks = chunk_document(parsed, config=chunking, embed=kb.embed_texts)
            writes.append(DocumentWrite("BEIR", doc_id, chunks, {}, ("", "", ""), 0, 0))
        kb.write_documents(writes, now="")
        if progress:
            progress(min(start + batch, len(items)), len(items))
    return kb


def run_queries(
    kb: KnowledgeBase,
    queries: Mapping[str, str],
    *,
    search_type: SearchType,
    depth: int = 100,
    batch: int = 64,
) -> Run:
    """Each query's documents, best first, scored by their best chunk."""
    run: Run = {}
    ids = list(queries)
    for start in range(0, len(ids), batch):
        chunk_ids = ids[start : start + batch]
        results = kb.retrieve_many([queries[q] for q in chunk_ids], k=depth, search_type=search_type)
        for qid, hits in zip(chunk_ids, results, strict=True):
            best: dict[str, float] = {}
            for hit in hits:
                best.setdefault(hit.document_uri, hit.score)
            run[qid] = sorted(best.items(), key=lambda pair: -pair[1])
    return run


def score_run(run: Run, qrels: Qrels) -> RetrievalScores:
    """Mean metrics over the queries that have judgements (as BEIR/pytrec_eval do)."""
    judged = [q for q in qrels if q in run]
    if not judged:
        raise ValueError("no query in the run has relevance judgements")
    ndcg = recall10 = recall100 = mrr = 0.0
    for qid in judged:
        ranked = [doc for doc, _ in run[qid]]
        relevant = {d: r for d, r in qrels[qid].items() if r > 0}
        ndcg += _ndcg(ranked[:10], qrels[qid])
        recall10 += len(relevant.keys() & set(ranked[:10])) / len(relevant) if relevant else 0.0
        recall100 += len(relevant.keys() & set(ranked[:100])) / len(relevant) if relevant else 0.0
        mrr += next((1.0 / (rank + 1) for rank, d in enumerate(ranked[:10]) if d in relevant), 0.0)
    n = len(judged)
    return RetrievalScores(ndcg / n, recall10 / n, recall100 / n, mrr / n, n)


def _ndcg(ranked: Sequence[str], judgements: Mapping[str, int]) -> float:
    dcg = sum((2 ** judgements.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked))
    ideal = sorted((r for r in judgements.values() if r > 0), reverse=True)[: len(ranked) or 10]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def write_trec_run(run: Run, path: Path, *, tag: str) -> None:
    """``qid Q0 docid rank score tag`` lines, rank from 1."""
    with path.open("w", encoding="utf-8") as handle:
        for qid, ranked in run.items():
            for rank, (doc, score) in enumerate(ranked, start=1):
                handle.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")


def evaluate(
    *,
    corpus: Path,
    queries: Path,
    qrels: Path,
    embedder: Embedder,
    chunking: ChunkingConfig,
    search_types: Sequence[SearchType],
    progress: Callable[[int, int], None] | None = None,
) -> dict[SearchType, tuple[RetrievalScores, Run]]:
    """Build one temporary knowledge base from ``corpus`` and score ``queries`` against ``qrels``
    with each search type (the index is shared, so comparisons are like for like)."""
    judgements = load_qrels(qrels)
    texts = load_queries(queries)
    wanted = {q: texts[q] for q in judgements if q in texts}
    results: dict[SearchType, tuple[RetrievalScores, Run]] = {}
    with tempfile.TemporaryDirectory(prefix="ragkb-eval-") as tmp:
        kb = build_corpus_kb(load_corpus(corpus), directory=Path(tmp), embedder=embedder, chunking=chunking,
                             progress=progress)  # fmt: skip
        try:
            for search_type in search_types:
                run = run_queries(kb, wanted, search_type=search_type)
                results[search_type] = (score_run(run, judgements), run)
        finally:
            kb.close()
    return results
