# ruff: noqa: RUF001 -- curly apostrophes are test input.
"""Fast grounding tests: claims, lexical checks, evidence, policy, validation, with the hash fake.

The real-model behaviour (scores, thresholds, Bedrock's example) is in test_grounding_model.py.
"""

from __future__ import annotations

import pytest

from grounding import (
    MAX_ANSWER_CHARS,
    MAX_QUERY_CHARS,
    MAX_SOURCE_CHARS,
    Checker,
    FilterConfig,
    GroundingError,
    GroundingPolicy,
    GroundingResult,
    HashEncoder,
    InvalidInput,
    assess,
)
from grounding.claims import ALWAYS_SHORT_WORDS, SHORT_ANSWER_WORDS, split_claims
from grounding.evidence import EMBED_ALL_UNITS, source_units, units_to_encode
from grounding.lexical import antonym_conflict, claim_numbers, names, number_found, numbers, polarity, stem
from grounding.scorer import load_models

SOURCE = (
    "The Oberoi Group is a hotel company with its head office in Delhi. "
    "It was founded in 1934 by Mohan Singh Oberoi. The group operates 31 hotels in seven countries."
)


@pytest.fixture(scope="module")
def fake() -> Checker:
    return Checker(HashEncoder())


# --- claims -------------------------------------------------------------------------------------------


def test_claims_have_spans_into_the_answer() -> None:
    answer = "Delhi is the head office.  It was founded in 1934! Is that old?"
    claims, abstained = split_claims(answer, query="Where?")
    assert not abstained
    assert [answer[c.start : c.end] for c in claims] == ["Delhi is the head office.", "It was founded in 1934!"]
    assert [c.text for c in claims] == ["Delhi is the head office.", "It was founded in 1934!"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # a ";" inside brackets does not cut the sentence
        ("The risk was higher (HR 5.3; 95% CI 4.2-6.9). The trial was large.",
         ["The risk was higher (HR 5.3; 95% CI 4.2-6.9).", "The trial was large."]),
        # fragments the sentence splitter leaves: too short, lower case, or inside open brackets
        ("It was shown by Lee et al. (2019) and Guo et al. (2016)). The method works well.",
         ["It was shown by Lee et al. (2019) and Guo et al. (2016)).", "The method works well."]),
        ("The drug works in mice. and all cells expressed CD51.",
         ["The drug works in mice. and all cells expressed CD51."]),
        ("Aspirin was tested in adults. Nothing else. It lowered the risk.",
         ["Aspirin was tested in adults. Nothing else.", "It lowered the risk."]),
        # a sentence after an open bracket is joined when it closes the bracket ("(av." cut by the splitter) ...
        ("Caffeine was abused by 39 patients (av. 441 mg/d) and aspirin by 24 (av. 1807 mg/d). The study was small.",
         ["Caffeine was abused by 39 patients (av. 441 mg/d) and aspirin by 24 (av. 1807 mg/d).",
          "The study was small."]),
        # ... and not when the bracket stays open for good (a shortened answer): its sentences stand alone
        ("A total of 2,751 outbreaks were reported (489 in 1993, 653 in 1994. These outbreaks caused 86,058 persons "
         "to become ill. Bacteria caused most outbreaks.",
         ["A total of 2,751 outbreaks were reported (489 in 1993, 653 in 1994.",
          "These outbreaks caused 86,058 persons to become ill.", "Bacteria caused most outbreaks."]),
        # a short question after a claim is dropped, not joined to it
        ("The office opens at nine. Why not?", ["The office opens at nine."]),
        # a short real sentence stays a claim of its own
        ("Paris is in France. It is big.", ["Paris is in France.", "It is big."]),
    ],
)  # fmt: skip
def test_sentence_fragments_join_the_sentence_before(answer: str, expected: list[str]) -> None:
    claims, _ = split_claims(answer, query="Q?")
    assert [c.text for c in claims] == expected
    assert [answer[c.start : c.end] for c in claims] == expected


def test_a_short_answer_is_read_with_its_query() -> None:
    claims, _ = split_claims("  London ", query="What is the  capital of the UK?")
    [claim] = claims
    assert claim.text == "What is the capital of the UK? London"
    assert (claim.start, claim.end) == (2, 8)
    assert claim.text[claim.focus_start :] == "London"


def test_a_short_answer_is_a_phrase_not_a_sentence() -> None:
    def read_with_query(answer: str) -> bool:
        return split_claims(answer, query="Q?")[0][0].focus_start > 0

    assert read_with_query(" ".join(["word"] * ALWAYS_SHORT_WORDS) + ".")
    assert read_with_query(" ".join(["word"] * SHORT_ANSWER_WORDS))
    assert not read_with_query(" ".join(["word"] * SHORT_ANSWER_WORDS) + ".")
    assert not read_with_query(" ".join(["word"] * (SHORT_ANSWER_WORDS + 1)))
    assert not read_with_query("London stands on the Thames.")


