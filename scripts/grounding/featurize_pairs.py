"""The cross-encoder's reading of every claim of a JSONL dataset, cached (what ``train_hybrid.py`` learns from).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/featurize_pairs.py synthetic_sub.train faithdial.train ...

Per example, per claim (the claims of :func:`grounding.claims.split_claims`, the same ones the v1 features
describe, in the same order): the best window's P(supported) and the highest P(contradicted), from
:func:`grounding.crossencoder.check.read_claims`. Pairs are gathered across examples and scored in large batches
sorted by length (pass 1 records the pairs, pass 2 scores the distinct ones, pass 3 replays the reads). The
cache key covers the dataset, the weights and the code of the modules that decide the pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).parent)]

from convert import OUT, read_jsonl  # noqa: E402
from featurize import GROUNDING_DIR, _code_only  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.crossencoder import WEIGHTS, CrossEncoder  # noqa: E402
from grounding.crossencoder.check import capped_support, read_claims  # noqa: E402
from grounding.evidence import lexical_scores, source_units  # noqa: E402
from grounding.lexical import content_stems  # noqa: E402
from grounding.scorer import Lexicon, load_lexicon  # noqa: E402

CACHE = Path("/tmp/ragkb-grounding/features")
MODULES = ("claims", "crossencoder/check", "evidence", "lexical", "crossencoder/windows")  # moved 2026-12-02
# What the reads are made with, part of the cache key: fp32 as the service runs by default (OpenVINO bf16 from
# 2026-12-02 evening to round 11, which this CPU ran in bf16 where it had the instructions; PyTorch bf16 before).
READS = {"precision": "fp32", "runtime": "openvino", "batch_size": 32}
MOST_UNITS = 3  # units read per claim by :func:`unit_reads` (cached); callers take the first few


def reads_scorer(weights: Path | None = None) -> CrossEncoder:
    """The cross-encoder the cached reads are made with (``weights``: the shipped file unless given)."""
    return CrossEncoder.load(weights or WEIGHTS, **READS)


class _Recorder:
    def __init__(self) -> None:
        self.pairs: set[tuple[str, str]] = set()

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        self.pairs.update(pairs)
        return np.zeros((len(pairs), 2), np.float32)

    def relevance(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        return np.zeros(len(pairs), np.float32)


class _Lookup(_Recorder):
    def __init__(self, table: dict[tuple[str, str], npt.NDArray[np.float32]]) -> None:
        self.table = table

    def grounding(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        return np.stack([self.table[p] for p in pairs]) if pairs else np.zeros((0, 2), np.float32)


def cache_key(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes())
    for name in MODULES:
        digest.update(_code_only((GROUNDING_DIR / f"{name}.py").read_text(encoding="utf-8")).encode())
    digest.update(hashlib.sha256(WEIGHTS.read_bytes()).digest())
    digest.update(repr(sorted(READS.items())).encode())
    return digest.hexdigest()[:16]


Prepared = list[tuple[list[str], list, list]]  # per example: its sources, its claims, source_units(sources)
Table = dict[tuple[str, str], npt.NDArray[np.float32]]  # (window, claim) -> (P(supported), P(contradicted))


def prepare(path: Path) -> Prepared:
    """The examples of a JSONL dataset as the reading takes them: sources, claims and the sources' units."""
    prepared = []
    for e in read_jsonl(path):
        claims, _ = split_claims(e["answer"], query=e["query"])
        prepared.append((e["sources"], claims, source_units(e["sources"])))
    return prepared


def record(prepared: Prepared, *, focus: bool = True, lexicon: Lexicon | None = None) -> set[tuple[str, str]]:
    """Every (window, claim) pair the reading of ``prepared`` asks for, unscored."""
    lexicon, recorder = lexicon or load_lexicon(), _Recorder()
    for sources, claims, units in prepared:
        read_claims(recorder, claims, sources, units, lexicon=lexicon, focus=focus)
    return recorder.pairs


def replay(prepared: Prepared, table: Table, *, focus: bool = True, lexicon: Lexicon | None = None) -> list[np.ndarray]:
    """The reading of ``prepared`` with every pair's probabilities looked up in ``table``."""
    lexicon, lookup, result = lexicon or load_lexicon(), _Lookup(table), []
    for sources, claims, units in prepared:
        reads = read_claims(lookup, claims, sources, units, lexicon=lexicon, focus=focus)
        result.append(np.array([[r.support, r.contradiction] for r in reads], np.float32).reshape(-1, 2))
    return result


