"""The cross-encoder reranker (``retrieval/rerank/crossencoder.py``) and the choice between rerankers:
``RAGKB_RERANKER`` for the default, a Bedrock ``modelArn`` per request (through boto3 against a live server; slow
where the model is loaded). The shipped reranker (the fusion signals plus the shipped cross-encoder's logit) is
tested as served; ``RAGKB_RERANKER_WEIGHTS`` (your own cross-encoder, read alone) with the training script's
starting point exported (the grounding cross-encoder's encoder and relevance head)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.services import Services
from app.core.wiring import reranker_choice
from app.settings import Settings
from retrieval import CrossEncoderReranker, FusionReranker, HashEmbedder, OverlapReranker, SentenceTransformerEmbedder
from retrieval.rerank.crossencoder import FROZEN, WEIGHTS, build_module, export_weights
from retrieval.rerank.fusion import CROSSENCODER_COMBINATION, FusionWeights
from tests.bedrock_clients import boto_clients
from tests.conftest import ServerFactory

ESPRESSO = "How often should the espresso machine be descaled?"
PASSAGES = [
    "The office kitchen is cleaned every Friday by the facilities team.",
    "Descale the espresso machine every two weeks with citric acid.",
]
CLAIM = "Vitamin D supplementation lowers the risk of fractures in older adults."
ABSTRACTS = [
    "We surveyed 1,200 primary schools about their lunch menus and the share of fresh vegetables served.",
    "In this randomised trial of 2,686 adults aged 65-85, vitamin D3 every four months reduced the incidence of "
    "fractures by 22% compared with placebo over five years.",
]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grounding cross-encoder's encoder and relevance head, exported as the training script starts from."""
    from safetensors.torch import load_file

    module = build_module()
    saved = load_file(str(Path(__file__).parents[2] / "grounding/data/crossencoder.safetensors"))
    state = {k: v.float() for k, v in saved.items() if k.startswith(("encoder.", "relevance."))}
    missing, unexpected = module.load_state_dict(state, strict=False)
    assert not unexpected and set(missing) <= {FROZEN}
    path = tmp_path_factory.mktemp("reranker") / "crossencoder_reranker.safetensors"
    export_weights(module, path)
    return path


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:bedrock:us-east-1::foundation-model/ragkb-crossencoder", "crossencoder"),
        ("arn:aws:bedrock:us-east-1::foundation-model/ragkb-fusion", "fusion"),
        ("ragkb-crossencoder", "crossencoder"),
        ("arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0", "default"),
        ("arn:aws:bedrock:us-west-2::foundation-model/ragkb-crossencoder-v2", "default"),
        (None, "default"),
    ],
)
def test_model_arn_names_the_reranker(arn: str | None, expected: str) -> None:
    assert reranker_choice(arn, default="default") == expected


def test_the_setting_picks_the_default_reranker(tmp_path: Path) -> None:
    assert Settings().reranker == "fusion"
    assert Settings(reranker="crossencoder", reranker_weights=tmp_path / "w.safetensors").reranker == "crossencoder"
    with pytest.raises(ValueError, match="reranker"):
        Settings(reranker="cohere")
    assert Settings(reranker="crossencoder").reranker_weights is None  # the shipped reranker serves it


def test_the_shipped_reranker_is_its_cross_encoder_plus_the_fusion_signals() -> None:
    from safetensors import safe_open

    combination = FusionWeights.load(CROSSENCODER_COMBINATION)
    assert combination.features[-2:] == ("ce_logit", "ce_gap") and "prior" in combination.features
    assert WEIGHTS.stat().st_size < 25_000_000
    with safe_open(str(WEIGHTS), framework="pt") as stored:
        assert FROZEN not in set(stored.keys()) and "relevance.weight" in set(stored.keys())
    with pytest.raises(ValueError, match="cross_encoder"):
        FusionReranker(HashEmbedder(), combination)  # its weights read a cross-encoder's logit


@pytest.mark.slow
def test_the_shipped_reranker_ranks_the_answering_passage_first() -> None:
    """The real models: the passage that answers comes first whichever order it is given in."""
    reranker = FusionReranker.with_cross_encoder(SentenceTransformerEmbedder(), CrossEncoderReranker.load())
    for query, texts, answer in ((ESPRESSO, PASSAGES, PASSAGES[1]), (CLAIM, ABSTRACTS, ABSTRACTS[1])):
        for given in (texts, texts[::-1]):
            scores = reranker.scores(query, given)
            assert scores.shape == (2,) and scores.min() >= 0 and scores.max() <= 1
            assert given[int(scores.argmax())] == answer, (query, scores)


