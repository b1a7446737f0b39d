"""Word parsers: .docx (python-docx, read from the body XML in document order) and legacy .doc
(Debian's ``catdoc`` command).

Headers, footers, footnotes, comments and text boxes are not read: only the body, including what
sits in content controls (``w:sdt``) and custom XML at any level. Documents saved as ISO "Strict"
Open XML are read after their namespaces are mapped back to the transitional ones python-docx knows.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree

from ingest.errors import EncryptedDocument, ParseFailed, UnsupportedFormat
from ingest.parsers.archives import OLE_MAGIC, check_office_zip
from ingest.parsers.blocks import HeadingTrail, list_item, single_line, table_block, text_blocks
from ingest.parsers.limits import ParseLimits
from ingest.parsers.reasons import one_line
from ingest.types import Block, ParsedDocument

_HEADING_STYLE = re.compile(r"heading\s*(\d)$", re.IGNORECASE)
_CATDOC_TIMEOUT_S = 60
# Word tables have at most 63 columns; bigger spans or offsets come from broken or hostile files.
_MAX_COLUMNS = 64
_MAX_LIST_DEPTH = 9
_P, _TBL, _TR, _TC, _R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
# Alternative renderings of the same content: only one of them is read.
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Strict namespaces are transitional ones renamed: http://purl.oclc.org/ooxml/<area>/<name> is
# http://schemas.openxmlformats.org/<area>/2006/<name>, with two names spelled differently.
_STRICT = re.compile(rb"http://purl\.oclc\.org/ooxml/(\w+)/(\w+)((?:/\w+)?)")
_STRICT_RENAMED = {b"extendedProperties": b"extended-properties", b"customProperties": b"custom-properties"}


def parse_docx(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Body paragraphs and tables in document order.

    Paragraphs styled ``Title`` or ``Heading N`` (or with an outline level) become headings; list
    paragraphs become ``- item`` lines, one block per run of them; tables become ``table`` blocks
    whose first row is the header (horizontally merged cells fill their first column, vertically
    merged ones repeat the value above). ``title`` and ``author`` come from the core properties.
    """
    check_office_zip(path, limits, kind="docx")
    try:
        document = _open_docx(path)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise ParseFailed(f"corrupt docx: {one_line(exc)}") from exc
    styles = {style.style_id: style.name or "" for style in document.styles}
    reader = _DocxBlocks(styles)
    for element in _body_elements(document.element.body):
        reader.add(element)
    core = document.core_properties
    properties: dict[str, str | int] = {}
    for key, value in (("title", core.title), ("author", core.author)):
        if value and (text := single_line(value)):
            properties[key] = text
    return ParsedDocument(path=str(path), blocks=tuple(reader.finish()), properties=properties)


