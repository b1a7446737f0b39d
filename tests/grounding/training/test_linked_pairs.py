"""Round 15's two-premise questions (``scripts/grounding/datasets/linked_pairs.py``): a name one training premise
defines, asked about with that definition as a clause in a question about another premise that names it."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parents[3] / "scripts" / "grounding" / d) for d in ("datasets", ".")]

import linked_pairs  # noqa: E402  (a script folder, put on the path just above)

FILM = ["Home Alone is a 1990 American comedy film.", "It was a box office success."]
PLOT = [
    "The family flies to Paris for Christmas.",
    "Kevin McCallister defends his house in Home Alone against two burglars named Harry and Marv.",
    "He was eight years old in 1990.",
]


@pytest.mark.parametrize(
    ("sentence", "made"),
    [
        ("Macaulay Carson Culkin (born August 26, 1980) is an American actor.",
         ("Macaulay Carson Culkin", "who is an American actor")),
        ("Luke Cage, also known as Power Man, is a fictional superhero in comic books.",
         ("Luke Cage", "which is a fictional superhero in comic books")),
        ("Ram Head is a coastal headland in eastern Victoria, Australia.",
         ("Ram Head", "which is a coastal headland in eastern Victoria, Australia")),
        ("Brad Pitt played Tyler Durden in Fight Club.", None),  # what he did, not what he is
        ("He is an American actor.", None),  # a pronoun
        ("The Very Long Name Of Some Old Thing is a place.", None),  # a name of more than five words
    ],
    ids=["parentheses", "also-known-as", "plain", "no-copula", "pronoun", "long-name"],
)  # fmt: skip
def test_an_opening_sentence_with_asides_still_says_what_its_name_is(
    made: tuple[str, str] | None, sentence: str
) -> None:
    assert linked_pairs.definition(sentence) == made


def test_only_names_of_two_words_or_more_said_to_be_one_thing_are_defined() -> None:
    long_clause = " ".join(["a 1974 musical fantasy film directed by Stanley Donen, with music"] * 3) + "."
    premises = [
        ("film", FILM),
        ("queen", ["Queen is a British rock band formed in 1970."]),  # one word: a band, a monarch, a title
        ("prince-1974", [f"The Little Prince is {long_clause}"]),  # a clause too long to ask with, still counted
        ("prince-2015", ["The Little Prince is a 2015 animated film."]),
    ]
    defined = linked_pairs.defined_names(premises)
    assert set(defined) == {"Home Alone"}  # The Little Prince: two films, which one?
    assert defined["Home Alone"] == ("film", FILM)


def test_a_link_joins_a_sentence_naming_the_name_to_the_definition_of_another_premise() -> None:
    defined = linked_pairs.defined_names([("film", FILM)])
    premises = [("film", FILM), ("plot", PLOT), ("self", ["Home Alone is a 1990 film about a boy left at home."])]
    for seed in range(10):
        found = linked_pairs.links(premises, defined, random.Random(seed), per_name=6)
        assert [(key, name) for key, _sentences, name in found] == [("plot + film", "Home Alone")]
        joined = found[0][1]
        assert joined in (PLOT + FILM, FILM + PLOT)  # both paragraphs, in either order
    capped = linked_pairs.links([("plot", PLOT), ("again", PLOT[1:])], defined, random.Random(0), per_name=1)
    assert len(capped) == 1
    assert linked_pairs.links([("plot", PLOT)], {}, random.Random(0), per_name=6) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Home Alone 2 was released in 1992 and made 359 million dollars.",  # a sequel, not the film defined
        "Home Alone: The Holiday Heist is a television film made in 2012.",
    ],
)
def test_a_name_followed_by_a_number_or_a_colon_is_another_title(sentence: str) -> None:
    defined = linked_pairs.defined_names([("film", FILM)])
    assert linked_pairs.links([("sequel", [sentence])], defined, random.Random(0), per_name=6) == []


def test_two_copies_of_one_premise_are_not_linked() -> None:
    # not itself a definition (that is refused apart), so only the shared words keep the two apart
    copy = ["It was a box office success, and Home Alone is remembered as a 1990 American comedy film."]
    defined = linked_pairs.defined_names([("film", FILM)])
    assert linked_pairs.links([("copy", copy)], defined, random.Random(0), per_name=6) == []


def test_a_link_gives_questions_through_its_name_with_the_right_answer_first() -> None:
    sentences = FILM + PLOT
    seen = 0
    for seed in range(20):
        groups = linked_pairs.link_groups(sentences, ["Lisbon"], random.Random(seed), name="Home Alone", foreign=[],
                                          unheld=0.0)  # fmt: skip
        for question, answers, labels in groups:
            seen += 1
            right, *wrong = answers
            assert labels == [1] + [0] * len(wrong) and wrong
            assert "Home Alone, which is a 1990 American comedy film" in question
            without = re.sub(r", which [^,?]*,?", "", question)
            filled = re.sub(r"^What\b|\b(what year|how many|what)\b", right, without, count=1)[:-1] + "."
            assert filled == PLOT[1], (question, right)
    assert seen
