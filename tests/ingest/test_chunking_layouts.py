"""Chunking of tables, locations, metadata and ids, and the none, hierarchical and semantic strategies."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import numpy as np
import pytest

from ingest.chunking import PAGE_NUMBER_KEY, ChunkingConfig, chunk_document
from ingest.errors import InvalidChunkingConfig
from ingest.tokens import count_tokens
from ingest.types import Block, Chunk, Location, MetadataAttribute, ParsedDocument, Table
from tests.ingest.chunking_texts import (
    ALL_SENTENCES,
    PARAGRAPHS,
    expected_overlap,
    fixed,
    overlap_length,
    sentences_of,
    text_doc,
    without_overlaps,
)

# -- tables --------------------------------------------------------------------------------------

STOCK = Table(
    header=("Item", "Quantity", "Store"),
    rows=tuple((f"Item number {i}", str(i * 7), "North" if i % 2 else "South") for i in range(1, 31)),
    row_numbers=tuple(range(2, 32)),
)


def table_doc() -> ParsedDocument:
    location = Location(sheet="Stock", page=4)
    return ParsedDocument("stock.xlsx", (Block("table", STOCK.markdown(), location, table=STOCK),))


@pytest.mark.parametrize("overlap", [0, 20])
def test_tables_chunk_by_whole_rows_with_the_header_repeated(overlap: int) -> None:
    chunks = chunk_document(table_doc(), config=fixed(60, overlap))
    rows = [STOCK.row_markdown(i) for i in range(len(STOCK.rows))]
    header = STOCK.header_markdown()
    seen: list[str] = []
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.token_count <= 60
        assert chunk.text.startswith(header + "\n")
        body = chunk.text[len(header) + 1 :].split("\n")
        first = rows.index(body[0])
        assert body == rows[first : first + len(body)]
        assert (chunk.location.row, chunk.location.row_end) == (first + 2, first + len(body) + 1)
        assert (chunk.location.sheet, chunk.location.pages) == ("Stock", (4,))
        seen.extend(r for r in body if r not in seen)
    assert seen == rows
    if overlap:
        assert all(
            a.location.row_end is not None and b.location.row is not None and b.location.row <= a.location.row_end
            for a, b in itertools.pairwise(chunks)
        )


def test_prose_then_table_puts_the_header_before_the_first_row() -> None:
    small = Table(header=("a", "b"), rows=(("1", "2"), ("3", "4")), row_numbers=(2, 3))
    doc = ParsedDocument("t.md", (Block("text", "Totals below."), Block("table", small.markdown(), table=small)))
    [chunk] = chunk_document(doc, config=ChunkingConfig())
    assert chunk.text == "Totals below.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |"
    assert (chunk.location.row, chunk.location.row_end) == (2, 3)


@pytest.mark.parametrize(
    "config",
    [ChunkingConfig(), ChunkingConfig(strategy="hierarchical"), ChunkingConfig(strategy="semantic")],
    ids=lambda c: c.strategy,
)
def test_a_chunk_never_spans_two_sheets(config: ChunkingConfig) -> None:
    sales = Table(header=("Month", "EUR"), rows=(("Jan", "41"), ("Feb", "39")), row_numbers=(2, 3))
    targets = Table(header=("Channel", "Growth"), rows=(("Cafés", "6 %"),), row_numbers=(5,))
    doc = ParsedDocument("book.xlsx", (
        Block("table", sales.markdown(), Location(sheet="Sales", row=1, row_end=3), table=sales),
        Block("table", targets.markdown(), Location(sheet="Targets", row=4, row_end=5), table=targets),
    ))  # fmt: skip
    chunks = [c for c in chunk_document(doc, config=config, embed=TopicEmbedder()) if c.searchable]
    assert [c.text for c in chunks] == [sales.markdown(), targets.markdown()]
    assert [(c.location.sheet, c.location.row, c.location.row_end) for c in chunks] == [
        ("Sales", 2, 3),
        ("Targets", 5, 5),
    ]


def test_over_long_row_is_split_as_a_last_resort_under_the_header() -> None:
    row = ("note", " ".join(f"word{i}" for i in range(60)))
    table = Table(header=("k", "v"), rows=(("a", "short"), row, ("b", "short")), row_numbers=(2, 3, 4))
    doc = ParsedDocument("t.csv", (Block("table", table.markdown(), table=table),))
    chunks = chunk_document(doc, config=fixed(30, 0))
    assert all(c.token_count <= 30 and c.text.startswith(table.header_markdown() + "\n") for c in chunks)
    bodies = [c.text.split("\n", 2)[2] for c in chunks]
    assert " ".join(bodies).split() == " ".join(table.row_markdown(i) for i in range(3)).split()
    assert [c.location.row for c in chunks][1:-1] == [3] * (len(chunks) - 2)


# -- locations, metadata, ids --------------------------------------------------------------------


def paged_doc() -> ParsedDocument:
    return ParsedDocument(
        "report.pdf",
        (
            Block("heading", "Harbour", Location(page=1), level=1),
            Block("text", " ".join(PARAGRAPHS[0]), Location(page=1, headings=("Harbour",))),
            Block("text", " ".join(PARAGRAPHS[1]), Location(page=2, headings=("Harbour",))),
            Block("heading", "Storm", Location(page=3, headings=("Harbour",)), level=2),
            Block("text", " ".join(PARAGRAPHS[2]), Location(page=3, headings=("Harbour", "Storm"))),
        ),
    )


def test_pages_headings_and_page_metadata_in_locations() -> None:
    metadata = {"team": MetadataAttribute("ops", "STRING")}
    chunks = chunk_document(paged_doc(), config=fixed(120, 0), metadata=metadata)
    assert [c.location.pages for c in chunks] == [(1, 2), (2, 3), (3,)]
    assert [c.location.headings for c in chunks] == [(), ("Harbour",), ("Harbour", "Storm")]
    assert chunks[0].text.startswith("# Harbour\n\nThe harbour town")
    assert "since 2019.\n\n## Storm\n\nIn March a storm" in chunks[1].text
    for chunk in chunks:
        page = MetadataAttribute(float(chunk.location.pages[0]), "NUMBER", include_for_embedding=False)
        assert chunk.metadata == {"team": metadata["team"], PAGE_NUMBER_KEY: page}
        assert chunk.location.source == "report.pdf"
    assert metadata == {"team": MetadataAttribute("ops", "STRING")}


def test_no_page_metadata_without_pages() -> None:
    [chunk] = chunk_document(text_doc(PARAGRAPHS[:1]), config=ChunkingConfig(), metadata={})
    assert chunk.metadata == {} and chunk.location.pages == ()


def test_ids_are_stable_and_depend_on_path_index_and_text() -> None:
    config = fixed(50, 20)
    first = chunk_document(text_doc(PARAGRAPHS), config=config)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in chunk_document(text_doc(PARAGRAPHS), config=config)]
    assert first[0].chunk_id == hashlib.sha256(f"bay.txt\n0\n{first[0].text}".encode()).hexdigest()[:32]
    assert len({c.chunk_id for c in first}) == len(first)
    other_path = chunk_document(text_doc(PARAGRAPHS, path="other.txt"), config=config)
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in other_path}
    edited = [
        ["The harbour town of Kestrel Bay wakes after the sun does.", *PARAGRAPHS[0][1:]],
        *PARAGRAPHS[1:],
    ]
    assert chunk_document(text_doc(edited), config=config)[0].chunk_id != first[0].chunk_id


# -- none, hierarchical --------------------------------------------------------------------------


def test_none_is_the_whole_document_as_markdown() -> None:
    doc = paged_doc()
    [chunk] = chunk_document(doc, config=ChunkingConfig(strategy="none"))
    assert chunk.text == doc.markdown()
    assert chunk.token_count == count_tokens(doc.markdown())
    assert chunk.location.pages == (1, 2, 3)


def test_hierarchical_sizes_links_and_searchable_flags() -> None:
    config = ChunkingConfig(strategy="hierarchical", parent_max_tokens=120, child_max_tokens=40, overlap_tokens=15)
    chunks = chunk_document(text_doc(PARAGRAPHS * 2), config=config)
    parents = [c for c in chunks if c.parent_id is None]
    assert len(parents) > 2
    assert all(not p.searchable and p.token_count == count_tokens(p.text) <= 120 for p in parents)
    current: Chunk | None = None
    children_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:  # each parent comes right before its own children
        if chunk.parent_id is None:
            current = chunk
            continue
        assert current is not None and chunk.parent_id == current.chunk_id
        assert chunk.searchable and chunk.token_count == count_tokens(chunk.text) <= 40
        assert chunk.text in current.text
        children_of.setdefault(current.chunk_id, []).append(chunk)
    for parent in parents:
        assert without_overlaps(children_of[parent.chunk_id]) == sentences_of(parent)
    assert without_overlaps(parents) == ALL_SENTENCES * 2
    for before, after in itertools.pairwise(parents):
        kept = overlap_length(sentences_of(before), sentences_of(after))
        assert kept == expected_overlap(sentences_of(before), 15)
    assert [c.index for c in chunks] == list(range(len(chunks)))


# -- semantic ------------------------------------------------------------------------------------

TOPICS = ("ocean", "mountain", "code")


def topic_sentences(topic: str, count: int) -> list[str]:
    return [f"Sentence {i} about the {topic} stays on topic." for i in range(1, count + 1)]


class TopicEmbedder:
    """Counts topic words: deterministic vectors whose distance jumps where the topic changes."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[t.count(topic) for topic in TOPICS] for t in texts], dtype=float)


