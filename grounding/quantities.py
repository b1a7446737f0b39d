"""Quantities: a number with its unit ("212 °C", "14 km", "two weeks", "$40 million"), so a check can tell a
number that kept its unit from one that moved.

A claim can copy every number of its source and still be wrong: "Espresso roasts are dropped at 212 °F."
against "... dropped at 212 °C", "The trail is 14 miles long." against "14 km long", "Residents took vitamin
D3 for 14 months." against "at 14 care homes ... for 12 months". ``new_number`` sees nothing new in any of
them. :func:`quantity_conflicts` does: a claim's quantity whose number occurs in the sources but that no
source quantity equals (same dimension, same amount after conversion, so "two weeks" equals "14 days" and
"100 °C" equals "212 °F") is a conflict.

Only numbers followed by a unit this module knows are quantities (time, length, mass, volume, temperature,
percent, power, energy, data, speed, money), and, in the sources, *counts*: a number followed by a word ("14 care
homes": not 14 months). A number written bare ("at the age of nine,", "in 2021") is neither, and is left to
``new_number``. A range shares its unit ("8 to 10 minutes", "5-7 days", "between 2 and 3 g").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from grounding.lexical import stem

# Each unit: spelling -> size in its dimension's base unit (seconds, metres, grams, litres, watts, joules, bytes,
# metres a second). Words ("minute") match in any case with a plural "s"/"es"; abbreviations ("min", "km", "W")
# match as written, so "m" is metres and "M" is not a unit. "second" only in the plural ("the 2005) second cancer").
_WORDS = {
    "time": {
        "millisecond": 1e-3,
        "seconds": 1.0,
        "minute": 60.0,
        "hour": 3600.0,
        "day": 86400.0,
        "week": 604800.0,
        "month": 2629800.0,
        "year": 31557600.0,
        "decade": 315576000.0,
    },
    "length": {
        "millimetre": 1e-3,
        "millimeter": 1e-3,
        "centimetre": 1e-2,
        "centimeter": 1e-2,
        "metre": 1.0,
        "meter": 1.0,
        "kilometre": 1e3,
        "kilometer": 1e3,
        "mile": 1609.344,
        "foot": 0.3048,
        "feet": 0.3048,
        "inch": 0.0254,
        "yard": 0.9144,
    },
    "mass": {
        "microgram": 1e-6,
        "milligram": 1e-3,
        "gram": 1.0,
        "gramme": 1.0,
        "kilogram": 1e3,
        "kilo": 1e3,
        "tonne": 1e6,
        "ton": 1e6,
        "pound": 453.592,
        "ounce": 28.3495,
    },
    "volume": {"millilitre": 1e-3, "milliliter": 1e-3, "litre": 1.0, "liter": 1.0, "gallon": 3.78541},
    "percent": {"percent": 1.0, "per cent": 1.0, "percentage point": 1.0},
    "power": {"watt": 1.0, "kilowatt": 1e3, "megawatt": 1e6},
    "energy": {"joule": 1.0, "calorie": 4184.0},
}
_ABBREVIATIONS = {
    "time": {
        "ms": 1e-3,
        "sec": 1.0,
        "secs": 1.0,
        "min": 60.0,
        "mins": 60.0,
        "h": 3600.0,
        "hr": 3600.0,
        "hrs": 3600.0,
        "yr": 31557600.0,
        "yrs": 31557600.0,
    },
    "length": {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3, "mi": 1609.344, "ft": 0.3048},
    "mass": {
        "µg": 1e-6,
        "mcg": 1e-6,
        "mg": 1e-3,
        "g": 1.0,
        "kg": 1e3,
        "kgs": 1e3,
        "lb": 453.592,
        "lbs": 453.592,
        "oz": 28.3495,
    },
    "volume": {"ml": 1e-3, "mL": 1e-3, "l": 1.0, "L": 1.0},
    "percent": {"%": 1.0},
    "power": {"W": 1.0, "kW": 1e3, "MW": 1e6},
    "energy": {"J": 1.0, "kJ": 1e3, "Wh": 3600.0, "kWh": 3.6e6, "kcal": 4184.0},
    "data": {"KB": 1e3, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12},
    "speed": {"km/h": 1 / 3.6, "kph": 1 / 3.6, "mph": 0.44704, "m/s": 1.0},
    "dose": {"IU": 1.0},
}
_TEMPERATURE_WORDS = {
    "degrees celsius": "C", "degree celsius": "C", "degrees c": "C", "celsius": "C",
    "degrees fahrenheit": "F", "degree fahrenheit": "F", "degrees f": "F", "fahrenheit": "F",
}  # fmt: skip
_TEMPERATURE_SYMBOLS = {"°C": "C", "ºC": "C", "° C": "C", "°F": "F", "ºF": "F", "° F": "F"}
_MONEY_WORDS = {"dollar": "$", "usd": "$", "euro": "€", "eur": "€", "gbp": "£", "yen": "¥"}
_MULTIPLIERS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
                "trillion": 1e12}  # fmt: skip
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                 "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                 "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

# lower-cased word or exact abbreviation -> (dimension, unit, size)
_BY_WORD = {w: (d, w, size) for d, sizes in _WORDS.items() for w, size in sizes.items()}
_BY_WORD |= {w: ("temperature", scale, 1.0) for w, scale in _TEMPERATURE_WORDS.items()}
_BY_SYMBOL = {a: (d, a, size) for d, sizes in _ABBREVIATIONS.items() for a, size in sizes.items()}
_BY_SYMBOL |= {a: ("temperature", scale, 1.0) for a, scale in _TEMPERATURE_SYMBOLS.items()}


def _alternation(spellings: Iterable[str]) -> str:
    return "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True))


# A short parenthesis may stand between a number and its unit ("3.3 (5.6) cm", "sixty (60) days"); "in" is
# inches only before a closing mark ("6.3-8.3 in)"), else a preposition.
_UNIT = re.compile(
    r"(?:\s?\([^()]{1,24}\))?\)?(?:\s?-\s?|\s)?(?:(?P<inch>in)(?=[),;])|(?P<word>(?i:"
    + _alternation(_BY_WORD)
    + r"))(?i:e?s)?|(?P<symbol>"
    + _alternation(_BY_SYMBOL)
    + r"))"
    r"(?![\w°])"
)
_MULTIPLIER = re.compile(r"\s?(?P<multiplier>(?i:thousand|million|billion|trillion|bn|mn)|[km])(?![\w])")
_MONEY_WORD = re.compile(r"\s?(?P<money>(?i:dollars?|usd|euros?|eur|gbp|yen))(?![\w])")
_NUMBER = re.compile(
    r"(?:(?P<currency>US\$|\$|€|£|¥)\s?)?(?<![\w.,])(?P<digits>\d+(?:,\d{3})*(?:\.\d+)?)(?![\d,]*\.\d)"
    r"|(?<![\w-])(?P<words>(?i:(?:" + "|".join(_TENS) + r")[- ](?:one|two|three|four|five|six|seven|eight|nine)"
    r"|" + _alternation(_WORD_NUMBERS) + r"))(?![\w])"
)
_COUNTED = re.compile(r"\s(?P<word>[A-Za-z][a-z]+)")
_NOT_COUNTED = frozenset({
    "of", "to", "and", "or", "in", "on", "at", "by", "for", "with", "from", "per", "than", "the", "a", "an", "is",
    "are", "was", "were", "be", "as", "into", "out", "times",
})  # fmt: skip
_RANGE_GAP = re.compile("\\s*(?:to|-|\u2013|\u2014|and|or)\\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number and its unit: ``value`` as written (``decimals`` after the point) times ``scale`` ("40 million":
    40, 1e6); ``amount`` in the dimension's base unit (degrees Celsius for temperatures, the sum for money)."""

    value: float
    decimals: int
    scale: float
    dimension: str  # "time", "length", ... "temperature", or "money:$"
    unit: str
    size: float  # one unit in the base unit (5/9 for °F)
    amount: float
    start: int
    end: int  # of the unit; the number ends at ``number_end``
    number_end: int


