"""Request limits the app enforces before a route runs: :class:`BodyLimit` refuses bodies over
``RAGKB_MAX_REQUEST_MB`` with 413 in the route family's error shape, counting chunked bodies as they arrive."""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import PayloadTooLarge, error_response, kind_of


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 in the route family's error shape."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise PayloadTooLarge(self._message())
            return message

        await self.app(scope, counting_receive, send)

    def _message(self) -> str:
        return f"request body over {self.max_bytes / (1024 * 1024):.4g} MB (RAGKB_MAX_REQUEST_MB)"

    async def _refuse(self, scope: Scope, send: Send) -> None:
        request = Request(scope)
        kind = kind_of(PayloadTooLarge())
        assert kind is not None
        await error_response(request, kind, self._message())(scope, lambda: _empty(), send)


async def _empty() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
