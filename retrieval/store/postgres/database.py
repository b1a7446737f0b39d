"""Connections to the PostgreSQL database: one pool per process, the schema brought up to date on open.

Every replica, worker and CLI run opens :class:`Database` with the same URL; the first to arrive applies
the missing migrations (under a transaction-scoped advisory lock, so concurrent starts never race), the
others find them recorded in ``schema_migrations``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg_pool import ConnectionPool

from retrieval.errors import RetrievalError
from retrieval.store.postgres.migrations import MIGRATIONS

# Any 64-bit number the application owns; held while migrations run.
_MIGRATION_LOCK = 0x7261676B62  # "ragkb"
DIMENSION = 384  # vector(384): the bundled all-MiniLM-L6-v2 and HashEmbedder


class DatabaseUnavailable(RetrievalError):
    """The PostgreSQL database cannot be reached or lacks what ragkb needs (pgvector)."""


class Database:
    """A connection pool on ``url`` with the schema migrated; ``connection()`` lends one.

    >>> db = Database("postgresql://ragkb@db/ragkb")
    >>> with db.connection() as conn:
    ...     conn.execute("SELECT count(*) FROM knowledge_bases").fetchone()
    """

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                migrate(conn)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"cannot use the PostgreSQL database: {exc}".strip()) from exc
        self.pool = ConnectionPool(
            url, min_size=min_size, max_size=max_size, configure=_configure, open=True,
            kwargs={"autocommit": True}, name="ragkb",
        )  # fmt: skip

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection in autocommit mode; ``with conn.transaction():`` for atomic work."""
        with self.pool.connection() as conn:
            yield conn

    def migrate(self, migrations: Sequence[str], *, table: str) -> int:
        """Bring another schema kept in this database (a service's own tables) up to date, as the knowledge
        bases' schema is on open: ``migrations`` in order, recorded in ``table``."""
        with self.connection() as conn:
            return migrate(conn, migrations, table=table)

    def close(self) -> None:
        self.pool.close()


def _configure(conn: psycopg.Connection) -> None:
    register_vector(conn)


def migrate(
    conn: psycopg.Connection, migrations: Sequence[str] = MIGRATIONS, *, table: str = "schema_migrations"
) -> int:
    """Apply the ``migrations`` ``conn``'s database lacks, in order, recording each in ``table``; returns the
    schema version now."""
    versions = sql.Identifier(table)
    wanted = len(migrations)
    standby = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    if standby and standby[0]:  # a read replica: the primary migrates; check only that it has
        row = conn.execute(sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(versions)).fetchone()
        if row is None or row[0] != wanted:
            raise DatabaseUnavailable(
                f"the read replica's {table} is version {row[0] if row else 0}, this ragkb needs {wanted}: "
                "start a process on the primary first"
            )
        return wanted
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(versions)
        )
        row = conn.execute(sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(versions)).fetchone()
        current = int(row[0]) if row else 0
        if current > wanted:
            raise DatabaseUnavailable(
                f"the database's {table} is version {current}, newer than this ragkb knows ({wanted}); upgrade ragkb"
            )
        for version in range(current + 1, wanted + 1):
            try:
                conn.execute(migrations[version - 1])  # no parameters: one multi-statement simple query
            except psycopg.errors.FeatureNotSupported as exc:
                raise DatabaseUnavailable(f"migration {version} of {table} failed: {exc}") from exc
            conn.execute(sql.SQL("INSERT INTO {}(version) VALUES (%s)").format(versions), (version,))
    return wanted
