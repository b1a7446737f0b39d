"""Quantities (``grounding/quantities.py``): a number with its unit, and the claim's quantities that moved."""

from __future__ import annotations

import pytest

from grounding import Checker, HashEncoder
from grounding.features import V1_FEATURES
from grounding.lexical import antonym_conflict, numbers
from grounding.quantities import QUANTITY_FEATURES, quantifier_raised, quantities, quantity_conflicts, same_amount
from tests.grounding.cases.case import HR_HANDBOOK, ROASTER_MANUAL, VITAMIN_D_ABSTRACT
from tests.grounding.cases.facts import PARACETAMOL, REFUNDS, TRAIL


def read(text: str) -> list[tuple[float, str, str]]:
    return [(q.value, q.unit, q.dimension) for q in quantities(text, counts=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dropped at 212 °C", [(212.0, "C", "temperature")]),
        ("about 196°C, or 385 degrees Fahrenheit", [(196.0, "C", "temperature"), (385.0, "F", "temperature")]),
        ("The trail is 14 km long", [(14.0, "km", "length")]),
        ("It holds up to 250 g of coffee", [(250.0, "g", "mass")]),
        ("a 12-month trial", [(12.0, "month", "time")]),
        ("within two weeks", [(2.0, "week", "time")]),
        ("twenty-five kilograms", [(25.0, "kilogram", "mass")]),
        ("draws 1,600 W", [(1600.0, "W", "power")]),
        ("56.8% of residents", [(56.8, "%", "percent")]),
        ("it cost $40 million", [(40.0, "$", "money:$")]),
        ("sixty (60) days", [(60.0, "day", "time"), (60.0, "day", "time")]),
        ("only 3.3 (5.6) cm", [(3.3, "cm", "length"), (5.6, "cm", "length")]),
        (
            "16\u201321 cm (6.3\u20138.3 in).",
            [(16.0, "cm", "length"), (21.0, "cm", "length"), (6.3, "inch", "length"), (8.3, "inch", "length")],
        ),
    ],
)
def test_a_number_followed_by_a_unit_is_a_quantity(text: str, expected: list[tuple[float, str, str]]) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    "text",
    ["at 14 care homes", "reopened in 2021", "aged 70 or over", "the 5 most common", "5 in 2010 were new",
     "the (1996 and 2005) second cancer", "H2O and CO2", "version 3.5.1"],
)  # fmt: skip
def test_a_bare_number_is_not_a_quantity(text: str) -> None:
    assert read(text) == []


def test_a_range_shares_the_unit_of_its_last_number_and_a_year_before_a_duration_does_not() -> None:
    assert read("8 to 10 minutes") == [(8.0, "minute", "time"), (10.0, "minute", "time")]
    assert read("between 2 and 3 g") == [(2.0, "g", "mass"), (3.0, "g", "mass")]
    assert read("5-7 days") == [(5.0, "day", "time"), (7.0, "day", "time")]
    assert read("around 1990 - 15 years later") == [(15.0, "year", "time")]


@pytest.mark.parametrize(
    ("claim", "source", "same"),
    [
        ("two weeks", "14 days", True),
        ("one year", "12 months", True),
        ("100 °C", "212 °F", True),
        ("8 inches", "21 cm", True),
        ("13.8 km", "13.79 km", True),
        ("1 g", "1,000 mg", True),
        ("14 miles", "14 km", False),
        ("212 °F", "212 °C", False),
        ("250 kg", "250 g", False),
        ("13.8 km", "13.7 km", False),
        ("$40 million", "$40 billion", False),
        ("14 days", "14 %", False),
    ],
)
def test_same_amount_converts_within_a_dimension_to_the_claims_precision(claim: str, source: str, same: bool) -> None:
    [first], [second] = quantities(claim, counts=False), quantities(source, counts=False)
    assert same_amount(first, second) is same


@pytest.mark.parametrize(
    ("source", "claim", "conflicts"),
    [
        (ROASTER_MANUAL, "Espresso roasts are dropped at 212 °F.", 1),
        (ROASTER_MANUAL, "Espresso roasts are dropped at 212 °C.", 0),
        (TRAIL, "The coastal trail is 14 miles long.", 1),
        (TRAIL, "The coastal trail is about 8.7 miles long.", 0),  # 14 km, converted: no number of the source
        (ROASTER_MANUAL, "The R5 can roast up to 250 kg of green coffee per batch.", 1),
        (VITAMIN_D_ABSTRACT, "Residents took vitamin D3 or a placebo for 14 months.", 1),  # 14 care homes
        (VITAMIN_D_ABSTRACT, "Residents took vitamin D3 or a placebo for 12 months.", 0),
        (REFUNDS, "You get your refund within two weeks of the item arriving back.", 0),
        (PARACETAMOL, "Adults should not take more than 4 g of paracetamol in 24 hours.", 0),
        (HR_HANDBOOK, "Receipts must be submitted within 60 days of the trip.", 0),  # 60 is new: new_number's
        (ROASTER_MANUAL, "First crack begins about 8 minutes after loading.", 0),  # "8 to 10 minutes"
    ],
)
def test_a_conflict_is_a_number_of_the_source_in_a_quantity_the_source_never_states(
    source: str, claim: str, conflicts: int
) -> None:
    found, total = quantity_conflicts(claim, quantities(source), numbers(source))
    assert found == conflicts
    assert total == len(quantities(claim))


