"""How a refusal is worded: one line a user can read, never a traceback."""

from __future__ import annotations

from ingest.parsers.blocks import single_line

_MAX_REASON_CHARS = 200


def one_line(detail: object) -> str:
    """``detail`` (often an exception) as a single line of at most 200 characters.

    >>> one_line(ValueError("bad\\n  xref   table"))
    'bad xref table'
    """
    text = single_line(str(detail)) or type(detail).__name__
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 3].rstrip() + "..."
    return text
