"""Which faithful claims of the long answers still score under the threshold, and why (no new model).

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/v1_features/faithful_misses.py \
        [--split train] [--model grounding/data/grounding_model.json] [--show 40]

Reads ``featurize.py``'s cached features of ``long_answers.<split>`` (MiniLM is loaded, but only the flagged
answers are re-analysed, to print each claim's best source unit). For every claim of a *faithful* answer scoring
under the model's threshold, prints the claim, its best unit and the features that pull it down most: each
feature's contribution to the logit, ``coef * (value - mean) / scale``, against the mean of all faithful claims.
The cause of each claim is the feature with the most negative contribution relative to that mean; the counts per
cause close the output.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

from convert import OUT, read_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402

from grounding.check import analyse  # noqa: E402
from grounding.scorer import DATA_DIR, LogisticModel, load_lexicon  # noqa: E402


def main() -> None:
    import json

    import torch

    from grounding.encoder import MiniLMEncoder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="train")
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--model", type=Path, default=DATA_DIR / "grounding_model.json")
    parser.add_argument("--show", type=int, default=40, help="claims printed in full")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = tuple(json.loads(args.model.read_text(encoding="utf-8"))["features"])
    model = LogisticModel.from_file(args.model, expected=names)
    encoder, lexicon = MiniLMEncoder(), load_lexicon()
    path = args.data / f"long_answers.{args.split}.jsonl"
    data = featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
    examples = read_jsonl(path)
    rows = data.rows[:, : len(names)]
    scores = model.predict(rows)
    faithful_rows = np.concatenate([data.claims_of(i)[:, : len(names)] for i in range(len(examples)) if data.labels[i]])
    baseline = (faithful_rows.mean(0) - model.mean) / model.scale * model.coef
    n_claims = len(faithful_rows)
    causes: Counter[str] = Counter()
    shown = 0
    flagged_answers = Counter()
    total_answers = Counter()
    for i, example in enumerate(examples):
        if not data.labels[i]:
            continue
        length = example["kind"].rsplit("_", 1)[-1]
        total_answers[length] += 1
        claim_scores = scores[data.offsets[i] : data.offsets[i + 1]]
        low = [k for k, s in enumerate(claim_scores) if s < model.threshold]
        if not low:
            continue
        flagged_answers[length] += 1
        [analysis] = analyse(
            example["sources"], [(example["query"], example["answer"])], encoder=encoder, lexicon=lexicon
        )
        for k in low:
            x = rows[data.offsets[i] + k]
            contribution = (x - model.mean) / model.scale * model.coef - baseline
            order = np.argsort(contribution)
            cause = names[order[0]] if contribution[order[0]] < -0.05 else "none"
            causes[cause] += 1
            if shown < args.show:
                shown += 1
                claim = analysis.claims[k]
                unit = analysis.candidates[k][analysis.features[k].best]
                pulls = ", ".join(f"{names[j]}={x[j]:.2f} ({contribution[j]:+.2f})" for j in order[:3])
                print(f"\n[{example['id']}] score {claim_scores[k]:.3f} cause {cause}\n  claim: {claim.text}")
                print(f"  best:  {unit.text[:400]}\n  pulls: {pulls}")
    flagged = sum(causes.values())
    print(f"\n{flagged} of {n_claims} faithful claims under {model.threshold}")
    print(
        "answers flagged by sentences:",
        {k: f"{flagged_answers[k]}/{total_answers[k]}" for k in sorted(total_answers, key=int)},
    )
    print("causes (feature pulling the score down most, against the mean faithful claim):")
    for cause, count in causes.most_common():
        print(f"  {cause:<16}{count:>4}")


if __name__ == "__main__":
    main()
