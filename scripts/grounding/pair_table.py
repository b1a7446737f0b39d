"""The cross-encoder's reads made on another machine: record the pairs here, score them there, import them here.

    # here: every (window, claim) pair v2 and v3 ask for on these sets, as one sorted list (JSONL, xz)
    .venv/bin/python scripts/grounding/pair_table.py record halueval.eval faithdial.train ... --out pairs.jsonl.xz
    # where the weights are (a GPU machine): P(supported), P(contradicted) per pair, fp32, in the list's order
    python3 scripts/grounding/pair_table.py score --pairs pairs.jsonl.xz --weights W.safetensors \\
        --base MINILM_FOLDER --device cuda --out table.npz
    # here, with W installed as grounding/data/crossencoder.safetensors: fill featurize_pairs.py's cache
    .venv/bin/python scripts/grounding/pair_table.py import --pairs pairs.jsonl.xz --table table.npz halueval.eval ...
    # here: rank weights by their tables before choosing one (the shipped weights' column from the cache)
    .venv/bin/python scripts/grounding/pair_table.py compare --pairs pairs.jsonl.xz a.table.npz b.table.npz ...

Scoring is :class:`grounding.crossencoder.CrossEncoder`'s (its tokenisation, on ``--device``) in fp32, so a read
equals the CPU's to float rounding, except that a ``--base`` in fp16 (as ``gpu_round.sh`` carries it) rounds the
frozen word-piece table the service reads in fp32: round 12's reads were within 2e-4 of OpenVINO fp32's on this CPU
(200 pairs); ``import`` refuses a table whose weights are not the installed ones (SHA-256 recorded in the table).
``compare`` prints, per set, the AUROC of each example's weakest claim's raw P(supported) in v2's reading (no
calibration: a Platt fit does not change an AUROC).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

from grounding.crossencoder import WEIGHTS, CrossEncoder  # noqa: E402

# featurize_pairs (and through it v1's featurize) is imported where it is used: `score` runs on a machine that
# has PyTorch and transformers but not the rest of this project's dependencies.


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        return [tuple(json.loads(line)) for line in handle]  # type: ignore[misc]


def record(names: list[str], data: Path, out: Path) -> None:
    from featurize_pairs import prepare
    from featurize_pairs import record as record_reads

    from grounding.scorer import load_lexicon

    pairs: set[tuple[str, str]] = set()
    lexicon = load_lexicon()
    for name in names:
        prepared = prepare(data / f"{name}.jsonl")
        for focus in (True, False):
            found = record_reads(prepared, focus=focus, lexicon=lexicon)
            pairs |= found
            print(f"{name} ({'v2' if focus else 'v3'}): {len(found)} pairs; {len(pairs)} in all", flush=True)
    with lzma.open(out, "wt", encoding="utf-8", preset=9) as handle:
        for pair in sorted(pairs):
            handle.write(json.dumps(pair, ensure_ascii=False) + "\n")


def score(pairs: list[tuple[str, str]], weights: Path, base: Path | None, device: str, batch: int) -> np.ndarray:
    """``(n, 2)``: P(supported), P(contradicted) of each pair, read by :class:`CrossEncoder` in fp32 on ``device``."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return CrossEncoder.load(weights, base=base, device=device, batch_size=batch).grounding(pairs)


def import_table(names: list[str], data: Path, pairs: list[tuple[str, str]], table_file: Path) -> None:
    from featurize_pairs import featurize_pairs

    saved = np.load(table_file)
    installed = hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    if str(saved["sha256"]) != installed:
        raise SystemExit(f"{table_file} was scored by other weights than {WEIGHTS} ({saved['sha256']} != {installed})")
    table = dict(zip(pairs, saved["probabilities"], strict=True))
    for name in names:
        for focus in (True, False):
            reads = featurize_pairs(data / f"{name}.jsonl", focus=focus, table=table)
            print(f"{name} ({'v2' if focus else 'v3'}): {sum(len(r) for r in reads)} claims cached", flush=True)