@pytest.mark.parametrize(
    "answer",
    ["I don't know.", "I’m sorry, I don’t know.", "The provided sources do not mention his birthday.",
     "There is no information about that in the context.", "Unknown"],
)  # fmt: skip
def test_abstentions_make_no_claims(answer: str) -> None:
    assert split_claims(answer, query="When was he born?") == ([], True)


def test_a_claim_after_an_abstention_is_still_checked() -> None:
    answer = "I don't know for sure, but the group was founded in 1934."
    claims, abstained = split_claims(answer, query="When?")
    assert not abstained
    assert [answer[c.start : c.end] for c in claims] == ["the group was founded in 1934."]


def test_a_long_sentence_is_cut_at_clause_breaks() -> None:
    answer = "The company runs many hotels in India; its founder was born in a small village in Punjab."
    claims, _ = split_claims(answer, query="Q?")
    assert [c.text for c in claims] == [
        "The company runs many hotels in India",
        "its founder was born in a small village in Punjab.",
    ]


# --- lexical checks --------------------------------------------------------------------------------------


def test_numbers_are_compared_by_value() -> None:
    assert numbers("It cost $2,000 in 1990 and rose 3.5% over two years.") == {2000.0, 1990.0, 3.5, 2.0}
    assert claim_numbers("2,000 and 13.8") == [(2000.0, 0), (13.8, 1)]
    assert number_found(13.8, 1, {13.79}) and number_found(2000.0, 0, {2000.0})
    assert not number_found(3.0, 0, {3.5}) and not number_found(1943.0, 0, {1934.0})


def test_names_skip_sentence_openers_but_keep_capitalised_words() -> None:
    assert names("The capital of Japan is Tokyo. However, London is big.") == {"japan", "tokyo", "london"}
    assert names("London is the capital.") == {"london"}


def test_negation_polarity_and_antonyms() -> None:
    assert polarity("It is not a hotel.") == 1 and polarity("It isn’t not a hotel.") == 0 and polarity("A hotel.") == 0
    assert antonym_conflict("Smoking increases the risk.", "Smoking decreases the risk.")
    assert not antonym_conflict("Smoking increases the risk.", "Smoking increases the risk of decrease.")
    assert stem("increases") == stem("increasing") == stem("increased")


# --- evidence ---------------------------------------------------------------------------------------------


def test_units_are_sentence_spans_of_each_source() -> None:
    sources = ["First one here. Second one here.", "Other source."]
    units = source_units(sources)
    assert [(u.source_index, sources[u.source_index][u.start : u.end]) for u in units] == [
        (0, "First one here."), (0, "Second one here."), (1, "Other source.")]  # fmt: skip


def test_long_sources_encode_only_lexical_candidates() -> None:
    import numpy as np

    n = EMBED_ALL_UNITS * 4
    row = np.zeros(n, dtype=np.float32)
    row[100] = 1.0
    chosen = units_to_encode([row], n)
    assert {99, 100, 101} <= set(chosen) and len(chosen) < n
    assert units_to_encode([row[:10]], 10) == list(range(10))


# --- check with the fake encoder ---------------------------------------------------------------------------


def test_evidence_spans_point_into_the_sources(fake: Checker) -> None:
    sources = ["Unrelated text about rivers.", SOURCE]
    result = fake.check(sources, "When was the Oberoi Group founded?", "The Oberoi Group was founded in 1934.")
    [claim] = result.claims
    evidence = claim.evidence
    assert evidence is not None and evidence.source_index == 1
    assert sources[1][evidence.start : evidence.end] == evidence.text == "It was founded in 1934 by Mohan Singh Oberoi."


def test_a_changed_number_is_flagged(fake: Checker) -> None:
    result = fake.check([SOURCE], "When?", "The Oberoi Group was founded in 1943 by Mohan Singh Oberoi.")
    assert "new_number" in result.claims[0].flags
    same = fake.check([SOURCE], "When?", "The Oberoi Group was founded in 1934 by Mohan Singh Oberoi.")
    assert "new_number" not in same.claims[0].flags
    assert same.grounding > result.grounding


def test_an_abstention_is_grounded_and_relevant(fake: Checker) -> None:
    result = fake.check([SOURCE], "Who owns it today?", "I'm sorry, the sources do not say.")
    assert result == GroundingResult(
        grounding=1.0, relevance=1.0, claims=(), abstained=True, threshold=result.threshold
    )
    assert not assess(result).blocked


