"""The native API's wire format (``/v1``): request models refuse unknown fields, response models say
what each field means. Only the HTTP edge uses these; the ``from_*`` class methods convert the
library's dataclasses. JSON is snake_case; times are ISO 8601 UTC strings (``2025-01-31T12:00:00.000Z``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.http.native.schemas.base import (
    CONFLICT_RESPONSE as CONFLICT_RESPONSE,  # re-exported: routes import them from here
)
from app.http.native.schemas.base import ERROR_RESPONSES as ERROR_RESPONSES
from app.http.native.schemas.base import ErrorResponse as ErrorResponse
from app.http.native.schemas.base import JsonInt, RequestModel
from ingest import ChunkingConfig
from retrieval import (
    BEDROCK_STATISTICS,
    DocumentSummary,
    KnowledgeBaseInfo,
)
from retrieval import DataSource as DataSourceRecord
from retrieval import IngestionJob as IngestionJobRecord

JobStatus = Literal["STARTING", "IN_PROGRESS", "STOPPING", "STOPPED", "COMPLETE", "FAILED"]

# Which ChunkingConfig fields each strategy reads (the others are ignored, so not shown).
_CHUNKING_FIELDS: dict[str, tuple[str, ...]] = {
    "default": (),
    "none": (),
    "fixed": ("max_tokens", "overlap_percentage"),
    "hierarchical": ("parent_max_tokens", "child_max_tokens", "overlap_tokens"),
    "semantic": ("max_tokens", "buffer_size", "breakpoint_percentile"),
}


# -- knowledge bases --------------------------------------------------------------------------------
class Chunking(RequestModel):
    """How documents are cut into chunks; omitted sizes take ragkb's defaults.

    ``default``: Bedrock's default, fixed 200 tokens with 20 % overlap (stored, and then shown, as
    ``fixed``). ``fixed``: ``max_tokens`` (default 200) and ``overlap_percentage`` (20). ``none``: one
    chunk per document. ``hierarchical``: ``parent_max_tokens`` (1500) / ``child_max_tokens`` (300, at
    most the parent) / ``overlap_tokens`` (60); children are searched, parents returned. ``semantic``:
    ``max_tokens`` (200), ``buffer_size`` (0) and ``breakpoint_percentile`` (95). Fields another
    strategy uses are ignored (and shown as null).
    Fixed once the knowledge base exists.
    """

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"strategy": "fixed", "max_tokens": 300, "overlap_percentage": 10}]},
    )
    strategy: Literal["default", "fixed", "none", "hierarchical", "semantic"] = "default"
    max_tokens: JsonInt | None = Field(
        default=None, ge=1, le=8192, description="fixed, semantic: most tokens per chunk."
    )
    overlap_percentage: JsonInt | None = Field(
        default=None, ge=0, le=99, description="fixed: overlap between chunks, %."
    )
    parent_max_tokens: JsonInt | None = Field(
        default=None, ge=1, le=8192, description="hierarchical: parent chunk size."
    )
    child_max_tokens: JsonInt | None = Field(default=None, ge=1, le=8192, description="hierarchical: child chunk size.")
    overlap_tokens: JsonInt | None = Field(default=None, ge=0, le=8192, description="hierarchical: overlap in tokens.")
    buffer_size: JsonInt | None = Field(
        default=None, ge=0, le=1, description="semantic: sentences around each one compared."
    )
    breakpoint_percentile: JsonInt | None = Field(default=None, ge=50, le=99, description="semantic: split threshold.")

    def to_config(self) -> ChunkingConfig:
        """Raises ``InvalidChunkingConfig`` (400) for combinations the ranges cannot express."""
        return ChunkingConfig(**self.model_dump(exclude_none=True))

    @classmethod
    def from_config(cls, config: ChunkingConfig) -> Chunking:
        return cls(strategy=config.strategy, **{f: getattr(config, f) for f in _CHUNKING_FIELDS[config.strategy]})


class CreateKnowledgeBaseRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "handbook", "description": "HR policies", "chunking": {"strategy": "default"}}]
        },
    )
    name: str = Field(
        pattern=r"^[0-9a-zA-Z][0-9a-zA-Z_.-]{0,99}$",
        description="Unique; 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit. "
        "Routes accept the name or the id.",
    )
    description: str = Field(default="", max_length=1000)
    chunking: Chunking = Field(default_factory=lambda: Chunking())


class KnowledgeBaseSummary(BaseModel):
    id: str = Field(description="10 characters [0-9A-Z], as Bedrock's ids.", examples=["K7Q2M9X4TA"])
    name: str
    description: str
    chunking: Chunking
    embedder: str = Field(description="The embedding model that built it; another one is refused.")
    created_at: str
    updated_at: str

    @classmethod
    def from_info(cls, info: KnowledgeBaseInfo) -> KnowledgeBaseSummary:
        return cls(
            id=info.id, name=info.name, description=info.description, chunking=Chunking.from_config(info.chunking),
            embedder=info.embedder, created_at=info.created_at, updated_at=info.updated_at,
        )  # fmt: skip


class KnowledgeBaseList(BaseModel):
    knowledge_bases: list[KnowledgeBaseSummary] = Field(description="Those the API key may see, by name.")


# -- data sources -----------------------------------------------------------------------------------
class CreateDataSourceRequest(RequestModel):
    """``LOCAL_FOLDER``: a folder under the server's data roots, indexed by ingestion jobs.
    ``CUSTOM``: documents uploaded to ``.../documents``, indexed at once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "policies", "type": "LOCAL_FOLDER", "path": "/srv/docs/policies", "include": ["**/*.md"]},
                {"name": "uploads", "type": "CUSTOM"},
            ]
        },
    )
    name: str = Field(min_length=1, max_length=100, description="Unique within the knowledge base.")
    type: Literal["LOCAL_FOLDER", "CUSTOM"]
    path: str | None = Field(
        default=None,
        max_length=4096,
        description="LOCAL_FOLDER only (required): an existing folder under one of RAGKB_DATA_ROOTS, after "
        "resolving symlinks and '..'; outside them is 403, not a folder is 400.",
    )
    include: list[str] = Field(
        default_factory=list, max_length=100, description="Globs on paths relative to the folder; empty = all."
    )
    exclude: list[str] = Field(default_factory=list, max_length=100, description="Globs of paths to skip.")
    description: str = Field(default="", max_length=1000)

    @field_validator("path")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("path must not contain NUL characters")
        return value

    @model_validator(mode="after")
    def _path_matches_type(self) -> CreateDataSourceRequest:
        if self.type == "LOCAL_FOLDER" and not self.path:
            raise ValueError("a LOCAL_FOLDER data source needs a path")
        if self.type == "CUSTOM" and (self.path or self.include or self.exclude):
            raise ValueError("path, include and exclude apply to LOCAL_FOLDER data sources only")
        return self


