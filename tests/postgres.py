"""A throw-away PostgreSQL cluster with pgvector for the tests: initdb in a temporary folder, a free port on
127.0.0.1, fsync off; each test gets a fresh database copied from a migrated template.

Needs Debian's PostgreSQL and pgvector >= 0.8 (``scripts/ci/install_postgres.sh``, run by ``.ci/run``);
:func:`find_postgres` says why not when they are missing, and the fixtures skip with that reason.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

from retrieval.store.postgres.database import migrate

TEMPLATE = "ragkb_template"


def find_postgres() -> tuple[Path | None, str]:
    """(the bin folder of the newest PostgreSQL that has pgvector >= 0.8, or None; why not)."""
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    if not roots:
        return None, "PostgreSQL is not installed (bash scripts/ci/install_postgres.sh installs it)"
    for bin_dir in roots:
        control = Path(f"/usr/share/postgresql/{bin_dir.parent.name}/extension/vector.control")
        if control.exists():
            version = control.read_text().split("default_version = '")[1].split("'")[0]
            if tuple(int(part) for part in version.split(".")[:2]) >= (0, 8):
                return bin_dir, ""
            return None, f"pgvector {version} is too old (0.8 needed); bash scripts/ci/install_postgres.sh"
    return None, "pgvector is not installed (bash scripts/ci/install_postgres.sh installs it)"


class PostgresCluster:
    """A cluster of our own, stopped and deleted by :meth:`stop`."""

    def __init__(self, bin_dir: Path, *, settings: dict[str, str] | None = None) -> None:
        """``settings``: more server settings (``-c name=value``), e.g. the benchmarks' ``shared_buffers``."""
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ragkb-pg-"))
        self.port = _free_port()
        self._names = itertools.count()
        as_root = os.geteuid() == 0
        if as_root:  # initdb refuses root: the cluster belongs to Debian's postgres user
            shutil.chown(self.root, "postgres", "postgres")
        self._user = ["runuser", "-u", "postgres", "--"] if as_root else []
        data, log = self.root / "data", self.root / "log"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"  # fmt: skip
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        self._run("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        self.admin_url = self.url("postgres")
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with psycopg.connect(self.url(TEMPLATE), autocommit=True) as conn:
            migrate(conn)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, migrated database; returns its URL."""
        name = f"ragkb_test_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self._user, str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self._user, str(self.bin_dir / tool), *args], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr or done.stdout}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
