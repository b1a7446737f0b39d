"""Terminal output shared by the CLI commands: consoles and progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(label: str, *, total: int | None, console: Console = err) -> Iterator[Callable[[int, int], None]]:
    """Yield ``update(done, total)``; draws a bar only when ``console`` is a terminal."""
    if not console.is_terminal:
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def print_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()  # --watch prints one object per sync; a pipe must see each one as it comes
