"""Commands answered by a running ``ragkb serve`` instead of models loaded in this process.

``ragkb retrieve`` and ``ragkb check`` load an embedding or grounding model, seconds of a cold start
that a server for the same home has already paid. :func:`find_server` looks for one through
``<RAGKB_HOME>/server.json`` (``app/core/server_file.py``) and uses it only when all of these hold:
the setting ``cli_use_server`` is on (``--local`` or ``RAGKB_CLI_USE_SERVER=0`` turn it off), the
file's process is alive, the server was started with the same answer-changing settings, and its
``/readyz`` answers ready with the file's instance id within :data:`HEALTH_TIMEOUT_S`. The server's
answers go through the native API (``/v1``) with the file's token.

Only answers come from the server: on any error response, timeout or refused connection the caller
gets None and runs the command in-process, so error messages and exit codes are the in-process ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.core.server_file import ServerFile, process_alive, read_server_file, settings_digest
from app.settings import Settings
from retrieval import Hit

if TYPE_CHECKING:
    import httpx

LocalOpt = Annotated[
    bool,
    typer.Option(
        "--local",
        help="Run in this process even when a `ragkb serve` for the same home is running (also "
        "RAGKB_CLI_USE_SERVER=0).",
    ),
]
HEALTH_TIMEOUT_S = 2.0
# An answer slower than this is abandoned and computed in-process (a check of long sources takes seconds).
ANSWER_TIMEOUT_S = 120.0


class Server:
    """A verified running server for this run's home and settings."""

    def __init__(self, record: ServerFile, client: httpx.Client) -> None:
        self.record = record
        self._client = client

    def retrieve(self, kb: str, *, query: str, k: int, search_type: str, filter_json: Any | None) -> list[Hit] | None:
        """``POST /v1/knowledge-bases/{kb}/retrieve``'s hits, or None when the server did not answer."""
        body = {"query": query, "k": k, "search_type": search_type, "filter": filter_json}
        answer = self._post(f"/v1/knowledge-bases/{_path_segment(kb)}/retrieve", body)
        if answer is None:
            return None
        return [_hit(result) for result in answer["results"]]

    def check(
        self, *, sources: list[str], query: str, answer: str, grounding_threshold: float | None,
        relevance_threshold: float | None,
    ) -> dict[str, Any] | None:  # fmt: skip
        """``POST /v1/grounding/check``'s outcome (``outcome_view``'s shape), or None."""
        body = {
            "sources": sources, "query": query, "answer": answer, "grounding_threshold": grounding_threshold,
            "relevance_threshold": relevance_threshold,
        }  # fmt: skip
        return self._post("/v1/grounding/check", body)

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        import httpx

        try:
            response = self._client.post(path, json=body, timeout=ANSWER_TIMEOUT_S)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        return response.json()  # type: ignore[no-any-return]


def find_server(settings: Settings) -> Server | None:
    """The server running for ``settings.home`` with the same settings, or None (then run in-process)."""
    if not settings.cli_use_server:
        return None
    record = read_server_file(settings.home)
    if record is None or not process_alive(record.pid) or record.settings_digest != settings_digest(settings):
        return None
    import httpx

    # trust_env off: a proxy set for the outside world must not carry calls to this machine's own server.
    client = httpx.Client(
        base_url=record.url, headers={"Authorization": f"Bearer {record.token}"}, trust_env=False,
        timeout=HEALTH_TIMEOUT_S,
    )  # fmt: skip
    try:
        health = client.get("/readyz")
        status = health.json() if health.status_code == 200 else None
        ready = isinstance(status, dict) and status.get("instance") == record.instance
    except (httpx.HTTPError, ValueError):
        ready = False
    if not ready:
        client.close()
        return None
    return Server(record, client)


def _hit(result: dict[str, Any]) -> Hit:
    """A native ``RetrievalResult`` back into the Hit it was made from (``RetrievalResult.from_hit``)."""
    return Hit(
        chunk_id=result["chunk_id"], text=result["text"], score=result["score"], document_uri=result["document_id"],
        data_source_id=result["data_source_id"], location=result["location"], metadata=result["metadata"],
    )  # fmt: skip


def _path_segment(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
