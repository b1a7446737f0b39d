"""A BM25 keyword index that stops early: tantivy, beside the catalog's FTS5.

SQLite FTS5 scores every chunk that holds any query word before the top k are cut (~28 ms at 100k
chunks, ~280 ms at 1M). tantivy (a Rust search library, Lucene's design) finds the top k of an OR
query with block-max WAND, skipping blocks of postings that cannot reach the current k-th score:
measured ~1 ms at 100k with the same BM25 (k1=1.2, b=0.75) and the same HYBRID nDCG@10 on SciFact
(docs/benchmarks.md, "Speed II"). Only ids and term frequencies are indexed; no text is stored.

Consistency, as for the FAISS file: the catalog (with its FTS5 table, written in the same transaction
as the chunks) stays the source of truth, and this index is a cache stamped with the catalog
generation it reflects (``stamp.json``, written after tantivy's commit). It answers a query only when
its stamp equals the catalog's current generation; otherwise the caller asks FTS5 (slower, always
right). Writes are applied to a tantivy writer as the catalog commits them and made durable by
:meth:`KeywordIndex.commit` (``KnowledgeBase.save``). A crash before that, a write by another process
that could not take tantivy's writer lock, or a damaged index leave the stamp behind the catalog, and
the next :meth:`commit` (or opening the index) rebuilds it from the catalog's texts.

Erasure: tantivy only marks deleted documents, and their words stay in its term dictionary until it
merges their segment (which its Python binding cannot force). So a commit that removes chunks (a
document deleted or modified) rebuilds the index from the catalog instead and deletes the old segment
files: a deleted chunk's words leave the index's files at the same ``save()`` where its text leaves the
catalog's (``Catalog.erase_deleted``). That costs a full re-index per sync that deletes or modifies
documents (~1 s per 10k chunks alone on this machine; the price FTS5 pays with ``optimize`` where
SQLite lacks FTS5's secure-delete).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from retrieval.keywords import query_words

_HEAP_BYTES = 64_000_000
_STAMP = "stamp.json"
# tantivy's tokenizer splits at every character that is not alphanumeric; a query word it would split
# (Python's \w+ keeps "il_6" whole) becomes a phrase, which needs positions this index does not store.
# Splitting the same way first keeps every clause one term.
_TOKEN = re.compile(r"[^\W_]+")


def or_query(tantivy: Any, index: Any, query: str) -> Any | None:
    """tantivy's query for ``query``: its words (stop words left out, as for FTS5) as OR-ed terms, each
    lower-cased and stemmed by the field's own analyser; ``None`` when no word remains."""
    clauses = []
    for word in query_words(query):
        for token in _TOKEN.findall(word):
            try:
                clauses.append((tantivy.Occur.Should, index.parse_query(token, ["text"])))
            except ValueError:  # still a phrase for tantivy's tokenizer: leave the token out
                continue
    return tantivy.Query.boolean_query(clauses) if clauses else None


