"""Turning numbered rows of cells (a CSV file, a worksheet) into caption and table blocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from ingest.parsers.blocks import drop_empty_columns, single_line, table_block
from ingest.types import Block, Location

NumberedRow = tuple[int, Sequence[str]]
# Floats with an integral value below this print without ".0"; above, digits are not exact anyway.
_EXACT_INTEGER_LIMIT = 1e15


def grid_blocks(rows: Iterable[NumberedRow], *, sheet: str | None = None) -> list[Block]:
    """Blocks for a sheet's rows, given as ``(row number, cells)`` in order.

    Blank rows separate sub-tables; each gets its own header, the first row left after any
    caption rows. A caption row is a leading row with a single filled cell above a wider table
    (``Stanley Cups`` above ``Team | Location | Stanley Cups``); it becomes a ``text`` block.
    Locations carry ``sheet`` and the 1-based rows each block spans.
    """
    blocks: list[Block] = []
    for group in _sub_tables(rows):
        blocks.extend(_group_blocks(group, sheet))
    return blocks


def cell_text(value: object) -> str:
    """A cell value as a spreadsheet shows it: ``3`` not ``3.0``, ISO dates, ``TRUE``/``FALSE``.

    >>> cell_text(3.0), cell_text(0.1 + 0.2), cell_text(dt.datetime(2023, 6, 30)), cell_text(None)
    ('3', '0.3', '2023-06-30', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_INTEGER_LIMIT:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _sub_tables(rows: Iterable[NumberedRow]) -> Iterator[list[NumberedRow]]:
    group: list[NumberedRow] = []
    for number, cells in rows:
        if any(cell.strip() for cell in cells):
            group.append((number, cells))
        elif group:
            yield group
            group = []
    if group:
        yield group


def _group_blocks(group: list[NumberedRow], sheet: str | None) -> list[Block]:
    numbers = [number for number, _ in group]
    grid = drop_empty_columns([[single_line(cell) for cell in cells] for _, cells in group])
    width = len(grid[0])
    captions = 0
    while width > 1 and captions < len(grid) - 1 and sum(1 for cell in grid[captions] if cell) == 1:
        captions += 1
    blocks = [
        Block(
            kind="text",
            text=next(cell for cell in grid[index] if cell),
            location=Location(sheet=sheet, row=numbers[index], row_end=numbers[index]),
        )
        for index in range(captions)
    ]
    table = table_block(
        grid[captions:],
        location=Location(sheet=sheet, row=numbers[captions], row_end=numbers[-1]),
        row_numbers=numbers[captions:],
    )
    if table is not None:
        blocks.append(table)
    return blocks
