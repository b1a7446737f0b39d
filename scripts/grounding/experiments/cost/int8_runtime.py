"""Dynamic int8 for the cross-encoder on ONNX Runtime and OpenVINO: quality lost and time won, against fp32.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/cost/int8_runtime.py [--pairs 800] [--calls 60]

The shipped weights are exported to ONNX by ``grounding.crossencoder.export_onnx`` (what ``runtime="openvino"``
compiles), then quantized the way ``retrieval/embedding/onnx.py`` quantizes the embedding model (ONNX Runtime's
``quantize_dynamic``: int8 weights per channel, MatMul only, activations quantized at run time). Quality:
P(supported) of held-out dev pairs (``scripts/grounding/datasets/pairs.py``'s dev split: premises no training pair
used),
AUROC and balanced accuracy at 0.5 against their labels, and how far each variant moves P(supported) from fp32.
Time: calls of 9 pairs of about 200 word pieces (what a 3-claim answer over a 2k-character source makes), p50
per call on ``--threads`` threads, every variant on the same calls. Run it on an otherwise idle machine."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "grounding")]

from metrics import balanced_accuracy, roc_auc  # noqa: E402

from grounding.crossencoder import _INPUTS, CrossEncoder, _softmax, export_onnx  # noqa: E402

PAIRS = Path("/tmp/ragkb-grounding/pairs/dev.jsonl")


def runners(folder: Path, scorer: CrossEncoder, threads: int) -> dict:
    import onnxruntime
    import openvino
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32, int8 = folder / "fp32.onnx", folder / "int8.onnx"
    export_onnx(scorer.module, scorer.tokenizer, fp32)
    quantize_dynamic(
        str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
    )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    core = openvino.Core()
    config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY"}
    out = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        out[f"onnxruntime {name}"] = lambda feeds, s=session: s.run(None, feeds)[0]
        request = core.compile_model(core.read_model(str(path)), "CPU", config).create_infer_request()
        out[f"openvino {name}"] = lambda feeds, r=request: np.array(r.infer(feeds)[0])
    return out


def supported(run, scorer: CrossEncoder, pairs: list[tuple[str, str]], batch: int = 32) -> np.ndarray:
    out = []
    for begin in range(0, len(pairs), batch):
        chunk = pairs[begin : begin + batch]
        feeds = scorer.tokenizer([p for p, _ in chunk], [c for _, c in chunk], padding=True, truncation="longest_first",
                                 max_length=scorer.max_length, return_tensors="np")  # fmt: skip
        out.append(_softmax(run({n: feeds[n].astype(np.int64) for n in _INPUTS}))[:, 0])
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=800)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(0)
    rows = [json.loads(line) for line in PAIRS.open(encoding="utf-8")]
    rows = [r for r in rows if r["task"] == "grounding"]
    chosen = rng.sample(rows, min(args.pairs, len(rows)))
    pairs, labels = [(r["premise"], r["claim"]) for r in chosen], np.array([int(r["label"]) for r in chosen])
    scorer = CrossEncoder.load()
    pool = [(r["premise"], r["claim"]) for r in rng.sample(rows, min(3000, len(rows)))]
    timed = [pair for pair in pool if 170 <= len(scorer.tokenizer(*pair)["input_ids"]) <= 230]
    with tempfile.TemporaryDirectory(prefix="ragkb-int8-") as folder:
        variants = runners(Path(folder), scorer, args.threads)
        scores = {name: supported(run, scorer, pairs) for name, run in variants.items()}
        reference = scores["onnxruntime fp32"]
        calls = [rng.sample(timed, 9) for _ in range(args.calls)]
        times: dict[str, list[float]] = {name: [] for name in variants}
        for call in calls:
            for name, run in variants.items():  # interleaved, so load changes hit every variant alike
                started = time.perf_counter()
                supported(run, scorer, call, batch=9)
                times[name].append((time.perf_counter() - started) * 1000)
    print(f"{len(pairs)} held-out dev pairs ({labels.mean():.2f} supported); {args.calls} calls of 9 pairs "
          f"of 170-230 word pieces, {args.threads} threads")  # fmt: skip
    print("| variant | AUROC | BA at 0.5 | mean abs change of P(supported) | max | p50 ms per call | p90 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in scores.items():
        change = np.abs(values - reference)
        ba = balanced_accuracy(labels, (values >= 0.5).astype(int))
        print(f"| {name} | {roc_auc(labels, values):.3f} | {ba:.3f} | {change.mean():.4f} | {change.max():.3f} | "
              f"{statistics.median(times[name]):.0f} | {np.percentile(times[name], 90):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