class DataSource(BaseModel):
    id: str
    knowledge_base_id: str
    name: str
    type: Literal["LOCAL_FOLDER", "CUSTOM"]
    description: str
    path: str | None = Field(description="The resolved folder (LOCAL_FOLDER), else null.")
    include: list[str]
    exclude: list[str]
    document_count: int
    created_at: str
    updated_at: str

    @classmethod
    def from_record(cls, kb_id: str, source: DataSourceRecord, *, document_count: int) -> DataSource:
        config = source.config
        return cls(
            id=source.id, knowledge_base_id=kb_id, name=source.name, type=source.type,
            description=config.get("description", ""), path=config.get("path"), include=config.get("include", []),
            exclude=config.get("exclude", []), document_count=document_count, created_at=source.created_at,
            updated_at=source.updated_at,
        )  # fmt: skip


class DataSourceList(BaseModel):
    data_sources: list[DataSource]


class KnowledgeBaseDetail(KnowledgeBaseSummary):
    document_count: int = Field(description="Documents indexed, every data source together.")
    chunk_count: int = Field(description="Searchable chunks (vectors) in the index.")
    ingesting: bool = Field(description="Whether an ingestion job is starting or running now.")
    data_sources: list[DataSource]


# -- ingestion jobs ---------------------------------------------------------------------------------
class IngestionStatistics(BaseModel):
    """Bedrock's ``IngestionJobStatistics``; progress counters while the job runs (updated every 5 files)."""

    documents_scanned: int = 0
    metadata_documents_scanned: int = 0
    new_documents_indexed: int = 0
    modified_documents_indexed: int = 0
    metadata_documents_modified: int = 0
    documents_deleted: int = 0
    documents_failed: int = 0

    @classmethod
    def from_bedrock(cls, statistics: dict[str, int]) -> IngestionStatistics:
        """From the Bedrock keys the catalog stores: ``documents_scanned`` <- ``numberOfDocumentsScanned``."""
        return cls(**{name: statistics.get(key, 0) for name, key in BEDROCK_STATISTICS.items()})


