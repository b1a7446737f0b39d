"""A tiny OpenAI-compatible chat server for tests (this module holds no tests): a real HTTP server on a
loopback port answering ``POST /chat/completions``, plain or streamed (server-sent events), with a reply
the test chooses. It records every request body so tests can assert what ragkb sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeChat:
    """The running server: its ``base_url`` (for ``RAGKB_LLM_BASE_URL``), the ``reply`` it gives (change it
    between calls), the ``requests`` it received, and ``fail`` to answer 500 instead. With ``gate``, a
    streamed reply stops after its first ``gate_after`` words until the test sets the gate."""

    base_url: str
    reply: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False
    gate: threading.Event | None = None
    gate_after: int = 0


@contextmanager
def fake_chat_server(reply: str) -> Iterator[FakeChat]:
    chat = FakeChat("", reply)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            chat.requests.append(body)
            if self.path != "/v1/chat/completions" or chat.fail:
                self.send_response(404 if not chat.fail else 500)
                self.end_headers()
                return
            if body.get("stream"):
                self._stream(chat.reply, body["model"])
            else:
                self._json(chat.reply, body["model"])

        def _json(self, text: str, model: str) -> None:
            payload = json.dumps({
                "id": "chatcmpl-1", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 11, "completion_tokens": len(text.split()),
                          "total_tokens": 11 + len(text.split())},
            }).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, text: str, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = text.split(" ")
            for i, word in enumerate(words):  # one word a delta, as models stream tokens
                if chat.gate is not None and i == chat.gate_after:
                    chat.gate.wait(timeout=60)
                delta = {"content": word if i == 0 else f" {word}"}
                chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    chat.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield chat
    finally:
        server.shutdown()
        server.server_close()
