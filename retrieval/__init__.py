"""Knowledge bases: index parsed documents, keep them in sync with folders, retrieve by meaning and keywords.

    from retrieval import Home, KnowledgeBase, HashEmbedder, FolderSource, sync_folder
    home = Home(Path("~/.ragkb").expanduser())
    info = home.create("handbook", chunking=ChunkingConfig(), embedder=HashEmbedder().name)
    kb = KnowledgeBase(directory=home.directory(info.id), embedder=HashEmbedder(), chunking=info.chunking)
    job_id, report = sync_folder(kb, FolderSource("DS00000001", Path("docs")))
    kb.retrieve("How many vacation days?", k=5)

Uses ``ingest``'s data types; knows nothing of HTTP, the CLI or settings. Storage backends live in
``retrieval/store/``. ``tests/test_exports.py`` keeps ``__all__`` equal to what ``app`` and ``evaluation``
import, plus the injection points listed there.
"""

from retrieval.direct import delete_content, index_content, suffix_for
from retrieval.embedding import BUNDLED_MODEL, Embedder, HashEmbedder, SentenceTransformerEmbedder
from retrieval.errors import ModelMismatch, RetrievalError
from retrieval.filters import parse_filter
from retrieval.generation import ChatCompletionGenerator, Citation, ExtractiveGenerator, GenerationFailed, Generator
from retrieval.home import Home, KnowledgeBaseExists, KnowledgeBaseInfo, KnowledgeBaseNotFound
from retrieval.knowledge_base import MAX_K, MAX_QUERY_CHARS, DocumentWrite, KnowledgeBase
from retrieval.onnx_embedding import OnnxEmbedder, check_mean_pooling, exported_model, is_exported
from retrieval.query_embedding import DeferredEmbedder
from retrieval.stamps import new_id, utc_now
from retrieval.store.catalog import DocumentSummary
from retrieval.store.keyword_index import KeywordIndex
from retrieval.store.sqlite import open_database
from retrieval.store.vectors import FaissStore, InMemoryStore, VectorStore
from retrieval.sync import FolderSource, SyncError, fail_interrupted_jobs, sync_folder
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
    "BEDROCK_STATISTICS", "BUNDLED_MODEL", "DEFAULT_SEARCH_TYPE", "MAX_K", "MAX_QUERY_CHARS",
    "ChatCompletionGenerator", "Citation", "DataSource", "DataSourceType", "DeferredEmbedder", "DocumentSummary",
    "DocumentWrite", "Embedder", "ExtractiveGenerator", "FaissStore", "FolderSource", "GenerationFailed", "Generator",
    "HashEmbedder", "Hit", "Home", "InMemoryStore", "IngestionJob", "JobStatus", "KeywordIndex", "KnowledgeBase",
    "KnowledgeBaseExists", "KnowledgeBaseInfo", "KnowledgeBaseNotFound", "ModelMismatch", "OnnxEmbedder",
    "RetrievalError", "SearchType", "SentenceTransformerEmbedder", "SyncError", "SyncReport", "VectorStore",
    "check_mean_pooling", "delete_content", "exported_model", "fail_interrupted_jobs", "index_content",
    "is_exported", "new_id", "open_database", "parse_filter", "suffix_for", "sync_folder", "utc_now",
]  # fmt: skip
