"""Knowledge bases: index parsed documents, keep them in sync with folders, retrieve by meaning and keywords.

    from retrieval import Home, KnowledgeBase, HashEmbedder, FolderSource, sync_folder
    home = Home(Path("~/.ragkb").expanduser())
    info = home.create("handbook", chunking=ChunkingConfig(), embedder=HashEmbedder().name)
    kb = KnowledgeBase(directory=home.directory(info.id), embedder=HashEmbedder(), chunking=info.chunking)
    job_id, report = sync_folder(kb, FolderSource("DS00000001", Path("docs")))
    kb.retrieve("How many vacation days?", k=5)

Uses ``ingest``'s data types; knows nothing of HTTP, the CLI or settings. Storage backends live in
``retrieval/store/``. ``tests/rules/test_exports.py`` keeps ``__all__`` equal to what ``app`` and ``evaluation``
import, plus the injection points listed there.
"""

from retrieval.direct import delete_content, index_content, suffix_for
from retrieval.documents import DocumentWrite
from retrieval.embedding import BUNDLED_MODEL, Embedder, HashEmbedder, SentenceTransformerEmbedder
from retrieval.embedding.onnx import OnnxEmbedder, check_mean_pooling, exported_model, is_exported
from retrieval.embedding.query import DeferredEmbedder, may_query
from retrieval.errors import ModelMismatch, RetrievalError
from retrieval.filters import parse_filter
from retrieval.generation import (
    NO_ANSWER,
    Answer,
    ChatCompletionGenerator,
    Citation,
    Completion,
    GenerationFailed,
    Generator,
    Piece,
    join_pieces,
)
from retrieval.generation.extractive import ABSTENTION, ExtractiveGenerator
from retrieval.home import Home, KnowledgeBaseExists, KnowledgeBaseInfo, KnowledgeBaseNotFound, Registry
from retrieval.knowledge_base import MAX_K, MAX_QUERY_CHARS, KnowledgeBase
from retrieval.rerank import OverlapReranker, Reranker, rerank
from retrieval.rerank.crossencoder import CrossEncoderReranker
from retrieval.rerank.fusion import FusionReranker
from retrieval.stamps import new_id, utc_now
from retrieval.store.keyword_index import KeywordIndex
from retrieval.store.postgres.database import Database
from retrieval.store.postgres.knowledge_base import PostgresKnowledgeBase
from retrieval.store.postgres.queue import Claim, JobAlreadyQueued, JobQueue
from retrieval.store.postgres.registry import PostgresRegistry
from retrieval.store.rows import DocumentSummary
from retrieval.store.sqlite import open_database
from retrieval.store.vectors import FaissStore, InMemoryStore, VectorStore
from retrieval.sync import FolderSource, SyncBusy, SyncError, fail_interrupted_jobs, sync_folder
from retrieval.transfer import export_kb, import_kb, read_header
from retrieval.types import (
    BEDROCK_STATISTICS,
    DEFAULT_SEARCH_TYPE,
    DataSource,
    DataSourceType,
    Hit,
    IngestionJob,
    JobStatus,
    SearchType,
    SyncReport,
)

__all__ = [
    "ABSTENTION",
    "BEDROCK_STATISTICS",
    "BUNDLED_MODEL",
    "DEFAULT_SEARCH_TYPE",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "NO_ANSWER",
    "Answer",
    "ChatCompletionGenerator",
    "Citation",
    "Claim",
    "Completion",
    "CrossEncoderReranker",
    "DataSource",
    "DataSourceType",
    "Database",
    "DeferredEmbedder",
    "DocumentSummary",
    "DocumentWrite",
    "Embedder",
    "ExtractiveGenerator",
    "FaissStore",
    "FolderSource",
    "FusionReranker",
    "GenerationFailed",
    "Generator",
    "HashEmbedder",
    "Hit",
    "Home",
    "InMemoryStore",
    "IngestionJob",
    "JobAlreadyQueued",
    "JobQueue",
    "JobStatus",
    "KeywordIndex",
    "KnowledgeBase",
    "KnowledgeBaseExists",
    "KnowledgeBaseInfo",
    "KnowledgeBaseNotFound",
    "ModelMismatch",
    "OnnxEmbedder",
    "OverlapReranker",
    "Piece",
    "PostgresKnowledgeBase",
    "PostgresRegistry",
    "Registry",
    "Reranker",
    "RetrievalError",
    "SearchType",
    "SentenceTransformerEmbedder",
    "SyncBusy",
    "SyncError",
    "SyncReport",
    "VectorStore",
    "check_mean_pooling",
    "delete_content",
    "export_kb",
    "exported_model",
    "fail_interrupted_jobs",
    "import_kb",
    "index_content",
    "is_exported",
    "join_pieces",
    "may_query",
    "new_id",
    "open_database",
    "parse_filter",
    "read_header",
    "rerank",
    "suffix_for",
    "sync_folder",
    "utc_now",
]  # fmt: skip