def parse_doc(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Legacy Word 97-2003 text through Debian's ``catdoc``: one ``text`` block per paragraph.

    catdoc rather than antiword: antiword refuses files whose text sits in OLE's mini stream
    (documents under 4 KiB of text, both .doc files of the shared corpus), catdoc reads them.
    Raises :class:`UnsupportedFormat` when ``catdoc`` is not on ``PATH``.
    """
    catdoc = shutil.which("catdoc")
    if catdoc is None:
        raise UnsupportedFormat(
            "unsupported type .doc: install catdoc (apt-get install catdoc) to parse legacy Word files"
        )
    with path.open("rb") as handle:
        if handle.read(len(OLE_MAGIC)) != OLE_MAGIC:
            raise ParseFailed("corrupt doc: not a Word 97-2003 (OLE) file")
    try:
        result = subprocess.run(
            [catdoc, "-w", "-d", "utf-8", os.fspath(path.absolute())],
            capture_output=True,
            timeout=_CATDOC_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ParseFailed(f"cannot read doc: catdoc took over {_CATDOC_TIMEOUT_S} s") from exc
    if result.returncode != 0:
        reason = one_line(result.stderr.decode("utf-8", errors="replace") or f"exit {result.returncode}")
        if "encrypt" in reason.lower() or "password" in reason.lower():
            raise EncryptedDocument("encrypted: password required")
        raise ParseFailed(f"cannot read doc: catdoc: {reason}")
    text = result.stdout.decode("utf-8", errors="replace")
    return ParsedDocument(path=str(path), blocks=tuple(text_blocks(text)))


def _open_docx(path: Path) -> WordDocument:
    """The document, read from a transitional copy of the package when it was saved as Strict."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "_rels/.rels" not in names or not _STRICT.search(archive.read("_rels/.rels")):
            return docx.Document(str(path))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in archive.infolist():  # sizes were bounded by check_office_zip
                data = archive.read(info)
                if info.filename.endswith((".xml", ".rels")):
                    data = _STRICT.sub(_transitional, data)
                copy.writestr(info, data)
    return docx.Document(buffer)


def _transitional(match: re.Match[bytes]) -> bytes:
    area, name, rest = match.groups()
    if rest:
        rest = b"/" + _STRICT_RENAMED.get(rest[1:], rest[1:])
    return b"http://schemas.openxmlformats.org/%s/2006/%s%s" % (area, _STRICT_RENAMED.get(name, name), rest)


def _body_elements(container: BaseOxmlElement) -> Iterator[BaseOxmlElement]:
    """Paragraphs and tables of the body in order."""
    return _children(container, (_P, _TBL))


def _children(container: BaseOxmlElement, tags: tuple[str, ...]) -> Iterator[BaseOxmlElement]:
    """The children of ``container`` with one of ``tags``, in order, looking inside content controls
    (``w:sdt``) and custom XML, which may wrap paragraphs, tables, rows and cells alike."""
    for child in container.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _children(content, tags)
        elif child.tag == _CUSTOM_XML:
            yield from _children(child, tags)


class _DocxBlocks:
    """Accumulates blocks from body elements; consecutive list paragraphs share one block."""

    def __init__(self, styles: dict[str, str]) -> None:
        self._styles = styles
        self._trail = HeadingTrail()
        self._blocks: list[Block] = []
        self._list_lines: list[str] = []

    def add(self, element: BaseOxmlElement) -> None:
        if element.tag == _TBL:
            self._end_list()
            block = table_block(_table_rows(element), location=self._trail.location())
            if block is not None:
                self._blocks.append(block)
            return
        text = _paragraph_text(element).strip()
        if not text:
            return
        style = self._styles.get(element.xpath("string(w:pPr/w:pStyle/@w:val)"), "")
        level = _heading_level(element, style)
        if level is not None:
            self._end_list()
            self._blocks.append(self._trail.heading(single_line(text), level=level))
        elif element.xpath("w:pPr/w:numPr") or style.lower().startswith("list"):
            depth = min(_number(element, "w:pPr/w:numPr/w:ilvl/@w:val", default=0), _MAX_LIST_DEPTH)
            self._list_lines.append(list_item(text, depth=depth, number=None))
        else:
            self._end_list()
            self._blocks.append(Block(kind="text", text=text, location=self._trail.location()))

    def finish(self) -> list[Block]:
        self._end_list()
        return self._blocks

    def _end_list(self) -> None:
        if self._list_lines:
            text = "\n".join(self._list_lines)
            self._blocks.append(Block(kind="text", text=text, location=self._trail.location()))
            self._list_lines = []


def _heading_level(paragraph: BaseOxmlElement, style: str) -> int | None:
    if style.lower() == "title":
        return 1
    match = _HEADING_STYLE.match(style.strip())
    if match:
        return int(match.group(1))
    outline = paragraph.xpath("string(w:pPr/w:outlineLvl/@w:val)")
    # Outline level 9 means "body text"; 0-8 are heading levels 1-9.
    if outline.isdigit() and int(outline) < 9:
        return int(outline) + 1
    return None


def _number(element: BaseOxmlElement, path: str, *, default: int) -> int:
    """The integer attribute at ``path`` under ``element``, or ``default`` when absent or malformed."""
    value = element.xpath(f"string({path})")
    return int(value) if isinstance(value, str) and value.isdigit() else default


def _paragraph_text(paragraph: BaseOxmlElement) -> str:
    """The text of the paragraph's runs, however deeply wrapped (links, tracked insertions, fields,
    content controls, custom XML); runs of paragraphs nested inside it (text boxes) are not its own."""
    return "".join(run.text for run in paragraph.iter(_R) if _owned_by(run, paragraph))


def _owned_by(run: BaseOxmlElement, paragraph: BaseOxmlElement) -> bool:
    for ancestor in run.iterancestors():
        if ancestor is paragraph:
            return True
        if ancestor.tag == _P or ancestor.tag == _FALLBACK:
            return False
    return False


def _table_rows(table: BaseOxmlElement) -> list[list[str]]:
    """The table as a grid of cell texts, tolerant of rows that skip or overrun grid columns."""
    rows: list[list[str]] = []
    last_in_column: dict[int, str] = {}  # what a vertically merged cell repeats
    for tr in _children(table, (_TR,)):
        row = [""] * min(_number(tr, "w:trPr/w:gridBefore/@w:val", default=0), _MAX_COLUMNS)
        for tc in _children(tr, (_TC,)):
            span = max(1, min(_number(tc, "w:tcPr/w:gridSpan/@w:val", default=1), _MAX_COLUMNS))
            merge = tc.xpath("w:tcPr/w:vMerge")
            if merge and merge[0].get(qn("w:val")) != "restart":
                text = last_in_column.get(len(row), "")
            else:
                text = " ".join(_paragraph_text(p) for p in tc.iter(_P))
            last_in_column[len(row)] = text
            row.extend([text] + [""] * (span - 1))
        rows.append(row)
    return rows
