"""Retrieval's vocabulary: what a search returns and what a sync reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SearchType = Literal["SEMANTIC", "HYBRID"]
# The one default of the CLI, the native API, Bedrock's retrieve without overrideSearchType and
# KnowledgeBase.retrieve: hybrid beats dense by +0.054 nDCG@10 on SciFact (docs/benchmarks.md).
DEFAULT_SEARCH_TYPE: SearchType = "HYBRID"


@dataclass(frozen=True)
class Hit:
    """One retrieval result.

    ``score`` direction is always "higher is better". SEMANTIC: cosine similarity of query and chunk
    embeddings, in [-1, 1] (MiniLM gives 0.1-0.8 in practice), comparable across queries.
    HYBRID: reciprocal-rank fusion of the dense and keyword rankings, normalised to [0, 1] where 1
    means "ranked first by both"; it is comparable across queries as a rank agreement, not as a
    similarity. ``metadata`` holds the document's attributes plus ``x-amz-bedrock-kb-*`` keys.
    """

    chunk_id: str
    text: str
    score: float
    document_uri: str
    data_source_id: str
    location: dict[str, Any]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class FileFailure:
    uri: str
    reason: str


@dataclass
class SyncReport:
    """An ingestion job's outcome, counted as Bedrock's ``IngestionJobStatistics`` counts it."""

    documents_scanned: int = 0
    metadata_documents_scanned: int = 0
    new_documents_indexed: int = 0
    modified_documents_indexed: int = 0
    metadata_documents_modified: int = 0
    documents_deleted: int = 0
    documents_failed: int = 0
    chunks_indexed: int = 0
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[FileFailure] = field(default_factory=list)

    def statistics(self) -> dict[str, int]:
        """Bedrock's ``IngestionJobStatistics`` keys."""
        return {
            "numberOfDocumentsScanned": self.documents_scanned,
            "numberOfMetadataDocumentsScanned": self.metadata_documents_scanned,
            "numberOfNewDocumentsIndexed": self.new_documents_indexed,
            "numberOfModifiedDocumentsIndexed": self.modified_documents_indexed,
            "numberOfMetadataDocumentsModified": self.metadata_documents_modified,
            "numberOfDocumentsDeleted": self.documents_deleted,
            "numberOfDocumentsFailed": self.documents_failed,
        }
