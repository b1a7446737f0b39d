"""Should the claim splitter cut long sentences further? Today's cuts against also cutting before
", and" / ", or" / ", which" / ", who" / ", although" / ", though", with the shipped v1 model or (``--model v2``)
the shipped cross-encoder and its calibration.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/reading/compare_splitters.py \\
        [--model v2] [--sets ...]

Prints, per evaluation set and splitter: claims per answer, AUROC and balanced accuracy at the
default threshold and, for ``long_answers``, per answer length the share of faithful answers flagged
and of answers with one false sentence caught. Answer scores are the weakest claim's, with no length
adjustment, for both splitters. The finer splitter's features (v1) or reads (v2) are cached apart
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

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

import featurize  # noqa: E402
import featurize_pairs  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from train import DATA_DIR, claim_scores, length_adjusted, predictor  # noqa: E402

import grounding.claims  # noqa: E402
from grounding.crossencoder.check import Calibration  # noqa: E402

FINER = re.compile(r";\s+|,\s+(?=(?:but|whereas|while|and|or|which|who|although|though)\s)")
LENGTHS = ("1", "2", "4", "8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--sets", nargs="+", default=["long_answers.eval", "faithdial.eval", "halueval.eval"])
    parser.add_argument("--model", choices=("v1", "v2"), default="v1")
    args = parser.parse_args()

    import torch

    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    torch.set_num_threads(1)
    encoder, lexicon = MiniLMEncoder(), load_lexicon(DATA_DIR)
    model = json.loads((DATA_DIR / "grounding_model.json").read_text())
    predict, threshold = predictor(model), model["threshold"]
    if args.model == "v2":
        calibration, scorer = Calibration.load(), featurize_pairs.reads_scorer()
        threshold = calibration.threshold
    today, today_cache, reads_cache = grounding.claims._CLAUSE_BREAK, featurize.CACHE, featurize_pairs.CACHE
    for splitter in ("today", "finer"):
        grounding.claims._CLAUSE_BREAK = today if splitter == "today" else FINER
        featurize.CACHE = today_cache if splitter == "today" else today_cache.with_name("features-finer")
        featurize_pairs.CACHE = reads_cache if splitter == "today" else reads_cache.with_name("features-finer")
        for name in args.sets:
            path = args.data / f"{name}.jsonl"
            if args.model == "v2":  # v1's features are not needed: labels and kinds come from the file
                reads = featurize_pairs.featurize_pairs(path, scorer=scorer)
                claims = [calibration.claim(r[:, 0].astype(np.float64)) for r in reads]
                rows = read_jsonl(path)
                labels = np.array([int(r["label"] == "grounded") for r in rows])
                kinds = np.array([r.get("kind", "") for r in rows])
            else:
                data = featurize.featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
                claims, labels, kinds = claim_scores(data, predict), data.labels, np.array(data.kinds)
            scores = length_adjusted(claims, np.zeros(0))
            flagged = scores < threshold
            line = (
                f"{splitter:<6} {name:<20} claims/answer {np.mean([len(c) for c in claims]):.2f}  AUROC "
                f"{roc_auc(labels, scores):.3f}  BA {balanced_accuracy(labels, 1 - flagged):.3f}"
            )
            if name.startswith("long_answers"):
                line += "  | " + "; ".join(
                    f"{n}: faithful flagged {flagged[kinds == f'faithful_{n}'].mean():.3f}, "
                    f"one false caught {flagged[kinds == f'one_false_{n}'].mean():.3f}"
                    for n in LENGTHS
                )
            print(line, flush=True)


if __name__ == "__main__":
    main()
