"""Retrieval's vocabulary: what a search returns, what a sync reports, and the records of data sources
and ingestion jobs that the catalog stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from retrieval.stamps import new_id, utc_now

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
        return {key: getattr(self, counter) for counter, key in BEDROCK_STATISTICS.items()}


# Each counter of a job (SyncReport's names) and the IngestionJobStatistics key Bedrock gives it: the one
# mapping. Jobs store Bedrock's keys; the native API shows the counters' names.
BEDROCK_STATISTICS: dict[str, str] = {
    "documents_scanned": "numberOfDocumentsScanned",
    "metadata_documents_scanned": "numberOfMetadataDocumentsScanned",
    "new_documents_indexed": "numberOfNewDocumentsIndexed",
    "modified_documents_indexed": "numberOfModifiedDocumentsIndexed",
    "metadata_documents_modified": "numberOfMetadataDocumentsModified",
    "documents_deleted": "numberOfDocumentsDeleted",
    "documents_failed": "numberOfDocumentsFailed",
}

DataSourceType = Literal["LOCAL_FOLDER", "CUSTOM"]
JobStatus = Literal["STARTING", "IN_PROGRESS", "STOPPING", "STOPPED", "COMPLETE", "FAILED"]


@dataclass(frozen=True)
class DataSource:
    """Where a knowledge base's documents come from, as the catalog stores it.

    ``config``: ``description`` for both types; ``path``, ``include``, ``exclude`` for a ``LOCAL_FOLDER``.
    """

    id: str
    name: str
    type: DataSourceType
    config: dict[str, Any]
    created_at: str
    updated_at: str

    @classmethod
    def new(cls, *, name: str, type: DataSourceType, config: dict[str, Any]) -> DataSource:
        """A data source not stored yet: a fresh id, created and updated now."""
        now = utc_now()
        return cls(new_id(), name, type, config, now, now)


@dataclass(frozen=True)
class IngestionJob:
    """One ingestion job of a data source, as the catalog stores it.

    ``statistics`` has Bedrock's ``IngestionJobStatistics`` keys (``BEDROCK_STATISTICS``), empty until the
    job first reports; ``failures`` is one ``"path: reason"`` per file that could not be indexed. Records
    are frozen: a change is ``dataclasses.replace(job, status=..., updated_at=utc_now())``, then ``put_job``.
    """

    id: str
    data_source_id: str
    status: JobStatus
    started_at: str
    updated_at: str
    statistics: dict[str, int]
    failures: tuple[str, ...]
    description: str | None = None

    @classmethod
    def new(
        cls, data_source_id: str, *, status: JobStatus, job_id: str | None = None, description: str | None = None
    ) -> IngestionJob:
        """The one constructor of a job that starts now: no statistics, no failures yet."""
        now = utc_now()
        return cls(job_id or new_id(), data_source_id, status, now, now, {}, (), description)