@dataclass(frozen=True)
class _Number:
    value: float
    decimals: int
    start: int
    end: int
    currency: str | None


# (dimension, unit, size, scale, end of the unit)
_Measure = tuple[str, str, float, float, int]


def _numbers(text: str) -> list[_Number]:
    found = []
    for match in _NUMBER.finditer(text):
        if match.group("digits"):
            digits = match.group("digits").replace(",", "")
            decimals = len(digits.partition(".")[2])
            found.append(_Number(float(digits), decimals, match.start(), match.end(), match.group("currency")))
        else:
            tens, _, ones = match.group("words").lower().replace("-", " ").partition(" ")
            value = _WORD_NUMBERS[tens] + (_WORD_NUMBERS[ones] if ones else 0)
            found.append(_Number(float(value), 0, match.start(), match.end(), None))
    return found


def _measure(text: str, number: _Number) -> _Measure | None:
    """What follows ``number``: a multiplier ("million"), then a currency word or a unit."""
    at, scale = number.end, 1.0
    multiplier = _MULTIPLIER.match(text, at)
    if multiplier and (number.currency or multiplier.group("multiplier") not in ("k", "m")):
        scale, at = _MULTIPLIERS[multiplier.group("multiplier").lower()], multiplier.end()
    if number.currency:
        return f"money:{number.currency.removeprefix('US')}", number.currency.removeprefix("US"), 1.0, scale, at
    money = _MONEY_WORD.match(text, at)
    if money:
        symbol = _MONEY_WORDS[money.group("money").lower().removesuffix("s")]
        return f"money:{symbol}", symbol, 1.0, scale, money.end()
    unit = _UNIT.match(text, at)
    if not unit:
        return None
    if unit.group("inch"):
        return "length", "inch", 0.0254, scale, unit.end()
    word, symbol = unit.group("word"), unit.group("symbol")
    dimension, name, size = _BY_WORD[word.lower()] if word else _BY_SYMBOL[symbol]
    return dimension, name, size, scale, unit.end()


