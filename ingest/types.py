"""The small vocabulary shared by every layer: parsed documents, metadata and chunks.

Everything here is a frozen dataclass so values can be hashed, cached and passed between
processes without surprises. Parsers produce :class:`ParsedDocument`; chunkers turn it into
:class:`Chunk` objects; later layers (retrieval, the service) only ever see these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "text", "table"]
MetadataType = Literal["STRING", "NUMBER", "BOOLEAN", "STRING_LIST"]
MetadataValue = str | float | bool | list[str]


@dataclass(frozen=True)
class Location:
    """Where a block sits in its source file.

    ``page`` is 1-based (PDF); ``sheet`` names a workbook sheet; ``row``/``row_end`` are the
    1-based row numbers as a spreadsheet program shows them (CSV: line of the record, header = 1);
    ``headings`` is the heading path above the block (HTML/MD/DOCX), outermost first.
    """

    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    row_end: int | None = None
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A table kept row by row so chunkers can split between rows and repeat the header."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Source row number of each row in ``rows`` (same length), or ``None`` when unknown.
    row_numbers: tuple[int | None, ...] = ()

    def header_markdown(self) -> str:
        """The header line plus the ``| --- |`` separator, as a Markdown table starts."""
        return _md_row(self.header) + "\n" + "|" + "|".join(" --- " for _ in self.header) + "|"

    def row_markdown(self, index: int) -> str:
        return _md_row(self.rows[index])

    def markdown(self) -> str:
        return "\n".join([self.header_markdown(), *(self.row_markdown(i) for i in range(len(self.rows)))])


def _md_row(cells: tuple[str, ...]) -> str:
    cleaned = (" ".join(c.split()).replace("|", "\\|") for c in cells)
    return "| " + " | ".join(cleaned) + " |"


@dataclass(frozen=True)
class Block:
    """One structural unit in reading order.

    ``heading``: ``text`` is the heading text without ``#``; ``level`` is 1-6.
    ``text``: a paragraph, list or preformatted block, Markdown-ish (list items start ``- ``).
    ``table``: ``table`` holds the rows; ``text`` is the whole table as Markdown.
    """

    kind: BlockKind
    text: str
    location: Location = Location()
    level: int = 0
    table: Table | None = None

    def markdown(self) -> str:
        if self.kind == "heading":
            return "#" * max(1, min(self.level, 6)) + " " + self.text
        return self.text


@dataclass(frozen=True)
class ParsedDocument:
    """The one normalised result every parser returns."""

    path: str
    blocks: tuple[Block, ...]
    # What the file itself says about itself, e.g. {"title": ..., "pages": 12}. Never sidecar metadata.
    properties: dict[str, str | int] = field(default_factory=dict)

    def markdown(self) -> str:
        """The whole document as Markdown, blocks separated by blank lines."""
        return "\n\n".join(b.markdown() for b in self.blocks)


@dataclass(frozen=True)
class MetadataAttribute:
    """One Bedrock metadata attribute from a ``.metadata.json`` sidecar."""

    value: MetadataValue
    type: MetadataType
    include_for_embedding: bool = True


@dataclass(frozen=True)
class ChunkLocation:
    """Where a chunk came from: the union of its blocks' locations."""

    source: str
    pages: tuple[int, ...] = ()
    sheet: str | None = None
    row: int | None = None
    row_end: int | None = None
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A piece of a document ready to embed.

    ``chunk_id`` is stable: the same file content and chunking give the same ids.
    Hierarchical chunking yields parents (``searchable=False``, never embedded) and children
    whose ``parent_id`` names the parent returned in their place, as Bedrock does.
    """

    chunk_id: str
    text: str
    token_count: int
    location: ChunkLocation
    metadata: dict[str, MetadataAttribute] = field(default_factory=dict)
    index: int = 0
    parent_id: str | None = None
    searchable: bool = True
