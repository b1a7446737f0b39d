"""The relevance features that need no model to be right: verbatim use of the query's words
(``rel_lex``) and whether an answer says anything at all (``rel_content``). Read through the real
analysis with the hash encoder; the trained model's quality is measured by
``scripts/grounding/train_relevance.py`` (docs/grounding.md)."""

from __future__ import annotations

import pytest

from grounding import HashEncoder
from grounding.check import analyse
from grounding.relevance import RELEVANCE_FEATURES
from grounding.scorer import load_lexicon

SOURCE = "The office opens at 9 am on weekdays. Tokyo is the capital of Japan."


def features(query: str, answer: str) -> dict[str, float]:
    [analysis] = analyse([SOURCE], [(query, answer)], encoder=HashEncoder(), lexicon=load_lexicon())
    assert analysis.relevance is not None
    return dict(zip(RELEVANCE_FEATURES, analysis.relevance.tolist(), strict=True))


@pytest.mark.parametrize(
    ("query", "answer"),
    [("Obviously", "haha"), ("I loved the movie", "I agree."), ("How was the movie?", "Hello!"), ("Is it big?", "Wow")],
)
def test_a_bare_reaction_says_nothing(query: str, answer: str) -> None:
    assert features(query, answer)["rel_content"] == 0.0


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("Is the office open on weekdays?", "Yes."),
        ("Does the office open at 9?", "No, at 10."),
        ("What is the capital of Japan?", "Tokyo."),
        ("Obviously", "The office opens at 9 am."),
    ],
)
def test_an_answer_with_content_or_a_yes_to_a_yes_no_question_says_something(query: str, answer: str) -> None:
    assert features(query, answer)["rel_content"] == 1.0


def test_a_yes_to_a_request_is_not_an_answer() -> None:
    assert features("Tell me about the office.", "Yes.")["rel_content"] == 0.0


def test_verbatim_coverage_of_the_query() -> None:
    on_question = features("What is the capital of Japan?", "The capital of Japan is Tokyo.")["rel_lex"]
    on_topic = features("What is the capital of Japan?", "Japan has many parks.")["rel_lex"]
    off_topic = features("What is the capital of Japan?", "The office opens at 9 am.")["rel_lex"]
    assert on_question == pytest.approx(1.0)
    assert off_topic == 0.0
    assert off_topic < on_topic < on_question
