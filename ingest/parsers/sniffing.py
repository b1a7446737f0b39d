"""What a file holds, by its first bytes, when that disagrees with its extension.

A PDF saved as ``.txt`` would otherwise be indexed as raw PDF syntax, and a workbook saved as
``.xls`` refused as corrupt. Three signatures are checked: ``%PDF-``, a zip (``PK\\x03\\x04``:
Office Open XML, told apart by the part that makes a package a document or a workbook) and OLE2
(legacy Office, and encrypted Office Open XML).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

from ingest.parsers.archives import OLE_MAGIC

Kind = Literal["pdf", "zip", "ole"]

_SIGNATURES: tuple[tuple[bytes, Kind], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (OLE_MAGIC, "ole"),
)
# What each suffix's content starts with; suffixes not listed hold text.
_EXPECTED: dict[str, Kind] = {
    ".pdf": "pdf",
    ".docx": "zip",
    ".xlsx": "zip",
    ".xlsm": "zip",
    ".doc": "ole",
    ".xls": "ole",
}
_NAMES: dict[Kind, str] = {"pdf": "PDF", "zip": "a zip archive", "ole": "a legacy Office (OLE2) file"}
# The part that makes an Office Open XML package a document or a workbook.
_MAIN_PARTS = {"word/document.xml": ".docx", "xl/workbook.xml": ".xlsx"}
# The stream that makes an OLE2 file a Word or an Excel file (names are stored in UTF-16 LE).
_OLE_STREAMS = {"WordDocument".encode("utf-16-le"): ".doc", "Workbook".encode("utf-16-le"): ".xls"}


def sniff(path: Path) -> Kind | None:
    """The kind of binary file ``path`` starts like, or ``None`` (text, or something else)."""
    with path.open("rb") as stream:
        head = stream.read(len(OLE_MAGIC))
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def content_suffix(path: Path, suffix: str) -> str | None:
    """The suffix whose parser should read ``path``: ``suffix`` unless the content says otherwise.

    Returns ``None`` when the content is a binary kind no parser of a matching type can read (a zip
    that is no Office document under ``.txt``); the caller refuses the file with :func:`mismatch`.
    A file that merely lacks its kind's signature (a corrupt ``.pdf``) keeps its suffix: its parser
    words that refusal best.
    """
    kind = sniff(path)
    expected = _EXPECTED.get(suffix)
    if kind is None or kind == expected:
        return suffix
    if kind == "pdf":
        return ".pdf"
    if kind == "zip":
        return _office_suffix(path)
    if expected == "zip":  # an encrypted Office Open XML package is an OLE2 file: its parser says so
        return suffix
    return _ole_suffix(path)


def mismatch(path: Path, suffix: str) -> str:
    """The refusal for content that does not match its extension."""
    kind = sniff(path)
    shown = _NAMES[kind] if kind else "not text"
    return f"content is {shown} but extension is {suffix}"


def _office_suffix(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    for part, suffix in _MAIN_PARTS.items():
        if part in names:
            return suffix
    return None


def _ole_suffix(path: Path) -> str | None:
    # The caller has already bounded the file size, so reading it whole is safe.
    data = path.read_bytes()
    for stream, suffix in _OLE_STREAMS.items():
        if stream in data:
            return suffix
    return None
