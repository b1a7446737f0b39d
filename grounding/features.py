"""The features of one claim against its candidate evidence; the scorer turns them into a probability.

All features are shares, similarities or flags in about [0, 1]; none grows with the length of
the answer or the claim (length would let a model learn dataset artefacts, such as HaluEval's
short right answers). *Content words* are words that are not stop words; each is weighted by its
IDF, so "Japan" counts more than "capital". The *focus* is the part of the claim that came from
the answer (all of it, except for a short answer read with its query).

==================  ==========================================================================
``cos_top``         best MiniLM cosine between the claim and a candidate unit
``align_best``      BERTScore-style precision: IDF-weighted mean, over the claim's content words,
                    of each word's best token cosine in the best single unit
``align_union``     the same against the union of the candidate units (facts spread over sentences)
``align_focus``     the union alignment over the focus content words only (differs for short answers)
``align_min``       the lowest such word similarity among the focus content words (one swapped word)
``align_min2``      the mean of the two lowest (less noisy than one word)
``align_min_idf``   the lowest of ``1 - u * (1 - similarity)`` over focus content words, ``u`` the word's
                    IDF over the largest possible IDF: a rare word ("Vikings", "1943") without a
                    counterpart weighs more than a common one ("people") in a paraphrase
``align_low``       IDF-weighted share of focus content words whose similarity is under 0.6
``lex_source``      IDF-weighted share of focus content stems found anywhere in the sources
``lex_evidence``    the same, in the candidate units only
``new_name``        share of the focus's names (capitalised words) found nowhere in the sources
``new_number``      share of the focus's numbers (digits; dates, amounts) found nowhere in the sources
``negation_flip``   1 when the claim and its best unit differ in negation (not/never/no ...); the flag of the
                    same name is raised by ``order_flip`` (below), which a deleted negated clause does not set
``antonym``         1 when the claim uses a directional word whose opposite the best unit uses
``anchor_apart``    share of the pairs of the focus's *anchors* (names and numbers that occur in the
                    sources) that no single source unit holds together: "The capital of Japan is
                    London." against "London is the capital of the UK. Tokyo is the capital of Japan."
                    pairs two names the sources never pair (a relation swap); a unit that continues the one
                    before (a 64-word piece, a fragment cut at "av.") holds the anchors of the whole run
``anchor_far``      the same, where not even two neighbouring units of one source hold the pair
==================  ==========================================================================

v1's model reads these (:data:`FEATURE_NAMES`, also read by v3) and :data:`V1_EXTRA` (:data:`V1_FEATURES`):
``order_flip`` of :mod:`grounding.ordered` (also read by v3), ``negation_flip`` against the stretch of the source
the claim kept, so a claim that drops a source sentence's negated clause ("CRP increased IL-8." from "CRP
increased IL-8 and did not inhibit IL-6.") is not a flip; and, since 2026-12-04, ``quantity_conflict`` and
``quantifier_raised`` of :mod:`grounding.quantities` (v1 only): a number of the sources stated with another unit
or meaning ("212 °F" against "212 °C", "for 14 months" where 14 counts care homes), and "always" where the
claim's source sentence says "usually". Both modules stay out of the feature cache's key
(``scripts/grounding/order_stage.py`` recomputes their columns).
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from grounding.claims import Claim
from grounding.encoder import Encoded
from grounding.evidence import MAX_UNIT_WORDS, Unit, source_units
from grounding.lexical import (
    Word,
    antonym_conflict,
    claim_numbers,
    is_content,
    names,
    normalize,
    number_found,
    numbers,
    polarity,
    stem,
    weighted_coverage,
    words,
)
from grounding.ordered import candidate_units, order_features
from grounding.quantities import QUANTITY_FEATURES, Quantity, quantities, quantity_features
from grounding.types import Flag

FEATURE_NAMES = (
    "cos_top", "align_best", "align_union", "align_focus", "align_min", "align_min2", "align_min_idf", "align_low",
    "lex_source",
    "lex_evidence",
    "new_name", "new_number", "negation_flip", "antonym",
    "anchor_apart", "anchor_far",
)  # fmt: skip
# v1's model: the shared features and the ordered-containment negation check (see the module docstring).
V1_EXTRA = ("order_flip", *QUANTITY_FEATURES)
V1_FEATURES = (*FEATURE_NAMES, *V1_EXTRA)
LOW_SIMILARITY = 0.6
_FRAGMENT_WORDS = 3
_SENTENCE_ENDS = (".", "!", "?", ":", ";", '"', "'", "\u201d", "\u2019", ")", "]")
# Words that point back to an earlier sentence: a unit holding one also holds the previous unit's anchors.
_PRONOUNS = frozenset(
    {"it", "its", "they", "their", "them", "he", "his", "him", "she", "her", "this", "these", "there"}
)


@dataclass(frozen=True)
class Lexicon:
    """IDF per stem (from the training corpora) and the IDF given to a stem never seen there."""

    idf: Mapping[str, float]
    default_idf: float

    def weight(self, word: str) -> float:
        return self.stem_weight(stem(word))

    def stem_weight(self, stem_: str) -> float:
        return self.idf.get(stem_, self.default_idf)


@dataclass(frozen=True)
class SourceFacts:
    """What every claim is checked against, computed once per call: all stems, words, numbers, and
    (on first use) which units hold each word and number."""

    stems: frozenset[str]
    words: frozenset[str]
    numbers: frozenset[float]
    sources: tuple[str, ...] = ()
    units: tuple[Unit, ...] | None = field(default=None, repr=False)
    # focus -> (the lexicon it was ranked with, its candidate units): ranked once for ordered() and quantity_values()
    _ranked: dict[str, tuple[Lexicon, tuple[int, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def of(cls, sources: Sequence[str], units: Sequence[Unit] | None = None) -> SourceFacts:
        """``units`` are :func:`~grounding.evidence.source_units` of ``sources`` when the caller has them."""
        text = "\n".join(sources)
        found = words(text)
        return cls(
            stems=frozenset(stem(w.text) for w in found),
            words=frozenset(normalize(w.text) for w in found),
            numbers=frozenset(numbers(text)),
            sources=tuple(sources),
            units=None if units is None else tuple(units),
        )

    @functools.cached_property
    def all_units(self) -> tuple[Unit, ...]:
        """``units`` as given, or the sources' units computed once."""
        return self.units if self.units is not None else tuple(source_units(self.sources))

    @functools.cached_property
    def _unit_index(
        self,
    ) -> tuple[dict[str, frozenset[int]], dict[float, frozenset[int]], tuple[int, ...], frozenset[str]]:
        """Word (normalised and stemmed) -> units holding it, number -> units, each unit's source, and the
        words the sources write capitalised (proper nouns; "Drop" opening an instruction is not one when the
        sources only say "drop").

        A unit with a pronoun ("It has 14 million people.") also holds the words and numbers of the unit before
        it in the same source, its likely antecedent, so "Tokyo has 14 million people." is not a pair apart.
        """
        units = self.all_units
        stems: dict[str, str] = {}  # each distinct word is stemmed once (a 100k source has ~17k words)
        found = [words(unit.text) for unit in units]
        keys = [
            {normalize(w.text) for w in ws} | {stems.get(w.text) or stems.setdefault(w.text, stem(w.text)) for w in ws}
            for ws in found
        ]
        values = [numbers(unit.text) for unit in units]
        # A unit that continues the one before (a piece of a long sentence, or a fragment the sentence splitter
        # cut off: "(av. 441 mg/d)") holds the words and numbers of the whole run, as the claim splitter joins them.
        joined_keys, joined_values = list(keys), list(values)
        run_start = 0
        for position in range(1, len(units) + 1):
            if position < len(units) and _continues(
                units[position - 1],
                units[position],
                words_before=len(found[position - 1]),
                n_words=len(found[position]),
            ):
                continue
            run = range(run_start, position)
            if len(run) > 1:
                run_keys = set().union(*(keys[k] for k in run))
                run_values = set().union(*(values[k] for k in run))
                for k in run:
                    joined_keys[k], joined_values[k] = run_keys, run_values
            run_start = position
        keys, values = joined_keys, joined_values
        by_word: dict[str, set[int]] = {}
        by_number: dict[float, set[int]] = {}
        for position, unit in enumerate(units):
            held_keys, held_values = keys[position], values[position]
            previous = position - 1
            if previous >= 0 and units[previous].source_index == unit.source_index and held_keys & _PRONOUNS:
                held_keys, held_values = held_keys | keys[previous], held_values | values[previous]
            for key in held_keys:
                by_word.setdefault(key, set()).add(position)
            for value in held_values:
                by_number.setdefault(value, set()).add(position)
        capitalised = frozenset(normalize(w.text) for ws in found for w in ws if w.text[:1].isupper())
        return (
            {k: frozenset(v) for k, v in by_word.items()},
            {k: frozenset(v) for k, v in by_number.items()},
            tuple(unit.source_index for unit in units),
            capitalised,
        )

    def anchor_spread(self, text: str, stated: list[tuple[float, int]]) -> tuple[float, float]:
        """``anchor_apart`` and ``anchor_far`` (see the module docstring) for a claim's ``text`` and its numbers.

        A run of names ("Helen Marsh") is one anchor, held by every unit naming any part of it ("Marsh had
        earlier worked ..."); a name counts only when the sources write it capitalised.
        """
        by_word, by_number, source_of, capitalised = self._unit_index
        anchors = []
        for run in name_runs(text):
            proper = [w for w in run if w in capitalised]
            if proper:
                anchors.append(
                    frozenset().union(
                        *(by_word.get(w, frozenset()) | by_word.get(stem(w), frozenset()) for w in proper)
                    )
                )
        for value, decimals in sorted(set(stated)):
            held = [by_number[v] for v in by_number if number_found(value, decimals, {v})]
            anchors.append(frozenset().union(*held))
        anchors = [units for units in anchors if units]  # an anchor found nowhere is new_name/new_number's
        pairs = list(itertools.combinations(anchors, 2))
        if not pairs:
            return 0.0, 0.0
        apart = far = 0
        for first, second in pairs:
            if first.isdisjoint(second):
                apart += 1
                near = {
                    n for u in first for n in (u - 1, u + 1) if 0 <= n < len(source_of) and source_of[n] == source_of[u]
                }
                far += near.isdisjoint(second)
        return apart / len(pairs), far / len(pairs)

    def ordered(self, focus: str, lexicon: Lexicon) -> tuple[float, float, float, float]:
        """:data:`~grounding.ordered.ORDER_FEATURES` of a claim's ``focus`` against its best source units."""
        _, _, source_of, _ = self._unit_index
        units = self.all_units

        def same_source(first: int, second: int) -> bool:
            return source_of[first] == source_of[second]

        picked = self._candidates(focus, lexicon)
        texts = [u.text for u in units]
        return order_features(focus, texts, picked, same_source=same_source, weight=lexicon.stem_weight)

    def _candidates(self, focus: str, lexicon: Lexicon) -> tuple[int, ...]:
        """:func:`~grounding.ordered.candidate_units` of a claim's ``focus``, ranked once per claim and lexicon."""
        entry = self._ranked.get(focus)
        if entry is None or entry[0] is not lexicon:
            entry = self._ranked[focus] = (
                lexicon,
                tuple(candidate_units(focus, self._unit_index[0], lexicon.stem_weight)),
            )
        return entry[1]

    @functools.cached_property
    def quantities(self) -> tuple[Quantity, ...]:
        """Every quantity (a number with its unit) and count ("14 care homes") the sources state
        (:func:`grounding.quantities.quantities`)."""
        return tuple(q for source in self.sources for q in quantities(source))

    def quantity_values(self, focus: str, lexicon: Lexicon) -> tuple[float, float]:
        """:data:`~grounding.quantities.QUANTITY_FEATURES` of a claim's ``focus``; its source sentence is the unit
        holding the most IDF weight of its content words."""
        units = self.all_units
        picked = self._candidates(focus, lexicon)  # the best first, as candidate_units(..., limit=1) ranks it
        sentence = units[picked[0]].text if picked else None
        return quantity_features(focus, self.quantities, self.numbers, sentence)

    def new_names(self, names_: set[str]) -> list[str]:
        """The names (capitalised words) found nowhere in the sources."""
        return [n for n in names_ if n not in self.words and stem(n) not in self.stems]

    def new_numbers(self, stated: list[tuple[float, int]]) -> list[float]:
        """The stated ``(value, decimals)`` numbers found nowhere in the sources."""
        present = set(self.numbers)
        return [v for v, d in stated if not number_found(v, d, present)]


