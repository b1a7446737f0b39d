"""The limits every parser honours, set by the caller (the service's settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.types import ParsedDocument


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on what one file may cost to parse.

    ``max_file_bytes`` is checked with ``stat()`` before a byte is read. For zip-based Office files
    (.docx, .xlsx) the declared member sizes are checked before the archive is opened by a parser:
    their sum against ``max_unzipped_bytes``, the sum over the compressed sizes against
    ``max_zip_ratio`` and the member count against ``max_zip_members``. ``pdf_passwords`` are tried,
    in order, after the empty password on encrypted PDFs.
    """

    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 512 * 1024 * 1024
    max_zip_ratio: float = 200.0
    pdf_passwords: tuple[str, ...] = ()
    max_zip_members: int = 10_000

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_unzipped_bytes", "max_zip_ratio", "max_zip_members"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ParseLimits.{name} must be positive, got {getattr(self, name)!r}")


Parser = Callable[[Path, ParseLimits], ParsedDocument]
"""A parser: read ``path`` within ``limits``; return the document or raise an ``IngestError``."""
