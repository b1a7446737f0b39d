"""HTML parser (BeautifulSoup with lxml): headings, paragraphs, lists, tables and ``<pre>``.

The tree is walked once, iteratively (deeply nested markup cannot overflow the stack), and each
node's text is read once, so the cost stays linear in the size of the page. Inline text gathers
in a buffer that every block-level boundary flushes into a paragraph.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag, XMLParsedAsHTMLWarning

from ingest.encoding import decode_text
from ingest.parsers.blocks import (
    HeadingTrail,
    drop_empty_columns,
    list_item,
    paragraphs,
    single_line,
    table_block,
)
from ingest.parsers.limits import ParseLimits
from ingest.types import Block, ParsedDocument

_DROPPED = ["script", "style", "noscript", "template", "head", "iframe", "object", "svg"]
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details"),
        *("dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header"),
        *("hr", "html", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody", "td"),
        *("tfoot", "th", "thead", "tr", "ul"),
    }
)
# A table holding any of these lays out a page rather than tabulating data.
_LAYOUT_MARKERS = ["table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre"]
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_DECLARATION_BYTES = 4096
# Financial filings put currency signs and closing parentheses in cells of their own.
_PREFIX_SYMBOLS = frozenset({"$", "€", "£", "¥"})
_SUFFIX_SYMBOLS = frozenset({")", "%", ")%", "%)"})
_WHITESPACE = re.compile(r"\s+")


def parse_html(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Visible text of an HTML page as blocks under their heading path; ``title`` from ``<title>``.

    The encoding comes from a BOM, then valid UTF-8, then ``<meta charset>`` (or the XML
    declaration), then detection. Scripts, styles, ``<head>`` and hidden elements are dropped. A link
    without text reads as its image's ``alt`` text, else its ``aria-label`` or ``title``.
    """
    data = path.read_bytes()
    text = decode_text(data, declared=declared_charset(data))
    with warnings.catch_warnings():
        # Inline XBRL filings start with an XML declaration; lxml's HTML parser still reads them well.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "lxml")
    properties: dict[str, str | int] = {}
    if soup.title is not None and (title := single_line(soup.title.get_text(" "))):
        properties["title"] = title
    for element in soup.find_all(_DROPPED):
        element.decompose()
    return ParsedDocument(path=str(path), blocks=tuple(_HtmlBlocks().read(soup)), properties=properties)


def declared_charset(data: bytes) -> str | None:
    """The charset named by ``<meta>`` or an XML declaration near the start of ``data``."""
    match = _DECLARED_CHARSET.search(data[:_DECLARATION_BYTES])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


