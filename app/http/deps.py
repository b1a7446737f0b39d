"""The dependencies every route takes: the running services and the caller (a principal).

Routes import these, never the app factory: ``app.http.app`` imports the routers, and nothing imports it
back, so the route modules and the factory form no circle.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from app.core.errors import AuthError
from app.core.keys import ANONYMOUS, Principal, bearer_principal
from app.core.server_file import ServerFile
from app.core.services import Services
from app.http.sigv4 import verify_sigv4
from app.settings import Settings


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def native_principal(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal:
    """The caller of a native route: anonymous when auth is off, else from ``Authorization: Bearer``: an API
    key, or the server file's token (a command-line run on the same home, which may read it all anyway)."""
    settings: Settings = request.app.state.settings
    if not settings.auth_required():
        return ANONYMOUS
    server_file: ServerFile | None = request.app.state.server_file
    token = None if server_file is None else f"Bearer {server_file.token}"
    if token is not None and authorization is not None and hmac.compare_digest(authorization.encode(), token.encode()):
        return ANONYMOUS
    return bearer_principal(authorization, request.app.state.keys)


async def aws_principal(request: Request) -> Principal:
    """The caller of a Bedrock route: anonymous when auth is off, else a verified SigV4 signature."""
    settings: Settings = request.app.state.settings
    if not settings.auth_required():
        return ANONYMOUS
    if settings.aws_access_key_id is None or settings.aws_secret_access_key is None:
        raise AuthError("this server has no AWS credentials configured (RAGKB_AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY)")
    host = request.headers.get("host", request.url.netloc)
    path = request.scope.get("raw_path", request.url.path.encode()).decode()
    query = request.url.query
    url = f"{request.url.scheme}://{host}{path}" + (f"?{query}" if query else "")
    return verify_sigv4(
        method=request.method, url=url, headers=dict(request.headers), body=await request.body(),
        access_key=settings.aws_access_key_id, secret_key=settings.aws_secret_access_key, region=settings.aws_region,
        allow_unsigned_payload=settings.allow_unsigned_payload,
    )  # fmt: skip


ServicesDep = Annotated[Services, Depends(get_services)]
NativePrincipal = Annotated[Principal, Depends(native_principal)]
AwsPrincipal = Annotated[Principal, Depends(aws_principal)]
