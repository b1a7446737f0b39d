"""Round 16's parallel pairs (``scripts/grounding/datasets/parallel_pairs.py``): two statements of one kind in a
source, and answers that give one statement's words to the other's name."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parents[3] / "scripts" / "grounding" / d) for d in ("datasets", ".")]

import parallel_pairs  # noqa: E402  (a script folder, put on the path just above)

LONDON = "London is the capital of the United Kingdom."
TOKYO = "Tokyo is the capital of Japan."


@pytest.mark.parametrize(
    ("sentence", "subject", "verb"),
    [
        ("Presley was born in Tupelo, Mississippi, and moved to Memphis.", "Presley", "was"),
        ("The Beatles were an English rock band formed in Liverpool in 1960.", "The Beatles", "were"),
        ("Anna Berg chairs the finance committee of Lund University.", "Anna Berg", "chairs"),
        ("He was born in Tupelo, Mississippi, in 1935.", None, None),  # a pronoun is no name
        ("After Smith joined the club in 1990, it grew.", None, None),  # an opening word, not a name
        ("Smith was happy and tired after the long day.", None, None),  # nothing named after the verb
        ("The Aero earbuds resist splashes.", None, None),  # under six words
    ],
)
def test_a_statement_opens_with_a_name_and_a_verb_and_names_something_after_it(
    sentence: str, subject: str | None, verb: str | None
) -> None:
    made = parallel_pairs.statement(sentence)
    assert (made.subject, made.verb) == (subject, verb) if made else subject is None


@pytest.mark.parametrize(
    ("anchor", "kind"),
    [("1959", "year"), ("12", "number"), ("March", "calendar"), ("American", "demonym"),
     ("Kerry Washington", "name"), ("H", None)],
)  # fmt: skip
def test_anchors_are_swapped_only_for_their_own_kind(anchor: str, kind: str | None) -> None:
    assert parallel_pairs.kind_of(anchor) == kind


def test_statements_of_one_name_or_saying_the_same_never_share_a_source() -> None:
    london, tokyo = parallel_pairs.statement(LONDON), parallel_pairs.statement(TOKYO)
    again = parallel_pairs.statement("London is the largest city of Europe by population.")  # one name
    same = parallel_pairs.statement("Kyoto is the capital of Japan.")  # names nothing Tokyo's does not
    assert london and tokyo and again and same
    assert parallel_pairs.apart(london, tokyo)
    assert not parallel_pairs.apart(london, again)
    assert not parallel_pairs.apart(tokyo, same)


def test_the_group_gives_each_statements_words_to_the_other_name() -> None:
    london, tokyo = parallel_pairs.statement(LONDON), parallel_pairs.statement(TOKYO)
    assert london and tokyo
    for seed in range(10):
        group = parallel_pairs.swapped(tokyo, london, random.Random(seed))
        assert group
        claims = [claim for claim, *_ in group]
        assert [(label, kind) for _c, label, _l3, kind in group] == [
            (1, "copy"), (0, "subject_swap"), (0, "object_swap"), (1, "copy")
        ]  # fmt: skip
        # the name run is "United Kingdom": its "the" stays where it stood
        assert claims == [TOKYO, "London is the capital of Japan.", "Tokyo is the capital of United Kingdom.", LONDON]
        source_words = set(re.findall(r"\w+", LONDON + TOKYO))
        assert all(set(re.findall(r"\w+", claim)) <= source_words for claim in claims)  # every word in the source


def test_a_name_is_never_swapped_for_a_word_of_another_kind() -> None:
    film = parallel_pairs.statement("Open Range is a 2003 American western film directed by Kevin Costner.")
    band = parallel_pairs.statement("Linkin Park is an American rock band from Agoura Hills, California.")
    assert film and band
    for seed in range(20):
        group = parallel_pairs.swapped(film, band, random.Random(seed))
        assert group
        changed = group[2][0]
        assert "Kevin Costner" not in changed  # only the director can go: 2003 has no partner, both are American
        assert any(place in changed for place in ("Agoura Hills", "California"))


def test_rows_pair_statements_of_one_skeleton_from_two_premises_in_one_source() -> None:
    premises = [
        ("p1", [LONDON]),
        ("p2", [TOKYO]),
        ("p3", ["Madrid is the capital of Spain."]),
        ("p4", ["Presley was born in Tupelo, Mississippi, in 1935."]),  # "was born": no partner
        ("p5", ["Paris is the capital of France.", "Paris is the capital of France."]),
    ]
    rows = parallel_pairs.parallel_rows(premises, random.Random(0))
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["twin"], []).append(row)
    assert len(groups) == 5  # both of Paris' statements, London, Tokyo and Madrid find a partner; Presley none
    for key, members in groups.items():
        first, second = key.removeprefix("parallel:").split("#")[0], key.split("+")[1]
        assert first != second and "p4" not in key
        assert len({row["premise"] for row in members}) == 1
        paragraphs = members[0]["premise"].split("\n\n")
        assert len(paragraphs) == 2 and members[0]["claim"] in paragraphs
        assert [row["label"] for row in members] == [1, 0, 0, 1]
        assert {row["source"] for row in members} == {"parallel_support", "parallel_swap"}


def test_two_statements_of_one_premise_never_make_a_source() -> None:
    assert parallel_pairs.parallel_rows([("p1", [LONDON, "Rome is the capital of Italy."])], random.Random(0)) == []


@pytest.mark.parametrize(
    ("sentence", "short"),
    [
        ("Presley was born in Tupelo, Mississippi, and moved to Memphis.", "Presley was born in Tupelo."),
        ("Richards served as the 45th Governor of Texas from 1991 to 1995.",
         "Richards served as the 45th Governor of Texas."),
        ("Hardball is an American baseball sitcom that aired on Fox.",
         "Hardball is an American baseball sitcom that aired on Fox."),  # a demonym is no place to cut
        ("Morrison joined the band, later called Doors, in 1965.", None),  # a comma before the cut
        ("Odom, a chemist, is a member of the board of ACS Nano.", None),  # no name and verb open it
        ("Stone Temple Pilots is an American rock band Weiland fronted for years.", None),  # "Weiland" ends no phrase
    ],
)  # fmt: skip
def test_a_short_form_is_the_statement_cut_after_its_first_name_that_ends_a_phrase(
    sentence: str, short: str | None
) -> None:
    made = parallel_pairs.statement(sentence)
    cut = parallel_pairs.short_form(made) if made else None
    assert (cut.sentence if cut else None) == short


FILMS = [("Heat", "American", "Michael Mann"), ("Amelie", "French", "Jean-Pierre Jeunet"),
         ("Trainspotting", "British", "Danny Boyle"), ("Roma", "Mexican", "Alfonso Cuaron"),
         ("Heat", "American", "Michael Mann"), ("Heat", "American", "Michael Mann"),
         ("Oldboy", "Korean", "Park Chan-wook"), ("Fargo", "American", "Joel Coen")]  # fmt: skip


def test_lists_hold_short_statements_of_different_names_and_swap_the_first_two_ones_last_names() -> None:
    premises = [(f"p{n}", [f"{title} is a {nation} film directed by {director}, who wrote it."])
                for n, (title, nation, director) in enumerate(FILMS)]  # fmt: skip
    directors = {title: director for title, _nation, director in FILMS}
    for seed in range(5):
        rows = parallel_pairs.list_rows(premises, random.Random(seed), draws=1)
        groups: dict[str, list[dict]] = {}
        for row in rows:
            groups.setdefault(row["twin"], []).append(row)
        assert groups
        for members in groups.values():
            said = [s.removeprefix("- ") for s in re.split(r"(?<=\.) |\n", members[0]["premise"])]
            titles = [s.split(" is ")[0] for s in said]
            assert 3 <= len(said) <= 4 and len(set(titles)) == len(titles)  # one statement of Heat at most
            assert all(
                s == f"{t} is a {s.split()[3]} film directed by {directors[t]}."
                for s, t in zip(said, titles, strict=True)
            )
            faithful, subject, changed, other = (row["claim"] for row in members)
            assert faithful in said and other in said
            one, two = faithful.split(" is ")[0], other.split(" is ")[0]
            assert subject == faithful.replace(one, two, 1)
            assert changed == faithful.replace(directors[one], directors[two])  # the director, never the nation
