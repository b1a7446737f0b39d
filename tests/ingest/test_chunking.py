"""Chunking, token-exact: limits and whole-sentence overlap of the fixed-size strategy (the default)."""

from __future__ import annotations

import itertools

import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.sentences import split_sentences
from ingest.tokens import count_tokens
from ingest.types import Block, ParsedDocument
from tests.ingest.chunking_texts import (
    ALL_SENTENCES,
    LONG_SENTENCE,
    NAMES,
    PARAGRAPHS,
    expected_overlap,
    fixed,
    overlap_length,
    sentences_of,
    text_doc,
    without_overlaps,
)


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