@dataclass(frozen=True)
class ClaimFeatures:
    """Feature values (in :data:`FEATURE_NAMES` order) and v1's extra ones (:data:`V1_EXTRA`), the best unit and
    the reasons to doubt."""

    values: npt.NDArray[np.float32]
    best: int  # position in the candidate list
    similarity: float  # cosine of the claim and the best unit
    flags: tuple[Flag, ...]
    opposes: bool  # the best unit matches the claim but says the opposite
    extra: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(len(V1_EXTRA), dtype=np.float32))

    @property
    def v1_values(self) -> npt.NDArray[np.float32]:
        """The :data:`V1_FEATURES` row."""
        return np.concatenate([self.values, self.extra])


def claim_features(
    claim: Claim,
    encoded: Encoded,
    candidates: Sequence[tuple[Unit, Encoded]],
    *,
    facts: SourceFacts,
    lexicon: Lexicon,
) -> ClaimFeatures:
    """Features of ``claim`` against its candidate units (at least one)."""
    focus = claim.text[claim.focus_start :]
    cosines = [float(encoded.vector @ unit_encoded.vector) for _, unit_encoded in candidates]
    word_items, pieces = content_words(claim.text, encoded)
    weights = np.array([lexicon.weight(w.text) for w in word_items], dtype=np.float32)
    in_focus = np.array([w.start >= claim.focus_start for w in word_items], dtype=bool)
    per_unit = [
        word_similarity(encoded.tokens, unit_encoded.tokens, pieces, len(word_items)) for _, unit_encoded in candidates
    ]
    precisions = [weighted_mean(sims, weights) for sims in per_unit]
    best = int(np.argmax(precisions))
    union = np.max(np.stack(per_unit), axis=0)
    focus_sims, focus_weights = union[in_focus], weights[in_focus]
    best_unit = candidates[best][0]

    focus_stems = [stem(w.text) for w in words(focus) if is_content(w.text)]
    evidence_stems = frozenset().union(*(unit.stems for unit, _ in candidates))
    lex_source = weighted_coverage(focus_stems, set(facts.stems), lexicon.idf, lexicon.default_idf)
    lex_evidence = weighted_coverage(focus_stems, set(evidence_stems), lexicon.idf, lexicon.default_idf)
    claim_names = names(focus)
    new_names = facts.new_names(claim_names)
    stated = claim_numbers(focus)
    new_numbers = facts.new_numbers(stated)
    flip = polarity(claim.text) != polarity(best_unit.text)
    antonym = antonym_conflict(claim.text, best_unit.text)
    apart, far = facts.anchor_spread(focus, stated)

    values = np.array(
        [
            max(cosines),
            precisions[best],
            weighted_mean(union, weights),
            weighted_mean(focus_sims, focus_weights),
            float(focus_sims.min()) if focus_sims.size else 1.0,
            float(np.sort(focus_sims)[:2].mean()) if focus_sims.size else 1.0,
            float((1.0 - focus_weights / lexicon.default_idf * (1.0 - focus_sims)).min()) if focus_sims.size else 1.0,
            weighted_mean((focus_sims < LOW_SIMILARITY).astype(np.float32), focus_weights, empty=0.0),
            lex_source,
            lex_evidence,
            len(new_names) / len(claim_names) if claim_names else 0.0,
            len(new_numbers) / len(stated) if stated else 0.0,
            float(flip),
            float(antonym),
            apart,
            far,
        ],
        dtype=np.float32,
    )
    # The flag (and ``opposes``) use ``order_flip``: a claim that drops a negated clause of its source sentence
    # is no flip; it raised the whole-unit flag on 2.3 % of faithful synthetic claims, ``order_flip`` on 0.1 %
    # (docs/grounding.md, "Claim scores").
    order_flip = facts.ordered(focus, lexicon)[3] > 0.5
    conflict, raised = facts.quantity_values(focus, lexicon)
    flags: list[Flag] = []
    if conflict:
        flags.append("quantity_conflict")
    if raised:
        flags.append("quantifier_raised")
    if new_numbers:
        flags.append("new_number")
    if new_names:
        flags.append("new_name")
    if order_flip:
        flags.append("negation_flip")
    if antonym:
        flags.append("antonym")
    if lex_source < 0.75:
        flags.append("new_content")
    if max(cosines) < 0.3:
        flags.append("no_evidence")
    same_topic = precisions[best] >= 0.6 and cosines[best] >= 0.5
    opposes = same_topic and (
        order_flip or antonym or bool(new_numbers and numbers(best_unit.text)) or bool(new_names) or conflict > 0
    )
    extra = np.array([float(order_flip), conflict, raised], dtype=np.float32)
    return ClaimFeatures(
        values=values, best=best, similarity=cosines[best], flags=tuple(flags), opposes=opposes, extra=extra
    )


