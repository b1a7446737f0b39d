"""The ordered-containment features (:mod:`grounding.ordered`) and the quantity features (:mod:`grounding.quantities`)
of every claim of a JSONL dataset, each cached apart from MiniLM.

    PYTHONPATH=. .venv/bin/python scripts/grounding/order_stage.py long_answers.eval [--claims OLD/claims.py]

They are lexical (words, units and the IDF lexicon; no encoder), so they are computed in their own stage with its
own cache key (dataset, IDF file, and the code of ``claims``, ``evidence``, ``features``, ``lexical``,
``ordered``, ``quantities``): a change to ``ordered.py`` or ``quantities.py`` recomputes this stage in seconds and
leaves the MiniLM features of ``featurize.py`` cached (its key leaves both out; ``refresh_extra`` overwrites the
columns of :data:`~grounding.features.V1_EXTRA`). Rows follow
``featurize.py``'s claim order (the same ``split_claims``); ``with_order`` appends them to a
:class:`~featurize.Featurized` and checks the claim counts agree. ``--claims`` reads the claims of another version
of ``grounding/claims.py`` (the one an older feature cache was computed with).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import pickle
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).parent)]

from convert import OUT, read_jsonl  # noqa: E402
from featurize import CACHE, GROUNDING_DIR, Featurized, _code_only  # noqa: E402

from grounding import claims as current_claims  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.features import V1_EXTRA, V1_FEATURES, Lexicon, SourceFacts  # noqa: E402
from grounding.ordered import ORDER_FEATURES  # noqa: E402
from grounding.quantities import QUANTITY_FEATURES  # noqa: E402

MODULES = ("evidence", "features", "lexical", "ordered", "quantities")


def load_claims(path: Path | None) -> ModuleType:
    if path is None:
        return current_claims
    spec = importlib.util.spec_from_file_location("claims_version", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def order_rows(dataset: Path, lexicon: Lexicon, claims_file: Path | None = None) -> npt.NDArray[np.float32]:
    """``(n_claims, len(ORDER_FEATURES))`` for every claim of every example, in featurize.py's order (cached)."""
    return _stage_rows(dataset, lexicon, claims_file, "order", claim_rows, len(ORDER_FEATURES))


def quantity_rows(dataset: Path, lexicon: Lexicon) -> npt.NDArray[np.float32]:
    """``(n_claims, len(QUANTITY_FEATURES))`` for every claim of every example, in featurize.py's order (cached)."""
    return _stage_rows(dataset, lexicon, None, "quantity", quantity_claim_rows, len(QUANTITY_FEATURES))


def _stage_rows(
    dataset: Path, lexicon: Lexicon, claims_file: Path | None, stage: str, rows_of: Callable[..., list], width: int
) -> npt.NDArray[np.float32]:
    claims_path = claims_file or GROUNDING_DIR / "claims.py"
    digest = hashlib.sha256(dataset.read_bytes())
    for module in [claims_path, *(GROUNDING_DIR / f"{m}.py" for m in MODULES)]:
        digest.update(_code_only(module.read_text(encoding="utf-8")).encode())
    digest.update((GROUNDING_DIR / "data" / "idf.json").read_bytes())
    cached = CACHE / f"{dataset.stem}.{stage}.{digest.hexdigest()[:16]}.pkl"
    if cached.exists():
        with cached.open("rb") as handle:
            return pickle.load(handle)  # our own file, written below
    split_claims = load_claims(claims_file).split_claims
    rows: list[tuple[float, ...]] = []
    facts_of: dict[tuple[str, ...], SourceFacts] = {}
    for example in read_jsonl(dataset):
        sources = tuple(example["sources"])
        if sources not in facts_of:
            facts_of = {sources: SourceFacts.of(sources, source_units(sources))}  # examples are grouped by source
        rows.extend(rows_of(facts_of[sources], split_claims(example["answer"], query=example["query"])[0], lexicon))
    table = np.array(rows, dtype=np.float32).reshape(-1, width)
    CACHE.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as handle:
        pickle.dump(table, handle)
    return table


def claim_rows(facts: SourceFacts, claims: list, lexicon: Lexicon) -> list[tuple[float, float, float, float]]:
    return [facts.ordered(claim.text[claim.focus_start :], lexicon) for claim in claims]


def quantity_claim_rows(facts: SourceFacts, claims: list, lexicon: Lexicon) -> list[tuple[float, float]]:
    return [facts.quantity_values(claim.text[claim.focus_start :], lexicon) for claim in claims]


def with_order(data: Featurized, order: npt.NDArray[np.float32]) -> Featurized:
    """``data`` with the order features appended to its claim rows."""
    if len(order) != len(data.rows):
        raise ValueError(f"{len(order)} order rows for {len(data.rows)} claim rows: claims were split differently")
    return replace(data, rows=np.hstack([data.rows, order]) if len(order) else data.rows)


def refresh_extra(data: Featurized, dataset: Path, lexicon: Lexicon) -> Featurized:
    """``data`` (v1 rows, :data:`~grounding.features.V1_FEATURES`) with its :data:`~grounding.features.V1_EXTRA`
    columns recomputed by this stage, so a change to ``grounding/ordered.py`` or ``grounding/quantities.py`` alone
    needs no MiniLM pass (``featurize.py`` does not key on them)."""
    if not len(data.rows) or data.rows.shape[1] != len(V1_FEATURES):
        return data  # no claims, or a cache of the 16 shared features only (order_experiment.py reads those)
    stage = np.hstack([order_rows(dataset, lexicon), quantity_rows(dataset, lexicon)])
    if len(stage) != len(data.rows):
        raise ValueError(f"{len(stage)} stage rows for {len(data.rows)} claim rows: claims were split differently")
    names = (*ORDER_FEATURES, *QUANTITY_FEATURES)
    rows = data.rows.copy()
    for name in V1_EXTRA:
        rows[:, V1_FEATURES.index(name)] = stage[:, names.index(name)]
    return replace(data, rows=rows)


def main() -> None:
    from grounding.scorer import load_lexicon

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", help="dataset file stems, e.g. long_answers.eval")
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--claims", type=Path, default=None)
    args = parser.parse_args()
    lexicon = load_lexicon()
    for name in args.names:
        table = order_rows(args.data / f"{name}.jsonl", lexicon, args.claims)
        print(name, table.shape, np.round(table.mean(0), 3).tolist())


if __name__ == "__main__":
    main()
