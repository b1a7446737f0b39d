"""What a folder sync may read: the folder source, its listing, and the roots nothing may escape.

A folder is resolved (symbolic links and ``..`` followed) when each sync starts, and each file
before it is read; what resolves outside the allowed folders is not read:

- the folder itself: the whole sync is refused (a registered folder replaced by a link elsewhere);
- a file (or its ``.metadata.json`` sidecar): that file is refused with a reason in the job's
  failures, and a version indexed before leaves the index;
- a link to a folder is never descended into, unless links are followed (then each real folder
  is walked once, so a link to an ancestor cannot loop).

Files are read with ``O_NOFOLLOW`` at their resolved path, so a file swapped for a link after the
listing is not followed either.
"""

from __future__ import annotations

import errno
import fnmatch
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.metadata import is_sidecar, sidecar_path

OUTSIDE = "a symbolic link to outside the folders this sync may read: not followed"


@dataclass(frozen=True)
class FolderSource:
    """A local folder data source. Globs match paths relative to ``root`` (``**/*.md``, ``drafts/*``).

    ``roots``: resolved folders that the folder and every file must lie in once symbolic links are
    followed (the service passes its data roots); empty means ``root`` itself. ``follow_links``
    lifts that limit and follows links to folders too (the CLI's ``--follow-links``).
    """

    id: str
    root: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    roots: tuple[Path, ...] = ()
    follow_links: bool = False

    def wants(self, uri: str) -> bool:
        if self.include and not any(fnmatch.fnmatch(uri, g) for g in self.include):
            return False
        return not any(fnmatch.fnmatch(uri, g) for g in self.exclude)


@dataclass(frozen=True)
class Scanned:
    """A listed file: ``path`` as listed (its sidecar sits beside it), ``real`` the file it resolves to."""

    path: Path
    real: Path
    uri: str
    size: int
    mtime_ns: int


class FolderRefused(Exception):
    """The folder itself cannot be synced (missing, unreadable, or resolving outside the roots)."""


def confined_root(source: FolderSource) -> Path:
    """The folder to walk, resolved now; raises :class:`FolderRefused`."""
    real = Path(os.path.realpath(source.root))
    if not real.is_dir() or not os.access(real, os.R_OK | os.X_OK):
        raise FolderRefused(f"cannot read folder {source.root}: it does not exist or is not readable")
    if not source.follow_links and source.roots and not _inside(real, source.roots):
        raise FolderRefused(
            f"folder {source.root} now resolves outside the data roots (it was replaced by a symbolic link?): "
            "refused; see RAGKB_DATA_ROOTS"
        )
    return real


def scan(
    source: FolderSource, root: Path, *, fail: Callable[[str, str], None], warn: Callable[[str, str], None]
) -> Iterator[Scanned]:
    """Every wanted document under ``root`` (from :func:`confined_root`), sorted; hidden files skipped.

    Files that cannot be used are reported through ``fail(uri, reason)``; ignored sidecars and
    links to folders that are not followed through ``warn(uri, reason)``.
    """
    allowed = source.roots or (root,)

    def unreadable(error: OSError) -> None:
        fail(os.path.relpath(error.filename or "?", root), f"cannot read folder: {error.strerror}")

    def confined(path: Path) -> Path | None:
        real = Path(os.path.realpath(path))
        return real if source.follow_links or _inside(real, allowed) else None

    candidates: list[Path] = []
    walked: set[str] = set()
    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=source.follow_links):
        visible = sorted(d for d in dirs if not d.startswith("."))
        if source.follow_links:  # each real folder once: a link to an ancestor must not loop
            walked.add(os.path.realpath(folder))
            visible = [d for d in visible if os.path.realpath(os.path.join(folder, d)) not in walked]
        else:
            for name in visible:
                if os.path.islink(os.path.join(folder, name)):
                    uri = Path(folder, name).relative_to(root).as_posix()
                    warn(uri, "a symbolic link to a folder: not followed")
        dirs[:] = visible
        candidates.extend(Path(folder) / f for f in sorted(files) if not f.startswith("."))
    names = set(candidates)
    for path in candidates:
        uri = path.relative_to(root).as_posix()
        if is_sidecar(path):
            document = path.with_name(path.name[: -len(".metadata.json")])
            if document not in names and source.wants(uri[: -len(".metadata.json")]):
                warn(uri, "metadata file without a document; it is ignored")
            continue
        if not source.wants(uri):
            continue
        real = confined(path)
        if real is None:
            fail(uri, OUTSIDE)
            continue
        sidecar = sidecar_path(path)
        if sidecar in names and confined(sidecar) is None:
            fail(uri, f"its metadata file is {OUTSIDE}")
            continue
        try:
            stat = real.stat()
        except OSError:
            fail(uri, "file disappeared during the sync")
            continue
        yield Scanned(path, real, uri, stat.st_size, stat.st_mtime_ns)


def still_confined(source: FolderSource, item: Scanned) -> bool:
    """Whether ``item`` still resolves to the file that was listed (re-checked after parsing)."""
    return source.follow_links or os.path.realpath(item.path) == str(item.real)


def read_confined(item: Scanned) -> bytes:
    """The bytes of the listed file, never through a link made after the listing; raises OSError."""
    try:
        fd = os.open(item.real, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "it was replaced by a symbolic link during the sync") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)
