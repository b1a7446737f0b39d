"""Average cross-encoder weight files (a "model soup": Wortsman et al., 2022) into one file.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/average_weights.py OUT.safetensors A.safetensors B.safetensors

Every tensor of the output is the mean of the inputs' tensors, computed in fp32 and stored in the inputs' dtype
(fp16 for the shipped file). The inputs must be fine-tuned from the same start (here: rounds of
``train_crossencoder.py`` that each began from an earlier round), so their weights lie close enough that the mean
is itself a good model; averaging rounds trained on different pair files keeps part of what each learned.
Round 7, the shipped file, is the mean of round 3 and round 6 (docs/grounding-v2.md).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file


def average(paths: list[Path]) -> dict[str, torch.Tensor]:
    """The tensor-wise mean of the weight files at ``paths``; raises ``SystemExit`` when their tensors differ."""
    states = [load_file(str(path)) for path in paths]
    first = states[0]
    for path, state in zip(paths[1:], states[1:], strict=True):
        if state.keys() != first.keys() or any(state[k].shape != first[k].shape for k in first):
            raise SystemExit(f"{path}: its tensors differ from {paths[0]}'s; only rounds of one model can be averaged")
    mean = {k: torch.stack([state[k].float() for state in states]).mean(0) for k in first}
    return {k: tensor.to(first[k].dtype) for k, tensor in mean.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="the averaged weight file to write (.safetensors)")
    parser.add_argument("inputs", type=Path, nargs="+", help="two or more weight files of the same model")
    args = parser.parse_args()
    if len(args.inputs) < 2:
        parser.error("give at least two weight files to average")
    for path in args.inputs:
        if not path.is_file():
            parser.error(f"{path}: no such file")
    save_file(average(args.inputs), str(args.out))
    digest = hashlib.md5(args.out.read_bytes()).hexdigest()  # a checksum for the docs
    print(f"wrote {args.out} (mean of {len(args.inputs)} files, md5 {digest})")


if __name__ == "__main__":
    main()
