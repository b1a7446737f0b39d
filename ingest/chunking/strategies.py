"""``chunk_document``: a parsed document in, Bedrock-style chunks out, for every strategy."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingest.chunking.config import ChunkingConfig
from ingest.chunking.packing import Packed, pack
from ingest.chunking.semantic import EmbedFn, segments
from ingest.chunking.units import Unit, document_units
from ingest.errors import InvalidChunkingConfig
from ingest.tokens import count_tokens
from ingest.types import Chunk, ChunkLocation, Location, MetadataAttribute, ParsedDocument

PAGE_NUMBER_KEY = "x-amz-bedrock-kb-document-page-number"


@dataclass(frozen=True)
class _Draft:
    """A chunk before its index and id are known; ``parent`` is the index of its parent draft."""

    text: str
    tokens: int
    location: ChunkLocation
    parent: int | None = None
    searchable: bool = True


def chunk_document(
    doc: ParsedDocument,
    *,
    config: ChunkingConfig,
    metadata: Mapping[str, MetadataAttribute] | None = None,
    embed: EmbedFn | None = None,
) -> list[Chunk]:
    """Split ``doc`` into chunks as ``config`` says; ``[]`` when it has no text.

    Units: text blocks are cut into sentences, headings stay whole (``# Heading``) and tables
    go row by row, each run of rows in a chunk under its table's header (whose tokens count).
    Units are packed whole and greedily; only a sentence or row longer than the limit is cut,
    at word boundaries (a single over-long word at token boundaries). Sentences of one block
    are joined by a space (a line break before a list item, a blank line where the block had
    one), blocks by a blank line, rows by a line break. ``token_count`` is always the exact
    cl100k count of ``text`` and at most the limit, except for ``none`` and for a single
    character that alone needs more tokens than the limit (kept whole, never cut). A
    document that fits the limit is one chunk, except that no chunk spans two workbook
    sheets (its sheet and rows would be ambiguous): a small workbook is one chunk per sheet.

    Overlap (``default``/``fixed``): a chunk starts with the longest suffix of the previous
    chunk's units whose own token counts sum to at most ``round(max_tokens *
    overlap_percentage / 100)``; none when even the last unit is larger; shortened from the
    front when the next new unit would not fit beside it.

    ``hierarchical`` returns each parent (``searchable=False``, ``parent_max_tokens``)
    immediately followed by its children (``child_max_tokens``, ``parent_id`` set), packed
    from the parent's units; parents and siblings overlap by ``overlap_tokens`` as above.
    ``semantic`` needs ``embed`` (texts in, one vector per text out; called once) and raises
    :class:`InvalidChunkingConfig` without it; its topic segments and tables are packed to
    ``max_tokens`` with no overlap.

    Every chunk carries a copy of ``metadata`` and, when it comes from pages, Bedrock's
    ``x-amz-bedrock-kb-document-page-number`` (its first page). ``chunk_id`` is the first 32
    hex digits of ``sha256(f"{doc.path}\\n{index}\\n{text}")``: stable across runs.

    >>> from ingest.types import Block
    >>> doc = ParsedDocument("a.txt", (Block("text", "First one. Second one."),))
    >>> [c.text for c in chunk_document(doc, config=ChunkingConfig(strategy="fixed", max_tokens=3))]
    ['First one.', 'Second one.']
    """
    return _chunks(doc.path, _drafts(doc, config, embed), dict(metadata or {}))


def _drafts(doc: ParsedDocument, config: ChunkingConfig, embed: EmbedFn | None) -> list[_Draft]:
    match config.strategy:
        case "none":
            return _whole_document(doc)
        case "hierarchical":
            return _hierarchical(doc, config)
        case "semantic":
            if embed is None:
                raise InvalidChunkingConfig("semantic chunking needs an embedder")
            return _semantic(doc, config, embed)
        case _:
            return _fixed(doc, config)


def _whole_document(doc: ParsedDocument) -> list[_Draft]:
    text = doc.markdown()
    if not text.strip():
        return []
    rows = [n for b in doc.blocks if b.table is not None for n in b.table.row_numbers]
    location = _location(doc.path, [b.location for b in doc.blocks], rows)
    return [_Draft(text, count_tokens(text), location)]


def _fixed(doc: ParsedDocument, config: ChunkingConfig) -> list[_Draft]:
    units = document_units(doc, max_tokens=config.max_tokens)
    sheets = _sheet_runs(units)
    if len(sheets) == 1 and sum(u.tokens for u in units) <= 2 * config.max_tokens:
        # Rendering can cost a few tokens more than the source; a document that fits as
        # written is still one chunk.
        markdown = doc.markdown()
        tokens = count_tokens(markdown)
        if tokens <= config.max_tokens:
            return [_draft(doc.path, units, Packed(0, len(units), markdown, tokens))]
    overlap = config.overlap_budget
    return [
        _draft(doc.path, sheet, p)
        for sheet in sheets
        for p in pack(sheet, max_tokens=config.max_tokens, overlap_tokens=overlap)
    ]


def _hierarchical(doc: ParsedDocument, config: ChunkingConfig) -> list[_Draft]:
    units = document_units(doc, max_tokens=config.child_max_tokens)
    overlap = config.overlap_tokens
    drafts: list[_Draft] = []
    for sheet in _sheet_runs(units):
        for parent in pack(sheet, max_tokens=config.parent_max_tokens, overlap_tokens=overlap):
            parent_index = len(drafts)
            drafts.append(_draft(doc.path, sheet, parent, searchable=False))
            members = sheet[parent.start : parent.end]
            for child in pack(members, max_tokens=config.child_max_tokens, overlap_tokens=overlap):
                drafts.append(_draft(doc.path, members, child, parent=parent_index))
    return drafts


def _sheet_runs(units: list[Unit]) -> list[list[Unit]]:
    """Consecutive units of one sheet: a chunk mixing two sheets would have no one sheet and rows."""
    runs: list[list[Unit]] = []
    for unit in units:
        if not runs or runs[-1][-1].location.sheet != unit.location.sheet:
            runs.append([])
        runs[-1].append(unit)
    return runs


def _semantic(doc: ParsedDocument, config: ChunkingConfig, embed: EmbedFn) -> list[_Draft]:
    units = document_units(doc, max_tokens=config.max_tokens)
    drafts: list[_Draft] = []
    for segment in segments(
        units, embed=embed, buffer_size=config.buffer_size, percentile=config.breakpoint_percentile
    ):
        members = units[segment.start : segment.stop]
        drafts.extend(
            _draft(doc.path, members, p) for p in pack(members, max_tokens=config.max_tokens, overlap_tokens=0)
        )
    return drafts


def _draft(
    source: str, units: Sequence[Unit], packed: Packed, *, parent: int | None = None, searchable: bool = True
) -> _Draft:
    members = units[packed.start : packed.end]
    location = _location(source, [u.location for u in members], [u.row for u in members if u.kind == "row"])
    return _Draft(packed.text, packed.tokens, location, parent=parent, searchable=searchable)


def _location(source: str, locations: Sequence[Location], rows: Sequence[int | None]) -> ChunkLocation:
    """Pages of all parts, sheet and heading path of the first, row range of the table rows."""
    pages = tuple(sorted({loc.page for loc in locations if loc.page is not None}))
    numbers = [r for r in rows if r is not None]
    first = locations[0] if locations else Location()
    return ChunkLocation(
        source=source,
        pages=pages,
        sheet=first.sheet,
        row=min(numbers) if numbers else None,
        row_end=max(numbers) if numbers else None,
        headings=first.headings,
    )


def _chunks(source: str, drafts: list[_Draft], metadata: dict[str, MetadataAttribute]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for index, draft in enumerate(drafts):
        parent_id = chunks[draft.parent].chunk_id if draft.parent is not None else None
        chunks.append(
            Chunk(
                chunk_id=chunk_id(source, index=index, text=draft.text),
                text=draft.text,
                token_count=draft.tokens,
                location=draft.location,
                metadata=_chunk_metadata(metadata, draft.location),
                index=index,
                parent_id=parent_id,
                searchable=draft.searchable,
            )
        )
    return chunks


def chunk_id(source: str, *, index: int, text: str) -> str:
    """First 32 hex digits of ``sha256(f"{source}\\n{index}\\n{text}")``."""
    return hashlib.sha256(f"{source}\n{index}\n{text}".encode()).hexdigest()[:32]


def _chunk_metadata(metadata: dict[str, MetadataAttribute], location: ChunkLocation) -> dict[str, MetadataAttribute]:
    result = dict(metadata)
    if location.pages:
        result[PAGE_NUMBER_KEY] = MetadataAttribute(
            value=float(location.pages[0]), type="NUMBER", include_for_embedding=False
        )
    return result