class KeywordIndex:
    """tantivy's index of one knowledge base's searchable chunks, in ``folder``.

    ``texts`` yields ``(chunk id, text)`` of every searchable chunk (``Catalog.iter_texts``); it is
    read only to rebuild.

    Example::

        index = KeywordIndex(kb_dir / "keywords", generation=catalog.generation(), texts=catalog.iter_texts)
        if index.is_current(catalog.generation()):
            index.search("vacation days", limit=50)  # [(chunk id, BM25 score), ...] best first
    """

    def __init__(self, folder: Path, *, generation: int, texts: Callable[[], Iterable[tuple[int, str]]]) -> None:
        import tantivy

        self._tantivy = tantivy
        self.folder = folder
        self._texts = texts
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=False, indexed=True, fast=True)
        builder.add_text_field("text", stored=False, tokenizer_name="en_stem", index_option="freq")
        self._schema = builder.build()
        self._writer: Any = None
        # Generations the committed index reflects, and the committed index plus the writer's pending changes.
        self._committed: int | None = None
        self._applied: int | None = None
        self._removed = False  # queued changes remove chunks: their words must leave the files
        try:
            self._index = self._open()
            self._committed = self._applied = self._stamp()
        except (OSError, ValueError):  # a damaged or foreign folder: start again
            shutil.rmtree(folder, ignore_errors=True)
            self._index = self._open()
        if self._committed != generation:
            self.commit(generation)

    def _open(self) -> Any:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self._tantivy.Index(self._schema, path=str(self.folder))

    def close(self) -> None:
        """Drop pending changes (uncommitted ones are rebuilt from the catalog next time) and the lock."""
        if self._writer is not None:
            with contextlib.suppress(ValueError):
                self._writer.rollback()
            self._writer = None

    # -- reads ------------------------------------------------------------------------------
    def is_current(self, generation: int) -> bool:
        """Whether the searchable index reflects catalog ``generation`` (another process may have just
        committed it: the stamp is read again when it is behind)."""
        if self._committed == generation:
            return True
        if self._writer is None and self._stamp() == generation:  # committed by another process
            self._index.reload()
            self._committed = self._applied = generation
            return True
        return False

    def search(self, query: str, *, limit: int) -> list[tuple[int, float]]:
        """BM25 over chunk text: (chunk id, score) best first; the query's words OR-ed, stop words left out."""
        parsed = or_query(self._tantivy, self._index, query)
        if parsed is None:
            return []
        searcher = self._index.searcher()
        # count=False: counting every match would visit every posting and defeat the early stop.
        hits = searcher.search(parsed, limit, count=False).hits
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        return [(int(i), float(score)) for (score, _), i in zip(hits, ids, strict=True)]

    # -- writes -----------------------------------------------------------------------------
    def apply(self, *, removed: Sequence[int], added: Sequence[tuple[int, str]], before: int, after: int) -> None:
        """The catalog committed ``before`` -> ``after``, removing and adding these chunks: queue the same
        change (durable at :meth:`commit`). Skipped when the index is not at ``before``, or another process
        holds tantivy's writer: the next commit rebuilds."""
        if self._applied != before or not self._take_writer():
            self._applied = None
            return
        for chunk_id in removed:
            self._writer.delete_documents_by_term("id", int(chunk_id))
        self._removed = self._removed or bool(removed)
        for chunk_id, text in added:
            self._writer.add_document(self._tantivy.Document(id=int(chunk_id), text=text))
        self._applied = after

    def commit(self, generation: int) -> None:
        """Make the index reflect catalog ``generation`` durably: commit the queued changes, or rebuild
        from the catalog when they do not add up to it; then stamp it. A no-op when it already does, or
        when another process holds the writer (that process commits or the next writer rebuilds)."""
        if self._committed == generation and self._writer is None:
            return
        if not self._take_writer():
            return
        rebuild = self._applied != generation or self._removed
        if rebuild:
            self._writer.rollback()
            self._writer.delete_all_documents()
            for chunk_id, text in self._texts():
                self._writer.add_document(self._tantivy.Document(id=int(chunk_id), text=text))
        self._writer.commit()
        if rebuild:
            self._writer.garbage_collect_files()  # the old segments, and the deleted chunks' words in them
        self._writer.wait_merging_threads()  # also releases the writer lock
        self._writer = None
        self._removed = False
        self._write_stamp(generation)
        self._index.reload()
        self._committed = self._applied = generation

    def _take_writer(self) -> bool:
        if self._writer is None:
            try:
                self._writer = self._index.writer(heap_size=_HEAP_BYTES, num_threads=1)
            except ValueError:  # LockBusy: another process is writing this index
                return False
        return True

    def _stamp(self) -> int | None:
        try:
            value = json.loads((self.folder / _STAMP).read_text(encoding="utf-8")).get("generation")
        except (OSError, ValueError, AttributeError):
            return None
        return value if isinstance(value, int) else None

    def _write_stamp(self, generation: int) -> None:
        descriptor, temp = tempfile.mkstemp(dir=self.folder, prefix=".stamp.", suffix=".json")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"generation": generation}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.folder / _STAMP)
