"""Chunking, token-exact: limits, whole-sentence overlap, tables, locations, every strategy, config."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from ingest.chunking import PAGE_NUMBER_KEY, ChunkingConfig, chunk_document
from ingest.errors import InvalidChunkingConfig
from ingest.sentences import split_sentences
from ingest.tokens import count_tokens
from ingest.types import Block, Chunk, Location, MetadataAttribute, ParsedDocument, Table

PARAGRAPHS: list[list[str]] = [
    [
        "The harbour town of Kestrel Bay wakes before the sun does.",
        "Fishing boats slip out past the breakwater while the bakeries light their ovens.",
        "By six o'clock the smell of bread has reached the lighthouse on the northern cliff.",
        "Dr. Ames, who has kept the light for thirty years, says that smell tells him the day has begun.",
        "He writes the weather in a ledger, e.g. wind, swell and cloud, as his father did before him.",
    ],
    [
        "Trade in the bay grew by 3.5 percent last year, the council reported.",
        "Most of that growth came from tourism rather than fish.",
        "Visitors arrive on the morning ferry, walk the harbour wall and eat oysters at noon.",
        "Some stay for the night market, where stalls sell rope, lanterns, knitted hats and smoked mackerel.",
        "Few of them notice the old customs house, now a museum with a leaking roof.",
        "The museum's curator, Ms. Okafor, has asked the council for repairs every winter since 2019.",
    ],
    [
        "In March a storm took three boats and most of the harbour lights.",
        "Nobody was hurt, which the town still talks about with some surprise.",
        "The repairs cost more than the insurance paid, so the council raised a levy on moorings.",
        "Fishermen complained loudly at the meeting in the church hall.",
        "After two hours the levy passed by a single vote.",
    ],
    [
        "Summer brings regattas, brass bands and arguments about parking.",
        "The regatta committee meets in the back room of the Anchor, a pub older than the church.",
        "Its minutes, kept in green ink, record every dispute since 1887 in careful detail.",
        "Nobody has ever been asked to leave the committee, though several members have left in a temper.",
    ],
]
LONG_SENTENCE = (
    "The inventory for the winter store listed "
    + ", ".join(
        f"{n} heavy crates of {item}"
        for n, item in zip(
            range(3, 60, 2),
            [
                "apples",
                "rope",
                "lamp oil",
                "salt",
                "nails",
                "flour",
                "tar",
                "canvas",
                "candles",
                "tea",
                "coal",
                "wool",
                "soap",
                "barley",
                "string",
                "paint",
                "lead shot",
                "hooks",
                "netting",
                "cork",
                "bread",
                "cheese",
                "pitch",
                "oats",
                "hemp",
                "ink",
                "paper",
                "glass",
                "iron",
            ],
            strict=True,
        )
    )
    + " and nothing else at all"
    + "."
)
ALL_SENTENCES = [s for paragraph in PARAGRAPHS for s in paragraph]
# Each is one token after a space, so sentences built on them have equal token counts.
NAMES = [
    "Alpha",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Golf",
    "Hotel",
    "India",
    "Juliet",
    "Lima",
    "Mike",
    "November",
    "Oscar",
    "Papa",
    "Quebec",
]


def text_doc(paragraphs: Sequence[Sequence[str]], path: str = "bay.txt") -> ParsedDocument:
    return ParsedDocument(path, tuple(Block("text", " ".join(p)) for p in paragraphs))


def fixed(max_tokens: int, overlap: int = 0) -> ChunkingConfig:
    return ChunkingConfig(strategy="fixed", max_tokens=max_tokens, overlap_percentage=overlap)


def sentences_of(chunk: Chunk) -> list[str]:
    return [s for part in chunk.text.split("\n\n") for s in split_sentences(part)]


def overlap_length(previous: list[str], current: list[str]) -> int:
    """How many leading sentences of ``current`` repeat the end of ``previous``."""
    return max(
        (m for m in range(len(current)) if m <= len(previous) and previous[len(previous) - m :] == current[:m]),
        default=0,
    )


def expected_overlap(previous: list[str], budget: int) -> int:
    total = count = 0
    for sentence in reversed(previous):
        total += count_tokens(sentence)
        if total > budget:
            break
        count += 1
    return count


def without_overlaps(chunks: list[Chunk]) -> list[str]:
    result = sentences_of(chunks[0])
    for previous, current in itertools.pairwise(chunks):
        before, after = sentences_of(previous), sentences_of(current)
        result.extend(after[overlap_length(before, after) :])
    return result


def test_prose_fixture_splits_into_the_listed_sentences() -> None:
    for paragraph in PARAGRAPHS:
        assert split_sentences(" ".join(paragraph)) == paragraph
    assert max(count_tokens(s) for s in ALL_SENTENCES) <= 30
    assert count_tokens(LONG_SENTENCE) > 200


# -- limits --------------------------------------------------------------------------------------

LIMIT_CONFIGS = [ChunkingConfig()] + [fixed(m, o) for m in (1, 10, 50, 200, 8192) for o in (0, 20, 50, 99)]


@pytest.mark.parametrize("config", LIMIT_CONFIGS, ids=lambda c: f"{c.strategy}-{c.max_tokens}-{c.overlap_percentage}")
def test_every_chunk_is_within_the_limit_and_counted_exactly(config: ChunkingConfig) -> None:
    doc = text_doc([*PARAGRAPHS[:2], [LONG_SENTENCE], *PARAGRAPHS[2:]])
    chunks = chunk_document(doc, config=config)
    assert chunks
    assert all(c.token_count == count_tokens(c.text) <= config.max_tokens for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    if config.max_tokens == 8192:
        assert len(chunks) == 1
    if config.max_tokens == 1:
        assert all(c.token_count == 1 for c in chunks)


def test_default_is_fixed_200_with_20_percent() -> None:
    doc = text_doc(PARAGRAPHS * 3)
    assert [c.text for c in chunk_document(doc, config=ChunkingConfig())] == [
        c.text for c in chunk_document(doc, config=fixed(200, 20))
    ]


@pytest.mark.parametrize(("max_tokens", "overlap"), [(50, 0), (50, 20), (50, 99), (100, 30), (200, 50), (40, 50)])
def test_chunks_minus_overlaps_reproduce_every_sentence_once_in_order(max_tokens: int, overlap: int) -> None:
    chunks = chunk_document(text_doc(PARAGRAPHS), config=fixed(max_tokens, overlap))
    assert len(chunks) > 1
    assert without_overlaps(chunks) == ALL_SENTENCES


@pytest.mark.parametrize(("max_tokens", "overlap"), [(200, 20), (200, 50), (100, 30), (50, 0)])
def test_overlap_is_exactly_the_longest_whole_sentence_suffix_within_budget(max_tokens: int, overlap: int) -> None:
    # Sentences are at most 30 tokens, so budget plus one sentence always fits: no reduction.
    config = fixed(max_tokens, overlap)
    chunks = chunk_document(text_doc(PARAGRAPHS * 2), config=config)
    assert len(chunks) > 2
    budget = round(max_tokens * overlap / 100)
    for previous, current in itertools.pairwise(chunks):
        before, after = sentences_of(previous), sentences_of(current)
        assert overlap_length(before, after) == expected_overlap(before, budget)


@pytest.mark.parametrize(("overlap", "sentences"), [(17, 0), (20, 1), (37, 1), (40, 2)])
def test_overlap_budget_is_inclusive(overlap: int, sentences: int) -> None:
    crates = [f"Crate {name} holds a red lamp." for name in NAMES]
    assert {count_tokens(c) for c in crates} == {8}  # budget 8 (20 % of 40) is exactly one sentence
    chunks = chunk_document(text_doc([crates]), config=fixed(40, overlap))
    assert len(chunks) > 2
    assert {overlap_length(sentences_of(a), sentences_of(b)) for a, b in itertools.pairwise(chunks)} == {sentences}
    assert without_overlaps(chunks) == crates


@pytest.mark.parametrize(("max_tokens", "overlap"), [(40, 99), (30, 99), (35, 60)])
def test_overlap_shrinks_only_to_let_the_next_sentence_fit(max_tokens: int, overlap: int) -> None:
    chunks = chunk_document(text_doc(PARAGRAPHS), config=fixed(max_tokens, overlap))
    budget = round(max_tokens * overlap / 100)
    shrunk = 0
    for previous, current in itertools.pairwise(chunks):
        before, after = sentences_of(previous), sentences_of(current)
        kept, full = overlap_length(before, after), expected_overlap(before, budget)
        assert kept <= full
        if kept < full:  # one more overlap sentence and the next new one would not have fitted
            shrunk += 1
            one_more = [*before[len(before) - kept - 1 :], after[kept]]
            assert sum(count_tokens(s) for s in one_more) + 1 > max_tokens
    assert shrunk >= 5
    assert without_overlaps(chunks) == ALL_SENTENCES


def test_no_overlap_when_even_the_last_sentence_is_over_budget() -> None:
    chunks = chunk_document(text_doc(PARAGRAPHS), config=fixed(60, 10))  # budget 6 tokens
    assert all(overlap_length(sentences_of(a), sentences_of(b)) == 0 for a, b in itertools.pairwise(chunks))
    assert sum(len(sentences_of(c)) for c in chunks) == len(ALL_SENTENCES)


def test_exact_count_is_checked_where_joins_cost_more_than_the_parts() -> None:
    # '?' then ' "' takes one token more than the two sentences alone, so estimates run short.
    sentences = [s for name in NAMES[:10] for s in (f"Is it {name}?", f'"No, not {name}."')]
    assert (
        count_tokens(sentences[0] + " " + sentences[1]) == count_tokens(sentences[0]) + count_tokens(sentences[1]) + 1
    )
    for max_tokens in range(5, 60):
        for overlap in (0, 50):
            chunks = chunk_document(text_doc([sentences]), config=fixed(max_tokens, overlap))
            assert all(c.token_count == count_tokens(c.text) <= max_tokens for c in chunks)
            assert without_overlaps(chunks) == sentences


def test_chunks_end_at_sentence_boundaries_unless_the_sentence_is_over_long() -> None:
    chunks = chunk_document(text_doc([*PARAGRAPHS[:2], [LONG_SENTENCE], *PARAGRAPHS[2:]]), config=fixed(50, 20))
    long_words = LONG_SENTENCE.split()
    pieces = 0
    for chunk in chunks:
        last = sentences_of(chunk)[-1]
        if last not in ALL_SENTENCES:
            pieces += 1
            words = last.split()
            assert any(long_words[i : i + len(words)] == words for i in range(len(long_words)))
    assert pieces >= count_tokens(LONG_SENTENCE) // 50


def test_a_heading_opens_the_next_chunk_instead_of_ending_one() -> None:
    first = " ".join(PARAGRAPHS[0])
    heading = Block("heading", "Trade", level=2)
    doc = ParsedDocument("h.md", (Block("text", first), heading, Block("text", " ".join(PARAGRAPHS[1]))))
    limit = count_tokens(first + "\n\n## Trade") + 3  # room for the heading, not the next sentence
    chunks = chunk_document(doc, config=fixed(limit, 0))
    assert chunks[0].text == first
    assert chunks[1].text.startswith("## Trade\n\nTrade in the bay")


def test_short_document_is_one_chunk() -> None:
    doc = ParsedDocument("note.md", (Block("heading", "Note", level=2), Block("text", "Call Ann. She knows.")))
    [chunk] = chunk_document(doc, config=ChunkingConfig())
    assert chunk.text == "## Note\n\nCall Ann. She knows."
    assert chunk.token_count == count_tokens("## Note\n\nCall Ann. She knows.")


def test_document_that_fits_exactly_is_one_chunk() -> None:
    doc = text_doc(PARAGRAPHS[:2])
    exact = count_tokens(doc.markdown())
    assert len(chunk_document(doc, config=fixed(exact))) == 1
    assert len(chunk_document(doc, config=fixed(exact - 1))) == 2


def test_empty_document_has_no_chunks() -> None:
    doc = ParsedDocument("empty.txt", (Block("text", "  \n "),))
    assert chunk_document(doc, config=ChunkingConfig()) == []
    assert chunk_document(doc, config=ChunkingConfig(strategy="none")) == []


def test_over_long_sentence_is_split_greedily_at_word_boundaries() -> None:
    chunks = chunk_document(text_doc([[LONG_SENTENCE]]), config=fixed(20, 0))
    words = LONG_SENTENCE.split()
    assert [w for c in chunks for w in c.text.split()] == words
    assert all(c.token_count <= 20 for c in chunks)
    position = 0
    for chunk in chunks[:-1]:
        position += len(chunk.text.split())
        assert count_tokens(chunk.text + " " + words[position]) > 20


def test_over_long_word_is_split_at_token_boundaries() -> None:
    word = "x9f3a7b2c8d4e6" * 20
    chunks = chunk_document(text_doc([["Start.", word]]), config=fixed(5, 0))
    assert chunks[0].text == "Start."
    assert "".join(c.text for c in chunks[1:]) == word
    assert all(c.token_count <= 5 for c in chunks)


def test_character_needing_more_tokens_than_the_limit_stays_whole() -> None:
    chunks = chunk_document(text_doc([["🎉🎉"]]), config=fixed(1, 0))
    assert [c.text for c in chunks] == ["🎉", "🎉"]
    assert [c.token_count for c in chunks] == [count_tokens("🎉")] * 2


def test_list_items_and_paragraphs_inside_a_block_keep_their_line_breaks() -> None:
    doc = ParsedDocument("l.md", (Block("text", "Bring:\n- rope\n- lamp\n\nThen go. Now."),))
    assert chunk_document(doc, config=ChunkingConfig())[0].text == "Bring:\n- rope\n- lamp\n\nThen go. Now."


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


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"strategy": "fixed", "max_tokens": 0}, "max_tokens must be in 1-8192, got 0"),
        ({"strategy": "fixed", "max_tokens": 8193}, "max_tokens must be in 1-8192, got 8193"),
        ({"strategy": "fixed", "overlap_percentage": 100}, "overlap_percentage must be in 0-99, got 100"),
        ({"strategy": "fixed", "overlap_percentage": -1}, "overlap_percentage must be in 0-99, got -1"),
        (
            {"strategy": "bogus"},
            "strategy must be one of default, fixed, none, hierarchical, semantic, got 'bogus'",
        ),
        ({"strategy": "semantic", "buffer_size": 2}, "buffer_size must be in 0-1, got 2"),
        (
            {"strategy": "semantic", "breakpoint_percentile": 49},
            "breakpoint_percentile must be in 50-99, got 49",
        ),
        ({"strategy": "hierarchical", "parent_max_tokens": 8193}, "parent_max_tokens must be in 1-8192"),
        ({"strategy": "hierarchical", "child_max_tokens": 0}, "child_max_tokens must be in 1-8192"),
        (
            {"strategy": "hierarchical", "parent_max_tokens": 100, "child_max_tokens": 300},
            r"child_max_tokens \(300\) must not exceed parent_max_tokens \(100\)",
        ),
        ({"strategy": "fixed", "max_tokens": "200"}, "max_tokens must be an integer in 1-8192, got '200'"),
        ({"strategy": "fixed", "max_tokens": True}, "max_tokens must be an integer"),
    ],
)
def test_invalid_config_names_the_field_and_range(options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidChunkingConfig, match=message):
        ChunkingConfig(**options)  # type: ignore[arg-type]


def test_default_forces_200_and_20() -> None:
    config = ChunkingConfig(strategy="default", max_tokens=500, overlap_percentage=0)
    assert (config.max_tokens, config.overlap_percentage) == (200, 20)


BEDROCK_CONFIGS: list[dict[str, Any]] = [
    {"chunkingStrategy": "NONE"},
    {
        "chunkingStrategy": "FIXED_SIZE",
        "fixedSizeChunkingConfiguration": {"maxTokens": 512, "overlapPercentage": 15},
    },
    {
        "chunkingStrategy": "HIERARCHICAL",
        "hierarchicalChunkingConfiguration": {
            "levelConfigurations": [{"maxTokens": 1500}, {"maxTokens": 300}],
            "overlapTokens": 60,
        },
    },
    {
        "chunkingStrategy": "SEMANTIC",
        "semanticChunkingConfiguration": {
            "maxTokens": 300,
            "bufferSize": 1,
            "breakpointPercentileThreshold": 90,
        },
    },
]


@pytest.mark.parametrize("bedrock", BEDROCK_CONFIGS, ids=lambda b: b["chunkingStrategy"])
def test_bedrock_round_trip(bedrock: dict[str, object]) -> None:
    config = ChunkingConfig.from_bedrock(bedrock)
    assert config.to_bedrock() == bedrock
    assert ChunkingConfig.from_bedrock(config.to_bedrock()) == config


def test_bedrock_values_map_to_fields() -> None:
    assert ChunkingConfig.from_bedrock(BEDROCK_CONFIGS[1]) == fixed(512, 15)
    assert ChunkingConfig.from_bedrock(BEDROCK_CONFIGS[2]) == ChunkingConfig(
        strategy="hierarchical", parent_max_tokens=1500, child_max_tokens=300, overlap_tokens=60
    )
    semantic = ChunkingConfig.from_bedrock({"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": {}})
    assert (semantic.max_tokens, semantic.buffer_size, semantic.breakpoint_percentile) == (300, 0, 95)


def test_default_maps_to_fixed_size_200_20_and_matches_botocore() -> None:
    botocore_session = pytest.importorskip("botocore.session")
    from botocore.validate import ParamValidator

    assert ChunkingConfig().to_bedrock() == {
        "chunkingStrategy": "FIXED_SIZE",
        "fixedSizeChunkingConfiguration": {"maxTokens": 200, "overlapPercentage": 20},
    }
    model = botocore_session.get_session().get_service_model("bedrock-agent")
    shape = model.shape_for("ChunkingConfiguration")
    for config in [ChunkingConfig(), *(ChunkingConfig.from_bedrock(b) for b in BEDROCK_CONFIGS)]:
        report = ParamValidator().validate(config.to_bedrock(), shape)
        assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize(
    ("bedrock", "message"),
    [
        ({}, "chunkingStrategy must be one of"),
        ({"chunkingStrategy": "SMART"}, "got 'SMART'"),
        (
            {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": {"maxTokens": 0}},
            "max_tokens",
        ),
        (
            {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": "big"},
            "must be a JSON object",
        ),
        (
            {
                "chunkingStrategy": "HIERARCHICAL",
                "hierarchicalChunkingConfiguration": {
                    "levelConfigurations": [{"maxTokens": 300}],
                    "overlapTokens": 60,
                },
            },
            "exactly two levels",
        ),
        ({"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": {"bufferSize": 3}}, "buffer_size"),
    ],
)
def test_invalid_bedrock_configs(bedrock: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidChunkingConfig, match=message):
        ChunkingConfig.from_bedrock(bedrock)