class _HtmlBlocks:
    """One pass over the tree; see the module docstring."""

    def __init__(self) -> None:
        self._trail = HeadingTrail()
        self._blocks: list[Block] = []
        self._inline: list[str] = []
        # One entry per open list: None for <ul>, the last item number for <ol>.
        self._lists: list[int | None] = []
        self._list_lines: list[str] = []
        self._item_started = False

    def read(self, root: Tag) -> list[Block]:
        pending: list[tuple[PageElement, bool]] = [(root, False)]
        while pending:
            node, leaving = pending.pop()
            if type(node) is NavigableString:  # text; not a comment, doctype or CDATA
                self._inline.append(_WHITESPACE.sub(" ", node))
            elif not isinstance(node, Tag):
                continue
            elif leaving:
                self._leave(node)
            elif not self._consumed(node):
                self._enter(node)
                pending.append((node, True))
                pending.extend((child, False) for child in reversed(node.contents))
        self._flush()
        self._end_list()
        return self._blocks

    def _consumed(self, node: Tag) -> bool:
        """Handle nodes read whole (headings, ``<pre>``, data tables) or skipped; False to descend."""
        if node.has_attr("hidden") or _HIDDEN_STYLE.search(str(node.get("style", ""))):
            return True
        if node.name == "br":
            self._inline.append("\n")
            return True
        if node.name == "a" and not node.get_text().strip():
            # A link without text is named by its image's alt text or its label (what a screen
            # reader says): a page of image links is otherwise a page of separators.
            self._inline.append(f" {_link_name(node)} ")
            return True
        if node.name in _HEADINGS:
            self._flush()
            self._end_list()
            if text := single_line(node.get_text(" ")):
                self._blocks.append(self._trail.heading(text, level=int(node.name[1])))
            return True
        if node.name == "pre":
            self._flush()
            self._end_list()
            if text := node.get_text().strip("\n"):
                self._add(f"```\n{text}\n```")
            return True
        if node.name == "table" and not node.find(_LAYOUT_MARKERS):
            rows = _merge_symbol_columns(drop_empty_columns(_table_rows(node)))
            block = table_block(rows, location=self._trail.location())
            if block is not None and block.kind == "table":
                self._flush()
                self._end_list()
                self._blocks.append(block)
                return True
        return False

    def _enter(self, node: Tag) -> None:
        if node.name in _BLOCKS:
            self._flush()
        if node.name in ("ul", "ol"):
            start = node.get("start")
            first = int(start) if isinstance(start, str) and start.isdigit() else 1
            self._lists.append(None if node.name == "ul" else first - 1)
        elif node.name == "li" and self._lists:
            last = self._lists[-1]
            self._lists[-1] = None if last is None else last + 1
            self._item_started = True

    def _leave(self, node: Tag) -> None:
        if node.name in _BLOCKS:
            self._flush()
        if node.name in ("ul", "ol") and self._lists:
            self._lists.pop()
            if not self._lists:
                self._end_list()

    def _flush(self) -> None:
        """Turn the gathered inline text into paragraphs (``<br><br>`` separates two) or a list item."""
        lines = [" ".join(line.split()) for line in "".join(self._inline).split("\n")]
        self._inline = []
        if not self._lists:
            for paragraph in paragraphs("\n".join(lines)):
                self._add(paragraph)
            return
        text = "\n".join(line for line in lines if line)
        if not text:
            return
        depth, number = len(self._lists) - 1, self._lists[-1]
        self._list_lines.append(list_item(text, depth=depth, number=number, first=self._item_started))
        self._item_started = False

    def _end_list(self) -> None:
        if self._list_lines:
            self._add("\n".join(self._list_lines))
            self._list_lines = []

    def _add(self, text: str) -> None:
        self._blocks.append(Block(kind="text", text=text, location=self._trail.location()))


def _link_name(link: Tag) -> str:
    names = [str(image.get("alt", "")) for image in link.find_all("img")]
    names += [str(link.get("aria-label", "")), str(link.get("title", ""))]
    return next((single_line(name) for name in names if name.strip()), "")


def _table_rows(table: Tag) -> list[list[str]]:
    """Cell texts of the table's own rows; a cell spanning columns fills its first one."""
    rows: list[list[str]] = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        row: list[str] = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            span = cell.get("colspan")
            width = int(span) if isinstance(span, str) and span.isdigit() and 0 < int(span) < 1000 else 1
            row.extend([single_line(cell.get_text(" "))] + [""] * (width - 1))
        rows.append(row)
    return rows


def _merge_symbol_columns(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Join a column of lone currency signs (or closing parentheses) to the numbers beside it.

    Filings lay ``$ | 10,024 | )`` out as three cells under one ``colspan`` header; merged, the
    header and the value share a column: ``2021 | $10,024)``. The first row is the header.
    """
    merged: list[list[str]] = []
    carried: list[str] | None = None
    for column in (list(cells) for cells in zip(*rows, strict=True)):
        body = {cell for cell in column[1:] if cell}
        if carried is None and body and body <= _PREFIX_SYMBOLS:
            carried = column
            continue
        if carried is not None:
            column = [_join_cells(sign, cell) for sign, cell in zip(carried, column, strict=True)]
            carried = None
        if merged and body and body <= _SUFFIX_SYMBOLS:
            merged[-1] = [_join_cells(cell, sign) for cell, sign in zip(merged[-1], column, strict=True)]
            continue
        merged.append(column)
    if carried is not None:
        merged.append(carried)
    return [tuple(row) for row in zip(*merged, strict=True)] if merged else []


def _join_cells(left: str, right: str) -> str:
    if not left or not right:
        return left or right
    if left in _PREFIX_SYMBOLS or right in _SUFFIX_SYMBOLS:
        return left + right
    return f"{left} {right}"
