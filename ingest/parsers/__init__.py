"""Parsers: every supported file type into one :class:`ParsedDocument`, or a one-line refusal.

``parse_file`` is the single entry point. Parsers are plain functions in :data:`PARSERS`, keyed by
lower-cased suffix; each raises the specific :class:`IngestError` it can name, and ``parse_file``
turns anything else a third-party library throws into :class:`ParseFailed`.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import (
    EmptyDocument,
    FileTooLarge,
    IngestError,
    NoExtractableText,
    ParseFailed,
    UnsupportedFormat,
)
from ingest.parsers.html import parse_html
from ingest.parsers.limits import ParseLimits, Parser
from ingest.parsers.pdf import parse_pdf
from ingest.parsers.reasons import one_line
from ingest.parsers.spreadsheets import parse_delimited, parse_xls, parse_xlsx
from ingest.parsers.text import parse_markdown, parse_txt
from ingest.parsers.word import parse_doc, parse_docx
from ingest.types import ParsedDocument

__all__ = ["DEFAULT_LIMITS", "PARSERS", "SUPPORTED_SUFFIXES", "ParseLimits", "Parser", "parse_file"]

PARSERS: dict[str, Parser] = {
    ".pdf": parse_pdf,
    ".docx": parse_docx,
    ".doc": parse_doc,
    ".xlsx": parse_xlsx,
    ".xls": parse_xls,
    ".csv": parse_delimited,
    ".tsv": parse_delimited,
    ".html": parse_html,
    ".htm": parse_html,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_txt,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(PARSERS)
DEFAULT_LIMITS = ParseLimits()


def parse_file(path: Path, *, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Parse any supported file into the normalised ParsedDocument, or raise an IngestError subclass
    whose str() is a one-line, user-facing reason.

    The suffix picks the parser; the size is checked with ``stat()`` before anything is read. A
    returned document always holds some text.

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
        document = parser(path, limits)
    except IngestError:
        raise
    except Exception as exc:
        # The one catch-all: third-party parsers raise arbitrary exceptions on corrupt input, and
        # one bad file must be reported with a reason, never abort the batch it is part of.
        raise ParseFailed(f"cannot parse {suffix[1:]}: {one_line(exc)}") from exc
    if not any(block.text.strip() for block in document.blocks):
        raise NoExtractableText("no extractable text")
    return document


def _file_size(path: Path) -> int:
    try:
        status = path.stat()
    except OSError as exc:
        raise ParseFailed(f"cannot read file: {exc.strerror or one_line(exc)}") from exc
    if not path.is_file():
        raise ParseFailed("cannot read file: not a regular file")
    return status.st_size
