"""Storage: the short links, in SQLite.

Each link is a row: its code (the short part of the URL), the long URL it
stands for, when it was made, how many visits it has had, and the hash of
its delete token. SQLite keeps it all in one file; in WAL mode (write-ahead
logging) several gunicorn workers can read while one writes.

A URL is stored as it travels on the wire: a host name outside ASCII in
punycode (``xn--...``), any other character outside ASCII percent-encoded.

A connection is opened for each operation and closed after it: cheap for
SQLite, and safe with worker threads, which may not share a connection.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import string
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import idna

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

#: The longest URL we accept, counted as it is sent (percent-encoded):
#: browsers, servers and proxies start to disagree beyond this.
MAX_URL_LENGTH = 2048
CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 6
#: Paths of the app that have the shape of a code: a link must not be made
#: under one, where it could never be reached (a static segment wins).
RESERVED_CODES = frozenset({"about", "inspect", "static", "events", "latest", "healthz", "readyz"})

#: What stays as it is in the part of a URL after the host: RFC 3986's
#: reserved and unreserved characters, and ``%`` (what is already encoded
#: stays encoded). Everything else is sent as ``%XX`` bytes of its UTF-8.
URL_SAFE = "/?#[]@!$&'()*+,;=:~%"
#: In the user name and password of ``https://user:password@host``.
USERINFO_SAFE = "!$&'()*+,;=:~%"
#: A ``%`` that does not start a ``%XX`` escape: it stands for itself, ``%25``.
LONE_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")

#: Scripts that one name may mix (Unicode's "highly restrictive" level,
#: UTS #39): Japanese, Chinese and Korean writing, each with Latin letters.
SCRIPTS_WRITTEN_TOGETHER = [
    {"LATIN", "CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"},
    {"LATIN", "CJK", "BOPOMOFO"},
    {"LATIN", "CJK", "HANGUL"},
]


class InvalidURL(ValueError):
    """The text is not a URL we can shorten; the message says why, for the user."""


@dataclass(frozen=True)
class Host:
    """A link's host name, as sent (``ascii``) and as its owner would write it."""

    #: As it travels: punycode for the labels outside ASCII (``xn--bcher-kva.de``).
    ascii: str
    #: As people read it (``bücher.de``); the same as ``ascii`` for a plain name.
    unicode: str
    #: The scripts that one label of the name mixes (``["Cyrillic", "Latin"]``),
    #: a sign of a look-alike name: "paypal.com" with a Cyrillic "a" (U+0430).
    mixed_scripts: list[str]

    @property
    def warning(self) -> str | None:
        """What the page says about a name that mixes scripts, or None."""
        if not self.mixed_scripts:
            return None
        scripts = " and ".join(self.mixed_scripts)
        return f"mixes {scripts} letters: check it is the site you mean"


@dataclass(frozen=True)
class Link:
    code: str
    url: str
    created_at: str
    visits: int

    @property
    def host(self) -> Host:
        return describe_host(self.url)


def validate_url(text: str) -> str:
    """Return the URL to store, or raise InvalidURL with a message for the user."""
    url = text.strip()
    if not url:
        raise InvalidURL("Enter a URL to shorten.")
    too_long = f"That URL is longer than {MAX_URL_LENGTH:,} characters as it is sent"
    if len(url) > MAX_URL_LENGTH:  # encoding only lengthens it
        raise InvalidURL(f"{too_long}.")
    if not url.isprintable():
        # Line breaks, NUL and other control characters, or half a surrogate pair.
        raise InvalidURL("That URL holds characters that a URL cannot contain.")
    try:
        parts = urlsplit(url)
    except ValueError:  # such as "https://[::1/", an IPv6 address left open
        raise InvalidURL("That URL is not well formed.") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidURL("Only http:// and https:// URLs can be shortened.")
    if not parts.hostname:
        raise InvalidURL("That URL has no host name.")
    sent = as_sent(url)
    if len(sent) > MAX_URL_LENGTH:
        raise InvalidURL(f"{too_long} (percent-encoded, it is {len(sent):,}).")
    return sent


def as_sent(url: str) -> str:
    """Return ``url`` as a browser sends it: an IRI made a URI, ASCII only.

    The host name becomes punycode, by IDNA 2008 and Unicode's mapping
    (UTS #46), as browsers do: ``bücher.de`` is ``xn--bcher-kva.de``. The
    rest is percent-encoded as UTF-8: ``/café`` is ``/caf%C3%A9``, and one
    emoji is twelve characters. ``url`` has passed ``validate_url``'s checks.
    """
    parts = urlsplit(url)
    userinfo, at, _ = parts.netloc.rpartition("@")
    hostname = parts.hostname or ""
    try:
        host = host_to_ascii(hostname)
    except UnicodeError:  # idna's errors are UnicodeErrors: an empty label, a symbol
        raise InvalidURL("That URL's host name is not a valid domain name.") from None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # a port that is not a number from 0 to 65535
        raise InvalidURL("That URL is not well formed.") from None
    rest = url[len(parts.scheme) + len("://") + len(parts.netloc) :]
    userinfo = _encode(userinfo, USERINFO_SAFE) + at if at else ""
    return f"{parts.scheme}://{userinfo}{host}{port}{_encode(rest, URL_SAFE)}"


def _encode(text: str, safe: str) -> str:
    return quote(LONE_PERCENT.sub("%25", text), safe=safe)


def host_to_ascii(hostname: str) -> str:
    """Return the host name in punycode where it is not ASCII; raise UnicodeError if invalid."""
    if hostname.isascii():
        if "xn--" in hostname:
            idna.decode(hostname)  # punycode written by hand must decode
        return hostname
    return idna.encode(hostname, uts46=True).decode("ascii")


