"""Parsers: every supported file type into one :class:`ParsedDocument`, or a one-line refusal.

``parse_file`` is the single entry point. Parsers are plain functions in :data:`PARSERS`, keyed by
lower-cased suffix; each raises the specific :class:`IngestError` it can name, and ``parse_file``
turns anything else a third-party library throws into :class:`ParseFailed`.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from ingest.errors import (
    EmptyDocument,
    FileTooLarge,
    IngestError,
    NoExtractableText,
    ParseFailed,
    UnsupportedFormat,
)
from ingest.parsers.limits import ParseLimits, Parser
from ingest.parsers.reasons import one_line
from ingest.parsers.sniffing import content_suffix, mismatch
from ingest.types import Location, ParsedDocument, Table

__all__ = ["DEFAULT_LIMITS", "PARSERS", "SUPPORTED_SUFFIXES", "ParseLimits", "Parser", "parse_file", "repair_text"]


def _on_first_use(module: str, function: str) -> Parser:
    """``module.function``, imported when a file first needs it: the parsing libraries (pypdf, openpyxl,
    python-docx, BeautifulSoup, markdown-it) take ~0.5 s to import, which commands that parse nothing
    (``ragkb --help``, ``kb list``, ``retrieve``) should not pay."""

    def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
        parser: Parser = getattr(importlib.import_module(f"ingest.parsers.{module}"), function)
        return parser(path, limits)

    parse.__name__ = parse.__qualname__ = function
    return parse


PARSERS: dict[str, Parser] = {
    ".pdf": _on_first_use("pdf", "parse_pdf"),
    ".docx": _on_first_use("word", "parse_docx"),
    ".doc": _on_first_use("word", "parse_doc"),
    ".xlsx": _on_first_use("spreadsheets", "parse_xlsx"),
    # a macro-enabled workbook: the same package; macros are never run or read
    ".xlsm": _on_first_use("spreadsheets", "parse_xlsx"),
    ".xls": _on_first_use("spreadsheets", "parse_xls"),
    ".csv": _on_first_use("spreadsheets", "parse_delimited"),
    ".tsv": _on_first_use("spreadsheets", "parse_delimited"),
    ".html": _on_first_use("html", "parse_html"),
    ".htm": _on_first_use("html", "parse_html"),
    ".md": _on_first_use("text", "parse_markdown"),
    ".markdown": _on_first_use("text", "parse_markdown"),
    ".txt": _on_first_use("text", "parse_txt"),
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(PARSERS)
DEFAULT_LIMITS = ParseLimits()
_SURROGATE = re.compile("[\ud800-\udfff]")
# A document "has text" when some block holds a letter, a digit or a pictograph (a sheet of emoji):
# table rules, bullets and link separators alone ("| |", "·") are not text anyone searches for.
_WORD_CHARACTER = re.compile(r"[^\W_]")


def parse_file(path: Path, *, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Parse any supported file into the normalised ParsedDocument, or raise an IngestError subclass
    whose str() is a one-line, user-facing reason.

    The suffix picks the parser, unless the first bytes say the file is something else (a PDF saved
    as ``.txt`` is read as a PDF; a zip under ``.txt`` is refused); the size is checked with
    ``stat()`` before anything is read. A returned document always holds a letter, a digit or a
    pictograph, and its text is valid Unicode (lone surrogates, which some PDFs yield, become U+FFFD).

    >>> parse_file(Path("slides.pptx"))
    Traceback (most recent call last):
    ingest.errors.UnsupportedFormat: unsupported type .pptx
    """
    suffix = path.suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        raise UnsupportedFormat(f"unsupported type {suffix or '(no extension)'}")
    size = _file_size(path)
    if size > limits.max_file_bytes:
        raise FileTooLarge(f"file too large: {size:,} bytes (limit {limits.max_file_bytes:,})")
    if size == 0:
        raise EmptyDocument("empty file")
    try:
        read_as = content_suffix(path, suffix)
        if read_as is None:
            raise ParseFailed(mismatch(path, suffix))
        document = PARSERS[read_as](path, limits)
    except IngestError:
        raise
    except Exception as exc:
        # The one catch-all: third-party parsers raise arbitrary exceptions on corrupt input, and
        # one bad file must be reported with a reason, never abort the batch it is part of.
        raise ParseFailed(f"cannot parse {suffix[1:]}: {one_line(exc)}") from exc
    if not any(_has_text(block.text) for block in document.blocks):
        raise NoExtractableText("no extractable text")
    return _valid_unicode(document)


def _has_text(text: str) -> bool:
    return bool(_WORD_CHARACTER.search(text)) or any(unicodedata.category(c) == "So" for c in text)


def repair_text(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced by U+FFFD.

    >>> repair_text("a\\ud800b \\ud83d\\ude00") == "a\\ufffdb \\U0001f600"
    True
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _valid_unicode(document: ParsedDocument) -> ParsedDocument:
    """Lone surrogates cannot be encoded as UTF-8 (chunk ids, SQLite, JSON): repair them once, here."""
    if not any(_SURROGATE.search(text) for text in _texts(document)):
        return document
    blocks = tuple(
        replace(
            block,
            text=repair_text(block.text),
            location=_repaired_location(block.location),
            table=None if block.table is None else _repaired_table(block.table),
        )
        for block in document.blocks
    )
    properties = {k: repair_text(v) if isinstance(v, str) else v for k, v in document.properties.items()}
    return replace(document, blocks=blocks, properties=properties)


def _texts(document: ParsedDocument) -> list[str]:
    texts = [v for v in document.properties.values() if isinstance(v, str)]
    for block in document.blocks:
        texts.extend([block.text, *block.location.headings, block.location.sheet or ""])
        if block.table is not None:
            texts.extend([*block.table.header, *(cell for row in block.table.rows for cell in row)])
    return texts


def _repaired_location(location: Location) -> Location:
    sheet = None if location.sheet is None else repair_text(location.sheet)
    return replace(location, sheet=sheet, headings=tuple(repair_text(h) for h in location.headings))


def _repaired_table(table: Table) -> Table:
    header = tuple(repair_text(cell) for cell in table.header)
    rows = tuple(tuple(repair_text(cell) for cell in row) for row in table.rows)
    return replace(table, header=header, rows=rows)


def _file_size(path: Path) -> int:
    try:
        status = path.stat()
    except OSError as exc:
        raise ParseFailed(f"cannot read file: {exc.strerror or one_line(exc)}") from exc
    if not path.is_file():
        raise ParseFailed("cannot read file: not a regular file")
    return status.st_size
