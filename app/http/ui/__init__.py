"""The evaluator's console under ``/ui``: server-rendered pages (Jinja2) with htmx, served from the package
(``static/``: htmx vendored from npm's ``htmx.org``, no CDN, no build step).

Pages: the playground, the grounding checker, human evaluation jobs, guardrail test cases and the
violation log. Every page works with auth on: a key entered once at ``/ui/login`` is kept in an HTTP-only
cookie (``session.py``), and every form carries a CSRF token. Errors are the native JSON shape; the
pages show their message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core.errors import AuthError
from app.core.keys import KeyStore
from app.http.ui import checker, evaluations, guardrails, playground
from app.http.ui.session import CSRF_COOKIE, KEY_COOKIE, Csrf, LoginRequired, login_redirect, render, set_cookie

STATIC = Path(__file__).parent / "static"
__all__ = ["STATIC", "LoginRequired", "login_redirect", "router"]

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("", response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/ui/playground", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/ui/playground") -> HTMLResponse:
    return render(request, "login.html", {"next": _local(next), "error": None})


@router.post("/login", response_model=None, dependencies=[Csrf])
def login(
    request: Request, key: Annotated[str, Form()], next: Annotated[str, Form()] = "/ui/playground"
) -> HTMLResponse | RedirectResponse:
    keys: KeyStore = request.app.state.keys
    try:
        keys.verify(key.strip())
    except AuthError as exc:
        return render(request, "login.html", {"next": _local(next), "error": str(exc)}, status_code=401)
    response = RedirectResponse(_local(next), status_code=303)
    set_cookie(response, request, KEY_COOKIE, key.strip())
    return response


@router.post("/logout", dependencies=[Csrf])
def logout() -> RedirectResponse:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(KEY_COOKIE, path="/ui")
    response.delete_cookie(CSRF_COOKIE, path="/ui")
    return response


def _local(url: str) -> str:
    """Only paths of the console: a login link must not send anyone elsewhere."""
    return url if url.startswith("/ui") and not url.startswith("//") else "/ui/playground"


for module in (playground, checker, evaluations, guardrails):
    router.include_router(module.router)
