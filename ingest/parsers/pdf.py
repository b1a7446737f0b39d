"""PDF parser: the text layer of each page (pypdf), cut into paragraphs, with page numbers.

pypdf gives lines in content-stream order without paragraph marks, so paragraphs are rebuilt
with a simple rule: a blank line, a line that starts a list item, or (on pages of prose) a line
much shorter than a full line of the page (unless it ends in a hyphen) ends a paragraph. Lines
inside a paragraph are joined with a space, or without one where a word was hyphenated across
the break.
"""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from ingest.errors import EncryptedDocument, NoExtractableText, ParseFailed
from ingest.parsers.blocks import single_line
from ingest.parsers.limits import ParseLimits
from ingest.parsers.reasons import one_line
from ingest.types import Block, Location, ParsedDocument

# A line shorter than this share of a full line (see _full_width) ends its paragraph ...
_SHORT_LINE = 0.6
# ... on pages of prose; pages whose full line is shorter come out a word or a cell per line.
_PROSE_LINE_CHARS = 40
_LIST_ITEM = re.compile(r"^(?:[•●▪◦■‣∙·*\u2013-]|\(?\d{1,3}[.)]|\(?[a-z][.)])(?:\s+|$)")
_BULLET = re.compile(r"^[•●▪◦■‣∙·*\u2013](?=\s|$)")  # \u2013: en dash


def parse_pdf(path: Path, limits: ParseLimits) -> ParsedDocument:
    """One ``text`` block per paragraph, located by 1-based page; ``pages`` and ``title`` properties.

    Encrypted files are opened with the empty password, then ``limits.pdf_passwords``; failing that
    :class:`EncryptedDocument`. A file with no text on any page raises :class:`NoExtractableText`.
    """
    try:
        reader = PdfReader(path, strict=False)
        _unlock(reader, limits.pdf_passwords)
        pages = [_page_text(page) for page in reader.pages]
        properties = _properties(reader, page_count=len(pages))
    except DependencyError as exc:
        raise ParseFailed(f"cannot decrypt pdf: {one_line(exc)}") from exc
    except PyPdfError as exc:
        raise ParseFailed(f"corrupt pdf: {one_line(exc)}") from exc
    blocks = tuple(
        Block(kind="text", text=paragraph, location=Location(page=number))
        for number, text in enumerate(pages, start=1)
        for paragraph in page_paragraphs(text)
    )
    if not blocks:
        raise NoExtractableText("no extractable text (scanned?)")
    return ParsedDocument(path=str(path), blocks=blocks, properties=properties)


def page_paragraphs(text: str) -> list[str]:
    """The paragraphs of one page's extracted text (see the module docstring for the rule).

    >>> paragraphs = page_paragraphs(
    ...     "Results\\nThe first line of a paragraph that wraps, with a hyphen-\\n"
    ...     "ated word joined to the second line of the paragraph.\\n"
    ... )
    >>> paragraphs[0], paragraphs[1][-59:]
    ('Results', 'hyphenated word joined to the second line of the paragraph.')
    """
    lines = [" ".join(line.split()) for line in text.splitlines()]
    full = _full_width(lines)
    short = full * _SHORT_LINE if full >= _PROSE_LINE_CHARS else 0
    found: list[list[str]] = [[]]
    for line in lines:
        if not line:
            found.append([])
            continue
        if found[-1] and _LIST_ITEM.match(line):
            found.append([])
        found[-1].append(_BULLET.sub("-", line))
        if len(line) < short and not line.endswith("-"):
            found.append([])
    return [_join_lines(group) for group in found if group]


def _full_width(lines: list[str]) -> int:
    """The length of a full line of the page's text column: the 75th percentile, not the maximum,
    so one wide title or footer line does not make every body line look short."""
    widths = sorted(len(line) for line in lines if line)
    return widths[(len(widths) - 1) * 3 // 4] if widths else 0


def _join_lines(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        if len(text) > 1 and text.endswith("-") and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return text


def _unlock(reader: PdfReader, passwords: tuple[str, ...]) -> None:
    if not reader.is_encrypted:
        return
    for password in ("", *passwords):
        if reader.decrypt(password) != PasswordType.NOT_DECRYPTED:
            return
    raise EncryptedDocument("encrypted: password required")


def _page_text(page: PageObject) -> str:
    try:
        return page.extract_text()
    except PyPdfError:
        # One unreadable page (a broken content stream) should not cost the rest of the document.
        return ""


def _properties(reader: PdfReader, *, page_count: int) -> dict[str, str | int]:
    properties: dict[str, str | int] = {"pages": page_count}
    metadata = reader.metadata
    if metadata is not None:
        for key, value in (("title", metadata.title), ("author", metadata.author)):
            if isinstance(value, str) and (text := single_line(value)):
                properties[key] = text
    return properties
