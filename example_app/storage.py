"""Storage: the short links, in SQLite.

Each link is a row: its code (the short part of the URL), the long URL it
stands for, when it was made, and how many visits it has had. SQLite keeps
it all in one file; in WAL mode (write-ahead logging) several gunicorn
workers can read while one writes.

A connection is opened for each operation and closed after it: cheap for
SQLite, and safe with worker threads, which may not share a connection.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    visits INTEGER NOT NULL DEFAULT 0
)
"""

#: The home page lists the newest links first: an index keeps that quick.
INDEX = "CREATE INDEX IF NOT EXISTS links_by_date ON links (created_at)"

#: The longest URL we accept; browsers and servers start to disagree beyond this.
MAX_URL_LENGTH = 2000
CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 6


class InvalidURL(ValueError):
    """The text is not a URL we can shorten; the message says why, for the user."""


@dataclass(frozen=True)
class Link:
    code: str
    url: str
    created_at: str
    visits: int


def validate_url(text: str) -> str:
    """Return the URL to store, or raise InvalidURL with a message for the user."""
    url = text.strip()
    if not url:
        raise InvalidURL("Enter a URL to shorten.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"That URL is longer than {MAX_URL_LENGTH:,} characters.")
    if not url.isprintable():
        # Line breaks, NUL and other control characters, or half a surrogate pair.
        raise InvalidURL("That URL holds characters that a URL cannot contain.")
    try:
        parts = urlsplit(url)
    except ValueError:  # such as "https://[::1/", an IPv6 address left open
        raise InvalidURL("That URL is not well formed.") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidURL("Only http:// and https:// URLs can be shortened.")
    return url


class Links:
    """The links table of one SQLite database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False
        self._lock = threading.Lock()

    def ensure_schema(self) -> None:
        """Create the folder, the table and WAL mode, once per process."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(SCHEMA)
                connection.execute(INDEX)
            self._ready = True

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # timeout: wait up to 5 s for another process's write to finish.
        with closing(sqlite3.connect(self.path, timeout=5)) as connection:
            connection.row_factory = sqlite3.Row
            with connection:  # one transaction: committed, or rolled back on error
                yield connection

    def create(self, url: str) -> Link:
        """Store ``url`` under a new random code and return the link."""
        self.ensure_schema()
        with self._connect() as connection:
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                try:
                    connection.execute("INSERT INTO links (code, url) VALUES (?, ?)", (code, url))
                except sqlite3.IntegrityError:
                    continue  # the code is taken: draw another
                row = connection.execute("SELECT * FROM links WHERE code = ?", (code,)).fetchone()
                return _link(row)

    def get(self, code: str) -> Link | None:
        self.ensure_schema()
        with self._connect() as connection:
            row = connection.execute("SELECT * FROM links WHERE code = ?", (code,)).fetchone()
        return _link(row) if row is not None else None

    def visit(self, code: str) -> str | None:
        """Count a visit to ``code`` and return its URL, or None for an unknown code."""
        self.ensure_schema()
        with self._connect() as connection:
            # Read first: an unknown code then costs no write lock, which the
            # worker processes would otherwise queue for.
            row = connection.execute("SELECT url FROM links WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            connection.execute("UPDATE links SET visits = visits + 1 WHERE code = ?", (code,))
        return str(row["url"])

    def recent(self, limit: int = 10) -> list[Link]:
        self.ensure_schema()
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT * FROM links ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_link(row) for row in rows]

    def delete(self, code: str) -> bool:
        """Delete a link; tell whether it existed."""
        self.ensure_schema()
        with self._connect() as connection:
            deleted = connection.execute("DELETE FROM links WHERE code = ?", (code,))
        return deleted.rowcount > 0


def _link(row: sqlite3.Row) -> Link:
    return Link(row["code"], row["url"], row["created_at"], row["visits"])
