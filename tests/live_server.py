"""A real uvicorn server on a free loopback port, in a background thread, for HTTP tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from app.core.server_file import ServerFile
from app.http.app import create_app
from app.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(settings: Settings, *, advertise: bool = False) -> Iterator[str]:
    """Start ``create_app(settings)`` under uvicorn; yields the base URL; stops it afterwards.

    The server binds 127.0.0.1 whatever ``settings.host`` says (tests never listen elsewhere);
    set ``auth="required"`` in the settings to test authentication. With ``advertise``, it writes its
    server file in the home as ``ragkb serve`` does, for command-line runs to find it.
    """
    port = free_port()
    server_file = ServerFile.for_server(settings, url=f"http://127.0.0.1:{port}") if advertise else None
    app = create_app(settings, server_file=server_file)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
