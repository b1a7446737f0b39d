"""``ragkb chunk`` and ``ragkb sync``: preview chunking, and keep a folder in sync with a knowledge base."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from app.cli.context import current_run
from app.cli.terminal import err, out, print_json, progress_bar
from app.core.keys import ANONYMOUS
from app.core.services import Services
from app.core.views import document_view, job_view
from ingest import ChunkingConfig, ChunkLocation, DocumentResult, InvalidChunkingConfig, iter_documents, process_file
from retrieval import DataSource, FolderSource, KnowledgeBase, KnowledgeBaseInfo, sync_folder, utc_now

STRATEGIES = ("default", "fixed", "none", "hierarchical", "semantic")

ChunkingOpt = Annotated[
    str | None,
    typer.Option("--chunking", help="default (200 tokens, 20% overlap) | fixed | none | hierarchical | semantic."),
]
MaxTokensOpt = Annotated[int | None, typer.Option(help="fixed/semantic: max tokens per chunk (cl100k, 1-8192).")]
OverlapOpt = Annotated[int | None, typer.Option(help="fixed: overlap between consecutive chunks, percent (0-99).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


def chunking_config(strategy: str | None, max_tokens: int | None, overlap_pct: int | None) -> ChunkingConfig:
    """Build the config from CLI flags; range errors become usage errors (exit 2)."""
    strategy = strategy or "default"
    if strategy not in STRATEGIES:
        raise typer.BadParameter(f"choose one of {', '.join(STRATEGIES)}", param_hint="--chunking")
    if strategy == "default" and (max_tokens is not None or overlap_pct is not None):
        strategy = "fixed"
    options: dict[str, int] = {}
    if max_tokens is not None:
        options["max_tokens"] = max_tokens
    if overlap_pct is not None:
        options["overlap_percentage"] = overlap_pct
    try:
        return ChunkingConfig(strategy=strategy, **options)  # type: ignore[arg-type]
    except InvalidChunkingConfig as exc:
        raise typer.BadParameter(str(exc)) from exc


def chunk(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files or folders (walked; sidecars are read, not listed).")],
    chunking: ChunkingOpt = None,
    max_tokens: MaxTokensOpt = None,
    overlap_pct: OverlapOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how files would be chunked, without embedding or indexing anything.

    Every file is chunked or refused with a one-line reason (encrypted, scanned, unsupported type,
    empty...). Exit code 0 when every file was handled, 2 for usage errors.

    Example: ragkb chunk data/sample --chunking fixed --max-tokens 100 --overlap-pct 10
    """
    config = chunking_config(chunking, max_tokens, overlap_pct)
    if config.strategy == "semantic":
        raise typer.BadParameter(
            "semantic chunking needs the embedding model; preview it with `ragkb sync`",
            param_hint="--chunking",
        )
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or folder: {', '.join(missing)}", param_hint="FILES")
    limits = current_run(ctx).settings().parse_limits()
    paths = [p for f in files for p in iter_documents(f)]
    results: list[DocumentResult] = []
    with progress_bar("Chunking", total=len(paths)) as update:
        for done, path in enumerate(paths, start=1):
            results.append(process_file(path, chunking=config, limits=limits))
            update(done, len(paths))
    if as_json:
        print_json({"documents": [document_view(r) for r in results]})
        return
    for result in results:
        _print_result(result)
    ok = sum(r.status == "ok" for r in results)
    out.print(
        f"\n{ok} of {len(results)} files chunked, {len(results) - ok} refused, "
        f"{sum(len(r.chunks) for r in results)} chunks."
    )


