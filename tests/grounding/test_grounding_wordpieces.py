"""Claim words and their word pieces (:func:`grounding.features.content_words`).

A word's alignment is the mean of its word pieces' best cosines with the evidence. The tokenizer's offsets can start
before a word or cover two words, when a sign is neither a letter nor punctuation to it ("C16" + U+2236 + "0" is
one [UNK]); such a word must still get its pieces, not a similarity of 0 by accident. The spans below are the ones
all-MiniLM-L6-v2's tokenizer gives (checked with the real model at the end).
"""

from __future__ import annotations

import numpy as np
import pytest

from grounding.encoder import Encoded
from grounding.features import V1_FEATURES, content_words, word_similarity

RATIO, TILDE, MINUS = "\u2236", "\u223c", "\u2212"
CASES = [
    # (text, the tokenizer's spans without special tokens)
    (f"levels of C16{RATIO}0 were high", [(0, 6), (7, 9), (10, 15), (16, 20), (21, 25)]),
    (f"sRNAs of {TILDE}22nt length", [(0, 2), (2, 5), (6, 8), (9, 14), (15, 21)]),
    (f"flow 5 \u00b5l min{MINUS}1 here", [(0, 4), (5, 6), (7, 8), (8, 9), (10, 13), (13, 15), (16, 20)]),
]


def encoded(spans: list[tuple[int, int]]) -> Encoded:
    tokens = np.eye(len(spans), 8, dtype=np.float32)
    return Encoded(vector=np.zeros(8, np.float32), tokens=tokens, spans=np.array(spans, dtype=np.int64))


@pytest.mark.parametrize(("text", "spans"), CASES)
def test_every_content_word_gets_a_word_piece(text: str, spans: list[tuple[int, int]]) -> None:
    found, pieces = content_words(text, encoded(spans))
    assert sorted(set(pieces[:, 1].tolist())) == list(range(len(found)))
    # against itself every word is fully aligned; a word without pieces would get 0
    tokens = encoded(spans).tokens
    assert word_similarity(tokens, tokens, pieces, len(found)).tolist() == [1.0] * len(found)


def test_a_token_over_two_words_belongs_to_both() -> None:
    text, spans = CASES[0]
    found, pieces = content_words(text, encoded(spans))
    assert [w.text for w in found] == ["levels", "C16", "0", "high"]
    assert pieces.tolist() == [[0, 0], [2, 1], [2, 2], [4, 3]]


def test_ordinary_words_keep_their_own_pieces() -> None:
    text = "Snowboarding is fun."  # "snow", "##board", "##ing", "is", "fun", "."
    found, pieces = content_words(text, encoded([(0, 4), (4, 9), (9, 12), (13, 15), (16, 19), (19, 20)]))
    assert [w.text for w in found] == ["Snowboarding", "fun"]
    assert pieces.tolist() == [[0, 0], [1, 0], [2, 0], [4, 1]]


@pytest.mark.slow
def test_a_verbatim_claim_with_such_signs_is_aligned_with_the_real_model() -> None:
    from grounding import Checker

    checker = Checker()
    sentence = (
        f"MicroRNAs (miRNAs) are a family of short, non-coding RNA molecules ({TILDE}22nt) involved in "
        "post-transcriptional control of gene expression."
    )
    ratios = f"Ratios for acyl chain lengths of C16{RATIO}0 and C24{RATIO}0 were associated with worse memory."
    for text in (sentence, ratios, f"The flow was 5 \u00b5l min{MINUS}1 in all runs."):
        [analysis] = checker.analyse([text], [("What was found?", text)])
        align_min = analysis.matrix()[:, V1_FEATURES.index("align_min")]
        assert align_min.min() > 0.9, (text, align_min)
    for text, spans in CASES:
        [got] = checker.encoder.encode([text])
        assert got.spans.tolist() == [list(s) for s in spans]
