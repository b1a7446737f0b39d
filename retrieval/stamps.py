"""What every stored record is stamped with: a Bedrock-shaped id and a UTC timestamp.

new_id()   -> "7QK2M0ZP4C"                 10 characters from [0-9A-Z], the form Bedrock's clients require
utc_now()  -> "2026-01-01T12:00:00.000Z"   ISO 8601, milliseconds, UTC
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_id() -> str:
    """A Bedrock-shaped id: 10 characters from ``[0-9A-Z]``."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
