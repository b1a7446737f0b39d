"""Word-level analysis shared by evidence selection and the features: words, stems, numbers, names, negation.

Everything here is plain Python on regular expressions, so it runs on any language: words are
``\\w+`` runs (Unicode), so a German or Korean text gets words and stems too, only the English word
lists (stop words, negation cues, antonyms) have no effect on it.
"""

# ruff: noqa: RUF001 -- curly apostrophes and the Unicode minus sign are the point here.
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORD = re.compile(r"\w+(?:['’]\w+)?")
# "1,000", "3.5", "-2", "1990s", "25%": the value is what is compared, not the spelling.
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[,\d]*\d)?(?:\.\d+)?")

STOPWORDS = _wordset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just let me more most my myself of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves s t d ll m re ve yes
    yeah oh ok okay well really actually also like know think sure one many much may might must shall well still
    even though although however thus hence therefore whether either neither via per upon within without among
    amongst around across along toward towards onto since ago"""
)
# Words that attribute rather than assert ("According to the provided text, ..."): an answer may
# add them without adding information, so they are not content words.
ATTRIBUTION = _wordset(
    """according text texts document documents source sources context passage passages article provided
    mentioned information"""
)
# Request words of a query ("Tell me about X", "Please list ..."): not what an answer must cover.
INSTRUCTIONS = _wordset(
    """tell explain describe list give show summarize summarise summary please provide name define write help
    find detail details briefly explanation overview"""
)
# Reactions with no content of their own ("haha", "I agree."); STOPWORDS already holds yes, yeah, ok, sure.
REACTIONS = _wordset(
    """haha hah hahaha lol hello hi hey agree agreed cool nice great wow awesome thanks thank interesting
    definitely absolutely indeed exactly true right good love totally hmm ah yep nope same fun funny lovely
    glad"""
)
NEGATIONS = _wordset(
    """not no never none nobody nothing nowhere neither nor cannot without n't isn't aren't wasn't weren't don't
    doesn't didn't won't wouldn't can't couldn't shouldn't hasn't haven't hadn't mustn't lack lacks lacked fail
    fails failed unable"""
)
# Directional words whose swap reverses a scientific or financial claim.
_ANTONYM_PAIRS = (
    ("increase", "decrease"), ("increase", "reduce"), ("increased", "decreased"), ("increased", "reduced"),
    ("increases", "decreases"), ("increases", "reduces"), ("higher", "lower"), ("more", "less"),
    ("more", "fewer"), ("rise", "fall"), ("rose", "fell"), ("gain", "loss"), ("positive", "negative"),
    ("positively", "negatively"), ("before", "after"), ("first", "last"), ("largest", "smallest"),
    ("maximum", "minimum"), ("up", "down"), ("above", "below"), ("inhibit", "promote"), ("inhibits", "promotes"),
    ("activate", "inhibit"), ("activates", "inhibits"), ("enhance", "impair"), ("enhances", "impairs"),
    ("early", "late"), ("earlier", "later"), ("north", "south"), ("east", "west"), ("older", "younger"),
    ("oldest", "youngest"), ("win", "lose"), ("won", "lost"), ("profit", "loss"), ("strong", "weak"),
    ("stronger", "weaker"), ("best", "worst"), ("better", "worse"), ("longer", "shorter"), ("high", "low"),
    ("larger", "smaller"), ("bigger", "smaller"), ("male", "female"), ("men", "women"), ("true", "false"),
    ("always", "never"), ("all", "none"), ("accept", "reject"), ("accepted", "rejected"),
    ("beneficial", "harmful"), ("safe", "dangerous"), ("success", "failure"), ("successful", "unsuccessful"),
)  # fmt: skip
# Attribute opposites (2026-12-04): "Parental leave is 16 weeks unpaid." against "16 weeks of paid parental leave".
# Read by the ``antonym`` check only; v1's synthetic ``antonym`` answers swap the directional pairs above.
_ATTRIBUTE_PAIRS = (
    ("paid", "unpaid"), ("mandatory", "optional"), ("compulsory", "optional"), ("mandatory", "voluntary"),
    ("compulsory", "voluntary"), ("required", "optional"), ("allowed", "prohibited"), ("permitted", "prohibited"),
    ("allowed", "forbidden"), ("permitted", "forbidden"), ("included", "excluded"), ("inside", "outside"),
    ("indoors", "outdoors"), ("legal", "illegal"), ("able", "unable"), ("likely", "unlikely"), ("open", "closed"),
    ("present", "absent"), ("eligible", "ineligible"), ("possible", "impossible"), ("available", "unavailable"),
    ("temporary", "permanent"), ("public", "private"), ("arrival", "departure"), ("buy", "sell"),
    ("bought", "sold"), ("lend", "borrow"), ("lent", "borrowed"),
)  # fmt: skip


def _opposites(pairs: tuple[tuple[str, str], ...]) -> Mapping[str, frozenset[str]]:
    return {
        word: frozenset(b if a == word else a for a, b in pairs if word in (a, b)) for pair in pairs for word in pair
    }


DIRECTIONAL_ANTONYMS = _opposites(_ANTONYM_PAIRS)
ANTONYMS = _opposites(_ANTONYM_PAIRS + _ATTRIBUTE_PAIRS)
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "dozen": 12, "half": 0.5, "twice": 2, "once": 1, "single": 1, "double": 2, "triple": 3,
}  # fmt: skip
_SOFT_NUMBER_WORDS = frozenset({"double", "twice", "triple", "dozen"})
_MONTHS = _wordset("""january february march april may june july august september october november december""")
_SENTENCE_END = re.compile(r"[.!?:\n]\s*$")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s")


# Cached (pure functions of one word): a 100k-character source is stemmed word by word three times per check
# (units, facts, anchor index) and a vocabulary is a few thousand words. Measured on the 100k bench case:
# 281 -> 215 ms CPU per check outside the encoder (loaded machine; calls share the source, so the cache is warm).
@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude suffix stripper so that "increases", "increased" and "increasing" meet.

    >>> stem("Increases") == stem("increasing") == stem("increased")
    True
    """
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 4 else word


