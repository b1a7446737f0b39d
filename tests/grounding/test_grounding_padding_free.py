"""The fast v1 path (padding-free MiniLM layers, feature arithmetic on one BLAS thread) gives the old path's features.

The logistic models in ``grounding/data`` were fitted on features from the Hugging Face forward pass in padded
batches; the padding-free path must reproduce them to float rounding, or the fitted coefficients no longer apply.
Tolerance: 1e-4 on every feature and score (measured: about 2e-7 on features, 3e-6 on hidden states).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grounding import Checker, MiniLMEncoder
from grounding.scorer import load_models

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
TOLERANCE = 1e-4
LONG_SOURCE = " ".join(
    f"Station {n} opened in {1900 + n} and serves {n * 1000} passengers a day on the {['red', 'blue'][n % 2]} line."
    for n in range(90)
)  # 90 sentences: more units than are encoded whole, so the lexical preselection runs


@pytest.fixture(scope="module")
def checkers() -> tuple[Checker, Checker]:
    models = load_models()
    new = Checker(MiniLMEncoder(), models=models)
    old = Checker(MiniLMEncoder(padding_free=False), models=models, blas_threads=None)
    assert new.encoder.padding_free and not old.encoder.padding_free  # type: ignore[attr-defined]
    return old, new


def assert_same(old: Checker, new: Checker, sources: list[str], query: str, answer: str) -> None:
    [a] = old.analyse(sources, [(query, answer)])
    [b] = new.analyse(sources, [(query, answer)])
    assert [c.text for c in a.claims] == [c.text for c in b.claims]
    assert [[u.start for u in units] for units in a.candidates] == [[u.start for u in units] for units in b.candidates]
    np.testing.assert_allclose(b.matrix(), a.matrix(), atol=TOLERANCE)
    if a.relevance is not None:
        np.testing.assert_allclose(b.relevance, a.relevance, atol=TOLERANCE)  # type: ignore[arg-type]
    x, y = old.check(sources, query, answer), new.check(sources, query, answer)
    assert abs(x.grounding - y.grounding) < TOLERANCE and abs(x.relevance - y.relevance) < TOLERANCE
    assert [c.label for c in x.claims] == [c.label for c in y.claims]


def test_encoder_vectors_match_the_padded_forward_pass(checkers: tuple[Checker, Checker]) -> None:
    old, new = checkers
    texts = ["", "short", "The capital of the UK is London.", LONG_SOURCE]  # the last one is cut at 256 pieces
    for ours, theirs in zip(new.encoder.encode(texts), old.encoder.encode(texts), strict=True):
        np.testing.assert_allclose(ours.vector, theirs.vector, atol=TOLERANCE)
        np.testing.assert_allclose(ours.tokens, theirs.tokens, atol=TOLERANCE)
        assert ours.spans.tolist() == theirs.spans.tolist()


def test_long_source_features_match(checkers: tuple[Checker, Checker]) -> None:
    answer = "Station 12 opened in 1912. Station 40 serves 41000 passengers a day on the red line."
    assert_same(*checkers, [LONG_SOURCE], "What about stations 12 and 40?", answer)


@pytest.mark.corpus
def test_halueval_features_match(checkers: tuple[Checker, Checker]) -> None:
    path = SHARED / "halueval" / "qa_one-turn_data.jsonl"
    if not path.exists():
        pytest.skip("../shared/eval/halueval is absent")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:8]]
    for row in rows:
        for answer in (row["right_answer"], row["hallucinated_answer"]):
            assert_same(*checkers, [row["knowledge"]], row["question"], answer)