SETS = (
    "halueval.eval", "climate_fever.eval", "faithdial.eval", "pack_dev.eval", "synthetic_sub.eval",
    "adversarial.eval", "swaps.eval", "long_answers.eval", "quantities.eval",
)  # fmt: skip


def compare(table_files: list[Path], data: Path, pairs: list[tuple[str, str]], names: list[str]) -> None:
    from convert import read_jsonl
    from featurize_pairs import featurize_pairs, prepare, replay
    from metrics import roc_auc

    from grounding.scorer import load_lexicon

    def weakest(reads: list[np.ndarray]) -> np.ndarray:
        return np.array([r[:, 0].min() if len(r) else 1.0 for r in reads])

    tables = {t.stem.split(".")[0]: dict(zip(pairs, np.load(t)["probabilities"], strict=True)) for t in table_files}
    lexicon = load_lexicon()
    print(f"| set | shipped | {' | '.join(tables)} |\n|---|---|{'---|' * len(tables)}")
    columns: dict[str, list[float]] = {"shipped": [], **{name: [] for name in tables}}
    for name in names:
        path = data / f"{name}.jsonl"
        labels = np.array([e["label"] == "grounded" for e in read_jsonl(path)], dtype=int)
        cells = {"shipped": roc_auc(labels, weakest(featurize_pairs(path)))}
        prepared = prepare(path)
        cells |= {
            model: roc_auc(labels, weakest(replay(prepared, table, lexicon=lexicon))) for model, table in tables.items()
        }
        for model, value in cells.items():
            columns[model].append(value)
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in cells.values()) + " |", flush=True)
    print("| mean | " + " | ".join(f"{np.mean(v):.3f}" for v in columns.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    rec = verbs.add_parser("record", help="the pairs the named sets' reads ask for")
    rec.add_argument("names", nargs="+", help="dataset stems under --data, e.g. halueval.eval")
    rec.add_argument("--out", type=Path, required=True)
    sco = verbs.add_parser("score", help="score a recorded list with the given weights")
    sco.add_argument("--weights", type=Path, nargs="+", required=True, help="one or more weight files")
    sco.add_argument("--base", type=Path, help="MiniLM folder (default: the bundled package)")
    sco.add_argument("--device", default="cpu")
    sco.add_argument("--batch", type=int, default=256)
    sco.add_argument("--out", type=Path, nargs="+", required=True, help="one table (.npz) per weight file")
    imp = verbs.add_parser("import", help="fill featurize_pairs.py's cache from a table")
    imp.add_argument("names", nargs="+")
    imp.add_argument("--table", type=Path, required=True)
    com = verbs.add_parser("compare", help="AUROC per set of each table's weights and of the shipped ones")
    com.add_argument("tables", type=Path, nargs="+")
    com.add_argument("--sets", nargs="*", default=list(SETS))
    for verb in (rec, imp, com):
        verb.add_argument("--data", type=Path, default=Path("/tmp/ragkb-grounding/data"))
    for verb in (sco, imp, com):
        verb.add_argument("--pairs", type=Path, required=True)
    args = parser.parse_args()
    if args.verb == "record":
        record(args.names, args.data, args.out)
    elif args.verb == "score":
        pairs = read_pairs(args.pairs)
        for weights, out in zip(args.weights, args.out, strict=True):
            probabilities = score(pairs, weights, args.base, args.device, args.batch)
            sha = hashlib.sha256(weights.read_bytes()).hexdigest()
            np.savez_compressed(out, probabilities=probabilities, sha256=np.array(sha))
            print(f"{weights}: {len(pairs)} pairs scored into {out}", flush=True)
    elif args.verb == "compare":
        compare(args.tables, args.data, read_pairs(args.pairs), args.sets)
    else:
        import_table(args.names, args.data, read_pairs(args.pairs), args.table)


if __name__ == "__main__":
    main()
