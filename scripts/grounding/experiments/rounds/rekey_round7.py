"""Round 7's feature caches without a full MiniLM pass: re-featurize only the answers with a clause read in context.

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/rounds/rekey_round7.py \
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
import sys
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parents[4]),
    str(Path(__file__).resolve().parents[2]),
    str(Path(__file__).resolve().parents[1] / "v1_features"),
]

from variants import splice_caches  # noqa: E402

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
    splice_caches(
        args.names, old_modules=args.old_modules, encoder=encoder, lexicon=lexicon, same_claims=True,
        changed=lambda e: any(c.context for c in split_claims(e["answer"], query=e["query"])[0]),
    )  # fmt: skip


if __name__ == "__main__":
    main()