def quantities(text: str, *, counts: bool = True) -> list[Quantity]:
    """The quantities written in ``text``, in order (see the module docstring). With ``counts`` (the default), a
    bare number followed by a word is one too, a count of that word (dimension ``count``: "14 care homes", "1,120
    residents"); one followed by a mark or a function word ("at the age of nine,", "in 2021 the") is not."""
    numbers = _numbers(text)
    measured = _shared_by_ranges(text, numbers, [_measure(text, number) for number in numbers])
    out = []
    for number, measure in zip(numbers, measured, strict=True):
        if measure is None:
            counted = _COUNTED.match(text, number.end) if counts else None
            if counted and counted.group("word").lower() not in _NOT_COUNTED:
                noun = counted.group("word").lower()
                out.append(Quantity(number.value, number.decimals, 1.0, "count", noun, 1.0, number.value,
                                    number.start, counted.end(), number.end))  # fmt: skip
            continue
        dimension, unit, size, scale, end = measure
        if dimension == "temperature":
            size, amount = (5.0 / 9.0, (number.value - 32.0) * 5.0 / 9.0) if unit == "F" else (1.0, number.value)
        else:
            amount = number.value * scale * size
        out.append(
            Quantity(number.value, number.decimals, scale, dimension, unit, size, amount, number.start, end, number.end)
        )
    return out


def _shared_by_ranges(text: str, numbers: list[_Number], measured: list[_Measure | None]) -> list[_Measure | None]:
    """A range shares its unit, currency and multiplier: "8 to 10 minutes", "between 2 and 3 g", "$6-7 billion"
    (not "1990 - 15 years": a range ascends)."""
    measured = list(measured)

    def is_range(index: int) -> bool:  # numbers[index] and numbers[index + 1]
        gap = text[numbers[index].end : numbers[index + 1].start]
        return numbers[index].value < numbers[index + 1].value and _RANGE_GAP.fullmatch(gap) is not None

    for index in range(len(numbers) - 2, -1, -1):  # the unit and multiplier written last, backwards
        left, right = measured[index], measured[index + 1]
        if right is None or not is_range(index):
            continue
        if left is None:
            measured[index] = (*right[:4], numbers[index].end)
        elif left[:3] == right[:3] and left[3] == 1.0:
            measured[index] = (*left[:3], right[3], left[4])
    for index in range(len(numbers) - 1):  # the currency written first, forwards
        left, right = measured[index], measured[index + 1]
        if left is None or right is not None or not left[0].startswith("money:") or not is_range(index):
            continue
        multiplier = _MULTIPLIER.match(text, numbers[index + 1].end)
        if multiplier:
            scale = _MULTIPLIERS[multiplier.group("multiplier").lower()]
            measured[index + 1] = (*left[:3], scale, multiplier.end())
            if left[3] == 1.0:
                measured[index] = (*left[:3], scale, left[4])
        else:
            measured[index + 1] = (*left[:3], left[3], numbers[index + 1].end)
    return measured


