"""Round 14's two-hop questions (``scripts/grounding/datasets/bridge_pairs.py``): a sentence about a name made a
relative clause on that name in a question about another sentence of the passage."""

from __future__ import annotations

import random
import re
import sys
from functools import partial
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parents[3] / "scripts" / "grounding" / d) for d in ("datasets", ".")]

import bridge_pairs  # noqa: E402  (a script folder, put on the path just above)

PASSAGE = [
    "Fight Club is a 1999 American film directed by David Fincher.",
    "Brad Pitt played Tyler Durden in Fight Club alongside Edward Norton.",
    "The film earned 101 million dollars worldwide.",
]


@pytest.mark.parametrize(
    ("sentence", "clause"),
    [
        (PASSAGE[0], ("Fight Club", "which is a 1999 American film directed by David Fincher")),
        ("Zazie Beetz is an American actress and rapper.", ("Zazie Beetz", "who is an American actress and rapper")),
        ("Ron Dennis was born in Woking in 1947.", ("Ron Dennis", "who was born in Woking in 1947")),
        (PASSAGE[1], None),  # says what she did, not what she is
        ("It is a 1999 American film.", None),  # a pronoun, not a name
        ("Fight Club is an American film; it won awards.", None),  # more than one clause
    ],
    ids=["thing", "person", "born", "no-copula", "pronoun", "two-clauses"],
)
def test_a_sentence_that_says_what_a_name_is_becomes_a_clause(sentence: str, clause: tuple[str, str] | None) -> None:
    assert bridge_pairs.clause_of(sentence) == clause


def test_the_clause_goes_after_the_name_and_never_into_a_title_or_a_possessive() -> None:
    question = "Who played Domino in Deadpool 2 alongside Ryan Reynolds?"
    assert bridge_pairs.with_clause(question, "Deadpool 2", "which is a 2018 film") == (
        "Who played Domino in Deadpool 2, which is a 2018 film, alongside Ryan Reynolds?"
    )
    assert bridge_pairs.with_clause("Who directed Deadpool 2?", "Deadpool 2", "which is a film") == (
        "Who directed Deadpool 2, which is a film?"
    )
    assert bridge_pairs.with_clause('Who sang "Shut Up" in 2011?', "Shut Up", "which is an album") == ""
    assert bridge_pairs.with_clause("Who was Deadpool 2's director?", "Deadpool 2", "which is a film") == ""
    assert bridge_pairs.with_clause("Who directed Deadpool 20?", "Deadpool 2", "which is a film") == ""


def test_a_group_asks_about_the_other_sentence_with_the_clause_and_puts_the_right_answer_first() -> None:
    foreign = [("Acme", "which was founded in 1934")]
    seen_held = seen_unheld = False
    for seed in range(30):
        rng = random.Random(seed)
        for question, answers, labels in bridge_pairs.bridge_groups(PASSAGE, ["Lisbon"], rng, foreign=foreign,
                                                                    unheld=0.5):  # fmt: skip
            right, *wrong = answers
            assert labels == [1] + [0] * len(wrong) and wrong
            assert "Fight Club, which is a 1999" in question or "Fight Club, which was founded in 1934" in question
            seen_held |= "1999" in question
            seen_unheld |= "1934" in question
            without = re.sub(r", which [^,?]*,?", "", question)
            filled = re.sub(r"^What\b|\b(what year|how many|what)\b", right, without, count=1)[:-1] + "."
            assert filled == PASSAGE[1], (question, right)  # the right answer put back gives the other sentence
            assert all(w != right and right not in w for w in wrong)
            assert "Fight" not in right  # never the bridge name itself
    assert seen_held and seen_unheld


def test_a_name_two_sentences_open_with_is_no_bridge() -> None:
    ambiguous = [
        "Frozen is a 2013 American animated musical film by Walt Disney.",
        "Frozen is a 1997 Chinese film directed by Wang Xiaoshuai.",
        "Idina Menzel sang in Frozen in 2013 with Kristen Bell.",
    ]
    for seed in range(10):
        assert bridge_pairs.bridge_groups(ambiguous, ["Lisbon"], random.Random(seed), foreign=[], unheld=0.0) == []


def test_a_name_inside_a_longer_name_is_not_the_bridge() -> None:
    assert bridge_pairs.name_in("He wrote for the Washington Post in 1990.", "Washington") is None
    assert bridge_pairs.name_in("He moved to Washington in 1990.", "Washington")
    question = "Who wrote for the Washington Post and lived in Washington?"
    assert bridge_pairs.with_clause(question, "Washington", "which is a state") == (
        "Who wrote for the Washington Post and lived in Washington, which is a state?"
    )


@pytest.mark.parametrize(
    ("sentence", "text", "askable"),
    [
        ("The Oberoi Group has its head office in Delhi.", "Delhi", True),
        ("Scandal is an American political thriller series.", "American", False),  # a demonym alone
        ("Describing itself as a fake news program, the show draws on the news.", "Describing", False),  # an opener
        ("They entered the Rock and Roll Hall of Fame in 2017.", "Rock", False),  # half of a name
        ("They entered the Rock and Roll Hall of Fame in 2017.", "2017", True),
    ],
)
def test_only_a_name_that_is_an_answer_is_asked_about(sentence: str, text: str, askable: bool) -> None:
    found = re.search(re.escape(text), sentence)
    assert found
    assert bridge_pairs._askable(found, "Fight Club") is askable


def test_rows_of_two_makers_keep_their_groups_apart() -> None:
    import qa_pairs

    from grounding.scorer import load_lexicon

    chosen = [("fight-club", PASSAGE)]
    lexicon = load_lexicon()
    make = partial(bridge_pairs.bridge_groups, foreign=[], unheld=0.0)
    two_hop = qa_pairs.qa_rows(chosen, random.Random(1), lexicon, groups_of=make, prefix="bridge")
    one_hop = qa_pairs.qa_rows(chosen, random.Random(1), lexicon)
    assert two_hop and one_hop
    assert all(row["twin"].startswith("bridge:fight-club#") for row in two_hop)
    assert not {row["twin"] for row in two_hop} & {row["twin"] for row in one_hop}
