"""Safety checks on zip-based Office files (.docx, .xlsx) before any parser opens them.

Python's ``zipfile`` never inflates a member past its declared size, so bounding the declared
sizes bounds what python-docx and openpyxl can be made to decompress.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.errors import EncryptedDocument, ParseFailed, UnsafeArchive
from ingest.parsers.limits import ParseLimits

# Compound File Binary (OLE2) signature: legacy Office files, and encrypted OOXML packages.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream name Office uses for an encrypted OOXML package; OLE stores names in UTF-16 LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def check_office_zip(path: Path, limits: ParseLimits, *, kind: str) -> None:
    """Refuse ``path`` unless it is a zip within ``limits``; ``kind`` (``"docx"``) words the reasons.

    Raises :class:`EncryptedDocument` for a password-protected Office file (an OLE container holding
    an ``EncryptedPackage``), :class:`UnsafeArchive` for a decompression bomb and
    :class:`ParseFailed` for anything that is not a readable zip.
    """
    with path.open("rb") as stream:
        head = stream.read(len(OLE_MAGIC))
    if head == OLE_MAGIC:
        raise _ole_refusal(path, kind)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ParseFailed(f"corrupt {kind}: not a zip archive ({exc})") from exc
    check_zip_members(members, limits)


def check_zip_members(members: list[zipfile.ZipInfo], limits: ParseLimits) -> None:
    """Raise :class:`UnsafeArchive` if the members' count, total size or ratio pass ``limits``."""
    if len(members) > limits.max_zip_members:
        raise UnsafeArchive(f"decompression bomb: {len(members):,} members (limit {limits.max_zip_members:,})")
    unzipped = sum(member.file_size for member in members)
    if unzipped > limits.max_unzipped_bytes:
        raise UnsafeArchive(f"decompression bomb: expands to {unzipped:,} bytes (limit {limits.max_unzipped_bytes:,})")
    compressed = sum(member.compress_size for member in members)
    ratio = unzipped / max(compressed, 1)
    if ratio > limits.max_zip_ratio:
        raise UnsafeArchive(f"decompression bomb: compression ratio {ratio:,.0f} (limit {limits.max_zip_ratio:,.0f})")


def _ole_refusal(path: Path, kind: str) -> EncryptedDocument | ParseFailed:
    # The caller has already bounded the file size, so reading it whole is safe.
    if _ENCRYPTED_PACKAGE in path.read_bytes():
        return EncryptedDocument("encrypted: password required")
    return ParseFailed(f"not a .{kind} file: legacy binary Office format, save it as .{kind} again")
