"""Builders for the normalised blocks every parser returns: paragraphs, tables, heading paths."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.types import Block, Location, Table

_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")
# C0 controls other than white space, and DEL: what a stray NUL in a PDF title looks like.
_CONTROL_CHARACTERS = dict.fromkeys([*range(0x09), *range(0x0E, 0x20), 0x7F])
Rows = Sequence[Sequence[str]]
_UNLOCATED = Location()


def has_blank_line(text: str) -> bool:
    """Whether ``text`` holds an empty (or white-space only) line between two others."""
    return _BLANK_LINES.search(text) is not None


def paragraphs(text: str) -> list[str]:
    """The blank-line separated paragraphs of ``text``: lines right-stripped, empty ones dropped."""
    found = []
    for part in _BLANK_LINES.split(text):
        paragraph = "\n".join(line.rstrip() for line in part.strip("\n").split("\n")).strip()
        if paragraph:
            found.append(paragraph)
    return found


def text_blocks(text: str, location: Location = _UNLOCATED) -> list[Block]:
    """One ``text`` block per paragraph of ``text``, all at ``location``."""
    return [Block(kind="text", text=paragraph, location=location) for paragraph in paragraphs(text)]


def single_line(text: str) -> str:
    """Text on one line: runs of white space (newlines too) become one space; control characters go.

    >>> single_line(" Total\\n  revenue\\x00 ")
    'Total revenue'
    """
    return " ".join(text.translate(_CONTROL_CHARACTERS).split())


def drop_empty_columns(rows: Rows) -> list[tuple[str, ...]]:
    """``rows`` padded to one width, without the columns that are empty in every row."""
    width = max((len(row) for row in rows), default=0)
    padded = [tuple(row) + ("",) * (width - len(row)) for row in rows]
    keep = [col for col in range(width) if any(row[col] for row in padded)]
    return [tuple(row[col] for col in keep) for row in padded]


def table_block(rows: Rows, *, location: Location, row_numbers: Sequence[int | None] | None = None) -> Block | None:
    """A ``table`` block whose header is the first non-empty row, or ``None`` if all is empty.

    Cells are put on one line; empty rows and columns are dropped; short rows are padded. A table
    left with a single row has no data under its header, so it becomes a ``text`` block of its cells
    joined by `` | ``. ``row_numbers`` (same length as ``rows``) are the source rows, if known.
    """
    numbers: Sequence[int | None] = row_numbers if row_numbers is not None else [None] * len(rows)
    kept = [
        (number, [single_line(cell) for cell in row])
        for number, row in zip(numbers, rows, strict=True)
        if any(cell.strip() for cell in row)
    ]
    if not kept:
        return None
    grid = drop_empty_columns([cells for _, cells in kept])
    if len(grid) == 1:
        return Block(kind="text", text=" | ".join(cell for cell in grid[0] if cell), location=location)
    table = Table(header=grid[0], rows=tuple(grid[1:]), row_numbers=tuple(number for number, _ in kept[1:]))
    return Block(kind="table", text=table.markdown(), location=location, table=table)


def list_item(text: str, *, depth: int, number: int | None, first: bool = True) -> str:
    """A list item as Markdown: ``- text`` (``number`` None) or ``3. text``, two spaces per depth.

    ``first=False`` gives a further paragraph of the same item, indented under its text.

    >>> print(list_item("oat milk\\nor soy", depth=1, number=None))
      - oat milk
        or soy
    """
    indent = "  " * depth
    marker = ("- " if number is None else f"{number}. ") if first else "  "
    return indent + marker + text.replace("\n", "\n" + indent + "  ")


class HeadingTrail:
    """The headings above the current point of a document read top-down, outermost first.

    >>> trail = HeadingTrail()
    >>> trail.heading("Intro", level=1).location.headings
    ()
    >>> _ = trail.heading("Scope", level=2)
    >>> trail.location().headings
    ('Intro', 'Scope')
    """

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []

    def heading(self, text: str, *, level: int) -> Block:
        """The block for a heading met now; it closes open headings of the same or a deeper level.

        The block's location holds its parents' path, not itself; ``level`` is clamped to 1-6.
        """
        level = max(1, min(level, 6))
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        block = Block(kind="heading", text=text, location=self.location(), level=level)
        self._open.append((level, text))
        return block

    def location(self) -> Location:
        """Where content read now sits: under every open heading."""
        return Location(headings=tuple(text for _, text in self._open))