def sync(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The folder to index (sub-folders included).")],
    kb: Annotated[str, typer.Option("--kb", help="Knowledge base name; created on first sync.")],
    chunking: ChunkingOpt = None,
    max_tokens: MaxTokensOpt = None,
    overlap_pct: OverlapOpt = None,
    include: Annotated[list[str] | None, typer.Option(help="Only paths matching this glob (repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Skip paths matching this glob (repeatable).")] = None,
    watch: Annotated[bool, typer.Option(help="Keep running and re-sync when files change.")] = False,
    follow_links: Annotated[
        bool,
        typer.Option(help="Follow symbolic links that lead out of FOLDER, and links to folders (default: refused)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Index a folder into a knowledge base, incrementally (only what changed is processed).

    New, modified and deleted files and changed metadata sidecars are handled; unchanged files are
    not even parsed. Prints Bedrock's ingestion-job statistics. A symbolic link to a file inside
    FOLDER is indexed; one leading out of FOLDER is reported as failed and not read, and links to
    folders are not descended into, unless --follow-links.

    The chunking is chosen when the knowledge base is created and cannot change afterwards.

    Example: ragkb sync data/sample --kb handbook --chunking fixed --max-tokens 300
    """
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="FOLDER")
    services = current_run(ctx).services
    wanted = chunking_config(chunking, max_tokens, overlap_pct) if chunking or max_tokens or overlap_pct else None
    services.load_embedder()  # before the knowledge base is created: a model error creates nothing
    info = services.home.find(kb)
    if info is None:
        info = services.create_knowledge_base(kb, chunking=wanted or ChunkingConfig())
    elif wanted is not None and wanted != info.chunking:
        raise typer.BadParameter(
            f"knowledge base {kb!r} was created with {info.chunking.to_bedrock()}; chunking cannot change. "
            "Sync into a new knowledge base instead",
            param_hint="--chunking",
        )
    _, knowledge_base = services.open_kb(info.id, principal=ANONYMOUS)
    source = _folder_source(knowledge_base, folder.resolve(), tuple(include or ()), tuple(exclude or ()))
    source = replace(source, follow_links=follow_links)

    def run_once() -> None:
        _run_sync(services, info, knowledge_base, source, as_json=as_json)

    # Once per home, while PyTorch is loaded anyway: the file `ragkb retrieve` embeds queries with.
    services.prepare_query_embedder()
    if watch:
        _watch(source.root, run_once)
    else:
        run_once()


def _run_sync(
    services: Services,
    info: KnowledgeBaseInfo,
    kb: KnowledgeBase,
    source: FolderSource,
    *,
    as_json: bool,
) -> None:
    settings = services.settings
    with progress_bar(f"Syncing {source.root.name}", total=None) as update:
        job_id, report = sync_folder(
            kb, source, limits=settings.parse_limits(), progress=update, workers=settings.parse_workers
        )
    services.home.touch(info.id)
    job = next(j for j in kb.catalog.jobs() if j.id == job_id)
    if as_json:
        print_json({**job_view(info.id, job), "warnings": [f"{w.uri}: {w.reason}" for w in report.warnings]})
        return
    out.print(f"[bold]{info.name}[/] ({info.id}) job {job_id}: {job.status}")
    for key, value in report.statistics().items():
        out.print(f"  {key:36} {value}")
    for failure in report.failures:
        out.print(f"  [red]failed[/] {escape(failure.uri)}: {escape(failure.reason)}")
    for warning in report.warnings:
        out.print(f"  [yellow]warning[/] {escape(warning.uri)}: {escape(warning.reason)}")
    out.print(f"  {kb.count()} chunks searchable")


def _watch(folder: Path, run: Callable[[], None], *, debounce_s: float = 2.0) -> None:
    """Run ``run`` now and after every burst of changes under ``folder``, until Ctrl-C."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    changed = threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in ("opened", "closed_no_write"):
                changed.set()

    observer = Observer()
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()  # before the first sync, so no change made during or right after it is missed
    err.print(f"Watching {folder} (Ctrl-C to stop)")
    try:
        run()
        while True:
            changed.wait()
            # Debounce: wait until the folder has been quiet for debounce_s.
            while changed.is_set():
                changed.clear()
                time.sleep(debounce_s)
            run()
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join()


def _folder_source(kb: KnowledgeBase, root: Path, include: tuple[str, ...], exclude: tuple[str, ...]) -> FolderSource:
    """The data source for ``root`` (one per folder), registered on first use. Globs given on the
    command line replace the stored ones; without any, the stored ones apply."""
    sources = kb.catalog.data_sources()
    existing = next((s for s in sources if s.type == "LOCAL_FOLDER" and s.config["path"] == str(root)), None)
    if existing is not None and not (include or exclude):
        include, exclude = tuple(existing.config["include"]), tuple(existing.config["exclude"])
    config = {"path": str(root), "include": list(include), "exclude": list(exclude)}
    if existing is None:
        source = DataSource.new(name=_unique_name(root.name or "root", {s.name for s in sources}), type="LOCAL_FOLDER",
                                config=config)  # fmt: skip
        kb.catalog.put_data_source(source)
    elif existing.config != config:
        source = replace(existing, config=config, updated_at=utc_now())
        kb.catalog.put_data_source(source)
    else:
        source = existing
    return FolderSource(source.id, root, include, exclude)


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _print_result(result: DocumentResult) -> None:
    if result.status == "failed":
        out.print(f"[bold red]✗ {escape(result.path)}[/]: {escape(result.reason or '')}")
        return
    out.print(f"[bold green]✓ {escape(result.path)}[/]: {len(result.chunks)} chunks")
    for warning in result.warnings:
        out.print(f"  [yellow]warning:[/] {escape(warning)}")
    for c in result.chunks:
        where = ", ".join(_location_parts(c.location))
        out.print(f"[cyan]── chunk {c.index} · {c.token_count} tokens · {escape(where)}[/]")
        out.print(escape(c.text))


def _location_parts(location: ChunkLocation) -> list[str]:
    parts: list[str] = []
    if location.pages:
        parts.append("pages " + ",".join(map(str, location.pages)))
    if location.sheet:
        parts.append(f"sheet {location.sheet}")
    if location.row is not None:
        parts.append(f"rows {location.row}-{location.row_end}")
    if location.headings:
        parts.append(" > ".join(location.headings))
    return parts or ["whole document"]