def same_amount(claim: Quantity, source: Quantity) -> bool:
    """Whether two quantities state the same amount: same dimension and, after conversion, the same amount to the
    claim's precision ("8 inches" matches "8.3 in" and "21 cm", "13.8 km" matches "13.79 km") or within 2 %."""
    if claim.dimension != source.dimension:
        return False
    precision = 0.5 * 10.0**-claim.decimals * claim.scale * claim.size
    if claim.unit == source.unit:
        return abs(claim.amount - source.amount) < precision * (1 + 1e-9)
    return abs(claim.amount - source.amount) <= max(precision, 0.02 * max(abs(claim.amount), abs(source.amount)))


def quantity_conflicts(claim: str, sources: Iterable[Quantity], numbers: Collection[float]) -> tuple[int, int]:
    """``(conflicts, quantities)`` of a claim: its quantities (not counts), and those whose number is one of the
    sources' ``numbers``, stated there as a quantity or a count (to the claim's precision), while no quantity of
    the sources states the same amount. ``sources``: the sources' :func:`quantities` with ``counts``."""
    stated = quantities(claim, counts=False)
    held = list(sources)
    conflicts = 0
    for quantity in stated:
        tolerance = 0.5 * 10.0**-quantity.decimals
        if not any(abs(quantity.value - n) < tolerance for n in numbers):
            continue  # a new number: new_number's
        if not any(abs(quantity.value - other.value) < tolerance for other in held):
            continue  # the sources write the number bare ("at the age of nine,"): nothing to compare with
        conflicts += not any(same_amount(quantity, other) for other in held)
    return conflicts, len(stated)


# --- quantifiers: "always" where the source says "usually" -------------------------------------------------------

UNIVERSALS = frozenset({"always", "all", "every", "never", "none", "nobody", "everyone", "everything", "nothing",
                        "exactly", "invariably"})  # fmt: skip
HEDGES = frozenset({"usually", "often", "sometimes", "typically", "generally", "most", "some", "many", "several",
                    "occasionally", "rarely", "seldom", "about", "around", "approximately", "roughly", "mostly",
                    "frequently", "normally", "majority", "few", "partly", "nearly", "almost"})  # fmt: skip
_WORD = re.compile(r"\w+")


def quantifier_raised(claim: str, sentence: str) -> bool:
    """Whether ``claim`` says "always", "all", "never", "exactly" ... where ``sentence`` (its source sentence) hedges
    ("usually", "most", "about" ...) the same words and never says that word: "The ferry always leaves at 07:15."
    against "The ferry usually leaves at 07:15", "All residents took ..." against "Most residents (82%) took ...".
    The same words: a content word of the two after the universal is one of the two after the hedge, so a loose
    "it's all so fascinating" against "many fields" is no raise."""
    claim_words = [w.lower() for w in _WORD.findall(claim)]
    source_words = [w.lower() for w in _WORD.findall(sentence)]
    hedged = {stem(w) for i, h in enumerate(source_words) if h in HEDGES for w in _after(source_words, i)}
    return any(
        u in UNIVERSALS and u not in source_words and hedged & {stem(w) for w in _after(claim_words, i)}
        for i, u in enumerate(claim_words)
    )


def _after(tokens: list[str], index: int) -> list[str]:
    """The content words among the two tokens after ``index`` (a bracket's content is skipped: "most (82%) took")."""
    return [w for w in tokens[index + 1 : index + 3] if not w.isdigit() and w not in _FUNCTION_WORDS]


_FUNCTION_WORDS = frozenset({
    "the", "a", "an", "of", "to", "in", "on", "at", "and", "or", "is", "are", "was", "were", "be", "it", "so", "that",
    "this", "these", "those", "by", "for", "with", "as", "s",
})  # fmt: skip


QUANTITY_FEATURES = ("quantity_conflict", "quantifier_raised")


def quantity_features(
    focus: str, sources: Iterable[Quantity], numbers: Collection[float], sentence: str | None
) -> tuple[float, float]:
    """v1's :data:`QUANTITY_FEATURES` of a claim's ``focus``: the share of its quantities in conflict with the
    sources (:func:`quantity_conflicts`), and 1.0 when it raises a hedge of ``sentence``, the source sentence
    holding most of its words (:func:`quantifier_raised`)."""
    conflicts, stated = quantity_conflicts(focus, sources, numbers)
    raised = sentence is not None and quantifier_raised(focus, sentence)
    return (conflicts / stated if stated else 0.0), float(raised)