def _continues(previous: Unit, unit: Unit, *, words_before: int, n_words: int) -> bool:
    """Whether ``unit`` (of ``n_words`` words) continues ``previous`` (of ``words_before``) in the same source: it
    starts in lower case or with a closing bracket, has fewer than 3 words, or follows a unit with open brackets
    or a full piece of a long sentence (:data:`~grounding.evidence.MAX_UNIT_WORDS` words, no closing full stop).
    A heading or list line without a full stop ("Date of birth 26 June 1968") is not continued by the next line."""
    if previous.source_index != unit.source_index:
        return False
    text, before = unit.text.lstrip(), previous.text.rstrip()
    if text[:1].islower() or text[:1] in ")]" or n_words < _FRAGMENT_WORDS:
        return True
    if before.count("(") + before.count("[") > before.count(")") + before.count("]"):
        return True
    return words_before >= MAX_UNIT_WORDS and not before.endswith(_SENTENCE_ENDS)


def name_runs(text: str) -> list[list[str]]:
    """The names of ``text`` (:func:`~grounding.lexical.names`), consecutive ones joined: "Helen Marsh" is one run."""
    found = names(text)
    runs: list[list[str]] = []
    previous_end = None
    for word in words(text):
        name = normalize(word.text)
        if name not in found:
            previous_end = None
            continue
        if previous_end is not None and not text[previous_end : word.start].strip():
            runs[-1].append(name)
        else:
            runs.append([name])
        previous_end = word.end
    return runs


