"""Quantities and quantifiers: a sentence whose number keeps its digits but not its amount, or whose "usually"
became "always", beside a faithful twin; v1's training data for ``quantity_conflict`` and ``quantifier_raised``
(``grounding/quantities.py``).

    .venv/bin/python scripts/grounding/datasets/quantity_pairs.py [--docs 3000] [--out /tmp/ragkb-grounding/data]

Passages are ``perturb.py``'s (SciFact abstracts split 80/20 by document id, docs-corpus files split by file),
drawn with another seed. ``perturb.py``'s ``number`` kind changes a number's digits (``new_number`` sees most of
them); here the digits stay and the amount changes. Each passage gives at most one ungrounded answer and its
faithful twin, both one sentence of the passage:

ungrounded: ``unit_swap`` (the unit changed within its dimension: "14 km" -> "14 miles", "200 °C" -> "200 °F",
            "12 months" -> "12 years"), ``number_moved`` (the number of a quantity replaced by another number of
            the passage that states no such amount: "for 12 months" -> "for 14 months", 14 being the care homes),
            ``quantifier_raised`` (a hedge made absolute: "usually" -> "always", "most" -> "all", "about" ->
            "exactly", "rarely" -> "never")
grounded:   ``quantity_copy`` (the sentence, or its compressed form), ``unit_converted`` (an exact conversion:
            "14 days" -> "2 weeks", "24 months" -> "2 years", "1,500 mg" -> "1.5 g")
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent), str(Path(__file__).parents[1])]

from convert import Example, generator_parser, write_splits  # noqa: E402
from perturb import NUMBER, compress, passages_docs, passages_scifact  # noqa: E402
from swaps import twin_examples  # noqa: E402

from grounding.lexical import numbers  # noqa: E402
from grounding.quantities import HEDGES, Quantity, quantities, same_amount  # noqa: E402

SEED = 37
# A unit's written form -> another unit of its dimension (never the same amount).
UNIT_SWAPS = {
    "mg": "g", "g": "kg", "kg": "g", "µg": "mg", "mcg": "mg", "ml": "l", "mL": "L", "l": "ml", "L": "mL",
    "km": "miles", "miles": "km", "m": "km", "cm": "mm", "mm": "cm", "°C": "°F", "°F": "°C", "kW": "W", "W": "kW",
    "seconds": "minutes", "minutes": "hours", "min": "h", "hours": "days", "h": "min", "days": "weeks",
    "day": "week", "weeks": "months", "week": "month", "months": "years", "month": "year", "years": "months",
    "year": "month",
}  # fmt: skip
# Exact conversions (unit, factor, to): "14 days" -> "2 weeks" when 14 / 7 is a whole number.
CONVERSIONS = (("days", 7, "weeks"), ("months", 12, "years"), ("mg", 1000, "g"), ("g", 1000, "kg"),
               ("minutes", 60, "hours"), ("m", 1000, "km"), ("weeks", 52, "years"))  # fmt: skip
RAISES = {"usually": "always", "often": "always", "typically": "always", "generally": "always",
          "frequently": "always", "normally": "always", "mostly": "always", "sometimes": "always",
          "rarely": "never", "seldom": "never", "occasionally": "always", "most": "all", "many": "all",
          "several": "all", "some": "all", "few": "no", "about": "exactly", "approximately": "exactly",
          "roughly": "exactly", "around": "exactly", "nearly": "exactly", "almost": "exactly"}  # fmt: skip
assert set(RAISES) <= HEDGES


def _unit_text(sentence: str, quantity: Quantity) -> tuple[int, int, str]:
    """``(start, end, text)`` of the unit written after the quantity's number."""
    gap = sentence[quantity.number_end : quantity.end]
    unit = gap.strip(" -\u00a0")
    start = quantity.number_end + gap.index(unit) if unit else quantity.end
    return start, quantity.end, unit


def unit_swap(sentence: str, rng: random.Random) -> str | None:
    options = []
    for quantity in quantities(sentence, counts=False):
        start, end, unit = _unit_text(sentence, quantity)
        if unit in UNIT_SWAPS:
            options.append((start, end, UNIT_SWAPS[unit]))
    if not options:
        return None
    start, end, new = rng.choice(options)
    return sentence[:start] + new + sentence[end:]


