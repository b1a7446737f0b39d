"""Does the answer address the query? Features for the relevance score.

Relevance is not grounding: "The capital of the UK is London" is grounded in a source about the
UK and irrelevant to "What is the capital of Japan?". The features look only at query and answer
(the claims as checked, so a short answer is read with its query, and a one-word answer that fills
the question's slot counts as addressing it):

=============  ================================================================================
``rel_cos``    best MiniLM cosine between the query and a claim of the answer
``rel_cover``  IDF-weighted mean, over the query's content words, of each word's best token
               cosine with any token of the answer ("Japan" has no close token in an answer
               about the UK)
``rel_names``  share of the query's names (capitalised words) that the answer mentions
``rel_type``   0 when the query asks for a number or date ("how many", "when", "what year") and
               the answer gives none, else 1
``rel_lex``    IDF-weighted share of the query's content stems that the answer uses verbatim (an
               answer sentence that restates the question's rare words is about it; one that only
               shares its topic is not: TREC-QA's on-topic non-answers)
``rel_content`` 0 when the answer is a bare reaction with no content word ("haha", "I agree.",
               "Hello!": BEGIN's "Generic" dialogue responses), else 1; a yes or no answering a
               yes/no question is content
=============  ================================================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from grounding.claims import Claim
from grounding.encoder import Encoded
from grounding.features import Lexicon, content_words, weighted_mean, word_similarity
from grounding.lexical import (
    INSTRUCTIONS,
    REACTIONS,
    Word,
    content_stems,
    is_content,
    is_month,
    names,
    normalize,
    numbers,
    stem,
    weighted_coverage,
    words,
)

RELEVANCE_FEATURES = ("rel_cos", "rel_cover", "rel_names", "rel_type", "rel_lex", "rel_content")
_YES_NO_QUESTION = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had|isn't|aren't|don't|doesn't|"
    r"didn't)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"^\s*(?:yes|no|yeah|nope)\b", re.IGNORECASE)
_ASKS_NUMBER = re.compile(
    r"\b(?:how (?:many|much|old|long|far|often|tall|big|large|high)|when|what (?:year|date|time|age|percentage)"
    r"|which year|in what year)\b",
    re.IGNORECASE,
)


def relevance_features(
    query: str,
    query_encoded: Encoded,
    claims: Sequence[Claim],
    claims_encoded: Sequence[Encoded],
    *,
    lexicon: Lexicon,
) -> npt.NDArray[np.float32]:
    """The :data:`RELEVANCE_FEATURES` of an answer with at least one claim."""
    rel_cos = max(float(query_encoded.vector @ encoded.vector) for encoded in claims_encoded)
    answer_tokens = np.concatenate([encoded.tokens for encoded in claims_encoded])
    query_words, pieces = content_words(query, query_encoded)
    # "Tell me about London": the request words are not what the answer has to be about.
    query_words, pieces = _without_instructions(query_words, pieces)
    weights = np.array([lexicon.weight(w.text) for w in query_words], dtype=np.float32)
    similarities = word_similarity(query_encoded.tokens, answer_tokens, pieces, len(query_words))
    rel_cover = weighted_mean(similarities, weights, empty=0.0)
    answer_text = " ".join(claim.text for claim in claims)
    query_names = names(query) - INSTRUCTIONS
    answer_words = {normalize(w.text) for w in words(answer_text)}
    rel_names = sum(n in answer_words for n in query_names) / len(query_names) if query_names else 1.0
    focus = " ".join(claim.text[claim.focus_start :] for claim in claims)
    gives_number = bool(numbers(focus)) or any(is_month(w.text) for w in words(focus))
    rel_type = 0.0 if _ASKS_NUMBER.search(query) and not gives_number else 1.0
    asked = {stem(w.text) for w in query_words}
    rel_lex = weighted_coverage(asked, content_stems(answer_text), lexicon.idf, lexicon.default_idf)
    # A short answer's claim starts with its query ("Obviously haha"): only the answer's own part counts.
    says_something = any(is_content(w.text) and normalize(w.text) not in REACTIONS for w in words(focus))
    rel_content = 1.0 if says_something or (_YES_NO_QUESTION.match(query) and _YES_NO.match(focus)) else 0.0
    return np.array([rel_cos, rel_cover, rel_names, rel_type, rel_lex, rel_content], dtype=np.float32)


def _without_instructions(found: list[Word], pieces: npt.NDArray[np.int64]) -> tuple[list[Word], npt.NDArray[np.int64]]:
    keep = [i for i, w in enumerate(found) if normalize(w.text) not in INSTRUCTIONS]
    if not keep or len(keep) == len(found):
        return found, pieces
    renumber = np.full(len(found), -1, dtype=np.int64)
    renumber[keep] = np.arange(len(keep))
    words_now = renumber[pieces[:, 1]]
    kept = words_now >= 0
    return [found[i] for i in keep], np.stack([pieces[kept, 0], words_now[kept]], axis=1)