def test_exported_weights_leave_out_only_the_frozen_table(weights: Path) -> None:
    from safetensors import safe_open

    assert weights.stat().st_size < 25_000_000
    with safe_open(str(weights), framework="pt") as stored:
        names = set(stored.keys())
        assert stored.get_tensor("relevance.weight").dtype.is_floating_point
    assert FROZEN not in names and "relevance.weight" in names and len(names) > 90


@pytest.mark.slow
def test_cross_encoder_scores_pairs_in_any_batch_order(weights: Path) -> None:
    reranker = CrossEncoderReranker.load(weights)
    scores = reranker.scores(ESPRESSO, PASSAGES)
    assert scores.shape == (2,) and scores.min() >= 0 and scores.max() <= 1
    assert scores[1] > scores[0], scores  # the starting point's relevance head already reads this one
    # Batched by length: the same scores one at a time and in a list (sorting must not mix rows up).
    together = reranker.scores(CLAIM, [ABSTRACTS[1], *PASSAGES, ABSTRACTS[0]])
    alone = [float(reranker.scores(CLAIM, [text])[0]) for text in (ABSTRACTS[1], *PASSAGES, ABSTRACTS[0])]
    assert together.tolist() == pytest.approx(alone, abs=1e-5)


@pytest.mark.slow
def test_services_build_each_named_reranker_once(tmp_path: Path, weights: Path) -> None:
    settings = Settings(home=tmp_path, embedder="hash", reranker="crossencoder", reranker_weights=weights)
    services = Services.start(settings)
    try:
        assert isinstance(services.reranker, CrossEncoderReranker)
        assert services.reranker is services.reranker_for("amazon.rerank-v1:0")
        assert isinstance(services.reranker_for("x/ragkb-fusion"), OverlapReranker)  # the hash embedder's fake
    finally:
        services.close(save=False)
    services = Services.start(Settings(home=tmp_path / "b", embedder="hash"))
    try:
        assert isinstance(services.reranker, OverlapReranker)
        shipped = services.reranker_for("x/ragkb-crossencoder")  # no weights set: the shipped reranker
        assert isinstance(shipped, FusionReranker) and isinstance(shipped.cross_encoder, CrossEncoderReranker)
        assert shipped.name == "ragkb-crossencoder-v1"
    finally:
        services.close(save=False)


@pytest.mark.slow
def test_bedrock_rerank_with_the_cross_encoder_arn(live_server: ServerFactory, weights: Path) -> None:
    """Through boto3: the ``ragkb-crossencoder`` ARN is served by the cross-encoder (scores that are not the
    word-overlap fake's fractions), AWS's own ARN by the server's default (the fake, with the hash embedder)."""
    clients = boto_clients(live_server(reranker_weights=weights))
    sources = [{"type": "INLINE", "inlineDocumentSource": {"type": "TEXT", "textDocument": {"text": text}}}
               for text in ABSTRACTS]  # fmt: skip

    def rerank(arn: str) -> list[tuple[int, float]]:
        response = clients.runtime.rerank(
            queries=[{"type": "TEXT", "textQuery": {"text": CLAIM}}], sources=sources,
            rerankingConfiguration={"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {
                "modelConfiguration": {"modelArn": arn}}},
        )  # fmt: skip
        return [(r["index"], r["relevanceScore"]) for r in response["results"]]

    trained = rerank("arn:aws:bedrock:us-east-1::foundation-model/ragkb-crossencoder")
    expected = CrossEncoderReranker.load(weights).scores(CLAIM, ABSTRACTS)
    assert dict(trained) == pytest.approx({0: float(expected[0]), 1: float(expected[1])}, abs=1e-4)
    default = rerank("arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0")
    assert dict(default) != pytest.approx(dict(trained), abs=1e-3)


@pytest.mark.slow
def test_bedrock_rerank_without_weights_serves_the_shipped_reranker(live_server: ServerFactory) -> None:
    """No RAGKB_RERANKER_WEIGHTS: the ``ragkb-crossencoder`` ARN gets the shipped reranker's scores (computed
    here in process with the server's embedder, the hash one), not a refusal."""
    clients = boto_clients(live_server())
    response = clients.runtime.rerank(
        queries=[{"type": "TEXT", "textQuery": {"text": CLAIM}}],
        sources=[{"type": "INLINE", "inlineDocumentSource": {"type": "TEXT", "textDocument": {"text": text}}}
                 for text in ABSTRACTS],
        rerankingConfiguration={"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {
            "modelConfiguration": {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/ragkb-crossencoder"}}},
    )  # fmt: skip
    served = {r["index"]: r["relevanceScore"] for r in response["results"]}
    reranker = FusionReranker.with_cross_encoder(HashEmbedder(), CrossEncoderReranker.load())
    expected = reranker.scores(CLAIM, ABSTRACTS)
    assert served == pytest.approx({0: float(expected[0]), 1: float(expected[1])}, abs=1e-4)
