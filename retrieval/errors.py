"""Retrieval errors. They carry a one-line, user-facing reason and no HTTP status.

The service maps these classes to statuses in one place (``app/http/errors.py``).
"""

from __future__ import annotations

from collections.abc import Sequence


class RetrievalError(Exception):
    """Base class for everything the retrieval layer refuses. ``str(e)`` is the one-line reason."""


class InvalidFilter(RetrievalError):
    """A metadata filter is malformed: unknown operator, missing key/value, wrong value type, ...

    The message names the place in the filter (``andAll[1].equals``) and the problem.
    """


class InvalidQuery(RetrievalError):
    """A query cannot be answered as given (empty text, ``k`` out of range, ...)."""


class ModelMismatch(RetrievalError):
    """A knowledge base was built with another embedder (``name`` or ``dimension`` differ)."""


class TextTooLong(RetrievalError):
    """Texts exceed the embedding model's input window and would be truncated.

    Raised instead of silently embedding only the start of a text. ``indices`` are the positions
    of the offending texts in the batch, ``counts`` their model-token counts, ``limit`` the window.
    Callers split such texts (see ``Embedder.fits``) and embed the pieces.
    """

    def __init__(self, *, indices: Sequence[int], counts: Sequence[int], limit: int) -> None:
        self.indices = tuple(indices)
        self.counts = tuple(counts)
        self.limit = limit
        worst = max(self.counts, default=0)
        super().__init__(
            f"{len(self.indices)} text(s) exceed the embedding model's window of {limit} tokens "
            f"(longest: {worst}); split them before embedding"
        )


class CorruptStore(RetrievalError):
    """A saved vector store cannot be read back: not the expected format, or damaged."""
