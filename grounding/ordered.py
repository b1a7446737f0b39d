"""Ordered containment: how much of a claim is one source sentence (or two adjacent ones) with words deleted.

A faithful compression ("The drug, approved in 2019, reduced pain." -> "The drug reduced pain.") keeps the
source's words in the source's order; a swapped name, number or word breaks the sequence. The similarity
features of :mod:`grounding.features` see neither the order nor what was left out, so a compressed sentence
often scores near 0.5 there. Purely lexical (the words and units v1 already has); no model.

==================  ==========================================================================
``order_kept``      IDF-weighted share of the focus's content words in the longest common subsequence
                    (of normalised stems) with the best source unit or pair of adjacent units: 1 for a
                    deletion-only compression, lower for each inserted or replaced content word
``order_extra``     of the focus's words outside that subsequence, the share that are content words
                    (a paraphrase adds "the", "was", "of"; a fabrication adds names and facts); 0 when
                    none are outside
``order_dropped``   1 when a negation or quantifier of the source ("not", "all", "only") lies inside or just
                    before the matched stretch of the source but is not in the claim
``order_flip``      1 when the claim and the source unit differ in negation *where they match*: an odd
                    number of negations that one side has and the other lacks, each counted only where
                    it negates something the claim kept (see :func:`_negation_changes`). "CRP
                    inhibited IL-6." from "CRP did not inhibit IL-6." is a flip; "CRP increased IL-8."
                    from "CRP increased IL-8 and did not inhibit IL-6." or "TLR9 signals require TLR9."
                    from "TLR9 signals, but not cytokine genes, require TLR9." is not (the clause went
                    with its negation)
==================  ==========================================================================

The best unit is chosen among the :data:`CANDIDATES` units sharing the most IDF weight of content stems with
the claim (the inverted index of :class:`~grounding.features.SourceFacts`), so the cost does not grow with
the source beyond that lookup.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence

from grounding.lexical import NEGATIONS, is_content, normalize, stem, words

ORDER_FEATURES = ("order_kept", "order_extra", "order_dropped", "order_flip")
CANDIDATES = 4
# Words whose loss changes what a sentence asserts ("not all patients" -> "patients").
_QUANTIFIERS = """all every each always only some few several most none no never any both either neither nor sometimes
rarely seldom usually often may might could possibly probably likely unlikely not"""
OPERATORS = NEGATIONS | frozenset(_QUANTIFIERS.split())
_BEFORE = 3  # source words before the matched stretch that still count as dropped from it
_GOVERNS = 4  # a negation governs the first content word among the next few, if no clause boundary comes first
_BOUNDARY = re.compile(r"[,;:.!?()\[\]\"“”\u2013\u2014]")  # en and em dash


@functools.lru_cache(maxsize=1 << 14)
def _tokens(text: str) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[str, ...], tuple[bool, ...]]:
    """Per word of ``text``: its stem, whether it is a content word, its normalised form, and whether a clause
    boundary (punctuation, or the start of the text) comes before it."""
    found = words(text)
    ends = [0, *(w.end for w in found)]
    return (
        tuple(stem(w.text) for w in found),
        tuple(is_content(w.text) for w in found),
        tuple(normalize(w.text) for w in found),
        tuple(k == 0 or bool(_BOUNDARY.search(text, ends[k], w.start)) for k, w in enumerate(found)),
    )


def _is_negation(form: str) -> bool:
    return form in NEGATIONS or form.endswith("n't")


def _governs_match(k: int, *, content: Sequence[bool], boundary: Sequence[bool], matched_: set[int]) -> bool:
    """Whether one of the few content words after position ``k``, in the same clause, is matched."""
    for g in range(k + 1, min(k + 1 + _GOVERNS, len(content))):
        if boundary[g]:
            return False
        if content[g] and g in matched_:
            return True
    return False


def _negation_changes(
    claim: tuple[Sequence[str], Sequence[bool], Sequence[bool]],
    unit: tuple[Sequence[str], Sequence[bool], Sequence[bool]],
    *,
    ours: Sequence[int],
    theirs: Sequence[int],
) -> int:
    """How many negations one side has where the other has none (``claim``/``unit``: forms, content flags,
    boundaries; ``ours``/``theirs``: the matched positions, pairwise).

    A claim's negation counts when it lies inside the matched stretch or governs a matched word. A source
    negation counts when it governs a matched word, or when it lies in a gap of the matched stretch where the
    claim has other content words (a negated phrase replaced: "not permitted" -> "allowed"); a gap the claim
    simply skips is a deleted clause, whose negation went with it.
    """
    mine, other = set(ours), set(theirs)
    count = 0
    for k, form in enumerate(claim[0]):
        if k not in mine and _is_negation(form):
            count += ours[0] < k < ours[-1] or _governs_match(k, content=claim[1], boundary=claim[2], matched_=mine)
    for k, form in enumerate(unit[0]):
        if k in other or not _is_negation(form):
            continue
        if _governs_match(k, content=unit[1], boundary=unit[2], matched_=other):
            count += 1
        elif theirs[0] < k < theirs[-1]:
            gap = next(a for a in range(len(theirs) - 1) if theirs[a] < k < theirs[a + 1])
            count += any(claim[1][i] for i in range(ours[gap] + 1, ours[gap + 1]))
    return count


def matched(claim: Sequence[str], unit: Sequence[str]) -> tuple[list[int], list[int]]:
    """Positions in ``claim`` and in ``unit`` of one longest common subsequence (dynamic programming)."""
    rows, cols = len(claim), len(unit)
    # table[i][j] = LCS length of claim[i:] and unit[j:]. A row is non-increasing in j, so a claim word that
    # is nowhere in the unit leaves the row below as it is, and each match only raises the entries to its
    # left that are lower than it: the same table as the textbook recurrence, without visiting every cell.
    where: dict[str, list[int]] = {}
    for j, word in enumerate(unit):
        where.setdefault(word, []).append(j)
    table: list[list[int]] = [[0] * (cols + 1)] * (rows + 1)
    for i in range(rows - 1, -1, -1):
        below = table[i + 1]
        matches = where.get(claim[i])
        if not matches:
            table[i] = below
            continue
        here = below[:]
        for m in reversed(matches):
            value, k = below[m + 1] + 1, m
            while k >= 0 and here[k] < value:
                here[k] = value
                k -= 1
        table[i] = here
    ours, theirs, i, j = [], [], 0, 0
    while i < rows and j < cols:
        if claim[i] == unit[j]:
            ours.append(i)
            theirs.append(j)
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return ours, theirs


def order_features(
    focus: str,
    unit_texts: Sequence[str],
    candidates: Sequence[int],
    *,
    same_source: Callable[[int, int], bool],
    weight: Callable[[str], float],
) -> tuple[float, float, float, float]:
    """``(order_kept, order_extra, order_dropped, order_flip)`` of ``focus`` against the ``candidates``
    (positions in ``unit_texts``), each alone and joined with the unit before or after it in the same source
    (``weight``: a stem's IDF); ``(0, 1, 0, 0)`` without any."""
    claim_stems, claim_content, claim_forms, claim_boundary = _tokens(focus)
    weights = [weight(s) if c else 0.0 for s, c in zip(claim_stems, claim_content, strict=True)]
    total = sum(weights)
    if not claim_stems or total == 0:
        return 1.0, 0.0, 0.0, 0.0
    best: tuple[float, list[int], list[int], tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...]]] | None
    best, best_size = None, 0
    spans = {(u,) for u in candidates} | {
        (v, v + 1) for u in candidates for v in (u - 1, u) if 0 <= v < len(unit_texts) - 1 and same_source(v, v + 1)
    }
    # A single unit before a pair holding it: a pair wins only by keeping more of the claim, so a faithful
    # claim is not aligned into the neighbouring sentence (and its negations).
    for span in sorted(spans, key=lambda s: (len(s), s)):
        unit_stems: tuple[str, ...] = ()
        unit_words: tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...]] = ((), (), ())
        for u in span:
            stems, content, forms, boundary = _tokens(unit_texts[u])
            unit_stems = unit_stems + stems
            unit_words = (unit_words[0] + forms, unit_words[1] + content, unit_words[2] + boundary)
        ours, theirs = matched(claim_stems, unit_stems)
        kept = sum(weights[i] for i in ours) / total
        # On a tie in kept content, the single unit (or pair, among pairs) matching more of the claim's words in
        # order, its "not" too: "but not during chewing." keeps "chewing" from every sentence naming it, and is
        # aligned with the one saying "but not during chewing".
        tied = best is not None and kept == best[0] and len(span) == best_size and len(ours) > len(best[1])
        if best is None or kept > best[0] or tied:
            best, best_size = (kept, ours, theirs, unit_words), len(span)
    if best is None:
        return 0.0, 1.0, 0.0, 0.0
    kept, ours, theirs, (unit_forms, unit_content, unit_boundary) = best
    inside = set(ours)
    outside = [claim_content[i] for i in range(len(claim_stems)) if i not in inside]
    extra = sum(outside) / len(outside) if outside else 0.0
    claim_words = set(claim_forms)
    dropped = flip = 0.0
    if theirs:
        used = set(theirs)
        stretch = range(max(0, theirs[0] - _BEFORE), theirs[-1] + 1)
        lost = {unit_forms[j] for j in stretch if j not in used}
        dropped = float(any(w in OPERATORS and w not in claim_words for w in lost))
        claim_side = (claim_forms, claim_content, claim_boundary)
        changes = _negation_changes(claim_side, (unit_forms, unit_content, unit_boundary), ours=ours, theirs=theirs)
        flip = float(changes % 2)
    return kept, extra, dropped, flip


def candidate_units(
    focus: str, by_word: Mapping[str, frozenset[int]], weight: Callable[[str], float], limit: int = CANDIDATES
) -> list[int]:
    """The ``limit`` units holding the most IDF weight of the focus's content stems (``by_word``: stem -> units)."""
    claim_stems, claim_content, _, _ = _tokens(focus)
    held: dict[int, float] = {}
    for s in {s for s, c in zip(claim_stems, claim_content, strict=True) if c}:
        for unit in by_word.get(s, ()):
            held[unit] = held.get(unit, 0.0) + weight(s)
    return sorted(held, key=lambda u: (-held[u], u))[:limit]
