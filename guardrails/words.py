"""Word filters: custom words and phrases, and the managed profanity list, matched through obfuscation.

A text is read as whitespace-separated tokens. Each token is lower-cased, stripped of surrounding
punctuation and of separators inside it (``s.h.i.t``, ``s-h-i-t``, ``sh_it``), and tried as written,
with leetspeak undone (``sh1t``, ``$hit``, ``@ss``: ``0→o 1→i/l 3→e 4→a 5→s 7→t 8→b 9→g @→a $→s !→i
|→l +→t``) and with runs of a repeated letter collapsed (``shiiiit``). A ``*`` stands for one hidden
letter (``sh*t``) when at least half the word's letters are visible. Runs of single-letter tokens
are joined (``s h i t``). Phrases (``kill yourself``) match consecutive tokens. A word matches whole
tokens only, so ``Scunthorpe`` does not contain ``cunt``, unless ``substrings=True`` (custom words only).

The managed list (Bedrock's ``PROFANITY``) is better-profanity's word list without the ordinary,
medical and identity words it also holds (``kill``, ``god``, ``gay``, ``breasts``, ``drunk``, ``vodka``:
the full exclusion list is :data:`NOT_PROFANITY`): a filter for swearing, not a topic filter.

Example::

    WordFilter(words=("darn",)).find("What the d4rn?")  # [WordMatch(start=9, end=13, text='d4rn', word='darn', ...)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import product

from guardrails.errors import InvalidPolicy

MAX_WORD_CHARS = 100  # Bedrock's GuardrailWordConfig.text
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s",
         "!": "i", "|": "l", "+": "t"}  # fmt: skip
_LEET_ALTERNATIVES = {"1": "l", "|": "i", "!": "l"}
_TOKEN = re.compile(r"\S+")
_EDGE = re.compile(r"^[^\w@$*]+|[^\w*$]+$")
_INNER = re.compile(r"[.\-_'`~,:;\"]")
NOT_PROFANITY = frozenset(
    {
        "2 girls 1 cup", "areole", "arian", "aryan", "asanchez", "auto erotic", "autoerotic", "bdsm", "bondage",
        "breasts", "busty", "cipa", "cow girl", "cow girls", "cowgirl", "cowgirls", "crap", "crotch", "damn",
        "dink", "dinks", "dong", "doofus", "dopey", "drunk", "dummy", "enlargement", "erect", "erection", "erotic",
        "erotism", "extacy", "extasy", "facial", "fart", "fat", "fingering", "flange", "floozy", "fondle", "foobar",
        "fubar", "gae", "gai", "ganja", "gay", "gays", "gigolo", "glans", "god", "gonad", "gonads", "gringo",
        "gtfo", "hell", "hemp", "herp", "herpes", "hiv", "hitler", "homey", "hooch", "hookah", "hooker", "hooters",
        "hootch", "hump", "humped", "humping", "hymen", "inbred", "incest", "jerk", "jerked", "junkie", "junky",
        "kill", "kinky", "kinkyjesus", "klan", "kkk", "knob", "labia", "lech", "len", "leper", "lesbians", "lmao",
        "lmfao", "loin", "loins", "lube", "lust", "lusting", "lusty", "mams", "masochist", "maxi", "menses",
        "menstruate", "menstruation", "meth", "molest", "moron", "murder", "naked", "napalm", "nazi", "nazism",
        "nimrod", "ninny", "nipple", "nipples", "nude", "nudes", "omg", "opiate", "opium", "oral", "orally",
        "organ", "orgies", "orgy", "ovary", "ovum", "ovums", "pantie", "panties", "panty", "pastie", "pasty",
        "pawn", "pcp", "pedophile", "pedophilia", "pedophiliac", "pee", "penetrate", "penetration", "penial",
        "penile", "perversion", "peyote", "phallic", "phalli", "pimp", "playboy", "pms", "pot", "potty", "prude",
        "pube", "pubic", "pubis", "punky", "queer", "queers", "racy", "rape", "raped", "raper", "raping", "rapist",
        "rectal", "rectum", "rectus", "reefer", "reich", "revue", "rum", "rump", "sadism", "sadist", "sandbar",
        "scantily", "schizo", "screw", "screwed", "screwing", "seaman", "seamen", "seduce", "semen", "sex",
        "sexual", "sissy", "slave", "sleaze", "sleazy", "slope", "sniper", "snuff", "sodom", "souse", "soused",
        "steamy", "stoned", "strip", "strip club", "stripclub", "stroke", "stupid", "suck", "sucked", "sucking",
        "tampon", "tawdry", "teat", "teste", "testes", "testis", "testicle", "testical", "three some", "threesome",
        "thrust", "thug", "tinkle", "toke", "toots", "tramp", "transsexual", "trashy", "tush", "ugly", "undies",
        "unwed", "urinal", "urine", "uterus", "uzi", "valium", "viagra", "virgin", "vixen", "vodka", "vomit",
        "voyeur", "vulgar", "vulva", "wad", "wang", "wazoo", "wedgie", "weed", "weirdo", "wench", "whiz", "willies",
        "willy", "womb", "woody", "xx", "xxx", "anal", "anus", "booty call", "dyke", "dykes", "homo", "lesbo",
        "lesbos", "lez", "vag", "heroin", "herpy", "shamedame", "teez", "teets", "essohbee",
        "foad", "hebe", "g-spot", "gspot", "smut", "smutty",
    }
)


@dataclass(frozen=True)
class WordMatch:
    """A match in the text (``start``/``end``, ``text`` as written) of a listed ``word``; ``managed`` for the
    profanity list."""

    start: int
    end: int
    text: str
    word: str
    managed: bool = False


@dataclass(frozen=True)
class WordFilter:
    """Custom ``words`` (1-100 characters each) and/or the managed ``profanity`` list."""

    words: tuple[str, ...] = ()
    profanity: bool = False
    substrings: bool = False

    def __post_init__(self) -> None:
        for word in self.words:
            if not word.strip() or len(word) > MAX_WORD_CHARS:
                raise InvalidPolicy(f"a word must have 1-{MAX_WORD_CHARS} characters, got {word!r}")
            if not _keys(word):
                raise InvalidPolicy(f"the word {word!r} has no letters or digits to match")

    def find(self, text: str) -> list[WordMatch]:
        """Every match in ``text``, in order; a part of the text matches at most one word."""
        tokens = _tokens(text)  # read once for the custom words and the managed list
        found = [_match(text, m, managed=False) for m in _find(tokens, _index(self.words), substrings=self.substrings)]
        if self.profanity:
            found += [_match(text, m, managed=True) for m in _find(tokens, profanity_index(), substrings=False)]
        kept: list[WordMatch] = []
        for match in sorted(found, key=lambda m: (m.start, -m.end, m.managed)):
            if not kept or match.start >= kept[-1].end:
                kept.append(match)
        return kept


@dataclass(frozen=True)
class _Index:
    phrases: dict[tuple[str, ...], str]  # normalised token tuple -> the word as configured
    longest: int
    firsts: frozenset[str]  # first tokens of the phrases of more than one token
    starts: frozenset[str]  # first tokens of every phrase (a token none of whose variants is one starts no match)
    by_length: dict[int, list[tuple[str, str]]]  # single words by length, for '*' wildcards


def profanity_words() -> list[str]:
    """The managed profanity list: better-profanity's words less :data:`NOT_PROFANITY`."""
    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    words = {line.strip() for line in text.splitlines() if line.strip()}
    return sorted(w for w in words if w.lower() not in NOT_PROFANITY)


