"""Should the claim splitter cut long sentences further? Today's cuts against also cutting before
", and" / ", or" / ", which" / ", who" / ", although" / ", though", with the shipped v1 model.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/compare_splitters.py [--sets long_answers.eval ...]

Prints, per evaluation set and splitter: claims per answer, AUROC and balanced accuracy at the
default threshold and, for ``long_answers``, per answer length the share of faithful answers flagged
and of answers with one false sentence caught. The finer splitter's features are cached apart
(``/tmp/ragkb-grounding/features-finer``): the cache key sees the code, not the patched rule.
About 10 minutes per splitter on one busy core.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[3]), str(Path(__file__).resolve().parents[1])]

import featurize  # noqa: E402
from convert import OUT  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from train import DATA_DIR, claim_scores, length_adjusted, predictor  # noqa: E402

import grounding.claims  # noqa: E402

FINER = re.compile(r";\s+|,\s+(?=(?:but|whereas|while|and|or|which|who|although|though)\s)")
LENGTHS = ("1", "2", "4", "8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--sets", nargs="+", default=["long_answers.eval", "faithdial.eval", "halueval.eval"])
    args = parser.parse_args()

    import torch

    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    torch.set_num_threads(1)
    encoder, lexicon = MiniLMEncoder(), load_lexicon(DATA_DIR)
    model = json.loads((DATA_DIR / "grounding_model.json").read_text())
    predict, threshold = predictor(model), model["threshold"]
    today, today_cache = grounding.claims._CLAUSE_BREAK, featurize.CACHE
    for splitter in ("today", "finer"):
        grounding.claims._CLAUSE_BREAK = today if splitter == "today" else FINER
        featurize.CACHE = today_cache if splitter == "today" else today_cache.with_name("features-finer")
        for name in args.sets:
            data = featurize.featurize(args.data / f"{name}.jsonl", encoder=encoder, lexicon=lexicon, quiet=True)
            scores = length_adjusted(claim_scores(data, predict), np.zeros(0))
            flagged = scores < threshold
            line = (
                f"{splitter:<6} {name:<20} claims/answer {np.diff(data.offsets).mean():.2f}  AUROC "
                f"{roc_auc(data.labels, scores):.3f}  BA {balanced_accuracy(data.labels, 1 - flagged):.3f}"
            )
            if name.startswith("long_answers"):
                kinds = np.array(data.kinds)
                line += "  | " + "; ".join(
                    f"{n}: faithful flagged {flagged[kinds == f'faithful_{n}'].mean():.3f}, "
                    f"one false caught {flagged[kinds == f'one_false_{n}'].mean():.3f}"
                    for n in LENGTHS
                )
            print(line, flush=True)


if __name__ == "__main__":
    main()
