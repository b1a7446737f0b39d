"""The built-in extractive answerer: quotes the retrieved passages that answer the question, and says so
when none does.

What a reader accepts from an answer made only of quotes, and how each rule gets there:

* **No repeats.** Neighbouring chunks overlap, so the same sentence arrives twice; units are compared
  by their normalised text and each is said once.
* **No headings.** Markdown headings (``## Lifting``) and one-line titles ("Brewing Guide") are
  structure, not statements: they never become answer units.
* **The matching row, not the table.** A Markdown table in a chunk (CSV, spreadsheet, tables in
  documents) is split into rows; a row that answers is quoted under its table's header row, so the
  answer is a two- or three-line table instead of the whole sheet.
* **On topic.** A unit is scored by its cosine similarity to the query plus the share of the query's
  content words it contains (:func:`unit_score`); only units close to the best one are kept, so a
  weak third sentence no longer rides along with a good first one.
* **Abstain.** When the best unit scores below ``min_relevance`` -- or the query names something
  (a capitalised name, an acronym, a number) that no retrieved passage mentions -- the answer is
  :data:`ABSTENTION`: "The knowledge base does not say ...". The thresholds were set on the sample
  knowledge base and checked with grounding's relevance score (``scripts/answer_quality.py``,
  ``docs/answer-quality.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.sentences import split_sentences
from retrieval.embedding import Embedder
from retrieval.generation import Answer, Piece, join_pieces
from retrieval.types import Hit

ABSTENTION = "The knowledge base does not say."

_BLOCK = re.compile(r"\n[^\S\n]*\n\s*")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•‣◦]|\d{1,3}[.)])\s+")
_TABLE_SEPARATOR = re.compile(r"^\|?[\s:|-]+\|?$")
_WORD = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b(?:[A-Z][\w'-]*[A-Z0-9][\w'-]*|[A-Z][a-z]+)\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being below between both but by
    can could did do does doing down during each few for from further get gets got had has have having he her here
    hers him his how i if in into is it its itself just may me might more most must my no nor not now of off on once
    only or other our out over own per same say says she should so some such than that the their them then there
    these they this those through to too under until up very was we were what when where which while who whom why
    will with would you your yours much many""".split()  # noqa: SIM905
)  # fmt: skip


@dataclass(frozen=True)
class Unit:
    """One quotable piece of a retrieved chunk: a sentence, a list item or a table row.

    ``header`` is the table's header row (and its separator line) when the unit is a row, else ``""``.
    """

    text: str
    hit: Hit
    header: str = ""

    @property
    def key(self) -> str:
        return " ".join(_WORD.findall(self.text.lower()))

    def for_matching(self) -> str:
        """The text compared with the query: a row reads ``column: value; ...`` so its cells have names."""
        if not self.header:
            return self.text
        names = _cells(self.header.splitlines()[0])
        values = _cells(self.text)
        if len(names) != len(values):
            return self.text
        # A spreadsheet's sheet name says what its rows are about ("Sales 2025").
        sheet = self.hit.location.get("sheet")
        cells = "; ".join(f"{n}: {v}" for n, v in zip(names, values, strict=True))
        return f"{sheet}: {cells}" if sheet else cells


def units_of(hit: Hit) -> list[Unit]:
    """The quotable units of ``hit``'s text, in reading order (headings, titles and fragments dropped)."""
    units: list[Unit] = []
    for block in _BLOCK.split(hit.text.strip()):
        lines = [line for line in block.splitlines() if line.strip() and not _HEADING.match(line)]
        if not lines:
            continue
        if all(line.lstrip().startswith("|") for line in lines):
            units.extend(_table_units(lines, hit))
            continue
        if len(lines) == 1 and _is_title(lines[0]):
            continue
        lead = ""  # "French press. Use 30 grams ...": a run-in heading stays with its sentence
        for sentence in split_sentences("\n".join(lines)):
            text = f"{lead}{_LIST_MARKER.sub('', sentence).strip()}"
            if len(_WORD.findall(text)) >= 3:
                units.append(Unit(text, hit))
                lead = ""
            else:
                lead = f"{text} "
    return units


def _table_units(lines: list[str], hit: Hit) -> list[Unit]:
    if len(lines) >= 2 and _TABLE_SEPARATOR.match(lines[1].strip()):
        header = f"{lines[0].strip()}\n{lines[1].strip()}"
        return [Unit(line.strip(), hit, header) for line in lines[2:]]
    return [Unit(line.strip(), hit) for line in lines if not _TABLE_SEPARATOR.match(line.strip())]


