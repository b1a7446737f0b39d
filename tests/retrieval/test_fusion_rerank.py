"""The fusion reranker (``retrieval/rerank/fusion.py``): its features, the shipped weights, and with the real
MiniLM model the passage that answers ranked first whatever order it came in."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from retrieval import FusionReranker, HashEmbedder, Hit, rerank
from retrieval.rerank.fusion import FEATURES as ALL_FEATURES
from retrieval.rerank.fusion import WEIGHTS, FusionWeights

FEATURES = tuple(f for f in ALL_FEATURES if not f.startswith("ce_"))  # the cross-encoder's are tested apart

QUERY = "how often is the espresso machine descaled"
DESCALING = "The espresso machine must be descaled every two weeks. Descale it with citric acid, never with vinegar."
PARKING = "Parking is free for staff. Bikes go in the yard behind the roastery."
HANDBOOK = [
    "Travel expenses are refunded within 30 days when the receipt is uploaded.",
    "Part-time staff get vacation days pro rata to their contract hours.",
    "Full-time staff get 25 vacation days a year. Vacation is booked in the HR portal.",
    "Part-time staff may work remotely. Part-time staff agree remote days with their manager.",
]


def _flat(value: float = 1.0) -> FusionWeights:
    n = len(FEATURES)
    return FusionWeights(FEATURES, (0.0,) * n, (1.0,) * n, (value,) * n, 0.0, "test")


def test_features_are_read_in_the_order_given() -> None:
    features = FusionReranker(HashEmbedder(), _flat()).features(QUERY, [PARKING, DESCALING])
    column = {name: features[:, i] for i, name in enumerate(FEATURES)}
    assert features.shape == (2, len(FEATURES))
    assert column["prior"].tolist() == [1.0, 0.5]  # 1 / (1 + rank)
    # "espresso", "machine", "descaled" of the query's content words ("how", "often", "the", "is" are not)
    assert column["coverage"].tolist() == [0.0, 0.75]
    assert column["cosine"][1] > column["cosine"][0] and column["cosine_gap"][1] == 0.0
    assert column["sentence_gap"].max() == 0.0
    # the descaling passage's first sentence holds all three words it has; "often" is the rarest (in none)
    assert column["sentence_coverage"].tolist() == [0.0, column["rare_coverage"][1]]
    assert 0.5 < column["rare_coverage"][1] < 0.75


def test_scores_are_probabilities_and_a_text_over_the_window_is_read_in_part() -> None:
    reranker = FusionReranker(HashEmbedder(), _flat())
    scores = reranker.scores(QUERY, [PARKING, DESCALING, "descaled " * 5000])
    assert scores.shape == (3,) and scores.dtype == np.float32 and ((scores > 0) & (scores < 1)).all()
    assert reranker.scores(QUERY, []).shape == (0,)


def test_the_shipped_weights_need_no_sentence_vectors_and_weigh_relevance_up() -> None:
    weights = FusionWeights.load()
    assert weights.features == ("cosine", "cosine_gap", "prior", "coverage", "rare_coverage")
    assert "SciFact" in weights.trained_on
    coef = dict(zip(weights.features, weights.coef, strict=True))
    assert coef["cosine"] + coef["cosine_gap"] > 0 and coef["prior"] > 0 and coef["rare_coverage"] > 0


def test_only_the_weights_features_are_computed_in_catalogue_order() -> None:
    subset = ("prior", "coverage", "sentence_coverage")
    weights = FusionWeights(subset, (0.0,) * 3, (1.0,) * 3, (1.0,) * 3, 0.0, "test")
    features = FusionReranker(HashEmbedder(), weights).features(QUERY, [PARKING, DESCALING])
    assert features[:, :2].tolist() == [[1.0, 0.0], [0.5, 0.75]]
    assert features[0, 2] == 0.0 and features[1, 2] == pytest.approx(0.5372, abs=1e-4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: [*f[:-1], "bm25"], "fitted on features"),
        (lambda f: list(reversed(f)), "fitted on features"),
    ],
)
def test_weights_fitted_on_other_features_are_refused(
    tmp_path: Path, change: Callable[[list[str]], list[str]], message: str
) -> None:
    raw = json.loads(WEIGHTS.read_text())
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(raw | {"features": change(raw["features"])}))
    with pytest.raises(ValueError, match=message):
        FusionWeights.load(path)


def test_weights_with_a_value_missing_are_refused(tmp_path: Path) -> None:
    raw = json.loads(WEIGHTS.read_text())
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(raw | {"coef": raw["coef"][:-1]}))
    with pytest.raises(ValueError, match="one value per feature"):
        FusionWeights.load(path)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "expected"),
    [("how many vacation days for full-time staff", 2), ("can part-time staff work from home", 3)],
)
def test_the_real_model_ranks_the_answering_passage_first(query: str, expected: int) -> None:
    from retrieval import SentenceTransformerEmbedder

    reranker = FusionReranker(SentenceTransformerEmbedder())
    hits = rerank(reranker, query, [_hit(i, text) for i, text in enumerate(HANDBOOK)])
    assert hits[0].chunk_id == str(expected), [(h.chunk_id, h.score) for h in hits]


def _hit(i: int, text: str) -> Hit:
    return Hit(str(i), text, 0.0, f"{i}.txt", "DS", {}, {})
