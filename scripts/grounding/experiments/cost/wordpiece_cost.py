"""CPU ms per check of the code round 6 changed, for a before/after comparison of two ``grounding/`` trees.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/cost/wordpiece_cost.py [ROOT]

``ROOT`` is a folder holding the ``grounding/`` to time (default: this checkout). Per answer of
``bench/checks/bench_grounding_latency.py``'s 2k case (three sentences of the SciFact abstract): ``split_claims``,
then for each claim ``content_words`` and ``word_similarity`` against 8 source units, and the query's
``content_words``. Token spans come from MiniLM's tokenizer; the vectors are random (the model's forward pass
did not change). Prints the median and mean of process CPU time per check over 5 x 40 answers.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
sys.path[:0] = [sys.argv[1] if len(sys.argv) > 1 else str(REPO), str(REPO), str(REPO / "bench" / "checks")]

import numpy as np  # noqa: E402
from bench_grounding_latency import answers, two_k_source  # noqa: E402

from grounding.claims import split_claims  # noqa: E402
from grounding.encoder import Encoded, MiniLMEncoder  # noqa: E402
from grounding.evidence import source_units  # noqa: E402
from grounding.features import content_words, word_similarity  # noqa: E402

QUERY = "What does the document say?"


def main() -> None:
    tokenizer, rng = MiniLMEncoder(padding_free=False)._tokenizer, np.random.default_rng(0)

    def encoded(text: str) -> Encoded:
        batch = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        tokens = rng.standard_normal((len(batch["input_ids"]), 384)).astype(np.float32)
        tokens /= np.linalg.norm(tokens, axis=1, keepdims=True)
        spans = np.array(batch["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        return Encoded(np.zeros(384, np.float32), tokens, spans)

    source = two_k_source()
    units = [encoded(u.text) for u in source_units([source])][:8]
    query = encoded(QUERY)
    texts = answers(source, 40)
    claims = {a: [(c.text, encoded(c.text)) for c in split_claims(a, query=QUERY)[0]] for a in texts}
    cpu = []
    for _ in range(5):
        for answer in texts:
            start = time.process_time()
            for _ in range(20):
                split_claims(answer, query=QUERY)
                for text, claim in claims[answer]:
                    found, pieces = content_words(text, claim)
                    for unit in units:
                        word_similarity(claim.tokens, unit.tokens, pieces, len(found))
                content_words(QUERY, query)
            cpu.append((time.process_time() - start) * 1000 / 20)
    print(f"CPU ms per check: p50 {statistics.median(cpu):.3f}, mean {statistics.mean(cpu):.3f}")


if __name__ == "__main__":
    main()
