"""Workbook (.xlsx, .xls) and delimited text (.csv, .tsv) parsers.

Every sheet is read; its rows become caption and table blocks (see :func:`grid_blocks`) whose
locations name the sheet and the 1-based rows as a spreadsheet program numbers them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import openpyxl
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

from ingest.encoding import decode_text
from ingest.errors import EncryptedDocument, ParseFailed
from ingest.parsers.archives import check_office_zip
from ingest.parsers.grids import NumberedRow, cell_text, grid_blocks
from ingest.parsers.limits import ParseLimits
from ingest.parsers.reasons import one_line
from ingest.types import Block, ParsedDocument

# Delimiters tried by the sniffer, most common first; the first wins a tie.
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_CHARS = 64 * 1024
# A delimiter must give the most frequent field count (above 1) on at least this share of rows.
_MIN_CONSISTENCY = 0.5


def parse_xlsx(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Every worksheet of an Office Open XML workbook; cached formula results, not formulas."""
    check_office_zip(path, limits, kind="xlsx")
    with path.open("rb") as stream:
        return ParsedDocument(path=str(path), blocks=tuple(_workbook_blocks(stream)))


def _workbook_blocks(stream: BinaryIO) -> list[Block]:
    # A stream, not the path: openpyxl refuses paths by extension, and content decides here (an
    # .xlsx saved as .xls, see sniffing.py).
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
        raise ParseFailed(f"corrupt xlsx: {one_line(exc)}") from exc
    try:
        blocks: list[Block] = []
        for sheet in workbook.worksheets:
            # read-only mode yields padding rows for gaps, so enumerating gives the real row numbers
            rows = (
                (number, [cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            blocks.extend(grid_blocks(rows, sheet=sheet.title))
    finally:
        workbook.close()
    return blocks


def parse_xls(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Every sheet of a legacy Excel 97-2003 workbook (BIFF), read with xlrd."""
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise EncryptedDocument("encrypted: password required") from exc
        raise ParseFailed(f"corrupt xls: {one_line(exc)}") from exc
    try:
        blocks: list[Block] = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            blocks.extend(grid_blocks(_xls_rows(sheet, book.datemode), sheet=sheet.name))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return ParsedDocument(path=str(path), blocks=tuple(blocks))


def parse_delimited(path: Path, limits: ParseLimits) -> ParsedDocument:
    """CSV or TSV: the delimiter is sniffed for .csv (comma, semicolon, tab, pipe), tab for .tsv.

    Quoted fields may hold delimiters and newlines. Row numbers count records from 1, as a
    spreadsheet program numbers the rows of the file. A file in which no delimiter splits the rows
    consistently is read as a single column, one line per row.
    """
    text = decode_text(path.read_bytes())
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text[:_SNIFF_CHARS])
    try:
        rows = list(_delimited_rows(text, delimiter))
    except csv.Error as exc:
        raise ParseFailed(f"corrupt {path.suffix.lower()[1:]}: {one_line(exc)}") from exc
    return ParsedDocument(path=str(path), blocks=tuple(grid_blocks(rows)))


def sniff_delimiter(sample: str) -> str | None:
    """The delimiter that splits the rows of ``sample`` most consistently, or ``None`` for one column.

    Consistency is the share of rows with the most common field count; a tie goes to the delimiter
    giving more columns, then to the earlier of comma, semicolon, tab, pipe.

    >>> sniff_delimiter("Year;Month;Revenue\\n2022;1;123,5\\n2023;2;143,1\\n")
    ';'
    """
    if len(sample) == _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # the last line may be cut off
    best: tuple[float, int, str] | None = None
    for delimiter in _DELIMITERS:
        counts = [
            len(row)
            for row in csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
            if any(field.strip() for field in row)
        ]
        if not counts:
            continue
        width, rows_with_width = Counter(counts).most_common(1)[0]
        consistency = rows_with_width / len(counts)
        if width > 1 and consistency >= _MIN_CONSISTENCY and (best is None or (consistency, width) > best[:2]):
            best = (consistency, width, delimiter)
    return best[2] if best else None


def _delimited_rows(text: str, delimiter: str | None) -> Iterator[NumberedRow]:
    if delimiter is None:
        yield from enumerate(([line] for line in text.split("\n")), start=1)
        return
    yield from enumerate(csv.reader(io.StringIO(text), delimiter=delimiter, strict=False), start=1)


def _xls_rows(sheet: xlrd.sheet.Sheet, datemode: int) -> Iterator[NumberedRow]:
    for index in range(sheet.nrows):
        yield index + 1, [_xls_cell(cell, datemode) for cell in sheet.row(index)]


def _xls_cell(cell: xlrd.sheet.Cell, datemode: int) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (xlrd.xldate.XLDateError, OverflowError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
    return cell_text(cell.value)
