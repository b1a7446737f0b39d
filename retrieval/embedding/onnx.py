"""The ONNX embedding backends: a sentence-transformers model exported locally, run by ONNX Runtime
(fp32 or int8) or by OpenVINO (bfloat16 where the CPU has bfloat16 instructions, else fp32).

Nothing is downloaded. On first use the model's transformer is exported from its local directory
with ``torch.onnx`` (a few seconds) and, for ``quantize=True``, dynamically quantised to int8 with
``onnxruntime.quantization`` (MatMul weights, per channel: measured mean cosine 0.995 to fp32 on
SciFact abstracts, where whole-graph per-tensor quantisation gave 0.94). The files are cached in
``cache_dir`` under a key made of the model's name and the size and modification time of its
weights, and written atomically, so concurrent first uses cannot leave a torn file.

OpenVINO reads the same fp32 file and compiles it for the CPU (~0.2 s). On a CPU with AMX or
AVX-512 bf16 it runs in bfloat16 (measured on SciFact chunks: cosine >= 0.99997 to PyTorch fp32, as
close as PyTorch's bf16 autocast, at 4.3-4.6x PyTorch fp32's chunks per CPU second); elsewhere in
fp32 (cosine 1 - 1e-7). Either way its vectors are the fp32 family's (``retrieval.embedding.query``).

Pooling follows the model's sentence-transformers configuration, which must be mean pooling
followed by normalisation (all-MiniLM-L6-v2 and most sentence-transformers models); anything else
is refused with ``ValueError`` rather than embedded differently from the PyTorch backend.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retrieval.embedding import FloatArray, as_text_list, refuse_overflow, unit_rows

_OPSET = 17
Runtime = Literal["onnxruntime", "openvino"]


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX and run on the CPU by ``runtime``.

    ``model_dir`` is the model's local directory (``tokenizer.json``, ``config.json``, weights,
    ``modules.json``). ``name`` is ``"onnx:<model>"``, ``"onnx-int8:<model>"`` (ONNX Runtime) or
    ``"openvino:<model>"`` (OpenVINO; ``quantize`` must be false); a knowledge base records it.
    ``precision`` says what the runtime computes in (``"bf16"`` for OpenVINO on a CPU with bfloat16
    instructions, else ``"fp32"`` or ``"int8"``). Texts are sorted by length and batched so padding stays small.

    Example::

        embedder = OnnxEmbedder(model_dir, cache_dir=Path("~/.ragkb/models").expanduser(), quantize=True)
        embedder.embed_query("How old is the universe?").shape  # (384,)
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        cache_dir: Path,
        quantize: bool,
        batch_size: int = 32,
        max_seq_length: int | None = None,
        threads: int | None = None,
        model_id: str | None = None,
        runtime: Runtime = "onnxruntime",
    ) -> None:
        from tokenizers import Tokenizer

        if runtime == "openvino" and quantize:
            raise ValueError("the OpenVINO backend runs the fp32 export (in bf16 where the CPU can); quantize=False")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        model_dir = Path(model_dir)
        if not (model_dir / "tokenizer.json").is_file():
            raise FileNotFoundError(f"{model_dir}: no tokenizer.json; the ONNX backend needs a local model directory")
        check_mean_pooling(model_dir)
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        limit = int(config["max_position_embeddings"])
        window = limit if max_seq_length is None else max_seq_length
        if not 1 <= window <= limit:
            raise ValueError(f"max_seq_length must be in 1-{limit} for this model, got {window}")
        self.max_seq_length = window
        self.batch_size = batch_size
        self.dimension = int(config["hidden_size"])
        model_id = model_id or model_dir.name
        backend = "openvino" if runtime == "openvino" else "onnx-int8" if quantize else "onnx"
        self.name = f"{backend}:{model_id}"
        self.model_path = exported_model(model_dir, cache_dir=cache_dir, quantize=quantize, model_id=model_id)

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        threads = threads or os.cpu_count() or 1
        if runtime == "openvino":
            self.precision, self._run = _openvino(self.model_path, threads)
        else:
            self.precision, self._run = ("int8" if quantize else "fp32"), _onnxruntime(self.model_path, threads)

    def embed_documents(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts`` in length-sorted batches; raises ``TextTooLong`` instead of truncating."""
        batch = as_text_list(texts)
        if not batch:
            return np.empty((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(batch)
        refuse_overflow([len(e.ids) for e in encodings], self.max_seq_length)
        out = np.empty((len(batch), self.dimension), dtype=np.float32)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._embed_encoded([encodings[i] for i in rows])
        return unit_rows(out)

    def embed_query(self, text: str) -> FloatArray:
        """``embed_documents([text])[0]``."""
        return self.embed_documents([text])[0]

    def count_model_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model reads per text, ``[CLS]`` and ``[SEP]`` included, before any cut."""
        batch = as_text_list(texts)
        return [len(e.ids) for e in self._tokenizer.encode_batch(batch)] if batch else []

    def fits(self, texts: Sequence[str]) -> list[bool]:
        """Per text, ``count_model_tokens <= max_seq_length``."""
        return [count <= self.max_seq_length for count in self.count_model_tokens(texts)]

    def _embed_encoded(self, encodings: Sequence[Any]) -> FloatArray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self._run({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


Run = Callable[[dict[str, np.ndarray]], np.ndarray]


def _onnxruntime(model_path: Path, threads: int) -> Run:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle pool threads would otherwise spin and take the cores that parsing and SQLite need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    return lambda feeds: session.run(None, {k: v for k, v in feeds.items() if k in inputs})[0]


def _openvino(model_path: Path, threads: int) -> tuple[str, Run]:
    """OpenVINO's compiled model for the CPU: bf16 where the CPU has bfloat16 instructions, else fp32."""
    try:
        import openvino
    except ImportError as error:  # a platform without its wheels, or an install without the dependency
        raise RuntimeError(
            f"the openvino embedding backend needs the openvino package ({error}); install it (pip install openvino) "
            "or choose an equivalent backend: RAGKB_EMBEDDING_BACKEND=torch-bf16 (same vectors, slower)"
        ) from error

    core = openvino.Core()
    precision = "bf16" if "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "f32"
    model = core.read_model(str(model_path))
    inputs = {port.get_any_name() for port in model.inputs}
    config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY"}
    request = core.compile_model(model, "CPU", config).create_infer_request()
    lock = threading.Lock()  # one infer request serves one call at a time (ONNX Runtime's session is thread-safe)

    def run(feeds: dict[str, np.ndarray]) -> np.ndarray:
        with lock:
            return np.array(request.infer({k: v for k, v in feeds.items() if k in inputs})[0])

    return ("bf16" if precision == "bf16" else "fp32"), run


def exported_model(model_dir: Path, *, cache_dir: Path, quantize: bool, model_id: str) -> Path:
    """The cached ONNX file for this model (exported, and quantised, on first use)."""
    fp32 = _cached_path(model_dir, cache_dir=cache_dir, quantize=False, model_id=model_id)
    fp32.parent.mkdir(parents=True, exist_ok=True)
    if not fp32.exists():
        _atomically(fp32, lambda tmp: _export(model_dir, tmp))
    if not quantize:
        return fp32
    int8 = fp32.with_name("model-int8.onnx")
    if not int8.exists():
        _atomically(int8, lambda tmp: _quantize(fp32, tmp))
    return int8


def is_exported(model_dir: Path, *, cache_dir: Path, quantize: bool, model_id: str) -> bool:
    """Whether :func:`exported_model` would return at once (its file is cached), without importing torch."""
    return _cached_path(model_dir, cache_dir=cache_dir, quantize=quantize, model_id=model_id).exists()


def _cached_path(model_dir: Path, *, cache_dir: Path, quantize: bool, model_id: str) -> Path:
    candidates = [model_dir / "model.safetensors", model_dir / "pytorch_model.bin"]
    weights = next((path for path in candidates if path.exists()), None)
    if weights is None:
        raise FileNotFoundError(f"{model_dir}: no model.safetensors or pytorch_model.bin to export")
    stat = weights.stat()
    folder = Path(cache_dir) / f"{model_id}-{stat.st_size}-{stat.st_mtime_ns}"
    return folder / ("model-int8.onnx" if quantize else "model.onnx")


def _export(model_dir: Path, target: Path) -> None:
    # torch and transformers only for the one-time export; the ONNX session needs neither.
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(["an example", "a second, longer example sentence"], padding=True, return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    # The tracer warns about Python branches it freezes; with dynamic axes they do not change the
    # result (tests compare the export with PyTorch at several lengths and batch sizes).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            tuple(sample[n] if n in sample else torch.zeros_like(sample["input_ids"]) for n in names),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={**{n: axes for n in names}, "last_hidden_state": axes},
            opset_version=_OPSET,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT's dynamic shapes
        )


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
    )


def _atomically(path: Path, write: Any) -> None:
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".onnx")
    os.close(descriptor)
    try:
        write(Path(temp_name))
        os.replace(temp_name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)


def check_mean_pooling(model_dir: Path) -> None:
    """Raise ``ValueError`` unless the model is a Transformer followed by mean Pooling (what ONNX runs)."""
    modules_file = model_dir / "modules.json"
    modules = json.loads(modules_file.read_text(encoding="utf-8")) if modules_file.exists() else []
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    pooling_dirs = [model_dir / m["path"] for m in modules if "Pooling" in m.get("type", "")]
    pooling_file = pooling_dirs[0] / "config.json" if pooling_dirs else None
    pooling = json.loads(pooling_file.read_text(encoding="utf-8")) if pooling_file and pooling_file.exists() else {}
    if kinds[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(
            f"{model_dir}: the ONNX backend supports Transformer + mean Pooling models only; use the torch backend"
        )
