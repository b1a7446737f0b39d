"""What the catalog stores of a document and shows of its chunks: the write a sync hands to a
knowledge base (:class:`DocumentWrite`), a chunk's catalog row (:func:`new_chunk`) and a hit as
retrieve returns it (:func:`hit_of`), with the metadata keys Bedrock adds to every chunk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.metadata import plain_values
from ingest.types import Chunk, MetadataAttribute
from retrieval.store.rows import ChunkRecord, NewChunk
from retrieval.types import Hit

CHUNK_ID_KEY = "x-amz-bedrock-kb-chunk-id"
DATA_SOURCE_KEY = "x-amz-bedrock-kb-data-source-id"


@dataclass(frozen=True)
class DocumentWrite:
    """A parsed, chunked document ready to store."""

    data_source_id: str
    uri: str
    chunks: Sequence[Chunk]
    metadata: Mapping[str, MetadataAttribute]
    hashes: tuple[str, str, str]  # content, sidecar, embedded-metadata
    size: int
    mtime_ns: int


def new_chunk(chunk: Chunk, vector: np.ndarray | None) -> NewChunk:
    """The catalog row of a chunk (``vector`` None for a chunk that is not searched, e.g. a parent)."""
    loc = chunk.location
    return NewChunk(
        chunk_id=chunk.chunk_id,
        index=chunk.index,
        text=chunk.text,
        token_count=chunk.token_count,
        location={
            "source": loc.source,
            "pages": list(loc.pages),
            "sheet": loc.sheet,
            "row": loc.row,
            "row_end": loc.row_end,
            "headings": list(loc.headings),
        },
        metadata=plain_values(chunk.metadata),
        parent_id=chunk.parent_id,
        searchable=chunk.searchable,
        vector=vector,
    )


def hit_of(record: ChunkRecord, score: float) -> Hit:
    """How a stored chunk is shown: its text, location and metadata with its chunk id added."""
    metadata = dict(record.metadata)
    metadata[CHUNK_ID_KEY] = record.chunk_id
    return Hit(
        chunk_id=record.chunk_id,
        text=record.text,
        score=float(score),
        document_uri=str(record.location.get("source", "")),
        data_source_id=str(metadata.get(DATA_SOURCE_KEY, "")),
        location=record.location,
        metadata=metadata,
    )
