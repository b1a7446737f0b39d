"""Answers cut into what the console highlights: each claim (with its grounding verdict) and the numbered
citation markers after the parts they support; evidence spans marked inside their source chunk."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Segment:
    text: str
    claim: int | None = None  # index into the claims, when this text belongs to one
    citations: tuple[int, ...] = ()  # source numbers cited right after this text


def answer_segments(
    answer: str, claims: Sequence[dict[str, Any]], citations: Sequence[dict[str, Any]]
) -> list[Segment]:
    """``answer`` as consecutive segments: claim spans (``start``/``end`` exclusive) and plain text, with
    each citation's source numbers attached to the segment its span (``end`` inclusive) ends in."""
    cuts = {0, len(answer)}
    for claim in claims:
        cuts |= {claim["start"], claim["end"]}
    ends: dict[int, list[int]] = {}
    for citation in citations:
        end = min(citation["end"] + 1, len(answer))
        cuts.add(end)
        ends.setdefault(end, []).extend(citation["sources"])
    points = sorted(c for c in cuts if 0 <= c <= len(answer))
    segments = []
    for start, end in itertools.pairwise(points):
        owner = next((i for i, c in enumerate(claims) if c["start"] <= start and end <= c["end"]), None)
        segments.append(Segment(answer[start:end], owner, tuple(dict.fromkeys(ends.get(end, [])))))
    return segments


def marked(text: str, start: int, end: int) -> tuple[str, str, str]:
    """``text`` as (before, evidence, after) around the evidence span."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    return text[:start], text[start:end], text[end:]


def location_label(location: dict[str, Any]) -> str:
    """ "page 2", "sheet Sales 2025, rows 2-7", "row 6-8", or "" for plain text."""
    parts = []
    pages = location.get("pages") or []
    if pages:
        parts.append(f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}")
    if location.get("sheet"):
        parts.append(f"sheet {location['sheet']}")
    if location.get("row") is not None:
        row, row_end = location["row"], location.get("row_end")
        parts.append(f"rows {row}-{row_end}" if row_end and row_end != row else f"row {row}")
    return ", ".join(parts)
