"""A clause cut from the middle of its answer sentence is read in that sentence (``Claim.context``, ``in_context``).

Encoded alone, "but these approaches provide only a static view." has word vectors 0.3-0.5 from the same words
in the source sentence, so a verbatim clause scored under the threshold (round 7, docs/grounding.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from grounding.check import in_context
from grounding.claims import MAX_CLAIM_WORDS, split_claims
from grounding.encoder import Encoded
from grounding.features import V1_FEATURES

NDC80 = (
    "Genetic, biochemical, and structural studies implicate the Ndc80 complex as a direct point of contact between "
    "kinetochores and microtubules, but these approaches provide only a static view."
)
TRACHOMA = (
    "Prevalence of trachomatous trichiasis (TT) was 14.6% (95% CI, 10.9-18.3) in adults over 14 years of age; "
    "2.9% (95% CI, 0.4-5.3) in children 1-14 years of age; and 8.4% (95% CI, 5.5-11.3) overall."
)
CHEWING = "We found that the lips move with a speech-like 5 Hz rhythm during lip-smacking, but not during chewing."


def test_a_clause_after_the_first_keeps_its_sentence_as_context() -> None:
    answer = f"The study used cineradiography. {NDC80}"
    claims, _ = split_claims(answer, query="What was found?")
    assert [c.text for c in claims] == [
        "The study used cineradiography.",
        NDC80[: NDC80.index(", but")],
        "but these approaches provide only a static view.",
    ]
    sentence = (answer.index(NDC80), len(answer))
    assert [c.context for c in claims] == [None, None, sentence]
    [first, _, second] = split_claims(TRACHOMA, query="Q?")[0]
    assert first.context is None and second.context == (0, len(TRACHOMA))


def test_a_capped_piece_has_no_context() -> None:
    long_clause = " ".join(f"word{i}" for i in range(MAX_CLAIM_WORDS + 5))
    claims, _ = split_claims(f"The first clause has five words, but {long_clause}.", query="Q?")
    assert len(claims) == 3 and [c.context for c in claims] == [None, None, None]


def encoded(spans: list[tuple[int, int]], fill: float) -> Encoded:
    tokens = np.full((len(spans), 4), fill, dtype=np.float32)
    return Encoded(np.full(4, fill, dtype=np.float32), tokens, np.array(spans, dtype=np.int64).reshape(-1, 2))


def test_in_context_takes_the_clauses_tokens_from_the_sentence() -> None:
    # "The lips move, but not during chewing." -> the clause "but not during chewing." starts at 15.
    alone = encoded([(0, 3), (4, 7), (8, 14), (15, 22), (22, 23)], fill=1.0)
    sentence = [(0, 3), (4, 8), (9, 13), (13, 14), (15, 18), (19, 22), (23, 29), (30, 37), (37, 38)]
    context = encoded(sentence, fill=2.0)
    got = in_context(alone, context, offset=15)
    assert got.spans.tolist() == alone.spans.tolist()
    assert np.array_equal(got.vector, alone.vector)  # the sentence vector is the clause's own
    assert got.tokens.shape == (5, 4) and float(got.tokens.min()) == 2.0


def test_in_context_keeps_the_clause_alone_when_the_tokens_differ() -> None:
    alone = encoded([(0, 3), (4, 7), (8, 14), (15, 22), (22, 23)], fill=1.0)
    truncated = encoded([(0, 3), (4, 8), (9, 13), (13, 14), (15, 18), (19, 22)], fill=2.0)
    assert in_context(alone, truncated, offset=15) is alone


@pytest.mark.slow
def test_a_verbatim_clause_is_aligned_in_its_sentence_with_the_real_model() -> None:
    from grounding import Checker

    checker = Checker()
    for text, clause in ((NDC80, "but these approaches"), (TRACHOMA, "and 8.4%"), (CHEWING, "but not during")):
        [analysis] = checker.analyse([text], [("What was found?", text)])
        [position] = [k for k, c in enumerate(analysis.claims) if c.text.startswith(clause)]
        align_min = float(analysis.matrix()[position, V1_FEATURES.index("align_min")])
        assert align_min > 0.9, (clause, align_min)
        result = checker.result(analysis, threshold=checker.default_threshold)
        assert result.claims[position].label == "supported", result.claims[position]
