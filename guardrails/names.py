"""NAME and ADDRESS spans from a token tagger: a linear-chain CRF (CRFsuite) over token features.

Each token (a word, a number or one punctuation mark) is described by itself and its neighbours: the
lower-cased word, its shape (``Xxxx``, ``dd``), prefixes and suffixes, capitalisation, whether it starts a
line, and whether it is a known first name, surname or street word (:data:`GAZETTEER`: names seen in the
training folds' name spans, ``guardrails/data/names_gazetteer.json``). The CRF
(``guardrails/data/names.crfsuite``) labels every token O, NAME or ADDRESS, scoring the sequence as a whole,
so a surname after a first name, or a postcode after a town, follows from its neighbour's label. It is
trained by ``scripts/guardrails/train_names.py`` on the pack's Presidio sentences and NER files (folds 0-7).
Consecutive tokens of one label make a span; an address may run over commas and full stops.

Example::

    spans("Please ask Maria Jensen at 12 Harbour Road.", "NAME")  # [(11, 23)]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from importlib import resources

LABELS = ("O", "NAME", "ADDRESS")
GAZETTEER_KINDS = ("first", "last", "street")
_TOKEN = re.compile(r"\w+(?:['\u2019.-]\w+)*|[^\w\s]")
_REPEATS = re.compile(r"(.)\1{2,}")

Span = tuple[int, int]
Token = tuple[int, int, str]
Gazetteer = dict[str, frozenset[str]]


def tokens(text: str) -> list[Token]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=65536)
def _shape(word: str) -> str:
    shape = "".join("X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in word)
    return _REPEATS.sub(r"\1\1", shape)


def _own(word: str, gazetteer: Gazetteer) -> tuple[str, ...]:
    """Features of a token by itself (its neighbours see a subset: the first five)."""
    lower = word.lower()
    shape = _shape(word)
    known = tuple(f"g={kind}" for kind in GAZETTEER_KINDS if lower in gazetteer.get(kind, ()))
    title = "t=title" if word[:1].isupper() and word[1:].islower() else "t=upper" if word.isupper() else "t=other"
    return (f"w={lower}", f"s={shape}", title, *known, f"p2={lower[:2]}", f"p3={lower[:3]}", f"x2={lower[-2:]}",
            f"x3={lower[-3:]}", f"l={min(len(word), 8)}")  # fmt: skip


def token_features(text: str, found: Sequence[Token], gazetteer: Gazetteer) -> list[list[str]]:
    """The CRF's feature names for each of ``found`` (the tokens of ``text``)."""
    of_word = _bundled_word_features if _is_bundled(gazetteer) else _uncached(gazetteer)
    per_word = [of_word(word) for _, _, word in found]
    out = []
    for i, (start, _, word) in enumerate(found):
        features = list(per_word[i][0])
        previous_end = found[i - 1][1] if i else 0
        if i == 0 or "\n" in text[previous_end:start]:
            features.append("line-start")
        for offset in _OFFSETS:
            j = i + offset
            if 0 <= j < len(found):
                features += per_word[j][1][offset]
            else:
                features.append(_EDGES[offset])
        if i:
            features.append(f"-1w|w={found[i - 1][2].lower()}|{word.lower()}")
        out.append(features)
    return out


_OFFSETS = (-2, -1, 1, 2)
_EDGES = {offset: f"{offset}<edge>" for offset in _OFFSETS}
WordFeatures = tuple[tuple[str, ...], dict[int, tuple[str, ...]]]


def _word_features(word: str, gazetteer: Gazetteer) -> WordFeatures:
    """A word's own features, and what a neighbour at each offset sees of it (the first five, prefixed)."""
    own = _own(word, gazetteer)
    near = tuple(f for f in own if not f.startswith(("p2=", "p3=", "x2=", "x3=", "l=")))
    return own, {offset: tuple(f"{offset}{f}" for f in near) for offset in _OFFSETS}


@lru_cache(maxsize=8192)  # a word's features with the bundled gazetteer do not change: computed once per word
def _bundled_word_features(word: str) -> WordFeatures:
    return _word_features(word, gazetteer())


def _uncached(gazetteer: Gazetteer) -> Callable[[str], WordFeatures]:
    """Per-word features with another gazetteer (training's cross-fitted ones), kept for one text."""
    seen: dict[str, WordFeatures] = {}

    def of_word(word: str) -> WordFeatures:
        if word not in seen:
            seen[word] = _word_features(word, gazetteer)
        return seen[word]

    return of_word


def _is_bundled(candidate: Gazetteer) -> bool:
    return candidate is gazetteer()


@cache
def gazetteer() -> Gazetteer:
    """The bundled first names, surnames and street words (lower-cased)."""
    raw = resources.files("guardrails").joinpath("data/names_gazetteer.json").read_text(encoding="utf-8")
    return {kind: frozenset(words) for kind, words in json.loads(raw).items()}


@cache
def _tagger() -> object:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    model = resources.files("guardrails").joinpath("data/names.crfsuite").read_bytes()
    tagger.open_inmemory(model)
    _MODELS.append(model)  # CRFsuite reads the model from these bytes: they must outlive the tagger
    return tagger


_MODELS: list[bytes] = []


@lru_cache(maxsize=64)  # NAME and ADDRESS ask about the same text one after the other
def _predict(text: str) -> tuple[tuple[Token, ...], tuple[str, ...]]:
    found = tokens(text)
    if not found:
        return (), ()
    labels = _tagger().tag(token_features(text, found, gazetteer()))  # type: ignore[attr-defined]
    return tuple(found), tuple(labels)


def spans(text: str, label: str) -> list[Span]:
    """The spans of ``label`` (``NAME`` or ``ADDRESS``) in ``text``."""
    found, predicted = _predict(text)
    out: list[Span] = []
    start = end = None
    for (s, e, word), tag in zip(found, predicted, strict=True):
        joins = label == "ADDRESS" and start is not None and word in {",", "."} and tag == "O"
        if tag == label:
            start = s if start is None else start
            end = e
        elif not joins:
            if start is not None and end is not None:
                out.append((start, end))
            start = end = None
    if start is not None and end is not None:
        out.append((start, end))
    return out
