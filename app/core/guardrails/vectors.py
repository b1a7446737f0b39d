"""MiniLM sentence vectors for the guardrail policies (topics, content filters), run by ONNX Runtime.

The guard encodes a request's windows (at most 500 characters each, ``guardrails.features.windows``) in
one call. PyTorch costs ~9 ms of per-operator overhead per call at such small batches and its OpenMP
threads fight over a shared machine's cores; ONNX Runtime runs each window on its own (windows differ in
length: padding them to one batch costs more than a run's overhead) and spreads the windows over
``workers`` threads, one core each, each taking the next window (longest first) when it is free: a
2,000-character text's four or five windows are two or three runs per core.

The fp32 export reproduces the PyTorch bf16 vectors the content heads were trained on (cosine >= 0.9999,
tests/guardrails/test_guardrail_vectors.py); the service runs the int8 export (``app.core.wiring``), which takes half
the CPU time and moves the vectors by ~7e-3 cosine but not the decisions measured on held-out data
(scripts/guardrails/eval_vectors.py, docs/guardrails.md "Speed").

Texts are cut at :data:`MAX_TOKENS` word pieces, as the PyTorch encoder did (``max_seq_length = 256``).

Example::

    encode = OnnxSentenceVectors(model_dir, onnx_model=exported_model(...))
    encode(["first window", "second window"]).shape  # (2, 384)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt

MAX_TOKENS = 256

FloatArray = npt.NDArray[np.float32]


class OnnxSentenceVectors:
    """Unit-length mean-pooled vectors of a Transformer + mean-pooling model exported to ONNX (``onnx_model``)."""

    def __init__(self, model_dir: Path, *, onnx_model: Path, workers: int = 2) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_dir, self.onnx_model = Path(model_dir), Path(onnx_model)
        self._tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        # Parallel across windows (one run per thread), not inside a run: small matrices split badly.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(str(onnx_model), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1])
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers - 1, thread_name_prefix="guard-vectors") if workers > 1 else None

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids = [np.asarray(e.ids, dtype=np.int64) for e in self._tokenizer.encode_batch(list(texts))]
        # Longest first; each thread takes the next window when it is free, so a thread slowed by another
        # (the guard's rules, another process) leaves the rest to the others instead of holding a fixed share.
        order = sorted(range(len(ids)), key=lambda row: -len(ids[row]))
        taken = itertools.count()
        helpers = min(self.workers, len(ids)) - 1
        futures = [self._pool.submit(self._take, ids, order, taken) for _ in range(helpers)] if self._pool else []
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows, vectors in [self._take(ids, order, taken), *(f.result() for f in futures)]:
            out[rows] = vectors
        return out

    def _take(
        self, ids: list[np.ndarray], order: list[int], taken: Iterator[int]
    ) -> tuple[list[int], FloatArray]:
        """Run the windows this thread takes from ``order`` (``next`` on the shared counter is atomic)."""
        rows, vectors = [], []
        while (k := next(taken)) < len(order):
            rows.append(order[k])
            vectors.append(self._run(ids[order[k]]))
        return rows, np.asarray(vectors, dtype=np.float32).reshape(len(rows), self.dimension)

    def _run(self, ids: np.ndarray) -> FloatArray:
        tokens = ids[None, :]
        feeds = {"input_ids": tokens, "attention_mask": np.ones_like(tokens), "token_type_ids": np.zeros_like(tokens)}
        hidden = self._session.run(None, {name: v for name, v in feeds.items() if name in self._inputs})[0]
        mean = hidden[0].mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
