"""Do anchors read over joined source units (pieces of one sentence, fragments) help? Chosen on training data only.

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python scripts/grounding/experiments/v1_features/anchor_experiment.py \\
        --modules OLD/

``OLD`` is the ``grounding/`` folder the MiniLM feature cache was computed with (``featurize.py``'s key); its
``anchor_apart`` / ``anchor_far`` columns are the baseline, and today's ``SourceFacts.anchor_spread`` recomputes
them (lexical, seconds per set). Each variant is fitted exactly as ``train.py`` fits; printed: out-of-fold results
on the training sets, transfer AUROC, and ``long_answers.train`` by length. No held-out set is read.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[2])]

import featurize  # noqa: E402
import train  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from metrics import balanced_accuracy, roc_auc  # noqa: E402
from variants import by_length, fit_as_train, transfer_auroc  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.features import V1_FEATURES, SourceFacts  # noqa: E402
from grounding.lexical import claim_numbers  # noqa: E402

ANCHORS = [V1_FEATURES.index("anchor_apart"), V1_FEATURES.index("anchor_far")]


def anchor_rows(path: Path) -> np.ndarray:
    """``(anchor_apart, anchor_far)`` of every claim with today's code, in ``featurize.py``'s claim order."""
    rows: list[tuple[float, float]] = []
    facts_of: dict[tuple[str, ...], SourceFacts] = {}
    for example in read_jsonl(path):
        sources = tuple(example["sources"])
        if sources not in facts_of:
            facts_of = {sources: SourceFacts.of(sources, source_units(sources))}
        for claim in split_claims(example["answer"], query=example["query"])[0]:
            focus = claim.text[claim.focus_start :]
            rows.append(facts_of[sources].anchor_spread(focus, claim_numbers(focus)))
    return np.array(rows, dtype=np.float32).reshape(-1, 2)


def main() -> None:
    from grounding.encoder import MiniLMEncoder
    from grounding.scorer import load_lexicon

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--modules", type=Path, required=True, help="grounding/ folder the cache was computed with")
    args = parser.parse_args()
    featurize.GROUNDING_DIR = args.modules
    lexicon, encoder = load_lexicon(), MiniLMEncoder()

    def load(name: str, split: str) -> tuple[featurize.Featurized, featurize.Featurized]:
        path = args.data / f"{name}.{split}.jsonl"
        data = featurize.featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
        joined = data.rows.copy()
        joined[:, ANCHORS] = anchor_rows(path)
        changed = int((joined[:, ANCHORS[0]] != data.rows[:, ANCHORS[0]]).sum())
        print(f"{name}.{split}: {len(joined)} claims, anchor_apart changed on {changed}; mean "
              f"{data.rows[:, ANCHORS[0]].mean():.4f} -> {joined[:, ANCHORS[0]].mean():.4f}")  # fmt: skip
        return data, replace(data, rows=joined)

    pairs = {
        "synthetic": (load("synthetic", "train"), load("swaps", "train")),
        "faithdial": (load("faithdial", "train"),),
    }
    lengths = load("long_answers", "train")
    for number, title in enumerate(("anchors per unit (shipped)", "anchors over joined units")):
        print(f"\n=== {title}")
        tr = {n: featurize.concat(*(p[number] for p in parts)) for n, parts in pairs.items()}
        _, predict, threshold = fit_as_train(tr)
        print("transfer AUROC:", transfer_auroc(tr))
        lt = lengths[number]
        scores = train.answer_scores(lt, predict)
        bal = balanced_accuracy(lt.labels, (scores >= threshold).astype(int))
        auroc = roc_auc(lt.labels, scores)
        print(f"long_answers.train: AUROC {auroc:.3f} BA {bal:.3f}; {by_length(lt, scores, threshold=threshold)}")


if __name__ == "__main__":
    main()