def normalize(word: str) -> str:
    """Lower case, straight apostrophe, no possessive "'s": how words are compared across texts."""
    return word.lower().replace("’", "'").removesuffix("'s")


@functools.lru_cache(maxsize=1 << 16)
def is_content(word: str) -> bool:
    """Whether a word carries content: not a stop word, negation cue or attribution word, not one letter."""
    lowered = word.lower().replace("’", "'")
    if lowered in STOPWORDS or lowered in NEGATIONS or lowered in ATTRIBUTION:
        return False
    return len(lowered) > 1 or lowered.isdigit()


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def words(text: str) -> list[Word]:
    """The ``\\w+`` words of ``text`` (an apostrophe inside a word is kept: "don't", "Japan's")."""
    return [Word(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def content_stems(text: str) -> set[str]:
    """Stems of the content words of ``text``."""
    return {stem(w.text) for w in words(text) if is_content(w.text)}


def numbers(text: str) -> set[float]:
    """Numeric values written in ``text``, digits or English number words ("2,000" -> 2000.0)."""
    values = set()
    for match in _NUMBER.finditer(text):
        digits = match.group().replace(",", "").replace("−", "-")
        try:
            values.add(float(digits))
        except ValueError:
            continue
    for word in WORD.findall(text.lower()):
        if word in _NUMBER_WORDS:
            values.add(float(_NUMBER_WORDS[word]))
    return values


def claim_numbers(text: str) -> list[tuple[float, int]]:
    """``(value, decimals)`` of each number a claim states: digits, and number words from "two"
    up ("one", "once", "single", "half" are too often not quantities: "one of the", "at once")."""
    found = []
    for match in _NUMBER.finditer(text):
        digits = match.group().replace(",", "").replace("−", "-")
        found.append((float(digits), len(digits.partition(".")[2])))
    for word in WORD.findall(text.lower()):
        if word in _NUMBER_WORDS and _NUMBER_WORDS[word] >= 2 and word not in _SOFT_NUMBER_WORDS:
            found.append((float(_NUMBER_WORDS[word]), 0))
    return found


def number_found(value: float, decimals: int, present: set[float]) -> bool:
    """Whether ``value`` (written with ``decimals`` decimals) is one of ``present``, allowing for
    rounding: "13.8" matches 13.79, "2,000" matches 2000.0, "3" does not match 3.5."""
    if value in present:
        return True
    tolerance = 0.5 * 10.0**-decimals
    return any(abs(value - other) < tolerance for other in present)


def names(text: str) -> set[str]:
    """Lower-cased words that look like names: capitalised, not a stop word, not opening a sentence.

    A capitalised first word counts only when it is not a common English word, so "The" and
    "However" are not names but "London" at the start of an answer is. Months count as names (dates).
    """
    found: set[str] = set()
    previous_end: int | None = None
    for word in words(text):
        gap = None if previous_end is None else text[previous_end : word.start]
        previous_end = word.end
        lowered = normalize(word.text)
        if not word.text[:1].isupper() or lowered in STOPWORDS or lowered in NEGATIONS:
            continue
        opens_sentence = gap is None or _SENTENCE_END.search(gap) is not None
        if opens_sentence and lowered in _COMMON_OPENERS:
            continue
        found.add(lowered)
    return found


def is_month(word: str) -> bool:
    return word.lower() in _MONTHS


def polarity(text: str) -> int:
    """Number of negation cues in ``text`` modulo 2: 1 when the statement is negated."""
    lowered = text.lower().replace("’", "'")
    count = sum(1 for token in WORD.findall(lowered) if token in NEGATIONS or token.endswith("n't"))
    return count % 2


def antonym_conflict(claim: str, evidence: str) -> bool:
    """Whether the claim uses a directional word whose opposite the evidence uses instead."""
    claim_words = {w.lower() for w in WORD.findall(claim)}
    evidence_words = {w.lower() for w in WORD.findall(evidence)}
    for word in claim_words & ANTONYMS.keys():
        if word not in evidence_words and ANTONYMS[word] & evidence_words - claim_words:
            return True
    return False


def weighted_coverage(stems: Iterable[str], present: set[str], idf: Mapping[str, float], default: float) -> float:
    """IDF-weighted share of ``stems`` found in ``present``; 1.0 for no stems (nothing to find)."""
    total = covered = 0.0
    for item in stems:
        weight = idf.get(item, default)
        total += weight
        if item in present:
            covered += weight
    return covered / total if total else 1.0


# Common words that open sentences capitalised; a capital there says nothing about a name.
_COMMON_OPENERS = _wordset(
    """this that these those there here it its he she they we i you his her their our my your the a an in on at for
    from with by as after before during when while if although though because since however moreover furthermore
    also yes no not some many most all each every both one two three several such other another many first
    second third finally then thus hence therefore overall here what which who how why where according despite
    instead unlike like while whereas but and or so yet nevertheless"""
)
