"""Units: the smallest pieces chunkers pack, and how a run of them renders as chunk text.

A unit is a sentence of a text block, a whole heading (``# Heading``) or one table row (a
Markdown row that remembers its table's header). Each is tokenised once, here; packers then
add cached counts instead of re-encoding text. A unit longer than the packer's limit is cut
into pieces that fit, at word boundaries (at token boundaries for a single over-long word).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from ingest.sentences import is_list_item, sentence_spans
from ingest.tokens import count_tokens, decode_bytes, encode
from ingest.types import Block, Location, ParsedDocument

UnitKind = Literal["sentence", "heading", "row"]
BLOCK_JOINER = "\n\n"


@dataclass(frozen=True)
class Unit:
    """One packable piece of a document.

    ``joiner`` goes before this unit when the previous unit in the same chunk comes from the
    same block (``block`` is the block's index); units of different blocks are separated by a
    blank line. ``kind`` is ``row`` for a table row (or a piece of one). ``header`` is the
    table header a row needs above it whenever a chunk's run of that table's rows starts with it.
    """

    text: str
    tokens: int
    block: int
    location: Location
    joiner: str = " "
    kind: UnitKind = "sentence"
    row: int | None = None
    header: str | None = None
    header_tokens: int = 0


def document_units(doc: ParsedDocument, *, max_tokens: int) -> list[Unit]:
    """All units of ``doc`` in reading order, each rendering alone to at most ``max_tokens``.

    The one exception: a single character that itself encodes to more tokens than the limit
    (an emoji when ``max_tokens`` is 1) is kept whole.
    """
    units: list[Unit] = []
    for number, block in enumerate(doc.blocks):
        for unit in _block_units(block, number):
            units.extend(fit_unit(unit, max_tokens=max_tokens))
    return units


def render(units: Sequence[Unit]) -> str:
    """The chunk text of consecutive ``units``: sentences joined by their joiner, blocks by a
    blank line, and each run of table rows preceded by its table's header."""
    parts: list[str] = []
    previous: Unit | None = None
    for unit in units:
        same_block = previous is not None and previous.block == unit.block
        if previous is not None:
            parts.append(unit.joiner if same_block else BLOCK_JOINER)
        if unit.header is not None and not same_block:
            parts.append(unit.header + "\n")
        parts.append(unit.text)
        previous = unit
    return "".join(parts)


def _block_units(block: Block, number: int) -> Iterator[Unit]:
    if block.kind == "heading":
        if block.text.strip():
            text = block.markdown()
            yield Unit(text, count_tokens(text), number, block.location, kind="heading")
    elif block.kind == "table":
        yield from _table_units(block, number)
    else:
        yield from _text_units(block, number)


def _text_units(block: Block, number: int) -> Iterator[Unit]:
    previous_end = 0
    for start, end in sentence_spans(block.text):
        sentence = block.text[start:end]
        joiner = _joiner(block.text[previous_end:start], sentence)
        yield Unit(sentence, count_tokens(sentence), number, block.location, joiner=joiner)
        previous_end = end


def _joiner(gap: str, sentence: str) -> str:
    """A space, except where the source starts a new paragraph or list item between sentences."""
    newlines = gap.count("\n")
    if newlines >= 2:
        return "\n\n"
    if newlines == 1 and is_list_item(sentence):
        return "\n"
    return " "


def _table_units(block: Block, number: int) -> Iterator[Unit]:
    table = block.table
    if table is None:  # a table parsed only as Markdown text: one unit per line, no header to repeat
        for line in block.text.splitlines():
            if line.strip():
                yield Unit(line, count_tokens(line), number, block.location, joiner="\n", kind="row")
        return
    header = table.header_markdown() if table.header else None
    header_tokens = count_tokens(header) if header is not None else 0
    numbers = table.row_numbers if len(table.row_numbers) == len(table.rows) else (None,) * len(table.rows)
    for index, row_number in enumerate(numbers):
        text = table.row_markdown(index)
        yield Unit(
            text,
            count_tokens(text),
            number,
            block.location,
            joiner="\n",
            kind="row",
            row=row_number,
            header=header,
            header_tokens=header_tokens,
        )


def fit_unit(unit: Unit, *, max_tokens: int) -> list[Unit]:
    """``unit`` as pieces that each render alone (with any table header) in ``max_tokens``.

    A table header that leaves no room for even one row token is dropped for that row.
    """
    if unit.header is None:
        if unit.tokens <= max_tokens:
            return [unit]
        return _pieces(unit, split_text(unit.text, limit=max_tokens))
    if count_tokens(render([unit])) <= max_tokens:
        return [unit]
    limit = max_tokens - unit.header_tokens - 1
    while limit >= 1:
        pieces = _pieces(unit, split_text(unit.text, limit=limit))
        overshoot = max(count_tokens(render([p])) for p in pieces) - max_tokens
        if overshoot <= 0:
            return pieces
        limit -= overshoot
    headless = Unit(unit.text, unit.tokens, unit.block, unit.location, joiner=unit.joiner, kind=unit.kind, row=unit.row)
    return fit_unit(headless, max_tokens=max_tokens)


def _pieces(unit: Unit, texts: list[str]) -> list[Unit]:
    """Units for the pieces of ``unit``; pieces after the first continue it with a space."""
    return [
        Unit(
            text,
            count_tokens(text),
            unit.block,
            unit.location,
            joiner=unit.joiner if i == 0 else " ",
            kind=unit.kind,
            row=unit.row,
            header=unit.header,
            header_tokens=unit.header_tokens,
        )
        for i, text in enumerate(texts)
    ]


def split_text(text: str, *, limit: int) -> list[str]:
    """Cut ``text`` at white space into pieces of at most ``limit`` tokens, joined by one space.

    A word longer than ``limit`` is cut at token boundaries (never inside a character).

    >>> split_text("one two three four", limit=2)
    ['one two', 'three four']
    """
    pieces: list[str] = []
    words: list[str] = []
    estimate = 0
    for word in text.split():
        cost = count_tokens(" " + word) if words else count_tokens(word)
        if words and estimate + cost > limit:
            pieces.extend(_flush(words, limit=limit))
            words, cost = [], count_tokens(word)
        words.append(word)
        estimate = cost if len(words) == 1 else estimate + cost
    if words:
        pieces.extend(_flush(words, limit=limit))
    return pieces


def _flush(words: list[str], *, limit: int) -> list[str]:
    """Words packed by estimate, checked exactly: back off words until the piece fits."""
    pieces: list[str] = []
    while words:
        end = len(words)
        piece = " ".join(words)
        while count_tokens(piece) > limit and end > 1:
            end -= 1
            piece = " ".join(words[:end])
        pieces.extend(split_word(piece, limit=limit) if end == 1 else [piece])
        words = words[end:]
    return pieces


def split_word(word: str, *, limit: int) -> list[str]:
    """Cut ``word`` into pieces of at most ``limit`` tokens at token boundaries.

    A cut never falls inside a UTF-8 character: a character spread over more tokens than
    ``limit`` stays whole (the one piece that can exceed the limit).
    """
    if count_tokens(word) <= limit:
        return [word]
    token_bytes = decode_bytes(encode(word))
    pieces: list[str] = []
    start = 0
    while start < len(token_bytes):
        end = min(len(token_bytes), start + limit)
        piece = _decoded(token_bytes[start:end])
        while end > start + 1 and (piece is None or count_tokens(piece) > limit):
            end -= 1
            piece = _decoded(token_bytes[start:end])
        while piece is None:  # one character needs more tokens than allowed: keep it whole
            end += 1
            piece = _decoded(token_bytes[start:end])
        pieces.append(piece)
        start = end
    return pieces


def _decoded(parts: list[bytes]) -> str | None:
    try:
        return b"".join(parts).decode("utf-8")
    except UnicodeDecodeError:
        return None