def content_words(text: str, encoded: Encoded) -> tuple[list[Word], npt.NDArray[np.int64]]:
    """The claim's content words (all words if it has none) and their word pieces: ``(token, word)`` index
    pairs, one for each token whose characters overlap a content word's.

    Usually a token lies inside one word. Signs that are neither letters nor punctuation to the tokenizer move
    a token's offsets: "~22nt" with U+223C is one [UNK] token from the sign on, "C16:0" with U+2236 one [UNK]
    over two words, "min-1" with U+2212 ends in a piece "##-1" that starts before the word "1". Such a token
    belongs to every word it overlaps, so that no word is left without pieces (similarity 0) by accident."""
    found = words(text)
    chosen = [w for w in found if is_content(w.text)] or found
    ends = [w.end for w in chosen]
    pairs = []
    for token, (start, end) in enumerate(encoded.spans.tolist()):
        position = bisect.bisect_right(ends, start)  # the first word ending after the token's start
        while position < len(chosen) and chosen[position].start < max(end, start + 1):
            pairs.append((token, position))
            position += 1
    return chosen, np.array(pairs, dtype=np.int64).reshape(-1, 2)


def word_similarity(
    tokens: npt.NDArray[np.float32], other: npt.NDArray[np.float32], pieces: npt.NDArray[np.int64], n_words: int
) -> npt.NDArray[np.float32]:
    """Per word, the mean over its word pieces (``(token, word)`` pairs, :func:`content_words`) of each
    piece's best cosine with any row of ``other``; 0 when either side has no tokens."""
    if other.shape[0] == 0 or tokens.shape[0] == 0:
        return np.zeros(n_words, dtype=np.float32)
    best = (tokens @ other.T).max(axis=1)
    sums = np.zeros(n_words, dtype=np.float32)
    counts = np.zeros(n_words, dtype=np.float32)
    np.add.at(sums, pieces[:, 1], best[pieces[:, 0]])
    np.add.at(counts, pieces[:, 1], 1.0)
    # A word the tokenizer cut off (over the window) keeps similarity 0: unseen is unsupported.
    return np.where(counts > 0, sums / np.maximum(counts, 1.0), 0.0).astype(np.float32)


def weighted_mean(values: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], *, empty: float = 1.0) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else empty
