"""The links in SQLite: one file, shared by the worker processes of one machine.

In WAL mode (write-ahead logging) several workers read while one writes; a
writer waits up to the timeout for another's write to finish, then the
database counts as locked. ``synchronous=NORMAL`` is safe in WAL mode: a
commit waits for the log to be written, not for the disk to have it, so a
power cut (not a crash of the program) can lose the last transactions but
never corrupts the file.

A connection is opened for each operation and closed after it: cheap for
SQLite, and safe with worker threads, which may not share a connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from .storage import Links, StorageUnavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    visits INTEGER NOT NULL DEFAULT 0,
    delete_token_hash TEXT,
    owner_hash TEXT
)
"""

#: A few named values of the installation: when it was last checked (``/readyz``).
SETTINGS_TABLE = "CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)"

#: The columns a database made by an older version lacks: they are added. Its
#: old links have no token, so they cannot be deleted through the API, and no
#: owner, so they are in no browser's stream of new links.
LATER_COLUMNS = {
    "delete_token_hash": "ALTER TABLE links ADD COLUMN delete_token_hash TEXT",
    "owner_hash": "ALTER TABLE links ADD COLUMN owner_hash TEXT",
}

#: ``GET /api/links`` finds a token's link by the token's hash, and the stream of
#: new links a browser's by its owner's: indexes keep both quick.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS links_by_token ON links (delete_token_hash)",
    "CREATE INDEX IF NOT EXISTS links_by_owner ON links (owner_hash)",
)

#: The words of SQLite's errors that mean "not now" rather than "a bug",
#: and what the 503 (and /readyz) says of each.
UNAVAILABLE = {
    "locked": "the database is locked",
    "readonly": "the database is read-only",
    "full": "the database is full",
    "disk i/o": "the database's disk failed",
    "unable to open": "the database file cannot be opened",
}


class SQLiteLinks(Links):
    """The links table of one SQLite database file."""

    #: SQLite numbers every row: the rowid, the largest so far plus one.
    NUMBER = "rowid"

    def __init__(self, path: Path, *, timeout: float = 5.0) -> None:
        self.path = path
        self.location = str(path)
        #: Seconds to wait for another process's write before the database is locked.
        self.timeout = timeout
        self._ready = False
        self._lock = threading.Lock()

    def ensure_schema(self) -> None:
        """Create the folder, the tables and WAL mode, once per process."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(SCHEMA)
                connection.execute(SETTINGS_TABLE)
                columns = {row["name"] for row in connection.execute("PRAGMA table_info(links)")}
                for column, statement in LATER_COLUMNS.items():
                    if column in columns:
                        continue
                    try:
                        connection.execute(statement)
                    except sqlite3.OperationalError as error:  # another process added it
                        if "duplicate column" not in str(error):
                            raise
                for index in INDEXES:
                    connection.execute(index)
            self._ready = True

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.timeout)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:  # type: ignore[override]
        try:
            with closing(self._open()) as connection:
                connection.row_factory = sqlite3.Row
                # Per connection, unlike WAL mode, which the file keeps.
                connection.execute("PRAGMA synchronous=NORMAL")
                with connection:  # one transaction: committed, or rolled back on error
                    yield connection
        except sqlite3.OperationalError as error:
            message = str(error).lower()
            for words, reason in UNAVAILABLE.items():
                if words in message:
                    raise StorageUnavailable(reason) from error
            raise
