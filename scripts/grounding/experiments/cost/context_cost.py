"""What reading clauses in their sentence (round 7) adds per check: extra texts and word pieces the encoder runs,
the CPU ms of ``split_claims`` plus ``in_context``, and of the forward pass with and without the sentences.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/grounding/experiments/cost/context_cost.py

On the answers of ``bench/checks/bench_grounding_latency.py`` (three source sentences each, 2k and 100k cases):
the share of answers with a clause read in context, the sentences encoded for them and their word pieces (the
forward pass grows by these), and process CPU time per check of ``split_claims`` and ``in_context`` (random token
vectors with the tokenizer's spans; the model's own forward pass is unchanged).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(REPO), str(REPO / "bench" / "checks")]

import numpy as np  # noqa: E402
from bench_grounding_latency import answers, hundred_k_source, two_k_source  # noqa: E402

from grounding.check import in_context  # noqa: E402
from grounding.claims import split_claims  # noqa: E402
from grounding.encoder import Encoded, MiniLMEncoder  # noqa: E402
from grounding.evidence import source_units  # noqa: E402

QUERY = "What does the document say?"


def main() -> None:
    import torch

    torch.set_num_threads(1)
    model = MiniLMEncoder()
    tokenizer, rng = model._tokenizer, np.random.default_rng(0)

    def encoded(text: str) -> Encoded:
        batch = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        tokens = rng.standard_normal((len(batch["input_ids"]), 384)).astype(np.float32)
        spans = np.array(batch["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        return Encoded(np.zeros(384, np.float32), tokens, spans)

    for case, source in (("2k", two_k_source()), ("100k", hundred_k_source())):
        texts = answers(source, 40)
        split = {a: split_claims(a, query=QUERY)[0] for a in texts}
        contexts = {a: sorted({c.context for c in claims if c.context}) for a, claims in split.items()}
        pieces = [len(tokenizer(a[x:y], add_special_tokens=False)["input_ids"]) for a in texts for x, y in contexts[a]]
        with_context = sum(bool(contexts[a]) for a in texts)  # answers repeat when the source has few sentences
        print(f"{case}: {with_context} of {len(texts)} answers have a clause in context; "
              f"{len(pieces)} sentences, {sum(pieces)} word pieces encoded in addition")  # fmt: skip
        vectors = {a: [(c, encoded(c.text), c.context and encoded(a[c.context[0] : c.context[1]])) for c in split[a]]
                   for a in texts}  # fmt: skip
        cpu = []
        for _ in range(5):
            for answer in texts:
                start = time.process_time()
                for _ in range(20):
                    split_claims(answer, query=QUERY)
                    for claim, alone, context in vectors[answer]:
                        if claim.context and context:
                            in_context(alone, context, offset=claim.start - claim.context[0])
                cpu.append((time.process_time() - start) * 1000 / 20)
        print(f"{case}: CPU ms per check (split_claims + in_context): p50 {statistics.median(cpu):.3f}, "
              f"mean {statistics.mean(cpu):.3f}")  # fmt: skip
        # The forward pass of a check (claims, query, and the source's units: all of them for a short source, the
        # first 64 here for the long one) with and without the extra sentences, interleaved.
        units = [u.text for u in source_units([source])][:64]
        affected = [a for a in texts if contexts[a]]
        passes: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(3):
            for answer in affected:
                base = [c.text for c in split[answer]] + [QUERY] + units
                for with_context in (False, True):
                    batch = base + ([answer[x:y] for x, y in contexts[answer]] if with_context else [])
                    start = time.process_time()
                    model.encode(batch)
                    passes[with_context].append((time.process_time() - start) * 1000)
        before, after = statistics.median(passes[False]), statistics.median(passes[True])
        print(f"{case}: forward pass of an answer that has them, CPU ms (one thread): p50 {before:.1f} without, "
              f"{after:.1f} with the sentences (+{after - before:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
