"""Files to chunks: parse every supported format into one structure, read metadata sidecars, chunk.

    from ingest import ChunkingConfig, process_file
    result = process_file(Path("handbook.pdf"), chunking=ChunkingConfig())
    result.status, [chunk.text for chunk in result.chunks]

Imports nothing else of ragkb. ``tests/rules/test_exports.py`` keeps ``__all__`` equal to what ``app`` and
``evaluation`` import, plus the entry points listed there.
"""

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.errors import IngestError, InvalidChunkingConfig, InvalidMetadata
from ingest.metadata import parse_metadata, plain_values
from ingest.parsers import SUPPORTED_SUFFIXES, ParseLimits, parse_file
from ingest.pipeline import DocumentResult, iter_documents, process_file
from ingest.types import Block, Chunk, ChunkLocation, MetadataAttribute, ParsedDocument

__all__ = [
    "SUPPORTED_SUFFIXES", "Block", "Chunk", "ChunkLocation", "ChunkingConfig", "DocumentResult", "IngestError",
    "InvalidChunkingConfig", "InvalidMetadata", "MetadataAttribute", "ParseLimits", "ParsedDocument",
    "chunk_document", "iter_documents", "parse_file", "parse_metadata", "plain_values", "process_file",
]  # fmt: skip