def score_table(scorer: CrossEncoder, pairs: set[tuple[str, str]], *, label: str, chunk: int = 2048) -> Table:
    """Every pair of ``pairs`` scored, shortest first in batches of ``chunk`` (little padding), progress printed."""
    ordered = sorted(pairs, key=lambda p: len(p[0]) + len(p[1]))
    table: Table = {}
    started = time.perf_counter()
    for begin in range(0, len(ordered), chunk):
        batch = ordered[begin : begin + chunk]
        table.update(zip(batch, scorer.grounding(batch), strict=True))
        print(f"  {label}: {len(table)}/{len(ordered)} pairs, {time.perf_counter() - started:.0f} s", flush=True)
    return table


def featurize_pairs(
    path: Path,
    *,
    scorer: CrossEncoder | None = None,
    chunk: int = 2048,
    focus: bool = True,
    table: Table | None = None,
) -> list[np.ndarray]:
    """Per example, a ``(claims, 2)`` array of (P(supported) of the best window, max P(contradicted)).

    ``focus``: as v2 reads (a long input in focus windows); ``False``: as v3 reads (every window). ``table``:
    the pairs already scored by the shipped weights (``pair_table.py score``, on another machine), instead of
    ``scorer``."""
    cached = CACHE / f"{path.stem}.pairs{'' if focus else '.windows'}.{cache_key(path)}.pkl"
    if cached.exists():
        with cached.open("rb") as handle:
            return pickle.load(handle)  # our own file, written below
    prepared, lexicon = prepare(path), load_lexicon()
    if table is None:
        pairs = record(prepared, focus=focus, lexicon=lexicon)
        table = score_table(scorer or reads_scorer(), pairs, label=path.stem, chunk=chunk)
    result = replay(prepared, table, focus=focus, lexicon=lexicon)
    CACHE.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as handle:
        pickle.dump(result, handle)
    return result


def unit_reads(path: Path) -> list[list[np.ndarray]]:
    """Per example, per claim, a ``(k, 2)`` array of (P(supported), P(contradicted)) of its ``k <= MOST_UNITS``
    best units by keyword score (best first; ties in source order). Cached under ``featurize_pairs.py``'s key (the
    dataset, the weights its scorer reads, the code that splits claims and cuts units), beside its window reads."""
    cached = CACHE / f"{path.stem}.units{MOST_UNITS}.{cache_key(path)}.pkl"
    if cached.exists():
        with cached.open("rb") as handle:
            return pickle.load(handle)  # our own file, written below
    lexicon, asked = load_lexicon(), []
    for _sources, claims, units in prepare(path):
        per_claim = []
        for claim in claims:
            stems = sorted(content_stems(claim.text))
            scores = lexical_scores(stems, units, idf=lexicon.idf, default_idf=lexicon.default_idf)
            best = np.argsort(-scores, kind="stable")[:MOST_UNITS].tolist()
            per_claim.append([(units[i].text, claim.text) for i in best])
        asked.append(per_claim)
    distinct = {pair for per_claim in asked for pairs in per_claim for pair in pairs}
    table = score_table(reads_scorer(), distinct, label=f"{path.stem} units")
    result = [[np.array([table[p] for p in pairs], np.float32).reshape(-1, 2) for pairs in ex] for ex in asked]
    CACHE.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as handle:
        pickle.dump(result, handle)
    return result


def names_apart(
    window: Sequence[npt.NDArray[np.floating]],
    *,
    units: Sequence[Sequence[npt.NDArray[np.float32]]],
    apart: Sequence[npt.NDArray[np.floating]],
) -> list[npt.NDArray[np.float64]]:
    """v2's claim supports as ``CrossEncoderChecker`` makes them since 2026-12-05 (``read_names_apart``): per example,
    the ``window`` reads' P(supported), and where the claim's ``anchor_apart`` (v1's feature) is above 0, the better
    of it and its best unit read alone (the first of :func:`unit_reads`), capped where that unit contradicts it:
    ``min(max(s_w, s_u), max(s_u, 1 - c_u))``."""
    out = []
    for supports, claims_units, gates in zip(window, units, apart, strict=True):
        row = []
        for s_w, unit, gate in zip(supports.tolist(), claims_units, gates.tolist(), strict=True):
            if gate > 0 and len(unit):
                s_w = capped_support(s_w, alone=float(unit[0, 0]), against=float(unit[0, 1]))
            row.append(s_w)
        out.append(np.array(row, dtype=np.float64))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", help="dataset stems under --data, e.g. faithdial.train")
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--reads", choices=("both", "v2", "v3"), default="both",
        help="v2's reading (a long input in focus windows), v3's (every window), or both",
    )  # fmt: skip
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    scorer = reads_scorer()
    for name in args.names:
        started = time.perf_counter()
        for focus in {"both": (True, False), "v2": (True,), "v3": (False,)}[args.reads]:
            rows = featurize_pairs(args.data / f"{name}.jsonl", scorer=scorer, focus=focus)
            reading, claims = "v2" if focus else "v3", sum(len(r) for r in rows)
            print(f"{name} ({reading}): {claims} claims in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
