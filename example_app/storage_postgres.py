"""The links in PostgreSQL: one database server, shared by the instances on every machine.

Set ``SHORTENER_DATABASE_URL=postgresql://user@host/database`` and
``storage.open_links`` picks this class; psycopg 3 and psycopg_pool are
imported only then (``pip install -e '.[postgres]'``).

Each worker process keeps a pool of connections (``psycopg_pool``), at most
one per thread, made on the process's first operation: after gunicorn has
forked it, never in the master, since a connection is a socket that two
processes must not share. A pooled connection is checked as it is taken
out (an empty statement): one that the server closed meanwhile (a restart,
an idle timeout) is thrown away and a fresh one taken, once, so a request
does not fail on a stale connection. While the server is away, every operation
waits up to the timeout for a connection and raises StorageUnavailable;
the pool keeps reconnecting by itself, and serves again once it is back.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from .storage import Cursor, Links, StorageUnavailable

#: The schema, as SQLite's (``storage_sqlite.SCHEMA``), with an identity
#: column to number the links: a number is never used twice, even for a
#: deleted link. ``created_at`` is text in the same form as SQLite's.
SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS links (
        id BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        code TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        created_at TEXT NOT NULL
            DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        visits BIGINT NOT NULL DEFAULT 0,
        delete_token_hash TEXT,
        owner_hash TEXT
    )
    """,
    "ALTER TABLE links ADD COLUMN IF NOT EXISTS delete_token_hash TEXT",
    "ALTER TABLE links ADD COLUMN IF NOT EXISTS owner_hash TEXT",
    "CREATE INDEX IF NOT EXISTS links_by_token ON links (delete_token_hash)",
    "CREATE INDEX IF NOT EXISTS links_by_owner ON links (owner_hash, id)",
    # A few named values of the installation: the session key, the last check.
    "CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

#: The advisory lock that ``ensure_schema`` takes: two servers starting at
#: once would otherwise both try to create the table, and one would fail
#: (``CREATE TABLE IF NOT EXISTS`` is not safe against a concurrent one).
#: Any number of our own will do; this one is "links" in ASCII.
SCHEMA_LOCK = 0x6C696E6B73


#: How long a transaction may sit idle, its locks held, before the server ends it.
IDLE_IN_TRANSACTION = "2s"


