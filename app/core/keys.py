"""Authentication: API keys for native routes, SigV4 signatures for Bedrock-compatible routes.

API keys (``rkb_`` + 43 random characters) are shown once when created and stored as SHA-256
hashes in the registry; a key may be scoped to some knowledge bases. SigV4 requests are verified
with botocore's own signer against the access key / secret configured in the settings: the canonical
request is rebuilt from what arrived and the signature recomputed for the request's own timestamp,
which must be within 15 minutes of now. Every header named in ``SignedHeaders`` must have been sent
(``host`` and ``x-amz-date`` always signed), and a body is covered by the signature: a signed
``x-amz-content-sha256`` must be the body's SHA-256, and ``UNSIGNED-PAYLOAD`` is refused on a request
with a body unless the server allows it (``RAGKB_ALLOW_UNSIGNED_PAYLOAD``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from retrieval.home import utc_now

MAX_CLOCK_SKEW_S = 15 * 60
ALWAYS_SIGNED = ("host", "x-amz-date")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class AuthError(Exception):
    """Missing or invalid credentials. ``aws_code`` is the error type Bedrock routes report."""

    def __init__(self, message: str, *, aws_code: str = "UnrecognizedClientException") -> None:
        super().__init__(message)
        self.aws_code = aws_code


class Forbidden(Exception):
    """Valid credentials that may not do this (a scoped key creating a knowledge base). A knowledge base
    outside a key's scope is not forbidden but absent: the lookups answer 404 for it."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``kb_ids`` ``None`` means every knowledge base."""

    name: str
    kb_ids: frozenset[str] | None = None

    def allows(self, kb_id: str) -> bool:
        return self.kb_ids is None or kb_id in self.kb_ids


ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    description: str
    kb_ids: tuple[str, ...] | None
    created_at: str


class KeyStore:
    """API keys in ``<home>/keys.sqlite``: only hashes are stored."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(home / "keys.sqlite", isolation_level=None, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, "
            "description TEXT NOT NULL, kb_ids TEXT, created_at TEXT NOT NULL)"
        )

    def create(self, *, description: str = "", kb_ids: list[str] | None = None) -> tuple[str, ApiKeyInfo]:
        """Returns (the key, shown once; its record)."""
        key = "rkb_" + secrets.token_urlsafe(32)
        info = ApiKeyInfo(secrets.token_hex(4), description, tuple(kb_ids) if kb_ids else None, utc_now())
        self._db.execute(
            "INSERT INTO api_keys VALUES(?, ?, ?, ?, ?)",
            (info.id, _hash(key), description, json.dumps(kb_ids) if kb_ids else None, info.created_at),
        )
        return key, info

    def list(self) -> list[ApiKeyInfo]:
        rows = self._db.execute("SELECT id, description, kb_ids, created_at FROM api_keys ORDER BY created_at")
        return [ApiKeyInfo(r[0], r[1], tuple(json.loads(r[2])) if r[2] else None, r[3]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        return self._db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,)).rowcount > 0

    def verify(self, key: str) -> Principal:
        row = self._db.execute("SELECT id, kb_ids FROM api_keys WHERE hash = ?", (_hash(key),)).fetchone()
        if row is None:
            raise AuthError("invalid API key; create one with `ragkb keys create`")
        return Principal(f"key:{row[0]}", frozenset(json.loads(row[1])) if row[1] else None)

    def close(self) -> None:
        self._db.close()


def bearer_principal(authorization: str | None, keys: KeyStore) -> Principal:
    """The caller of a native route, from ``Authorization: Bearer <key>``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("missing API key: send 'Authorization: Bearer <key>' (create one with `ragkb keys create`)")
    return keys.verify(authorization[7:].strip())


def verify_sigv4(
    *, method: str, url: str, headers: dict[str, str], body: bytes, access_key: str, secret_key: str, region: str,
    allow_unsigned_payload: bool = False, now: datetime | None = None,
) -> Principal:  # fmt: skip
    """Check an AWS SigV4 ``Authorization`` header; raises :class:`AuthError` with AWS's error type."""
    lower = {k.lower(): v for k, v in headers.items()}
    authorization = lower.get("authorization", "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise AuthError("Missing Authentication Token", aws_code="MissingAuthenticationTokenException")
    fields = dict(part.strip().split("=", 1) for part in authorization[17:].split(",") if "=" in part)
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or credential[0] != access_key:
        raise AuthError("The security token included in the request is invalid.")
    _, date, scope_region, service, _ = credential
    amz_date = lower.get("x-amz-date", "")
    try:
        timestamp = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise AuthError("missing or malformed X-Amz-Date", aws_code="InvalidSignatureException") from exc
    if abs(((now or datetime.now(UTC)) - timestamp).total_seconds()) > MAX_CLOCK_SKEW_S:
        raise AuthError("Signature expired: the request time is too far from the server's time",
                        aws_code="InvalidSignatureException")  # fmt: skip
    if scope_region != region or not amz_date.startswith(date):
        raise AuthError(f"credential scope must use region {region}", aws_code="InvalidSignatureException")
    signed = fields.get("SignedHeaders", "").split(";")
    _check_signed_headers(signed, lower)
    if "x-amz-content-sha256" in signed:
        _check_payload_hash(lower["x-amz-content-sha256"], body, allow_unsigned=allow_unsigned_payload)
    request = AWSRequest(method=method, url=url, data=body, headers={h: lower[h] for h in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key, secret_key), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        raise AuthError(
            "The request signature we calculated does not match the signature you provided.",
            aws_code="InvalidSignatureException",
        )
    return Principal(f"aws:{access_key}")


def _check_signed_headers(signed: list[str], sent: dict[str, str]) -> None:
    """A header listed as signed but not sent would otherwise just drop out of the check."""
    missing = [h for h in signed if h not in sent]
    if missing:
        raise AuthError(
            f"SignedHeaders names headers that were not sent: {', '.join(missing)}",
            aws_code="InvalidSignatureException",
        )
    unsigned = [h for h in ALWAYS_SIGNED if h not in signed]
    if unsigned:
        raise AuthError(f"SignedHeaders must include {', '.join(unsigned)}", aws_code="InvalidSignatureException")


def _check_payload_hash(declared: str, body: bytes, *, allow_unsigned: bool) -> None:
    """The signature covers ``x-amz-content-sha256``, not the body: the two must agree."""
    if declared == UNSIGNED_PAYLOAD:
        if body and not allow_unsigned:
            raise AuthError(
                "UNSIGNED-PAYLOAD is refused on requests with a body: sign the payload "
                "(or set RAGKB_ALLOW_UNSIGNED_PAYLOAD=true)",
                aws_code="InvalidSignatureException",
            )
        return
    if not hmac.compare_digest(declared.lower(), hashlib.sha256(body).hexdigest()):
        raise AuthError(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            aws_code="InvalidSignatureException",
        )


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
