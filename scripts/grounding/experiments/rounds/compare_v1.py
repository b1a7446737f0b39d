"""Two v1 model files on the same cached features: every set of ``bench/checks/bench_grounding_quality.py``, v1 only.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/rounds/compare_v1.py \\
        OLD.json [NEW.json] [--threads 1]

``OLD.json`` may have been fitted on fewer features (e.g. ``git show HEAD~1:grounding/data/grounding_model.json``,
the 16 shared features without ``order_flip``): it reads the first columns of the rows. Each model at its own
default threshold. Prints balanced accuracy, F1 (ungrounded) and AUROC per set; on the long answers the share of
faithful answers flagged and of one-false answers caught by length; on the adversarial suite the cases each gets
wrong. Needs no cross-encoder (the bench's v2/v3 columns do). ``--old-ordered DIR``: OLD.json was fitted with the
``order_flip`` of ``DIR/ordered.py`` (e.g. ``git show 96a0907:grounding/ordered.py``), so its rows get that column;
``--old-modules DIR``: its other features come from the cache of the ``grounding/`` code in ``DIR`` (it must exist).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

sys.path[:0] = [
    str(Path(__file__).resolve().parents[4]),
    str(Path(__file__).resolve().parents[2]),
    str(Path(__file__).resolve().parents[1] / "v1_features"),
]

import featurize as featurize_module  # noqa: E402
import order_stage  # noqa: E402
from convert import OUT, read_jsonl  # noqa: E402
from featurize import featurize  # noqa: E402
from flip_experiment import previous_flip  # noqa: E402
from metrics import balanced_accuracy, f1, roc_auc  # noqa: E402
from train import claim_scores, length_adjusted  # noqa: E402

from grounding.features import V1_FEATURES  # noqa: E402
from grounding.scorer import DATA_DIR, LogisticModel, load_lexicon  # noqa: E402

SETS = ("halueval", "climate_fever", "faithdial", "synthetic_sub", "pack_dev", "adversarial", "swaps", "long_answers")


def load(path: Path) -> tuple[LogisticModel, np.ndarray]:
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    model = LogisticModel.from_file(path, expected=data["features"])
    return model, np.asarray(data.get("faithful", []), dtype=np.float64)


def main() -> None:
    import torch

    from grounding.encoder import MiniLMEncoder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=DATA_DIR / "grounding_model.json")
    parser.add_argument("--data", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument(
        "--split", default="eval", help="'train' reads the training files (long_answers, synthetic, ...)"
    )
    parser.add_argument(
        "--old-ordered", type=Path, default=None, help="folder with the ordered.py OLD.json was fitted with"
    )
    parser.add_argument(
        "--old-modules", type=Path, default=None, help="grounding/ folder whose feature cache OLD.json reads"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = {"old": load(args.old), "new": load(args.new)}
    encoder, lexicon = MiniLMEncoder(), load_lexicon()
    print(f"{'dataset':<15}{'n':>6} | " + " | ".join(f"{m + ' BA':>8}{'F1':>7}{'AUROC':>7}" for m in models))
    details = []
    for name in args.sets:
        path = args.data / f"{name}.{args.split}.jsonl"
        data = featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
        labels = data.labels
        bases = {"old": data, "new": data}
        if args.old_modules is not None:  # its own claims too: a changed splitter changes the claims per answer
            today, featurize_module.GROUNDING_DIR = featurize_module.GROUNDING_DIR, args.old_modules
            order_rows, order_stage.order_rows = (
                order_stage.order_rows,
                partial(order_stage.order_rows, claims_file=args.old_modules / "claims.py"),
            )
            bases["old"] = featurize(path, encoder=encoder, lexicon=lexicon, quiet=True)
            featurize_module.GROUNDING_DIR, order_stage.order_rows = today, order_rows
        rows = {label: base.rows for label, base in bases.items()}
        if args.old_ordered is not None and len(data.rows):
            rows["old"] = rows["old"].copy()
            rows["old"][:, V1_FEATURES.index("order_flip")] = previous_flip(path, old=args.old_ordered, lexicon=lexicon)
        cells = []
        for label, (model, faithful) in models.items():
            width = len(model.features)
            scored = replace(bases[label], rows=rows[label])
            scores = length_adjusted(claim_scores(scored, lambda x, m=model, w=width: m.predict(x[:, :w])), faithful)
            predicted = (scores >= model.threshold).astype(int)
            cells.append(f"{balanced_accuracy(labels, predicted):>8.3f}{f1(1 - labels, 1 - predicted):>7.3f}"
                         f"{roc_auc(labels, scores):>7.3f}")  # fmt: skip
            if name == "long_answers":
                kinds = np.array([k.rsplit("_", 1)[-1] for k in data.kinds])
                flagged = [float((predicted[(kinds == n) & (labels == 1)] == 0).mean()) for n in "1248"]
                caught = [float((predicted[(kinds == n) & (labels == 0)] == 0).mean()) for n in "1248"]
                details.append(f"long answers, {label}: faithful flagged (1/2/4/8 sentences) "
                               f"{' / '.join(f'{v:.3f}' for v in flagged)}; one false caught "
                               f"{' / '.join(f'{v:.3f}' for v in caught)}")  # fmt: skip
            if name == "adversarial":
                ids = [r["id"] for r in read_jsonl(path)]
                wrong = sorted(i for i, y, p in zip(ids, labels, predicted, strict=True) if y != p)
                details.append(f"adversarial, {label}: {len(ids) - len(wrong)} of {len(ids)} right; wrong: {wrong}")
        print(f"{name:<15}{len(labels):>6} | " + " | ".join(cells), flush=True)
    print("\n" + "\n".join(details))


if __name__ == "__main__":
    main()
