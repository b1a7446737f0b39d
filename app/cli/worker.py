"""``ragkb worker``: run ingestion jobs queued in PostgreSQL (RAGKB_DATABASE_URL)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from app.cli.context import current_run
from app.cli.terminal import err
from app.core.jobs.worker import Worker
from app.core.wiring import build_job_queue


def worker(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Name shown in job rows (default host:pid).")] = None,
) -> None:
    """Run ingestion jobs from the PostgreSQL queue until stopped (Ctrl-C or SIGTERM stop the running job,
    which ends STOPPED). Start any number, on any machines. Needs RAGKB_DATABASE_URL.

    Example: RAGKB_DATABASE_URL=postgresql://ragkb@db/ragkb ragkb worker
    """
    run = current_run(ctx)
    services = run.services
    queue = build_job_queue(services.home, run.settings())
    if queue is None:
        err.print("[bold red]error:[/] ragkb worker needs RAGKB_DATABASE_URL (the embedded store runs jobs in "
                  "`ragkb serve` itself)")  # fmt: skip
        raise typer.Exit(2)
    services.embedder  # noqa: B018  (load the model before taking a job)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    runner = Worker(services, queue, name=name)
    err.print(f"worker {runner.name} waiting for ingestion jobs")
    runner.run(stopping)
