"""Errors of the grounding package; no HTTP statuses here (``app/http/errors.py`` maps them).

``InvalidInput`` is also a ``ValueError``, so callers that only know the standard library can
still catch bad arguments the usual way.
"""

from __future__ import annotations


class GroundingError(Exception):
    """Base class of every error raised by ``grounding``."""


class InvalidInput(GroundingError, ValueError):
    """An argument of :func:`grounding.check` is empty, blank, of the wrong type or too long."""