def test_a_hedge_made_absolute_is_raised_and_one_the_source_states_too_is_not() -> None:
    ferry = "The ferry usually leaves Oban at 07:15, but storms sometimes cancel sailings."
    assert quantifier_raised("The ferry always leaves Oban at 07:15.", ferry)
    assert quantifier_raised("All residents took at least 90% of their doses.", "Most residents (82%) took ...")
    assert not quantifier_raised("The ferry usually leaves Oban at 07:15.", ferry)
    assert not quantifier_raised("Every visitor has to sign in.", "Visitors must sign in at reception.")
    assert not quantifier_raised("Glasses are worn at all times.", "Most rooms need glasses at all times.")


def test_the_checker_reads_both_as_v1_features_and_flags_them() -> None:
    checker = Checker(HashEncoder())
    answers = [
        ("When are espresso roasts dropped?", "Espresso roasts are dropped at 212 °F."),
        ("When does first crack start?", "First crack always begins exactly 8 minutes after loading."),
        ("When are espresso roasts dropped?", "Espresso roasts are dropped at 212 °C."),
    ]
    rows = [a.matrix()[0] for a in checker.analyse([ROASTER_MANUAL], answers)]
    columns = [V1_FEATURES.index(name) for name in QUANTITY_FEATURES]
    assert [row[columns].tolist() for row in rows] == [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    flags = [checker.check([ROASTER_MANUAL], query, answer).claims[0].flags for query, answer in answers]
    assert "quantity_conflict" in flags[0] and "quantifier_raised" in flags[1]
    assert not {"quantity_conflict", "quantifier_raised"} & set(flags[2])


def test_an_attribute_flipped_against_its_source_sentence_is_an_antonym() -> None:
    leave = "Employees are entitled to 16 weeks of paid parental leave."
    assert antonym_conflict("Parental leave is 16 weeks unpaid.", leave)
    assert not antonym_conflict("Parental leave is 16 weeks and paid.", leave)
    assert antonym_conflict("The course is optional.", "The course is mandatory for all staff.")


def test_a_bare_number_before_a_word_counts_that_word_and_one_before_a_mark_counts_nothing() -> None:
    assert [(q.value, q.unit, q.dimension) for q in quantities("at 14 care homes, aged nine.")] == [
        (14.0, "care", "count")
    ]
    assert quantities("in 2021 the wing reopened") == []


def test_spaced_hyphens_and_shared_currency_and_multipliers_are_read() -> None:
    assert read("a 7 - year - old monster") == [(7.0, "year", "time")]
    [six, seven] = quantities("valued at $ 6\u20137 billion", counts=False)
    assert (six.dimension, six.amount, seven.dimension, seven.amount) == ("money:$", 6e9, "money:$", 7e9)


@pytest.mark.parametrize(
    ("source", "claim"),
    [
        ("Henry III became king at the age of nine, in 1216.", "Henry III was king at nine years old."),
        ("Michael 'Mike' Wazowski, a 7 - year - old monster", "Mike is a 7 year old monster."),
        ("The market was valued at $ 6\u20137 billion in 2007.", "It is valued at $ 6 to $ 7 billion dollars."),
        ("2. Integrated billing. Save 10% off your first three months.", "Save 10% for 3 months for 2 weeks."),
    ],
)
def test_faithful_quantities_the_pack_had_flagged_are_not_conflicts(source: str, claim: str) -> None:
    assert quantity_conflicts(claim, quantities(source), numbers(source))[0] == 0


def test_the_quantity_check_reads_the_sentence_ranked_first_for_the_ordered_containment() -> None:
    from grounding.evidence import source_units
    from grounding.features import SourceFacts
    from grounding.ordered import candidate_units
    from grounding.scorer import load_lexicon

    sources = [
        "First crack usually begins 8 minutes after loading. Second crack always begins 11 minutes after loading. "
        "Trays are dropped at 212 °C."
    ]
    lexicon = load_lexicon()
    facts = SourceFacts.of(sources, source_units(sources))
    raised = "First crack always begins 8 minutes after loading."
    for claim in (raised, "Trays are dropped at 212 °F.", "Second crack always begins 11 minutes after loading."):
        facts.ordered(claim, lexicon)  # ranks the claim's candidates once; quantity_values reuses them
        best = candidate_units(claim, facts._unit_index[0], lexicon.stem_weight, limit=1)
        assert facts._candidates(claim, lexicon)[:1] == tuple(best)
    # the hedge is read against the first-crack sentence ("usually"), not the second ("always")
    assert facts.quantity_values(raised, lexicon) == (0.0, 1.0)
    assert facts.quantity_values("Trays are dropped at 212 °F.", lexicon) == (1.0, 0.0)
    assert facts.quantity_values("Second crack always begins 11 minutes after loading.", lexicon) == (0.0, 0.0)