class PostgresLinks(Links):
    """The links table of a PostgreSQL database, through a pool of connections per process."""

    NUMBER = "id"

    def __init__(self, url: str, *, timeout: float = 5.0, pool_size: int = 4) -> None:
        self.url = url
        self.location = _without_password(url)
        #: Seconds to wait for a connection, or for a lock, before giving up.
        self.timeout = timeout
        #: The most connections the pool opens: one per thread of the worker.
        self.pool_size = pool_size
        self._pool: ConnectionPool[Any] | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()
        self._ready = False

    def ensure_schema(self) -> None:
        """Create the tables, once per process, on a connection of its own.

        The gunicorn master calls this at start (``on_starting``): it opens
        no pool there, only this connection, and closes it. Idempotent, and
        safe when several servers run it at once: they take turns, through
        an advisory lock held to the end of the transaction.
        """
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            with self._unavailable_on_failure():
                connection = psycopg.connect(
                    self.url, connect_timeout=_seconds(self.timeout), row_factory=dict_row
                )
                with connection:  # commits, then closes
                    connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                    for statement in SCHEMA:
                        connection.execute(statement)
            self._ready = True

    def _lock_owner(self, connection: Any, owner_hash: str) -> None:
        # An identity number is drawn when a row is inserted, and rows become
        # visible when their transactions commit, which need not be in the same
        # order: the stream, reading "from number N on", could skip a link. One
        # browser's new links take turns, so its numbers are in commit order.
        connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (owner_hash,))

    @contextmanager
    def _connect(self) -> Iterator[_Statements]:  # type: ignore[override]
        with self._unavailable_on_failure():
            pool = self._pool_here()
            connection = self._take(pool)
            try:
                with connection:  # one transaction: committed, or rolled back on error
                    yield _Statements(connection)
            finally:
                pool.putconn(connection)

    def _take(self, pool: ConnectionPool[Any]) -> psycopg.Connection[Any]:
        """A connection from the pool that works: a stale one is replaced, once.

        The server may have closed a connection that sat in the pool (a
        restart, an idle timeout): an empty statement finds out. Then the
        others in the pool may be stale too: the pool checks them all and
        replaces the broken ones, and the operation takes a fresh one.
        """
        connection = pool.getconn()
        try:
            ConnectionPool.check_connection(connection)
        except psycopg.OperationalError:
            pool.putconn(connection)  # broken: the pool throws it away
            pool.check()
            return pool.getconn()
        return connection

    def _pool_here(self) -> ConnectionPool[Any]:
        """This process's pool, made on first use; never one inherited from the parent."""
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                # A pool made before a fork is the parent's: its connections are
                # the parent's sockets and its threads did not survive the fork.
                # It is left alone (closing it would close the parent's sessions).
                pool: ConnectionPool[Any] = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self.pool_size,
                    open=False,
                    timeout=self.timeout,
                    configure=self._configure,
                    # Give up on a connection attempt after this long (with the
                    # next request, the pool starts afresh): the pool is back
                    # soon after the server, even after a long outage.
                    reconnect_timeout=max(self.timeout, 5.0),
                    kwargs={"connect_timeout": _seconds(self.timeout), "row_factory": dict_row},
                    name=f"shortener-{os.getpid()}",
                )
                pool.open(wait=False)
                self._pool, self._pool_pid = pool, os.getpid()
            return self._pool

    def _configure(self, connection: psycopg.Connection[Any]) -> None:
        """Set up a new connection: how long it waits for a lock, and how long it may hold one.

        A statement waits at most ``timeout`` for a lock. And a transaction
        left open is ended by the server after ``IDLE_IN_TRANSACTION``: a
        machine whose network went away between a visit's UPDATE and its
        COMMIT would otherwise hold that link's row locked until the server
        noticed the connection was dead (hours, with TCP's defaults), and
        every other machine's visits to it would wait.
        """
        milliseconds = f"{int(self.timeout * 1000)}ms"
        connection.execute("SELECT set_config('lock_timeout', %s, false)", (milliseconds,))
        connection.execute(
            "SELECT set_config('idle_in_transaction_session_timeout', %s, false)",
            (IDLE_IN_TRANSACTION,),
        )
        connection.commit()

    @contextmanager
    def _unavailable_on_failure(self) -> Iterator[None]:
        """Turn the errors that mean "not now" into StorageUnavailable; the others pass."""
        try:
            yield
        except PoolTimeout as error:
            raise StorageUnavailable("the database cannot be reached") from error
        except psycopg.errors.LockNotAvailable as error:
            raise StorageUnavailable("the database is locked") from error
        except psycopg.errors.DiskFull as error:
            raise StorageUnavailable("the database is full") from error
        except psycopg.errors.ReadOnlySqlTransaction as error:
            raise StorageUnavailable("the database is read-only") from error
        except psycopg.OperationalError as error:  # refused, cut, shut down: out of reach
            raise StorageUnavailable("the database cannot be reached") from error

    def close(self) -> None:
        """Close this process's pool and its connections."""
        with self._lock:
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None


class _Statements:
    """A psycopg connection that takes the shared SQL: ``?`` for each parameter."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        # Our statements hold no "?" or "%" of their own: each "?" is a parameter.
        cursor: Cursor = self.connection.execute(sql.replace("?", "%s"), parameters)
        return cursor


def _seconds(timeout: float) -> int:
    """libpq's connect_timeout: whole seconds, and 2 at least (it takes 1 as 2 anyway)."""
    return max(2, round(timeout))


def _without_password(url: str) -> str:
    """The URL to show in a log or on a terminal: its password, if any, as ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