def test_non_english_text_gets_a_result(fake: Checker) -> None:
    result = fake.check(
        ["Berlin ist die Hauptstadt von Deutschland."], "Was ist die Hauptstadt?", "Berlin ist die Hauptstadt."
    )
    assert 0.0 <= result.grounding <= 1.0 and len(result.claims) == 1
    korean = fake.check(["서울은 대한민국의 수도이다."], "수도는?", "서울은 대한민국의 수도이다.")
    assert korean.claims[0].evidence is not None and korean.claims[0].evidence.text == "서울은 대한민국의 수도이다."


def test_a_100k_character_source_works(fake: Checker) -> None:
    filler = " ".join(f"Paragraph {i} talks about rivers, mountains and weather number {i}." for i in range(1500))
    source = (filler[:50_000] + " " + SOURCE + " " + filler)[:MAX_SOURCE_CHARS]
    result = fake.check([source], "When was it founded?", "The Oberoi Group was founded in 1934.")
    evidence = result.claims[0].evidence
    assert evidence is not None and "1934" in evidence.text


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "query", "answer", "message"),
    [
        ([], "q", "a", "sources must not be empty"),
        (["  \n"], "q", "a", "white space"),
        ("a string", "q", "a", "list of strings"),
        ([SOURCE, 3], "q", "a", r"sources\[1\] is int"),
        ([SOURCE], " ", "a", "query is empty"),
        ([SOURCE], "q", "\t", "answer is empty"),
        ([SOURCE], "q", None, "answer is NoneType"),
        (["x" * (MAX_SOURCE_CHARS + 1)], "q", "a", "more than 100000"),
        ([SOURCE], "q" * (MAX_QUERY_CHARS + 1), "a", "query has"),
        ([SOURCE], "q", "a" * (MAX_ANSWER_CHARS + 1), "answer has"),
    ],
)  # fmt: skip
def test_invalid_input_raises_a_value_error_subclass(fake: Checker, sources, query, answer, message) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        fake.check(sources, query, answer)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, GroundingError)


@pytest.mark.parametrize("threshold", [-0.1, 1.0, True, "0.5"])
def test_a_threshold_outside_0_to_099_is_refused(fake: Checker, threshold) -> None:
    with pytest.raises(InvalidInput, match="threshold"):
        fake.check([SOURCE], "q", "The group runs hotels.", threshold=threshold)
    with pytest.raises(InvalidInput, match="threshold"):
        FilterConfig("GROUNDING", threshold=threshold)


# --- policy -------------------------------------------------------------------------------------------------


def _result(grounding: float, relevance: float) -> GroundingResult:
    return GroundingResult(grounding=grounding, relevance=relevance, claims=(), abstained=False, threshold=0.5)


def test_detected_means_score_below_threshold() -> None:
    policy = GroundingPolicy(filters=(FilterConfig("GROUNDING", 0.6), FilterConfig("RELEVANCE", 0.6, action="NONE")))
    at = assess(_result(0.6, 0.59), policy)
    assert [(f.type, f.detected, f.action) for f in at.filters] == [
        ("GROUNDING", False, "NONE"),
        ("RELEVANCE", True, "NONE"),
    ]
    assert not at.blocked
    below = assess(_result(0.59, 0.9), policy)
    assert below.filters[0].detected and below.filters[0].action == "BLOCKED" and below.blocked
    assert below.filters[0].score == 0.59 and below.filters[0].threshold == 0.6


def test_threshold_zero_never_detects_and_099_nearly_always_does() -> None:
    never = GroundingPolicy(filters=(FilterConfig("GROUNDING", 0.0),))
    always = GroundingPolicy(filters=(FilterConfig("GROUNDING", 0.99),))
    assert not assess(_result(0.0, 0.0), never).blocked
    assert assess(_result(0.98, 1.0), always).blocked
    assert not assess(_result(1.0, 1.0), always).blocked


def test_policy_refuses_duplicate_filters_and_unknown_actions() -> None:
    with pytest.raises(InvalidInput, match="one filter per type"):
        GroundingPolicy(filters=(FilterConfig("GROUNDING"), FilterConfig("GROUNDING")))
    with pytest.raises(InvalidInput, match="action"):
        FilterConfig("GROUNDING", action="BLOCKED")  # type: ignore[arg-type]


def test_default_thresholds_are_the_trained_ones() -> None:
    from grounding import DEFAULT_GROUNDING_THRESHOLD, DEFAULT_RELEVANCE_THRESHOLD

    models = load_models()
    assert models.grounding.threshold == DEFAULT_GROUNDING_THRESHOLD
    assert models.relevance.threshold == DEFAULT_RELEVANCE_THRESHOLD