class IngestionJob(BaseModel):
    """A sync of a data source: new and changed files indexed, removed ones deleted, unchanged ones skipped."""

    id: str
    knowledge_base_id: str
    data_source_id: str
    status: JobStatus = Field(description="STARTING -> IN_PROGRESS -> COMPLETE | FAILED | STOPPED.")
    statistics: IngestionStatistics
    failures: list[str] = Field(description="'path: reason' for each file that could not be indexed.")
    started_at: str
    updated_at: str

    @classmethod
    def from_record(cls, kb_id: str, job: IngestionJobRecord) -> IngestionJob:
        return cls(
            id=job.id, knowledge_base_id=kb_id, data_source_id=job.data_source_id, status=job.status,
            statistics=IngestionStatistics.from_bedrock(job.statistics), failures=list(job.failures),
            started_at=job.started_at, updated_at=job.updated_at,
        )  # fmt: skip


class IngestionJobList(BaseModel):
    ingestion_jobs: list[IngestionJob] = Field(description="Newest first.")


# -- documents --------------------------------------------------------------------------------------
class Document(BaseModel):
    id: str = Field(description="Uploads: the sanitised file name; folders: the path relative to the folder.")
    data_source_id: str
    status: Literal["INDEXED"] = Field(description="Stored documents are indexed; failures are reported, not kept.")
    size: int = Field(description="Bytes of the original file.")
    chunk_count: int = Field(description="Searchable chunks.")
    updated_at: str
    metadata: dict[str, Any] = Field(description="Sidecar attributes plus x-amz-bedrock-kb-* keys.")

    @classmethod
    def from_summary(cls, summary: DocumentSummary) -> Document:
        return cls(
            id=summary.uri, data_source_id=summary.data_source_id, status="INDEXED", size=summary.size,
            chunk_count=summary.chunk_count, updated_at=summary.updated_at, metadata=summary.metadata,
        )  # fmt: skip


class DocumentList(BaseModel):
    documents: list[Document] = Field(description="By id.")


class UploadedDocument(BaseModel):
    filename: str = Field(description="The file name as sent.")
    document_id: str | None = Field(description="The sanitised base name it is stored under; null if unusable.")
    status: Literal["INDEXED", "FAILED"]
    reason: str | None = Field(default=None, description="Why it FAILED.")
    chunk_count: int = 0


class UploadResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"documents": [
            {"filename": "../hr/handbook.md", "document_id": "handbook.md", "status": "INDEXED", "chunk_count": 4},
            {"filename": "scan.pdf", "document_id": "scan.pdf", "status": "FAILED", "reason": "no extractable text"},
        ]}]}
    )  # fmt: skip
    documents: list[UploadedDocument] = Field(description="One per file, in the order sent.")
