"""One file in, chunks or a reason out: the step every caller (CLI, sync, service) shares.

``process_file`` never raises for a bad document: parse failures, unsupported types and invalid
sidecars come back as data (:class:`DocumentResult`) so a batch always goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.chunking import ChunkingConfig, EmbedFn, chunk_document
from ingest.errors import IngestError, InvalidMetadata
from ingest.metadata import is_sidecar, load_sidecar
from ingest.parsers import ParseLimits, parse_file
from ingest.types import Chunk, MetadataAttribute

SOURCE_URI_KEY = "x-amz-bedrock-kb-source-uri"


@dataclass(frozen=True)
class DocumentResult:
    """What became of one file.

    ``status`` is ``"ok"`` when it was parsed and chunked, ``"failed"`` with a one-line ``reason``
    otherwise. ``warnings`` holds non-fatal problems (an invalid sidecar: the document is still
    indexed, without that metadata).
    """

    path: str
    status: Literal["ok", "failed"]
    chunks: tuple[Chunk, ...] = ()
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    metadata: dict[str, MetadataAttribute] = field(default_factory=dict)


def process_file(
    path: Path,
    *,
    chunking: ChunkingConfig,
    limits: ParseLimits = ParseLimits(),
    source_uri: str | None = None,
    embed: EmbedFn | None = None,
) -> DocumentResult:
    """Parse, attach sidecar metadata and chunk ``path``.

    >>> result = process_file(Path("data/handbook.md"), chunking=ChunkingConfig())
    >>> result.status, len(result.chunks) > 0
    ('ok', True)
    """
    warnings: list[str] = []
    if not _valid_utf8(str(path)):
        return DocumentResult(str(path), "failed", reason="file name is not valid UTF-8; rename the file")
    try:
        try:
            metadata = load_sidecar(path)
        except InvalidMetadata as exc:
            metadata = {}
            warnings.append(f"metadata ignored: {exc}")
        uri = source_uri or path.resolve().as_uri()
        metadata = {**metadata, SOURCE_URI_KEY: MetadataAttribute(uri, "STRING", include_for_embedding=False)}
        document = parse_file(path, limits=limits)
        chunks = chunk_document(document, config=chunking, metadata=metadata, embed=embed)
    except IngestError as exc:
        return DocumentResult(str(path), "failed", reason=_one_line(exc), warnings=tuple(warnings))
    except Exception as exc:
        # The per-file boundary: whatever broke while handling this file (a bug, a library's
        # surprise) becomes this file's refusal, so the rest of the batch goes on.
        reason = f"internal error: {type(exc).__name__}: {_one_line(exc)}"
        return DocumentResult(str(path), "failed", reason=reason, warnings=tuple(warnings))
    if not chunks:
        return DocumentResult(str(path), "failed", reason="no extractable text", warnings=tuple(warnings))
    return DocumentResult(str(path), "ok", chunks=tuple(chunks), warnings=tuple(warnings), metadata=metadata)


def iter_documents(root: Path) -> Iterator[Path]:
    """Every candidate document under ``root`` (a file or a folder), sorted; sidecars and hidden
    files are skipped.

    Unsupported types are yielded too, so they are reported rather than silently dropped.
    """
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or is_sidecar(path):
            continue
        if path.is_file():
            yield path


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _valid_utf8(name: str) -> bool:
    """False for a name with bytes the file system's encoding could not decode (kept as surrogates):
    it could be stored nowhere (chunk ids, SQLite, JSON all need UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
