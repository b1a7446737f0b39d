"""Run the real analysis (:func:`grounding.check.analyse`) over a JSONL dataset and cache the features.

Used by ``train.py`` and ``bench/checks/bench_grounding_quality.py``. The cache key covers the dataset
file, the encoder, the IDF file and the source of every ``grounding`` module, so a change to the
features or the lexicon recomputes instead of reusing stale numbers. Texts are encoded in large
batches across examples (two passes: the first only records which texts the analysis needs).
"""

from __future__ import annotations

import ast
import hashlib
import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).parent)]

from convert import Example, read_jsonl  # noqa: E402

from grounding.check import analyse  # noqa: E402
from grounding.encoder import Encoded, TextEncoder  # noqa: E402
from grounding.features import Lexicon  # noqa: E402
from grounding.relevance import RELEVANCE_FEATURES  # noqa: E402

CACHE = Path("/tmp/ragkb-grounding/features")
GROUNDING_DIR = Path(__file__).resolve().parents[2] / "grounding"
# The modules whose code decides the features (policy, scorer and types do not). ``ordered`` is left out on
# purpose: its columns are lexical and recomputed by ``order_stage.py`` (its own cache) on every load.
_NO_RELEVANCE = np.full(len(RELEVANCE_FEATURES), np.nan, np.float32)  # an answer without claims
ANALYSIS_MODULES = ("check", "claims", "encoder", "evidence", "features", "lexical", "relevance")


@dataclass
class Featurized:
    """Per example: claim feature rows (``rows[offsets[i]:offsets[i+1]]``), relevance row, label."""

    ids: list[str]
    labels: npt.NDArray[np.int64]  # 1 = grounded / relevant
    rows: npt.NDArray[np.float32]
    offsets: npt.NDArray[np.int64]
    relevance: npt.NDArray[np.float32]  # (n, len(RELEVANCE_FEATURES)); NaN for answers without claims
    abstained: npt.NDArray[np.bool_]
    groups: list[str]  # grouping key (the sources), for grouped cross-validation
    kinds: list[str]

    def claims_of(self, index: int) -> npt.NDArray[np.float32]:
        return self.rows[self.offsets[index] : self.offsets[index + 1]]


def concat(*parts: Featurized) -> Featurized:
    """One dataset made of several featurized files (e.g. synthetic data and its relation swaps)."""
    offsets, base = [np.zeros(1, dtype=np.int64)], 0
    for part in parts:
        offsets.append(part.offsets[1:] + base)
        base += int(part.offsets[-1])
    return Featurized(
        ids=[i for p in parts for i in p.ids],
        labels=np.concatenate([p.labels for p in parts]),
        rows=np.concatenate([p.rows for p in parts if p.rows.size]),
        offsets=np.concatenate(offsets),
        relevance=np.concatenate([p.relevance for p in parts]),
        abstained=np.concatenate([p.abstained for p in parts]),
        groups=[g for p in parts for g in p.groups],
        kinds=[k for p in parts for k in p.kinds],
    )


class _Recorder:
    """Pass 1: remembers the texts; returns empty encodings of the right shape."""

    def __init__(self, dimension: int) -> None:
        self.texts: set[str] = set()
        self.name = "recorder"
        self._empty = Encoded(
            np.zeros(dimension, np.float32), np.zeros((0, dimension), np.float32), np.zeros((0, 2), np.int64)
        )

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        self.texts.update(texts)
        return [self._empty] * len(texts)


class _Lookup:
    def __init__(self, table: dict[str, Encoded]) -> None:
        self.table = table
        self.name = "lookup"

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        return [self.table[t] for t in texts]


def cache_key(path: Path, encoder: TextEncoder) -> str:
    """Dataset bytes, IDF file, encoder name and the *code* of the analysis modules: parsed to an
    AST without docstrings, so editing a comment or a docstring does not throw the cache away."""
    digest = hashlib.sha256(path.read_bytes())
    for module in sorted(GROUNDING_DIR / f"{name}.py" for name in ANALYSIS_MODULES):
        digest.update(_code_only(module.read_text(encoding="utf-8")).encode())
    idf = GROUNDING_DIR / "data" / "idf.json"
    digest.update(idf.read_bytes() if idf.exists() else b"")
    digest.update(encoder.name.encode())
    return digest.hexdigest()[:16]


def _code_only(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        docstring = isinstance(body, list) and body and isinstance(body[0], ast.Expr)
        if docstring and isinstance(body[0].value, ast.Constant):  # type: ignore[index]
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return ast.dump(tree)


def featurize(
    path: Path, *, encoder: TextEncoder, lexicon: Lexicon, chunk: int = 400, quiet: bool = False
) -> Featurized:
    """Features of every example in ``path`` (cached under /tmp/ragkb-grounding/features)."""
    from order_stage import refresh_extra  # imports this module

    cached = CACHE / f"{path.stem}.{cache_key(path, encoder)}.pkl"
    if cached.exists():
        with cached.open("rb") as handle:
            return refresh_extra(pickle.load(handle), path, lexicon)  # our own file, written below
    examples = read_jsonl(path)
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault(tuple(example["sources"]), []).append(index)
    results: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None, bool]] = [None] * len(examples)  # type: ignore[list-item]
    keys = list(groups)
    started = time.perf_counter()
    for begin in range(0, len(keys), chunk):
        batch = keys[begin : begin + chunk]
        recorder = _Recorder(dimension=384)
        for sources in batch:
            analyse(list(sources), _items(examples, groups[sources]), encoder=recorder, lexicon=lexicon)  # type: ignore[arg-type]
        texts = sorted(recorder.texts)
        lookup = _Lookup(dict(zip(texts, encoder.encode(texts), strict=True)))
        for sources in batch:
            analyses = analyse(list(sources), _items(examples, groups[sources]), encoder=lookup, lexicon=lexicon)
            for index, analysis in zip(groups[sources], analyses, strict=True):
                results[index] = (analysis.matrix(), analysis.relevance, analysis.abstained)
        if not quiet:
            done = min(begin + chunk, len(keys))
            print(f"  {path.stem}: {done}/{len(keys)} sources, {time.perf_counter() - started:.0f} s", flush=True)
    rows = [r[0] for r in results]
    offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    width = next((r.shape[1] for r in rows if r.size), 0)
    featurized = Featurized(
        ids=[e["id"] for e in examples],
        labels=np.array([int(e["label"] in ("grounded", "relevant")) for e in examples], dtype=np.int64),
        rows=np.concatenate([r for r in rows if r.size]) if width else np.zeros((0, 0), np.float32),
        offsets=offsets,
        relevance=np.stack([r[1] if r[1] is not None else _NO_RELEVANCE for r in results]),
        abstained=np.array([r[2] for r in results], dtype=bool),
        groups=[hashlib.md5("\x00".join(e["sources"]).encode()).hexdigest() for e in examples],
        kinds=[e.get("kind", "") for e in examples],
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as handle:
        pickle.dump(featurized, handle)
    return refresh_extra(featurized, path, lexicon)


def _items(examples: list[Example], indices: list[int]) -> list[tuple[str, str]]:
    return [(examples[i]["query"], examples[i]["answer"]) for i in indices]