@cache
def profanity_index() -> _Index:
    return _index(tuple(profanity_words()))


@lru_cache(maxsize=32)  # per configured word list (a guardrail version's words; up to 10,000 each), not per text
def _index(words: tuple[str, ...]) -> _Index:
    phrases: dict[tuple[str, ...], str] = {}
    by_length: dict[int, list[tuple[str, str]]] = {}
    # Plain words first: a match reports 'shit', not its listed spelling 's-h-1-t'.
    for word in sorted(words, key=lambda w: (not w.replace(" ", "").isalpha(), len(w))):
        for key in _keys(word):
            phrases.setdefault(key, word)
            if len(key) == 1:
                by_length.setdefault(len(key[0]), []).append((key[0], word))
    firsts = frozenset(key[0] for key in phrases if len(key) > 1)
    starts = frozenset(key[0] for key in phrases)
    return _Index(phrases, max((len(k) for k in phrases), default=0), firsts, starts, by_length)


def _keys(word: str) -> set[tuple[str, ...]]:
    """The normalised token tuples a configured word is matched as (its own leetspeak undone too)."""
    tokens = [t for t in (_clean(t) for t in word.split()) if t]
    if not tokens:
        return set()
    return {tuple(variant) for variant in product(*(_variants(t) for t in tokens))}