def test_semantic_breaks_exactly_where_the_topic_changes() -> None:
    groups = [topic_sentences(t, 8) for t in TOPICS]
    embed = TopicEmbedder()
    config = ChunkingConfig(strategy="semantic", max_tokens=300)
    chunks = chunk_document(text_doc([[s for g in groups for s in g]]), config=config, embed=embed)
    assert [c.text for c in chunks] == [" ".join(g) for g in groups]
    assert len(embed.calls) == 1 and embed.calls[0] == [s for g in groups for s in g]


def test_semantic_buffer_compares_neighbourhoods() -> None:
    sentences = topic_sentences("ocean", 10) + topic_sentences("code", 10)
    embed = TopicEmbedder()
    config = ChunkingConfig(strategy="semantic", max_tokens=300, buffer_size=1, breakpoint_percentile=99)
    chunks = chunk_document(text_doc([sentences]), config=config, embed=embed)
    assert [c.text for c in chunks] == [" ".join(sentences[:10]), " ".join(sentences[10:])]
    assert embed.calls[0][0] == " ".join(sentences[:2]) and embed.calls[0][5] == " ".join(sentences[4:7])


def test_semantic_segments_are_packed_without_overlap_and_tables_stay_whole_rows() -> None:
    small = Table(header=("a", "b"), rows=tuple((str(i), str(i * i)) for i in range(6)), row_numbers=tuple(range(2, 8)))
    ocean, code = topic_sentences("ocean", 8), topic_sentences("code", 8)
    doc = ParsedDocument(
        "s.md",
        (
            Block("text", " ".join(ocean)),
            Block("table", small.markdown(), table=small),
            Block("text", " ".join(code)),
        ),
    )
    config = ChunkingConfig(strategy="semantic", max_tokens=40)
    chunks = chunk_document(doc, config=config, embed=TopicEmbedder())
    assert all(c.token_count == count_tokens(c.text) <= 40 for c in chunks)
    prose = [c for c in chunks if not c.text.startswith("|")]
    tables = [c for c in chunks if c.text.startswith("|")]
    assert [s for c in prose for s in sentences_of(c)] == ocean + code
    assert all(not ("ocean" in c.text and "code" in c.text) for c in prose)
    assert all(c.text.startswith(small.header_markdown() + "\n") for c in tables)
    assert [line for c in tables for line in c.text.split("\n")[2:]] == [small.row_markdown(i) for i in range(6)]


def test_semantic_without_embedder_is_a_config_error() -> None:
    with pytest.raises(InvalidChunkingConfig, match="semantic chunking needs an embedder"):
        chunk_document(text_doc(PARAGRAPHS), config=ChunkingConfig(strategy="semantic"))
