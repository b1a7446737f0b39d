"""Training pairs for reading a short answer alone against its question and window (``short_reading.py``'s
``answer`` variant): can a short CPU round teach the model that reading, measured on training-side data?

``qa_pairs.py``'s question groups (a question made from a training premise's sentence, its right answer and
wrong ones: another name or number of the same passage, one from another passage or a changed number) are
written twice: as v2 reads short answers today (``window`` against ``"<question> <answer>"``) and in the
``answer`` reading (``"<question> <window>"`` against ``"<answer>"``), beside a seeded replay of ``pairs.py``'s
training pairs. Premises are the pack's training side only (``focus_pairs.passages``). ``qa_pairs.py
--answer-reading`` makes the same for a full round (every question group, as round 12 read them).

    .venv/bin/python scripts/grounding/experiments/answer_reading_pairs.py --out /tmp/ragkb-grounding/answer_reading
    nice .venv/bin/python scripts/grounding/train_crossencoder.py --pairs /tmp/ragkb-grounding/answer_reading \\
        --init grounding/data/crossencoder.safetensors --twin-weight 1 --hours 0.6 ...
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[3]), str(Path(__file__).resolve().parents[1] / "datasets")]
sys.path.insert(2, str(Path(__file__).resolve().parents[1]))

from focus_pairs import passages, write_with_replay  # noqa: E402
from pairs import OUT  # noqa: E402
from qa_pairs import answer_reading, qa_rows, sample_groups  # noqa: E402

from grounding.scorer import load_lexicon  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=OUT, help="pairs.py's output (replayed)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--qa", type=int, default=5000, help="question groups' rows in each reading")
    parser.add_argument("--replay", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=211)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = sample_groups(qa_rows(passages(), rng, load_lexicon()), args.qa, rng)
    rows += [answer_reading(row) for row in rows]
    write_with_replay(rows, pairs=args.pairs, replay=args.replay, rng=rng, out=args.out)


if __name__ == "__main__":
    main()
