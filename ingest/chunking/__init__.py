"""Chunking: turn a :class:`~ingest.types.ParsedDocument` into Bedrock-style chunks.

``config`` (what to do, with its Bedrock JSON form), ``units`` (sentences, headings and table
rows, tokenised once), ``packing`` (greedy packing with whole-unit overlap), ``semantic``
(topic breakpoints) and ``strategies`` (``chunk_document``, the entry point).

>>> from ingest.types import Block, ParsedDocument
>>> doc = ParsedDocument("notes.md", (Block("heading", "Intro", level=1), Block("text", "Hello there.")))
>>> [c.text for c in chunk_document(doc, config=ChunkingConfig())]
['# Intro\\n\\nHello there.']
"""

from ingest.chunking.config import STRATEGIES, ChunkingConfig, Strategy
from ingest.chunking.semantic import EmbedFn
from ingest.chunking.strategies import PAGE_NUMBER_KEY, chunk_document, chunk_id

__all__ = [
    "PAGE_NUMBER_KEY",
    "STRATEGIES",
    "ChunkingConfig",
    "EmbedFn",
    "Strategy",
    "chunk_document",
    "chunk_id",
]
