"""``ragkb kb export`` and ``ragkb kb import``: move a knowledge base between stores (the embedded default and
PostgreSQL) or machines, vectors included, so nothing is re-embedded."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Annotated

import typer

from app.cli.context import current_run
from app.cli.terminal import out
from app.core.keys import ANONYMOUS
from ingest import ChunkingConfig
from retrieval import ModelMismatch, RetrievalError, export_kb, import_kb, may_query, read_header


def export_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Knowledge base name or id.")],
    path: Annotated[Path, typer.Argument(help="File to write (gzip-compressed JSON Lines).")],
) -> None:
    """Write a knowledge base (data sources, documents, chunks and their vectors) to a file.

    Example, from the embedded store to PostgreSQL:
    ragkb kb export handbook handbook.ragkb.gz &&
    RAGKB_DATABASE_URL=postgresql://ragkb@db/ragkb ragkb kb import handbook.ragkb.gz
    """
    info, kb = current_run(ctx).services.open_kb(name, principal=ANONYMOUS)
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        documents, chunks = export_kb(kb, info, stream)
    out.print(f"Exported {info.name} ({info.id}): {documents} documents, {chunks} chunks to {path}.")


def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A file `ragkb kb export` wrote.")],
    name: Annotated[
        str | None, typer.Option(help="Name of the new knowledge base (default: the exported one's).")
    ] = None,
) -> None:
    """Create a knowledge base from an export, in this store (RAGKB_DATABASE_URL or RAGKB_HOME), with the
    exported vectors: it retrieves what the original did. The embedder must be the one that built it, or an
    equivalent backend of the same model (docs/knowledge-bases.md)."""
    services = current_run(ctx).services
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        header = read_header(stream)
        if not may_query(header["embedder"], services.embedder.name):
            raise ModelMismatch(
                f"the export was embedded with {header['embedder']}; this store embeds queries with "
                f"{services.embedder.name}. Set the same RAGKB_EMBEDDER / RAGKB_EMBEDDING_BACKEND to import it"
            )
        info = services.create_knowledge_base(
            name or header["name"], chunking=ChunkingConfig.from_bedrock(header["chunking"]),
            description=header["description"],
        )  # fmt: skip
        try:
            _, kb = services.open_kb(info.id, principal=ANONYMOUS, by_id=True)
            documents, chunks = import_kb(kb, stream)
        except (RetrievalError, OSError, EOFError):
            services.delete_knowledge_base(info.id)  # no half-imported knowledge base stays behind
            raise
    out.print(f"Imported {info.name} ({info.id}): {documents} documents, {chunks} chunks.")
