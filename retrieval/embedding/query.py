"""Which embedders may write to, and query, a knowledge base that another one built.

A knowledge base records the embedder that first wrote its vectors (``"torch-bf16:all-MiniLM-L6-v2"``).
Documents and queries may then be embedded by that embedder or by another backend of the same model
that gives the same vectors to within a measured tolerance: the nearest neighbours, and so the
results, do not change. Backends are grouped into families of such equivalents:

* ``fp32``: ``torch`` (PyTorch fp32), ``torch-bf16`` (bfloat16 autocast), ``onnx`` (ONNX Runtime
  fp32) and ``openvino`` (OpenVINO, bf16 on CPUs with bfloat16 instructions, else fp32). ONNX fp32
  reproduces PyTorch fp32 to cosine 1 - 1e-7; PyTorch's and OpenVINO's bf16 are within ~3e-5 of
  fp32 (docs/benchmarks.md, "Speed II": SciFact queries and chunks, and nDCG@10 unchanged when a
  bf16-built knowledge base is queried through ONNX or an OpenVINO-built one is scored).
* ``onnx-int8`` alone: dynamic int8 quantisation moves vectors by ~5e-3 cosine, so it neither
  writes to nor queries the others' knowledge bases, nor they its.

Backends not listed (a custom ``name=``, the hash fake) are equivalent to themselves only.

    may_query("torch-bf16:all-MiniLM-L6-v2", "onnx:all-MiniLM-L6-v2")       # True
    may_query("torch-bf16:all-MiniLM-L6-v2", "openvino:all-MiniLM-L6-v2")   # True
    may_query("torch-bf16:all-MiniLM-L6-v2", "onnx-int8:all-MiniLM-L6-v2")  # False
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from retrieval.embedding import Embedder, FloatArray
from retrieval.errors import ModelMismatch

BACKEND_FAMILIES = {"torch": "fp32", "torch-bf16": "fp32", "onnx": "fp32", "openvino": "fp32", "onnx-int8": "onnx-int8"}
# Embedder names recorded before backends were named ("sentence-transformers:<model>" was PyTorch fp32).
LEGACY_BACKENDS = {"sentence-transformers": "torch"}


def canonical_name(name: str) -> str:
    """``name`` with a legacy backend renamed: ``"sentence-transformers:m"`` -> ``"torch:m"``."""
    backend, colon, model = name.partition(":")
    return LEGACY_BACKENDS.get(backend, backend) + colon + model


def may_query(recorded: str, embedder: str) -> bool:
    """Whether the embedder named ``embedder`` gives the vectors ``recorded`` wrote, to the family's tolerance:
    then it may embed queries, and documents, for them."""
    recorded, embedder = canonical_name(recorded), canonical_name(embedder)
    if recorded == embedder:
        return True
    recorded_backend, _, recorded_model = recorded.partition(":")
    backend, _, model = embedder.partition(":")
    family = BACKEND_FAMILIES.get(backend)
    return (
        bool(model)
        and model == recorded_model
        and family is not None
        and family == BACKEND_FAMILIES.get(recorded_backend)
    )


class DeferredEmbedder:
    """An :class:`~retrieval.embedding.Embedder` built on first use: ``name`` and ``dimension`` are known
    up front, so a knowledge base can be opened (and queried through a ``query_embedder``) without
    loading the documents' model; the first embedding or token count builds it.

    Example::

        documents = DeferredEmbedder("torch-bf16:all-MiniLM-L6-v2", 384, build=lambda: SentenceTransformerEmbedder())
        kb = KnowledgeBase(directory=..., embedder=documents, chunking=..., query_embedder=onnx_fp32)
        kb.retrieve("vacation days")  # PyTorch is never imported
    """

    def __init__(self, name: str, dimension: int, *, build: Callable[[], Embedder]) -> None:
        self.name = name
        self.dimension = dimension
        self._build = build
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    def load(self) -> Embedder:
        """The real embedder, built now if it was not yet (its name and dimension must match)."""
        with self._lock:
            if self._embedder is None:
                embedder = self._build()
                if (embedder.name, embedder.dimension) != (self.name, self.dimension):
                    raise AssertionError(f"built {embedder.name} ({embedder.dimension}), announced {self.name}")
                self._embedder = embedder
            return self._embedder

    def embed_documents(self, texts: Sequence[str]) -> FloatArray:
        return self.load().embed_documents(texts)

    def embed_query(self, text: str) -> FloatArray:
        return self.load().embed_query(text)

    def count_model_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.load().count_model_tokens(texts)

    def fits(self, texts: Sequence[str]) -> list[bool]:
        return self.load().fits(texts)


def check_recorded_embedder(recorded: str, dimension: int, *, documents: Embedder, queries: Embedder) -> None:
    """Refuse to open a knowledge base whose vectors ``recorded`` (name, ``dimension``) wrote unless
    ``documents`` and ``queries`` are that embedder or equivalents of it (:func:`may_query`)."""
    name = canonical_name(recorded)
    backend, colon, _ = name.partition(":")
    if not may_query(name, documents.name) or dimension != documents.dimension:
        hint = f"set RAGKB_EMBEDDING_BACKEND={backend} and the same model to use it" if colon else "use that embedder"
        raise ModelMismatch(
            f"this knowledge base was built with {name} ({dimension} dimensions); it cannot be read or written "
            f"with {documents.name}, since vectors from different models or non-equivalent backends do not mix. "
            f"To fix: {hint}, or re-create the knowledge base to change"
        )
    if not may_query(name, queries.name) or queries.dimension != documents.dimension:
        raise ModelMismatch(
            f"this knowledge base was built with {name}; its queries cannot be embedded with {queries.name}, "
            "whose vectors differ beyond the tolerance of equivalent backends (docs/benchmarks.md)"
        )