def number_moved(sentence: str, passage: str, rng: random.Random) -> str | None:
    held = quantities(passage, counts=False)
    options = []
    for quantity in quantities(sentence, counts=False):
        if quantity.start < sentence.find(" ") or sentence[quantity.start : quantity.number_end].isalpha():
            continue  # a number word, or the sentence's first word
        for match in NUMBER.finditer(passage):
            value = float(match.group().replace(",", ""))
            moved = Quantity(value, 0, quantity.scale, quantity.dimension, quantity.unit, quantity.size,
                             value * quantity.scale * quantity.size, 0, 0, 0)  # fmt: skip
            if quantity.dimension == "temperature" or value == quantity.value or "." in match.group():
                continue
            if not 0.2 <= value / max(quantity.value, 1e-9) <= 5 or (quantity.unit == "%" and value > 100):
                continue  # a plausible amount: not "165 % CI" from "95 % CI", not "2006 months"
            if not any(same_amount(moved, other) for other in held):
                options.append((quantity, match.group()))
    if not options:
        return None
    quantity, new = rng.choice(sorted(options, key=lambda o: (o[0].start, o[1])))
    return sentence[: quantity.start] + new + sentence[quantity.number_end :]


def quantifier_raised(sentence: str, rng: random.Random) -> str | None:
    hedges = [m for m in re.finditer(r"\b[A-Za-z]+\b", sentence) if m.group().lower() in RAISES]
    if not hedges:
        return None
    target = rng.choice(hedges)
    new = RAISES[target.group().lower()]
    new = new.capitalize() if target.group()[0].isupper() else new
    return sentence[: target.start()] + new + sentence[target.end() :]


def unit_converted(sentence: str) -> str | None:
    for quantity in quantities(sentence, counts=False):
        _, end, unit = _unit_text(sentence, quantity)
        written = sentence[quantity.start : quantity.number_end]
        if not written.replace(",", "").isdigit() or quantity.scale != 1.0:
            continue
        for name, factor, to in CONVERSIONS:
            if unit == name and quantity.value >= factor and quantity.value % factor == 0:
                value = int(quantity.value // factor)
                return sentence[: quantity.start] + f"{value:,} {to}" + sentence[end:]
    return None


def pair_of(sentences: list[str], rng: random.Random) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """``((kind, grounded answer), (kind, ungrounded answer))`` from one sentence of the passage, or None. The
    quantity kinds go first: most sentences hedge somewhere, few hold a quantity."""
    passage = " ".join(sentences)
    order = list(range(len(sentences)))
    rng.shuffle(order)
    for kinds in (("unit_swap", "number_moved"), ("quantifier_raised",)):
        for index in order:
            sentence = sentences[index]
            makers = {
                "unit_swap": lambda s=sentence: unit_swap(s, rng),
                "number_moved": lambda s=sentence: number_moved(s, passage, rng),
                "quantifier_raised": lambda s=sentence: quantifier_raised(s, rng),
            }
            for kind in rng.sample(kinds, len(kinds)):
                changed = makers[kind]()
                if changed and changed != sentence and numbers(changed) <= numbers(passage):
                    return _faithful(sentence, rng), (kind, changed)
    return None


def _faithful(sentence: str, rng: random.Random) -> tuple[str, str]:
    converted = unit_converted(sentence)
    if converted and rng.random() < 0.5:
        return "unit_converted", converted
    return "quantity_copy", (compress(sentence, rng) if rng.random() < 0.3 else None) or sentence


def build(shared: Path, split: str, *, docs: int, seed: int) -> list[Example]:
    rng = random.Random(f"{seed}-{split}-quantities")
    passages = passages_scifact(shared, split, docs, rng) + passages_docs(shared, split, docs // 10, rng)
    examples: list[Example] = []
    for pid, title, sentences in passages:
        found = pair_of(sentences, rng)
        if found is None:
            continue
        (faithful, answer), (kind, changed) = found
        examples.extend(
            twin_examples(pid, title, sentences, ((faithful, answer, "grounded"), (kind, changed, "ungrounded")), rng)
        )
    return examples


def main() -> None:
    parser = generator_parser(__doc__, SEED)
    parser.add_argument("--docs", type=int, default=3000, help="SciFact abstracts for training (a quarter for eval)")
    args = parser.parse_args()
    docs = {"train": args.docs, "eval": args.docs // 4}
    write_splits(args.out, "quantities", lambda split: build(args.shared, split, docs=docs[split], seed=args.seed))


if __name__ == "__main__":
    main()
