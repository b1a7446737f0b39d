"""SigV4 signatures of Bedrock-compatible requests, verified with botocore's own signer.

The access key / secret come from the settings: the canonical request is rebuilt from what arrived and
the signature recomputed for the request's own timestamp, which must be within 15 minutes of now. Every
header named in ``SignedHeaders`` must have been sent (``host`` and ``x-amz-date`` always signed), and a
body is covered by the signature: a signed ``x-amz-content-sha256`` must be the body's SHA-256, and
``UNSIGNED-PAYLOAD`` is refused on a request with a body unless the server allows it
(``RAGKB_ALLOW_UNSIGNED_PAYLOAD``). Lives beside ``deps.py``, which builds the ``AwsPrincipal`` dependency
from it, so that ``deps`` needs nothing from the ``bedrock/`` route family.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from app.core.errors import AuthError
from app.core.keys import Principal

MAX_CLOCK_SKEW_S = 15 * 60
ALWAYS_SIGNED = ("host", "x-amz-date")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


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