@lru_cache(maxsize=1 << 16)
def _clean(token: str) -> str:
    return _INNER.sub("", _EDGE.sub("", token.lower()))


@lru_cache(maxsize=1 << 16)
def _variants(token: str) -> list[str]:
    """A cleaned token as written, with leetspeak undone (both readings of 1, | and !), and with repeats
    collapsed."""
    out = [token]
    if any(c in _LEET for c in token):
        out.append("".join(_LEET.get(c, c) for c in token))
        out.append("".join(_LEET_ALTERNATIVES.get(c, _LEET.get(c, c)) for c in token))
    for form in list(out):
        out.append(re.sub(r"(.)\1{2,}", r"\1", form))
        out.append(re.sub(r"(.)\1+", r"\1", form))
    return list(dict.fromkeys(out))


Token = tuple[int, int, str]  # start, end, the cleaned token


def _tokens(text: str) -> tuple[list[Token], list[list[str]]]:
    """The text's non-empty cleaned tokens, and each one's variants."""
    tokens = [(m.start(), m.end(), _clean(m.group())) for m in _TOKEN.finditer(text)]
    tokens = [t for t in tokens if t[2]]
    return tokens, [_variants(t[2]) for t in tokens]


def _find(
    read: tuple[list[Token], list[list[str]]], index: _Index, *, substrings: bool
) -> Iterator[tuple[int, int, str]]:
    if not index.phrases:
        return
    tokens, variants = read
    for i in range(len(tokens)):
        if not (substrings or "*" in tokens[i][2] or any(v in index.starts for v in variants[i])):
            continue
        phrase = any(v in index.firsts for v in variants[i])
        longest = min(index.longest, len(tokens) - i) if phrase else 1
        for n in range(longest, 0, -1):
            word = _lookup(index, [t[2] for t in tokens[i : i + n]], variants[i : i + n], substrings=substrings)
            if word is not None:
                yield tokens[i][0], tokens[i + n - 1][1], word
                break
    yield from _spelled_out(tokens, index)


def _lookup(
    index: _Index, parts: Sequence[str], variants: Sequence[list[str]] | None = None, *, substrings: bool
) -> str | None:
    for variant in product(*(variants or [_variants(p) for p in parts])):
        if variant in index.phrases:
            return index.phrases[variant]
    if len(parts) == 1:
        token = parts[0]
        if "*" in token:
            return _wildcard(index, token)
        if substrings:
            for form in _variants(token):
                for (key,), word in ((k, w) for k, w in index.phrases.items() if len(k) == 1):
                    if len(key) >= 3 and key in form:
                        return word
    return None


def _wildcard(index: _Index, token: str) -> str | None:
    visible = sum(c != "*" for c in token)
    if visible * 2 < len(token):
        return None
    for form in _variants(token.replace("*", "\0"))[:3]:
        pattern = re.compile(re.escape(form).replace("\\\x00", ".").replace("\x00", "."))
        for key, word in index.by_length.get(len(form), ()):
            if pattern.fullmatch(key):
                return word
    return None


def _spelled_out(tokens: Sequence[Token], index: _Index) -> Iterator[tuple[int, int, str]]:
    """Words spelled one character per token: ``s h i t``, ``f u c k``."""
    run: list[Token] = []
    for token in [*tokens, (0, 0, "")]:
        if len(token[2]) == 1:
            run.append(token)
            continue
        for i in range(len(run)):
            for j in range(len(run), i + 2, -1):
                word = _lookup(index, ["".join(t[2] for t in run[i:j])], substrings=False)
                if word is not None:
                    yield run[i][0], run[j - 1][1], word
                    break
        run = []


def _match(text: str, match: tuple[int, int, str], *, managed: bool) -> WordMatch:
    start, end, word = match
    return WordMatch(start, end, text[start:end], word, managed)
