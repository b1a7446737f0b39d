"""``ragkb serve`` and ``ragkb keys ...``: run the HTTP service and manage its API keys."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.cli.context import current_run
from app.cli.terminal import out, print_json

keys_cli = typer.Typer(help="Create, list and revoke API keys for the native HTTP API.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1, RAGKB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000, RAGKB_PORT).")] = None,
) -> None:
    """Run the HTTP API: native routes under /v1, Bedrock-compatible routes, docs at /docs.

    Auth is off on 127.0.0.1 and required when binding elsewhere (API keys for /v1, SigV4 for
    Bedrock routes). While it runs, `ragkb retrieve` and `ragkb check` on the same home use it
    (RAGKB_HOME/server.json; opt out with --local or RAGKB_CLI_USE_SERVER=0).
    Example: ragkb serve --port 8080
    """
    import uvicorn

    from app.core.server_file import ServerFile
    from app.http.app import create_app

    overrides: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = current_run(ctx).settings(**overrides)
    server_file = ServerFile.for_server(settings, url=local_url(settings.host, settings.port))
    app = create_app(settings, server_file=server_file)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def local_url(host: str, port: int) -> str:
    """Where a process on this machine reaches a server bound to ``host``: a wildcard address means loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@keys_cli.command("create")
def create_key(
    ctx: typer.Context,
    kb: Annotated[
        list[str] | None, typer.Option("--kb", help="Limit the key to this knowledge base (repeatable).")
    ] = None,
    description: Annotated[str, typer.Option(help="What the key is for.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an API key. It is printed once; only its hash is stored."""
    run = current_run(ctx)
    kb_ids = [run.services.home.get(name).id for name in kb or []]
    key, info = run.services.stores.keys().create(description=description, kb_ids=kb_ids or None)
    if as_json:
        print_json({"key": key, "id": info.id, "knowledgeBaseIds": kb_ids or None, "description": description})
        return
    out.print(f"{key}\n\nKey id {info.id}; scope: {', '.join(kb_ids) or 'every knowledge base'}. "
              "Store it now: it is not shown again.")  # fmt: skip


@keys_cli.command("list")
def list_keys(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List API keys (ids and scopes; never the keys)."""
    keys = current_run(ctx).services.stores.keys().list()
    rows = [{"id": k.id, "description": k.description, "knowledgeBaseIds": k.kb_ids, "createdAt": k.created_at}
            for k in keys]  # fmt: skip
    if as_json:
        print_json({"keys": rows})
        return
    for row in rows:
        out.print(f"{row['id']}  {row['createdAt']}  {row['knowledgeBaseIds'] or 'all'}  {row['description']}")


@keys_cli.command("revoke")
def revoke_key(
    ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The key id shown by `ragkb keys list`.")]
) -> None:
    """Revoke an API key at once."""
    if not current_run(ctx).services.stores.keys().revoke(key_id):
        raise typer.BadParameter(f"no key with id {key_id}", param_hint="KEY_ID")
    out.print(f"Revoked {key_id}.")
