"""Who is using the console, and CSRF protection for its forms.

With auth on, a person enters an API key once (``/ui/login``); it is kept in an HTTP-only, same-site
cookie and checked on every request as a Bearer key is. Every form and htmx request carries a CSRF
token (double submit: a random token in its own HTTP-only cookie, echoed in a hidden field or the
``X-CSRF-Token`` header that ``base.html`` makes htmx send); a POST without the match is 403.
Templates render with :func:`render`, which hands them the token.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app.core.errors import AuthError, Forbidden
from app.core.keys import ANONYMOUS, KeyStore, Principal
from app.http.ui.rendering import answer_segments, location_label, marked
from app.settings import Settings

KEY_COOKIE = "ragkb_key"
CSRF_COOKIE = "ragkb_csrf"
CSRF_HEADER = "x-csrf-token"
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals.update(segments=answer_segments, marked=marked, location_label=location_label)


class LoginRequired(Exception):
    """The console needs an API key first: answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def csrf_token(request: Request) -> str:
    """The request's CSRF token: the cookie's, or a new one that :func:`render` will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf", None)
    if token is None:
        token = request.state.csrf = secrets.token_urlsafe(32)
    return str(token)


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """A page or fragment, with the CSRF token in its context (and its cookie set when new)."""
    settings: Settings = request.app.state.settings
    token = csrf_token(request)
    response = TEMPLATES.TemplateResponse(
        request, template, {"csrf": token, "auth": settings.auth_required(), **context}, status_code=status_code
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        set_cookie(response, request, CSRF_COOKIE, token)
    return response


def set_cookie(response: HTMLResponse | RedirectResponse, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/ui")


def ui_principal(request: Request) -> Principal:
    """The console user: anonymous when auth is off, else the key in the cookie (no key: to the login page)."""
    settings: Settings = request.app.state.settings
    if not settings.auth_required():
        return ANONYMOUS
    key = request.cookies.get(KEY_COOKIE)
    if not key:
        raise LoginRequired(str(request.url.path))
    keys: KeyStore = request.app.state.keys
    try:
        return keys.verify(key)
    except AuthError:
        raise LoginRequired(str(request.url.path)) from None


async def check_csrf(request: Request) -> None:
    """A state-changing request must echo the CSRF cookie (header or ``csrf`` form field)."""
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get("csrf") or "")
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Forbidden("the form's CSRF token is missing or stale: reload the page and try again")


def login_redirect(request: Request, exc: Exception) -> RedirectResponse:
    next_url = exc.next_url if isinstance(exc, LoginRequired) else "/ui"
    return RedirectResponse(f"/ui/login?next={quote(next_url)}", status_code=303)


UiPrincipal = Annotated[Principal, Depends(ui_principal)]
Csrf = Depends(check_csrf)
