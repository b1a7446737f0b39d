"""What one ``ragkb`` run shares: its Settings, built once, and the services, opened once.

The root command's callback puts a :class:`Run` on the Typer context; commands reach it with
:func:`current_run`. Both are built on first use, so ``--help`` and commands that need neither (``ragkb
chunk`` reads only the parse limits) never read ``RAGKB_HOME`` or load a model, and a bad ``RAGKB_*``
setting fails the command that reads it, as ``main`` reports (exit 2).
"""

from __future__ import annotations

from typing import Any

import typer

from app.core.services import Services
from app.settings import Settings


class Run:
    """Settings and services of one command-line run; closed when the run ends."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._services: Services | None = None

    def settings(self, **overrides: Any) -> Settings:
        """The run's Settings, built on the first call; ``overrides`` (``ragkb serve --port``) apply then."""
        if self._settings is None:
            self._settings = Settings(**overrides)
        elif overrides:
            raise AssertionError("settings overrides must come before the settings are first read")
        return self._settings

    @property
    def services(self) -> Services:
        """The same :class:`Services` the HTTP app uses (``open_kb`` and friends), built on first use."""
        if self._services is None:
            self._services = Services(self.settings())
        return self._services

    def close(self) -> None:
        # The commands save what they change (sync saves its index); closing only releases the files.
        if self._services is not None:
            self._services.close(save=False)
            self._services = None


def start_run(ctx: typer.Context) -> None:
    """The root callback's work: one :class:`Run` for the whole command line, closed at its end."""
    run = Run()
    ctx.obj = run
    ctx.call_on_close(run.close)


def current_run(ctx: typer.Context) -> Run:
    run = ctx.find_object(Run)
    if run is None:  # a command invoked without the root group (a test calling a sub-app directly)
        run = Run()
        ctx.obj = run
        ctx.call_on_close(run.close)
    return run