def _is_title(line: str) -> bool:
    """A lone short line without closing punctuation: a document or section title."""
    stripped = line.strip()
    return not _LIST_MARKER.match(stripped) and stripped[-1:] not in ".!?:;)\"'”" and len(stripped.split()) <= 10


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` that carry meaning, cut to a 5-letter stem ("descaled" ~ "descale")."""
    return {w.lower()[:5] for w in _WORD.findall(text) if w.lower() not in _STOPWORDS and (len(w) > 2 or w.isdigit())}


def query_terms(query: str) -> set[str]:
    """What the query names: capitalised words and acronyms not at a sentence start, and numbers."""
    names = {w.lower().removesuffix("'s").removesuffix("\u2019s") for w in _NAME.findall(query.strip())}
    return names | set(_NUMBER.findall(query))


def unit_score(similarity: float, query_words: set[str], unit_words: set[str]) -> float:
    """Cosine similarity plus half the share of the query's content words the unit contains."""
    cover = len(query_words & unit_words) / len(query_words) if query_words else 0.0
    return similarity + 0.5 * cover


class ExtractiveGenerator:
    """Answers with the retrieved units (sentences, list items, table rows) that best match the query,
    each citing its chunk; abstains with :data:`ABSTENTION` when none does.

    Keeps at most ``max_units`` units scoring within ``margin`` of the best; abstains when the best
    scores under ``min_relevance`` or (``check_names``) the query's names and numbers appear in no
    retrieved chunk.

    >>> ExtractiveGenerator(embedder).generate("How many vacation days?", hits).text
    'Full-time employees receive 28 days of paid vacation per calendar year, plus public holidays.'
    """

    def __init__(
        self, embedder: Embedder, *, max_units: int = 3, margin: float = 0.1, min_relevance: float = 0.55,
        check_names: bool = True,
    ) -> None:  # fmt: skip
        self.embedder = embedder
        self.max_units = max_units
        self.margin = margin
        self.min_relevance = min_relevance
        self.check_names = check_names

    def scored_units(self, query: str, hits: Sequence[Hit]) -> list[tuple[float, Unit]]:
        """Every distinct unit of ``hits`` with its score, best first."""
        units: dict[str, Unit] = {}
        for hit in hits:
            for unit in units_of(hit):
                units.setdefault(unit.key, unit)
        if not units:
            return []
        chosen = list(units.values())
        vectors = self.embedder.embed_documents([query] + [u.for_matching() for u in chosen])
        similarity = vectors[1:] @ vectors[0]
        words = content_words(query)
        scores = [
            unit_score(float(cosine), words, content_words(unit.for_matching()))
            for cosine, unit in zip(similarity, chosen, strict=True)
        ]
        order = np.argsort(-np.array(scores), kind="stable")
        return [(scores[i], chosen[i]) for i in order]

    def generate(self, query: str, hits: Sequence[Hit]) -> Answer:
        return join_pieces(self.stream(query, hits))

    def stream(self, query: str, hits: Sequence[Hit]) -> Iterator[Piece]:
        """The answer's pieces (a sentence, or a table's rows under its header), best first; the abstention
        is one piece citing nothing. The whole answer is computed first, then handed out."""
        scored = self.scored_units(query, hits)
        if not scored or scored[0][0] < self.min_relevance or (self.check_names and not _names_found(query, hits)):
            yield Piece(ABSTENTION, ())
            return
        best = scored[0][0]
        kept = [unit for score, unit in scored[: self.max_units] if score >= best - self.margin]
        yield from _pieces(kept)


def _names_found(query: str, hits: Sequence[Hit]) -> bool:
    """False when the query names things and no retrieved chunk mentions any of them."""
    terms = query_terms(query)
    if not terms:
        return True
    text = " ".join(hit.text for hit in hits).lower()
    return any(re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) for term in terms)


def _pieces(units: Sequence[Unit]) -> list[Piece]:
    """Sentences as they are; rows of one table gathered under its header, where the first of them stood."""
    pieces: list[Piece] = []
    tables: dict[str, int] = {}
    for unit in units:
        if not unit.header:
            pieces.append(Piece(unit.text, (unit.hit,)))
        elif unit.header in tables:
            index = tables[unit.header]
            text, cited = pieces[index].text, pieces[index].hits
            known = any(hit.chunk_id == unit.hit.chunk_id for hit in cited)
            pieces[index] = Piece(f"{text}\n{unit.text}", cited if known else (*cited, unit.hit))
        else:
            tables[unit.header] = len(pieces)
            pieces.append(Piece(f"{unit.header}\n{unit.text}", (unit.hit,)))
    return pieces
