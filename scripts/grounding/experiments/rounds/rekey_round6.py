"""Round 6's feature caches without a full MiniLM pass (about 50 minutes of one core): re-featurize only what changed.

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/rounds/rekey_round6.py \
        --old-modules OLD/grounding long_answers.train long_answers.eval ...

``OLD/grounding`` is the ``grounding/`` folder before round 6 (e.g. ``git archive 5aa7252 grounding``), whose
``featurize.py`` cache exists. Round 6 changed two things: the claim splitter (a sentence after an open bracket
is joined only when it closes it) and the word pieces of a claim word (every token overlapping it, not only the
tokens starting inside it). Per dataset, an example is re-featurized with today's code when its claims split
differently or when its query or one of its claim texts has a token mapped differently; every other example keeps
its rows from the old cache (same texts, same encoder, same code path). The result is written under today's cache
key. A full ``featurize.py`` run of ``long_answers.eval`` and ``adversarial.eval`` gave identical rows.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [
    str(Path(__file__).resolve().parents[4]),
    str(Path(__file__).resolve().parents[2]),
    str(Path(__file__).resolve().parents[1] / "v1_features"),
]

from variants import splice_caches  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.encoder import Encoded, MiniLMEncoder  # noqa: E402
from grounding.features import content_words  # noqa: E402
from grounding.lexical import is_content, words  # noqa: E402
from grounding.scorer import DATA_DIR, load_lexicon  # noqa: E402


def old_pieces(text: str, spans: list[tuple[int, int]]) -> list[list[int]]:
    """The ``(token, word)`` pairs of the code before round 6: a token belongs to the word holding its start."""
    found = words(text)
    chosen = [w for w in found if is_content(w.text)] or found
    starts = [w.start for w in chosen]
    pairs = []
    for token, (start, _end) in enumerate(spans):
        position = bisect.bisect_right(starts, start) - 1
        if position >= 0 and start < chosen[position].end:
            pairs.append([token, position])
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", help="dataset file stems, e.g. long_answers.eval")
    parser.add_argument("--old-modules", type=Path, required=True)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    spec = importlib.util.spec_from_file_location("claims_before", args.old_modules / "claims.py")
    assert spec is not None and spec.loader is not None
    old_claims = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = old_claims  # dataclasses look their module up
    spec.loader.exec_module(old_claims)
    encoder, lexicon = MiniLMEncoder(), load_lexicon(DATA_DIR)
    memo: dict[str, bool] = {}

    def maps_differently(text: str) -> bool:
        if text not in memo:
            batch = encoder._tokenizer(
                [text], truncation=True, max_length=encoder.max_length,
                return_offsets_mapping=True, return_special_tokens_mask=True,
            )  # fmt: skip
            pairs = zip(batch["offset_mapping"][0], batch["special_tokens_mask"][0], strict=True)
            spans = [(int(a), int(b)) for (a, b), special in pairs if not special]
            fake = Encoded(
                np.zeros(1, np.float32), np.zeros((len(spans), 1), np.float32), np.array(spans).reshape(-1, 2)
            )
            memo[text] = content_words(text, fake)[1].tolist() != old_pieces(text, spans)
        return memo[text]

    def changed(example: dict) -> bool:
        before = old_claims.split_claims(example["answer"], query=example["query"])[0]
        after = split_claims(example["answer"], query=example["query"])[0]
        if [(c.text, c.focus_start) for c in before] != [(c.text, c.focus_start) for c in after]:
            return True
        return maps_differently(example["query"]) or any(maps_differently(c.text) for c in after)

    splice_caches(args.names, old_modules=args.old_modules, encoder=encoder, lexicon=lexicon, changed=changed)


if __name__ == "__main__":
    main()
