"""Round 7's feature caches without a full MiniLM pass: re-featurize only the answers with a clause read in context.

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/rekey_round7.py \
        --old-modules OLD/grounding long_answers.train long_answers.eval ...

``OLD/grounding`` is the ``grounding/`` folder before round 7 (``git archive d117d97 grounding``), whose
``featurize.py`` cache exists. Round 7 changed one thing that ``featurize.py`` caches: a clause cut from the middle
of its answer sentence (``Claim.context``) takes its word vectors from the sentence's encoding. Claims and every
other text are as before, so an example is re-featurized with today's code exactly when one of its claims has a
context; every other example keeps its rows from the old cache. The result is written under today's cache key.
(The ``order_flip`` column is recomputed on load by ``order_stage.refresh_extra`` in any case.)
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[3]), str(Path(__file__).resolve().parents[1])]

import featurize  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.encoder import MiniLMEncoder  # noqa: E402
from grounding.scorer import DATA_DIR, load_lexicon  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", help="dataset file stems, e.g. long_answers.eval")
    parser.add_argument("--old-modules", type=Path, required=True)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    encoder, lexicon = MiniLMEncoder(), load_lexicon(DATA_DIR)
    today, cache = featurize.GROUNDING_DIR, featurize.CACHE
    for name in args.names:
        path = OUT / f"{name}.jsonl"
        featurize.GROUNDING_DIR = args.old_modules
        old_key = featurize.cache_key(path, encoder)
        featurize.GROUNDING_DIR = today
        target = cache / f"{name}.{featurize.cache_key(path, encoder)}.pkl"
        if target.exists():
            print(f"{name}: today's cache exists", flush=True)
            continue
        old = pickle.loads((cache / f"{name}.{old_key}.pkl").read_bytes())  # our own file
        examples = read_jsonl(path)
        redo = [
            i for i, e in enumerate(examples) if any(c.context for c in split_claims(e["answer"], query=e["query"])[0])
        ]
        rows = [old.rows[old.offsets[i] : old.offsets[i + 1]] for i in range(len(examples))]
        relevance, abstained = old.relevance.copy(), old.abstained.copy()
        if redo:
            with tempfile.TemporaryDirectory() as folder:
                subset = Path(folder) / f"{name}.jsonl"
                subset.write_text("".join(json.dumps(examples[i]) + "\n" for i in redo), encoding="utf-8")
                featurize.CACHE = Path(folder) / "cache"
                featurize.featurize(subset, encoder=encoder, lexicon=lexicon, quiet=True)
                written = featurize.CACHE / f"{name}.{featurize.cache_key(subset, encoder)}.pkl"
                new = pickle.loads(written.read_bytes())
                featurize.CACHE = cache
            assert new.ids == [examples[i]["id"] for i in redo]
            for j, i in enumerate(redo):
                if len(new.rows[new.offsets[j] : new.offsets[j + 1]]) != len(rows[i]):
                    raise ValueError(f"{examples[i]['id']}: the claims changed, not only their word vectors")
                rows[i] = new.rows[new.offsets[j] : new.offsets[j + 1]]
                relevance[i], abstained[i] = new.relevance[j], new.abstained[j]
        width = old.rows.shape[1]
        rows = [r.reshape(-1, width) for r in rows]
        offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
        spliced = replace(old, rows=np.concatenate(rows).astype(np.float32), offsets=offsets,
                          relevance=relevance, abstained=abstained)  # fmt: skip
        with target.open("wb") as handle:
            pickle.dump(spliced, handle)
        print(f"{name}: {len(redo)} of {len(examples)} examples re-featurized -> {target.name}", flush=True)


if __name__ == "__main__":
    main()
