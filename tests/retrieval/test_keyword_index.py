"""tantivy's keyword index beside the catalog's FTS5: the same rankings, used only while it reflects the
catalog, kept in step through add/modify/delete, rebuilt after a crash or damage, and shared safely by
two processes' handles on one knowledge base."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.types import Block, ParsedDocument
from retrieval.documents import DocumentWrite
from retrieval.embedding import HashEmbedder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.store.keyword_index import KeywordIndex

WORDS = [
    "coffee", "roasting", "drum", "temperature", "bean", "crack", "acidity", "body", "espresso", "grinder", "water",
    "extraction", "brew", "kettle", "filter", "paper", "ceramic", "origin", "altitude", "washed", "natural", "honey",
    "process", "cupping", "aroma", "sweetness", "bitter",
]  # fmt: skip


def open_kb(directory: Path) -> KnowledgeBase:
    return KnowledgeBase(
        directory=directory, embedder=HashEmbedder(), chunking=ChunkingConfig(), keyword_index=KeywordIndex
    )


def add(kb: KnowledgeBase, uri: str, text: str) -> None:
    chunks = chunk_document(ParsedDocument(path=uri, blocks=(Block(kind="text", text=text),)), config=kb.chunking)
    kb.write_document(DocumentWrite("DS", uri, chunks, {}, ("h", "", ""), 0, 0), now="")


def document_id(kb: KnowledgeBase, uri: str) -> int:
    return kb.catalog.documents("DS")[uri].id


def keyword_uris(kb: KnowledgeBase, query: str) -> list[str]:
    hits = kb._keyword_search(query, limit=10)
    records = kb.catalog.get_chunks(i for i, _ in hits)
    return [records[i].location["source"] for i, _ in hits]


def is_current(kb: KnowledgeBase) -> bool:
    assert kb.keywords is not None
    return kb.keywords.is_current(kb.catalog.generation())


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    base = open_kb(tmp_path / "kb")
    rng = random.Random(7)
    for number in range(60):
        add(base, f"doc{number}.txt", " ".join(rng.choice(WORDS) for _ in range(40)))
    base.save()
    return base


def test_tantivy_ranks_like_fts5(kb: KnowledgeBase) -> None:
    assert kb.keywords is not None and is_current(kb)
    for query in ["espresso grinder", "washed coffee from high altitude", "the bitter aroma of a ceramic filter"]:
        ours = [i for i, _ in kb.keywords.search(query, limit=10)]
        fts5 = [i for i, _ in kb.catalog.keyword_search(query, limit=10)]
        assert len(ours) == 10
        assert len(set(ours[:5]) & set(fts5[:10])) >= 4  # same BM25; tokenizers differ a little (stemmers)


def test_writes_are_searched_through_fts5_until_saved_then_through_tantivy(kb: KnowledgeBase) -> None:
    add(kb, "new.txt", "zanzibar clove harvest")
    assert not is_current(kb)  # pending in tantivy's writer: FTS5 answers meanwhile, and sees it
    assert keyword_uris(kb, "zanzibar") == ["new.txt"]
    kb.save()
    assert is_current(kb)
    assert kb.keywords is not None and len(kb.keywords.search("zanzibar", limit=5)) == 1

    add(kb, "new.txt", "madagascar vanilla harvest")  # modified: its old chunk leaves the index
    kb.delete_document(document_id(kb, "doc0.txt"))
    kb.save()
    assert is_current(kb)
    assert keyword_uris(kb, "zanzibar") == []
    assert keyword_uris(kb, "madagascar") == ["new.txt"]
    assert "doc0.txt" not in keyword_uris(kb, " ".join(WORDS[:12]))
    assert kb.keywords.search("zanzibar", limit=5) == []


def test_hybrid_finds_the_same_chunks_with_and_without_tantivy(kb: KnowledgeBase, tmp_path: Path) -> None:
    plain = KnowledgeBase(directory=kb.directory, embedder=HashEmbedder(), chunking=ChunkingConfig())
    for query in ["espresso grinder", "honey process cupping notes"]:
        with_tantivy = [h.document_uri for h in kb.retrieve(query, k=5, search_type="HYBRID")]
        with_fts5 = [h.document_uri for h in plain.retrieve(query, k=5, search_type="HYBRID")]
        assert len(set(with_tantivy) & set(with_fts5)) >= 4
    plain.close()


def test_changes_lost_in_a_crash_are_rebuilt_from_the_catalog_on_open(kb: KnowledgeBase) -> None:
    add(kb, "late.txt", "zanzibar clove harvest")
    # A crash after the catalog committed and before save(): tantivy's pending changes are gone.
    assert kb.keywords is not None
    kb.keywords.close()
    kb.catalog.close()
    again = open_kb(kb.directory)
    assert is_current(again)
    assert again.keywords is not None
    assert len(again.keywords.search("zanzibar", limit=5)) == 1
    again.close()


@pytest.mark.parametrize("damage", ["stamp", "index"])
def test_a_wrong_stamp_or_a_damaged_index_is_rebuilt(kb: KnowledgeBase, damage: str) -> None:
    folder = kb.directory / "keywords"
    kb.close()
    if damage == "stamp":  # a crash between tantivy's commit and the stamp
        (folder / "stamp.json").write_text(json.dumps({"generation": 1}))
    else:
        (folder / "meta.json").write_text("{not json")
    again = open_kb(kb.directory)
    assert is_current(again)
    assert keyword_uris(again, "espresso")
    assert again.keywords is not None and again.keywords.search("espresso", limit=3)
    again.close()


def test_a_second_handle_picks_up_what_the_first_commits(kb: KnowledgeBase) -> None:
    reader = open_kb(kb.directory)  # as a server beside a CLI sync
    assert is_current(reader)
    add(kb, "late.txt", "zanzibar clove harvest")
    assert not is_current(reader)  # the catalog moved on; tantivy not yet: FTS5 answers
    assert keyword_uris(reader, "zanzibar") == ["late.txt"]
    kb.save()
    assert is_current(reader)  # the stamp caught up: the reader reloads tantivy's index
    assert reader.keywords is not None and len(reader.keywords.search("zanzibar", limit=5)) == 1
    reader.close()


def test_a_writer_blocked_by_another_handle_leaves_the_index_to_be_rebuilt(kb: KnowledgeBase) -> None:
    other = open_kb(kb.directory)
    add(other, "first.txt", "zanzibar clove harvest")  # other holds tantivy's writer until it saves
    add(kb, "second.txt", "madagascar vanilla pods")  # kb cannot write tantivy: FTS5 stays the answer
    kb.save()  # no writer: nothing committed
    assert not is_current(kb)
    assert keyword_uris(kb, "madagascar") == ["second.txt"]
    other.save()  # its queued changes no longer add up to the catalog: rebuilt from it
    assert is_current(kb) and is_current(other)
    assert keyword_uris(kb, "madagascar zanzibar") and kb.keywords is not None
    assert {i for i, _ in kb.keywords.search("madagascar zanzibar", limit=5)} == {
        i for i, _ in kb.catalog.keyword_search("madagascar zanzibar", limit=5)
    }
    other.close()


def test_query_words_that_tantivy_would_split_are_searched_as_terms(kb: KnowledgeBase) -> None:
    add(kb, "cytokines.txt", "IL 6 and TNF levels rose in the espresso drinkers")
    kb.save()
    assert kb.keywords is not None and is_current(kb)
    # "il_6" is one \w+ word for Python and two tokens for tantivy: a phrase, which this index cannot run.
    hits = kb.keywords.search("il_6 tnf", limit=5)
    assert hits and kb.catalog.get_chunks([hits[0][0]])[hits[0][0]].location["source"] == "cytokines.txt"
    assert kb.keywords.search("_ __", limit=5) == []


def test_a_deleted_chunks_words_leave_the_index_files_at_save(kb: KnowledgeBase) -> None:
    add(kb, "secret.txt", "Zebulonquokkafrobnicate opens the vault")
    add(kb, "rewritten.txt", "Quixotrendulous notes on the grinder")
    add(kb, "kept.txt", "A kept note keeps this segment alive")  # a segment all deleted would just be dropped
    kb.save()
    assert kb.keywords is not None
    terms = kb.keywords._index.searcher().terms_with_prefix
    assert terms("text", "zebulon") and terms("text", "quixotrendul")
    kb.delete_document(document_id(kb, "secret.txt"))
    add(kb, "rewritten.txt", "Plain notes on the grinder")
    kb.save()
    terms = kb.keywords._index.searcher().terms_with_prefix
    assert terms("text", "zebulon") == [] and terms("text", "quixotrendul") == []
    folder = kb.directory / "keywords"
    assert not [p for p in folder.iterdir() if p.is_file() and b"vault" in p.read_bytes()]
    assert keyword_uris(kb, "grinder notes")[0] == "rewritten.txt"
