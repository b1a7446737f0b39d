"""Ingestion errors. They carry a one-line, user-facing reason and no HTTP status.

The service maps these classes to statuses in one place (``app/http/errors.py``); the CLI prints
``str(error)`` as the reason a file was refused.
"""


class IngestError(Exception):
    """Base class: a file could not be turned into chunks. ``str(e)`` is the one-line reason."""


class UnsupportedFormat(IngestError):
    """The file type is not one ragkb parses (``unsupported type .pptx``)."""


class FileTooLarge(IngestError):
    """The file is over the configured per-file size limit; refused before parsing."""


class EmptyDocument(IngestError):
    """The file has no bytes, or only white space."""


class EncryptedDocument(IngestError):
    """The file is encrypted and no usable password was given."""


class NoExtractableText(IngestError):
    """The file parsed but holds no text (an image-only scan, an empty workbook)."""


class UnsafeArchive(IngestError):
    """A zip-based file (.docx, .xlsx) that expands beyond safe limits: a decompression bomb."""


class ParseFailed(IngestError):
    """The file is corrupt or malformed beyond what the parser can recover."""


class InvalidMetadata(IngestError):
    """A ``.metadata.json`` sidecar is malformed, too large or uses unknown types."""


class InvalidChunkingConfig(IngestError):
    """Chunking parameters out of range (e.g. ``max_tokens`` not in 1-8192)."""
