"""The HTTP service: ``create_app(settings)`` builds a FastAPI app; models and indexes load in its lifespan.

Routes: native resource-style JSON under ``/v1`` (see ``app/http/native/__init__.py``), Bedrock's own wire
format at Bedrock's paths (``app/http/bedrock/``), ``/healthz``, ``/readyz`` and OpenAPI docs
at ``/docs`` (Swagger UI) and ``/redoc``, whose scripts and styles the server serves itself from the
``fastapi-offline`` package (under ``/static-offline-docs``): the pages work with no internet.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from app.core.server_file import ServerFile, remove_server_file, write_server_file
from app.core.services import Services
from app.http import bedrock, native, ui
from app.http.errors import install_error_handlers
from app.http.limits import BodyLimit
from app.settings import Settings


def create_app(settings: Settings, *, server_file: ServerFile | None = None) -> FastAPI:
    """Build the service. Nothing heavy happens until the app starts (lifespan).

    With ``server_file`` (``ragkb serve``), the server advertises itself to command-line runs on the same
    home (``app/core/server_file.py``): the file is written once the service is ready and removed at
    shutdown, ``/readyz`` reports its instance id, and the native routes accept its token.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.start(settings)
        app.state.keys = app.state.services.stores.keys()
        app.state.ready = True
        if server_file is not None:
            try:
                write_server_file(settings.home, server_file)
            except OSError as exc:  # only command-line runs lose by it: they load their models themselves
                logging.getLogger("ragkb").warning("could not write the server file: %s", exc)
        try:
            yield
        finally:
            if server_file is not None:
                remove_server_file(settings.home, server_file)
            app.state.ready = False
            app.state.services.close()
            app.state.keys.close()

    app: FastAPI = FastAPIOffline(
        title="ragkb",
        version="0.1.0",
        summary="Self-hosted knowledge bases with retrieval and grounding checks; Bedrock-compatible.",
        description=(
            "Native API under `/v1` (Bearer API keys when auth is on). Bedrock-compatible routes at Bedrock's "
            "own paths for boto3's `bedrock` (guardrails), `bedrock-agent`, `bedrock-agent-runtime` and "
            "`bedrock-runtime` clients (SigV4 when auth is on): point `endpoint_url` at this server. Errors: native "
            "routes return "
            '`{"error": {"code", "message", "status"}}`; Bedrock routes return AWS\'s `{"message"}` with the '
            "`x-amzn-ErrorType` header."
        ),
        lifespan=lifespan,
        # Swagger UI's default validator badge is an image from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.server_file = server_file
    app.state.ready = False
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_request_mb * 1024 * 1024))

    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers.")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Readiness: model and registry loaded.")
    def readyz(request: Request) -> JSONResponse:
        ready = bool(getattr(request.app.state, "ready", False))
        body: dict[str, Any] = {"status": "ready" if ready else "starting"}
        if ready:
            services: Services = request.app.state.services
            body |= {"embedder": services.embedder.name, "knowledge_bases": len(services.home.list())}
            if server_file is not None:
                body["instance"] = server_file.instance
        return JSONResponse(body, status_code=200 if ready else 503)

    app.include_router(native.router, prefix="/v1")
    app.include_router(bedrock.router)
    app.include_router(ui.router)  # the console (/ui): HTML pages, not in the OpenAPI document
    app.mount("/ui/static", StaticFiles(directory=ui.STATIC), name="ui-static")
    app.add_exception_handler(ui.LoginRequired, ui.login_redirect)
    return app