def describe_host(url: str) -> Host:
    """Return the host of a stored URL, in both its forms, and the scripts it mixes."""
    hostname = urlsplit(url).hostname or ""
    try:
        ascii_form = host_to_ascii(hostname)
        unicode_form = idna.decode(ascii_form) if "xn--" in ascii_form else ascii_form
    except UnicodeError:  # stored before hosts were checked: show it as it is
        ascii_form = unicode_form = hostname
    mixed = set()
    for label in unicode_form.split("."):
        scripts = _scripts(label)
        if len(scripts) > 1 and not any(
            scripts <= together for together in SCRIPTS_WRITTEN_TOGETHER
        ):
            mixed |= scripts
    return Host(ascii_form, unicode_form, sorted(script.title() for script in mixed))


def _scripts(label: str) -> set[str]:
    """The scripts of the letters of ``label``: LATIN, CYRILLIC, GREEK, CJK..."""
    # A letter's Unicode name starts with its script: "CYRILLIC SMALL LETTER A".
    return {unicodedata.name(char, "?").split()[0] for char in label if char.isalpha()}


def new_delete_token() -> tuple[str, str]:
    """Return a new delete token and its hash: the token for the client, the hash to keep.

    The table keeps only the SHA-256 of each token, so a copy of the
    database deletes nothing. A token is 32 random bytes: no one guesses
    it, so one round of SHA-256 (rather than a slow password hash) is enough.
    """
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # timeout: wait up to 5 s for another process's write to finish.
        with closing(sqlite3.connect(self.path, timeout=5)) as connection:
            connection.row_factory = sqlite3.Row
            with connection:  # one transaction: committed, or rolled back on error
                yield connection

    def create(self, url: str, owner: str | None = None) -> tuple[Link, str]:
        """Store ``url`` under a new random code; return the link and its delete token.

        This is the only time the token is known: the table keeps its hash.
        ``owner`` is the browser that made it (``ownership.browser_owner``).
        """
        self.ensure_schema()
        token, token_hash = new_delete_token()
        owner_hash = hash_token(owner) if owner is not None else None
        with self._connect() as connection:
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if code in RESERVED_CODES:
                    continue
                try:
                    connection.execute(
                        "INSERT INTO links (code, url, delete_token_hash, owner_hash)"
                        " VALUES (?, ?, ?, ?)",
                        (code, url, token_hash, owner_hash),
                    )
                except sqlite3.IntegrityError:
                    continue  # the code is taken: draw another
                row = connection.execute("SELECT * FROM links WHERE code = ?", (code,)).fetchone()
                return _link(row), token

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

    def get_many(self, codes: Sequence[str]) -> list[Link]:
        """The links of ``codes`` that still exist, in the order of ``codes``."""
        self.ensure_schema()
        with self._connect() as connection:
            marks = ", ".join("?" * len(codes))
            rows = connection.execute(f"SELECT * FROM links WHERE code IN ({marks})", codes)
            found = {row["code"]: _link(row) for row in rows}
        return [found[code] for code in codes if code in found]

    def owned_by(self, token: str) -> list[Link]:
        """The links that ``token`` may delete: none, or the one it was made with."""
        self.ensure_schema()
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT * FROM links WHERE delete_token_hash = ?", (hash_token(token),)
            ).fetchall()
        return [_link(row) for row in rows]

    def may_delete(self, code: str, token: str) -> bool | None:
        """Tell whether ``token`` is the delete token of ``code``; None if there is no such link.

        ``hmac.compare_digest`` takes as long for a hash that differs in its
        first character as in its last: the time of the answer tells nothing.
        A link made before delete tokens has none, and no token deletes it.
        """
        self.ensure_schema()
        with self._connect() as connection:
            row = connection.execute(
                "SELECT delete_token_hash FROM links WHERE code = ?", (code,)
            ).fetchone()
        if row is None:
            return None
        stored = row["delete_token_hash"]
        return stored is not None and hmac.compare_digest(stored, hash_token(token))

    def made_by(self, owner: str, since: int) -> list[tuple[int, Link]]:
        """The links ``owner`` made, from the one numbered ``since`` on, oldest first, numbered.

        The number is SQLite's rowid, which grows with each new link: a
        stream of new links sends it in each event's id, and a browser that
        reconnects sends the last one back (``Last-Event-ID``). A rowid is
        reused when the newest link is deleted, so the link numbered
        ``since`` is listed too: the stream tells it from the one it sent by
        its code.
        """
        self.ensure_schema()
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT rowid, * FROM links WHERE owner_hash = ? AND rowid >= ?"
                " ORDER BY rowid LIMIT 100",
                (hash_token(owner), since),
            ).fetchall()
        return [(row["rowid"], _link(row)) for row in rows]

    def newest(self) -> tuple[int, str | None]:
        """The number and code of the newest link, ``(0, None)`` if none: where a stream starts."""
        self.ensure_schema()
        with self._connect() as connection:
            row = connection.execute(
                "SELECT rowid, code FROM links ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
        return (int(row["rowid"]), str(row["code"])) if row is not None else (0, None)

    def delete(self, code: str) -> bool:
        """Delete a link; tell whether it existed."""
        self.ensure_schema()
        with self._connect() as connection:
            deleted = connection.execute("DELETE FROM links WHERE code = ?", (code,))
        return deleted.rowcount > 0


def _link(row: sqlite3.Row) -> Link:
    return Link(row["code"], row["url"], row["created_at"], row["visits"])
