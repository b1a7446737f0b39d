"""Split an answer into the claims that are checked one by one, each with its span in the answer.

Rules, in order:

1. Sentences come from :func:`ingest.sentences.sentence_spans`. A leading list marker ("- ",
   "2) ") is left out of the claim.
2. A sentence that only declines to answer ("I don't know.", "The sources do not say.") is an
   *abstention*, not a claim. When every sentence is one, the answer abstained: it adds no
   information, so nothing in it can be ungrounded (see ``docs/grounding.md``). After
   "..., but" the rest of such a sentence is a claim again.
3. Questions ("?") and sentences without a content word ("Sure!", "2.") are not claims.
   If that leaves nothing, the whole answer is one claim, so that every answer is checked.
4. A sentence is cut at ";" and before ", but" / ", whereas" / ", while" when both parts keep
   at least :data:`MIN_PART_WORDS` words and the cut is not inside brackets ("(HR 5.3; 95% CI
   4.2-6.9)" stays whole), and in pieces of at most :data:`MAX_CLAIM_WORDS` words, so one false
   clause is not averaged away by a long true sentence. A clause after the first ("but not during
   chewing.") keeps its sentence as ``context``: its words are compared in the sentence's encoding, since
   encoded alone, an opener like "but" or "and" leaves their vectors far from the source's.
   A "sentence" that is only a fragment of the one before -- it starts in lower case or with a
   closing bracket, has fewer than :data:`ALWAYS_SHORT_WORDS` words, or closes a bracket that the
   sentence before left open ("... as shown by Guo et al. (2016)).") -- is joined to it: split off,
   it has no words to be checked by. A sentence that closes no bracket stays whole even after an open
   one (a shortened answer can leave "(489 in 1993, 653 in 1994." open for good).
5. A *short answer* -- one phrase of at most :data:`ALWAYS_SHORT_WORDS` words ("London", "1968.",
   "The Thames"), or of at most :data:`SHORT_ANSWER_WORDS` words without a closing full stop
   ("Mumbai, capital of Maharashtra") -- states nothing on its own: its claim is read as
   ``"<query> <answer>"``, so "What is the capital of Japan?" + "London" is checked as a statement
   about Japan. "London stands on the Thames." is a sentence and stands alone.
"""

# ruff: noqa: RUF001 -- curly apostrophes are normalised here.
from __future__ import annotations

import re
from dataclasses import dataclass

from grounding.lexical import is_content, words
from ingest.sentences import sentence_spans

SHORT_ANSWER_WORDS = 6
ALWAYS_SHORT_WORDS = 3
MAX_CLAIM_WORDS = 60
MIN_PART_WORDS = 4

_LIST_MARKER = re.compile(r"(?:[-*+•‣◦]|\d{1,3}[.)])\s+")
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:but|whereas|while)\s)")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})
_ABSTENTION = re.compile(
    r"^(?:(?:i'm |i am )?sorry,?\s*)?(?:but\s+|unfortunately,?\s*)?(?:"
    r"i (?:do not|don't|really don't) (?:know|have (?:that|this|enough|any|the) information)"
    r"|i(?:'m| am) (?:not sure|unsure|unable to|not able to)"
    r"|i (?:cannot|can't|could not|couldn't) (?:answer|tell|say|find|determine|help|provide)"
    r"|i have no (?:information|idea|data|knowledge)"
    r"|(?:the |this |these )?(?:provided |given |available )?(?:sources?|context|documents?|passages?|texts?"
    r"|information|search results?|knowledge base|handbook|manual|abstract|article|report|policy|page|excerpt)"
    r" (?:(?:do|does|did) not|don't|doesn't|didn't) (?:say|mention|contain|provide|specify|state|include"
    r"|answer|cover|give|tell|address|discuss)"
    r"|(?:there is|there's) (?:no|not enough) (?:information|data|mention|evidence)"
    r"|(?:it is|it's) (?:not (?:possible|clear)|unclear|unknown) (?:to|from|whether|how|what|who|when)"
    r"|(?:this|that|the answer) (?:cannot|can't) be (?:determined|answered|found)"
    r"|no (?:information|answer) (?:is |was )?(?:available|provided|given|found)"
    r"|not enough information|unknown|no idea|n/a"
    r")\b",
    re.IGNORECASE,
)
_BUT = re.compile(r"(?:,\s*|\s+)(?:but|however,?)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    """A claim to check. ``answer[start:end]`` is where it is in the answer; ``text`` is what is
    compared with the sources (the same words, or ``"<query> <answer>"`` for a short answer),
    and ``text[focus_start:]`` the part that came from the answer. ``context``: for a clause cut from
    the middle of its sentence ("but not during chewing."), the sentence's ``(start, end)`` in the
    answer, whose encoding gives the clause's word vectors (rule 4)."""

    text: str
    start: int
    end: int
    focus_start: int = 0
    context: tuple[int, int] | None = None


def split_claims(answer: str, *, query: str) -> tuple[list[Claim], bool]:
    """``(claims, abstained)`` for ``answer``; see the module docstring for the rules.

    >>> claims, abstained = split_claims("Paris is in France. Is it big?", query="Where is Paris?")
    >>> [c.text for c in claims], abstained
    (['Paris is in France.'], False)
    >>> split_claims("London", query="What is the capital of the UK?")[0][0].text
    'What is the capital of the UK? London'
    """
    spans = [_strip_marker(answer, start, end) for start, end in sentence_spans(answer)]
    spans = _joined_fragments(answer, [(start, end) for start, end in spans if start < end])
    if not spans:
        return [], False
    if len(spans) == 1 and _is_short(answer[spans[0][0] : spans[0][1]]):
        start, end = spans[0]
        if _abstention_rest(answer, start, end) is None:
            return [], True
        prefix = " ".join(query.split()) + " "
        return [Claim(prefix + answer[start:end], start, end, focus_start=len(prefix))], False
    claims: list[Claim] = []
    abstentions = 0
    for start, end in spans:
        rest = _abstention_rest(answer, start, end)
        if rest is None:
            abstentions += 1
            continue
        if rest != start:
            abstentions += 1
        claims.extend(_clauses(answer, rest, end))
    if not claims and abstentions:
        return [], True
    if not claims:
        start, end = spans[0][0], spans[-1][1]
        claims = [Claim(answer[start:end], start, end)]
    return claims, False


def _joined_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with each fragment (rule 4) joined to the sentence before it."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        piece = text[start:end]
        fragment = piece[:1].islower() or piece[:1] in ")]" or len(words(piece)) < ALWAYS_SHORT_WORDS
        question = piece.rstrip().endswith("?")  # "Why not?" is not part of the sentence before it
        closes = bool(joined) and _bracket_depth(text[joined[-1][0] : joined[-1][1]]) > 0 and _closes_bracket(piece)
        if joined and not question and (fragment or closes):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _closes_bracket(text: str) -> bool:
    """Whether ``text`` closes a bracket it did not open ("2016)) found ..."). A sentence after an open bracket
    is joined to it only then: a compression that cut "(489 in 1993, ... 477 in 1996." leaves its bracket open
    for good, and the sentences after it are sentences of their own."""
    depth = 0
    for char in text:
        depth += (char in "([") - (char in ")]")
        if depth < 0:
            return True
    return False


def _bracket_depth(text: str) -> int:
    """How many brackets are open at the end of ``text``."""
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _is_short(sentence: str) -> bool:
    """A phrase, not a sentence: up to ALWAYS_SHORT_WORDS words ("Delhi.", "The Thames"), or up
    to SHORT_ANSWER_WORDS without a closing full stop ("Mumbai, capital of Maharashtra")."""
    count = len(words(sentence))
    return count <= ALWAYS_SHORT_WORDS or (count <= SHORT_ANSWER_WORDS and sentence.rstrip()[-1:] not in ".!?。")


def _strip_marker(text: str, start: int, end: int) -> tuple[int, int]:
    marker = _LIST_MARKER.match(text, start, end)
    return (marker.end(), end) if marker else (start, end)


def _abstention_rest(text: str, start: int, end: int) -> int | None:
    """``start`` for an ordinary sentence; ``None`` for a pure abstention; for "I don't know, but X",
    where X starts."""
    sentence = text[start:end].translate(_APOSTROPHES)
    if not _ABSTENTION.match(sentence):
        return start
    but = _BUT.search(sentence)
    if but is None or not any(is_content(w.text) for w in words(sentence[but.end() :])):
        return None
    return start + but.end()


def _clauses(text: str, start: int, end: int) -> list[Claim]:
    """Claims of one sentence: its clauses (rule 4), minus questions and content-free ones (rule 3)."""
    if text[start:end].rstrip().endswith("?"):
        return []
    pieces: list[tuple[int, int]] = []
    cut = start
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        left, right = text[cut : match.start()], text[match.end() : end]
        inside_brackets = _bracket_depth(text[start : match.start()]) > 0
        if len(words(left)) >= MIN_PART_WORDS and len(words(right)) >= MIN_PART_WORDS and not inside_brackets:
            pieces.append((cut, match.start()))
            cut = match.end()
    pieces.append((cut, end))
    claims = []
    for piece_start, piece_end in pieces:
        capped = _capped(text, piece_start, piece_end)
        # A clause after the first is read in its sentence (rule 4); a capped piece of a long one is not.
        context = (start, end) if piece_start > pieces[0][0] and len(capped) == 1 else None
        for a, b in capped:
            if any(is_content(w.text) and not w.text.isdigit() for w in words(text[a:b])):
                claims.append(Claim(text[a:b], a, b, context=context))
    return claims


def _capped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` in pieces of at most MAX_CLAIM_WORDS words (long run-on sentences, tables)."""
    found = words(text[start:end])
    if len(found) <= MAX_CLAIM_WORDS:
        return [(start, end)]
    pieces = []
    for first in range(0, len(found), MAX_CLAIM_WORDS):
        chunk = found[first : first + MAX_CLAIM_WORDS]
        piece_end = end if first + MAX_CLAIM_WORDS >= len(found) else start + chunk[-1].end
        pieces.append((start + chunk[0].start, piece_end))
    return pieces
