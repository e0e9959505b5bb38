"""Storage: the short links, in SQLite or in PostgreSQL.

Each link is a row: its code (the short part of the URL), the long URL it
stands for, when it was made, how many visits it has had, and the hash of
its delete token.

``Links`` is what the app sees: the operations on the table, written once,
in SQL that both databases take. Two classes say how to reach a database:

- ``SQLiteLinks`` (``storage_sqlite.py``), the default: one file in the
  instance folder, shared by the workers of one machine.
- ``PostgresLinks`` (``storage_postgres.py``), when
  ``SHORTENER_DATABASE_URL`` is set: a database server that the instances
  on every machine share.

``open_links`` picks one from the settings. A database that cannot answer
now (locked, full, read-only, unreachable) raises ``StorageUnavailable``,
which the app answers with a 503: try again later.

A URL is stored as it travels on the wire: a host name outside ASCII in
punycode (``xn--...``), any other character outside ASCII percent-encoded.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import string
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

import idna

from . import settings

#: The longest URL we accept unless ``SHORTENER_MAX_URL_LENGTH`` says otherwise,
#: counted as it is sent (percent-encoded): browsers, servers and proxies
#: start to disagree beyond this.
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
    {"Latin", "CJK", "Hiragana", "Katakana"},
    {"Latin", "CJK", "Bopomofo"},
    {"Latin", "CJK", "Hangul"},
]
#: The first words of letters' names that do not name their script, and the
#: script the page names: the Chinese characters (Unicode's "Han" script)
#: that Chinese, Japanese and Korean share are "CJK UNIFIED IDEOGRAPH-4F50",
#: and a few are "IDEOGRAPHIC CLOSING MARK" (〆).
SCRIPT_OF_NAME = {"CJK": "CJK", "IDEOGRAPHIC": "CJK"}


class InvalidURL(ValueError):
    """The text is not a URL we can shorten; the message says why, for the user."""


class StorageUnavailable(Exception):
    """The database cannot answer now; the message says why, in a few words.

    Locked by another writer for longer than the timeout, full, read-only,
    or out of reach: nothing is wrong with the request, so the app answers
    503 Service Unavailable with ``Retry-After``, not a 500. The database's
    own error is the ``__cause__``, for the log.
    """


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
    limit = settings.max_url_length(MAX_URL_LENGTH)
    too_long = f"That URL is longer than {limit:,} characters as it is sent"
    if len(url) > limit:  # encoding only lengthens it
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
    if len(sent) > limit:
        raise InvalidURL(f"{too_long} (percent-encoded, it is {len(sent):,}).")
    return sent


def as_sent(url: str) -> str:
    """Return ``url`` as a browser sends it: an IRI made a URI, ASCII only.

    The host name becomes punycode, by IDNA 2008 and Unicode's mapping
    (UTS #46), as browsers do: ``bücher.de`` is ``xn--bcher-kva.de``. The
    rest is percent-encoded as UTF-8: ``/café`` is ``/caf%C3%A9``, and one
    emoji is twelve characters. ``url`` has passed ``validate_url``'s checks;
    a host that is no valid name raises InvalidURL.
    """
    parts = urlsplit(url)
    if "\\" in parts.netloc:
        # A browser reads "\" as "/" here: "https://evil.com\.example.com/"
        # goes to evil.com. Refused, rather than shown as one host and sent to another.
        raise InvalidURL("That URL's host name holds a backslash, which browsers read as /.")
    userinfo, at, _ = parts.netloc.rpartition("@")
    try:
        host = host_to_ascii(parts.hostname or "")
    except ValueError as error:  # idna's errors are UnicodeErrors: an empty label, a symbol
        raise InvalidURL(f"That URL's host name is not a valid {error}.") from None
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


#: A last label that is a number, decimal or hex: browsers read such a host
#: as an IPv4 address (``0x7f.1`` is 127.0.0.1), never as a name.
NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")


def host_to_ascii(hostname: str) -> str:
    """Return the host as it is sent: a name in punycode, or an IP address.

    As a browser parses the host of an http(s) URL (the WHATWG URL
    standard): ``%XX`` escapes are decoded first, so ``%D0%B5xample.com``
    starts with a Cyrillic "e" (U+0435); then every name, ASCII or not, goes
    through IDNA (UTS #46) with the STD3 rules, which refuse what cannot be
    in a host name (a space, ``%``, ``"``, ``<``, ``/``...), an empty label
    (``example..com``), a hyphen at either end of a label, and punycode that
    does not decode. A final dot is kept: ``example.com.`` is a valid name.
    Raise ValueError, with what the host is not ("domain name"...), if invalid.
    """
    if ":" in hostname:  # urlsplit checked the brackets around it
        try:
            return ipaddress.IPv6Address(hostname).compressed
        except ValueError:
            raise ValueError("IPv6 address") from None
    try:
        name = unquote(hostname, errors="strict")
        last = name.removesuffix(".").rpartition(".")[2]
        if NUMERIC_LABEL.fullmatch(last):
            # Only the four plain numbers: other forms (127.1, 0x7f.0.0.1) are
            # addresses to a browser, and would be stored as something else.
            return str(ipaddress.IPv4Address(name.removesuffix(".")))
        return idna.encode(name, uts46=True, std3_rules=True).decode("ascii")
    except UnicodeError:  # idna's errors, or %XX escapes that are not UTF-8
        raise ValueError("domain name") from None
    except ipaddress.AddressValueError:
        raise ValueError("IPv4 address") from None


def describe_host(url: str) -> Host:
    """Return the host of a stored URL, in both its forms, and the scripts it mixes."""
    hostname = urlsplit(url).hostname or ""
    try:
        ascii_form = host_to_ascii(hostname)
        unicode_form = idna.decode(ascii_form) if "xn--" in ascii_form else ascii_form
    except ValueError:  # stored before hosts were checked: show it as it is
        ascii_form = unicode_form = hostname
    mixed = set()
    for label in unicode_form.split("."):
        scripts = _scripts(label)
        if len(scripts) > 1 and not any(
            scripts <= together for together in SCRIPTS_WRITTEN_TOGETHER
        ):
            mixed |= scripts
    return Host(ascii_form, unicode_form, sorted(mixed))


def _scripts(label: str) -> set[str]:
    """The scripts of the letters of ``label``: Latin, Cyrillic, Greek, CJK, Hiragana...

    A letter's Unicode name starts with its script ("CYRILLIC SMALL LETTER
    A"), except for the names in ``SCRIPT_OF_NAME``. Only letters count
    (category L): digits, hyphens and marks belong to no script of their own.
    Nor do modifier letters (Lm), which are written beside many scripts: the
    Hawaiian okina (U+02BB MODIFIER LETTER TURNED COMMA), the Japanese
    repeat mark 々 of "佐々木" (IDEOGRAPHIC ITERATION MARK).
    """
    scripts = set()
    for char in label:
        category = unicodedata.category(char)
        if not category.startswith("L") or category == "Lm":
            continue
        first = unicodedata.name(char, "?").split()[0]
        scripts.add(SCRIPT_OF_NAME.get(first, first.title()))
    return scripts


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


def _hashes_to(stored: str | None, secret: str | None) -> bool:
    """Whether ``secret`` is what ``stored`` is the hash of; never when either is missing."""
    if stored is None or secret is None:
        return False
    return hmac.compare_digest(stored, hash_token(secret))


class Cursor(Protocol):
    """What a statement gives back: its rows (``row["code"]``), and how many it changed."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What an operation needs of a connection: a statement in, a cursor out."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...


class Links(ABC):
    """The links table, whichever database keeps it.

    The operations are written here once. Each runs in one transaction of
    ``_connect()``, committed at the end of its block (rolled back on an
    error), and a lock is never held once an operation has returned: a
    redirect goes out with nothing held. The SQL is what SQLite and
    PostgreSQL both take, with ``?`` for each parameter (the PostgreSQL
    class writes it as psycopg's ``%s``). Only ``NUMBER`` and
    ``_lock_owner`` differ.
    """

    #: The column that numbers the links in the order they are made, which
    #: the stream of new links sends in each event's id.
    NUMBER: str
    #: Where the data is, for people: a file's path, or a server's URL
    #: without its password.
    location: str

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the tables and indexes, and add missing columns: once per process, idempotent."""

    @abstractmethod
    def _connect(self) -> AbstractContextManager[Connection]:
        """A connection in one transaction; StorageUnavailable if the database can't answer."""

    def check(self) -> None:
        """Read the table and write the database, or raise StorageUnavailable: is it ready?

        The write is a row of the small settings table, rewritten each time:
        a database that is locked, read-only or full fails it, as it would
        fail the next link.
        """
        self.ensure_schema()
        with self._connect() as connection:
            connection.execute("SELECT code FROM links LIMIT 1").fetchall()
            connection.execute(
                "INSERT INTO settings (name, value) VALUES ('checked_at', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),),
            )

    def close(self) -> None:  # noqa: B027 (most databases keep nothing open)
        """Let go of the connections kept open, if any (PostgreSQL's pool)."""

    def _lock_owner(self, connection: Connection, owner_hash: str) -> None:  # noqa: B027
        """Make one owner's new links wait for each other, so that they are numbered in order.

        SQLite needs nothing: it has one writer at a time.
        """

    def create(self, url: str, owner: str | None = None) -> tuple[Link, str]:
        """Store ``url`` under a new random code; return the link and its delete token.

        This is the only time the token is known: the table keeps its hash.
        ``owner`` is the browser that made it (``ownership.browser_owner``).
        A code already taken inserts nothing (``ON CONFLICT DO NOTHING``),
        and another is drawn.
        """
        self.ensure_schema()
        token, token_hash = new_delete_token()
        owner_hash = hash_token(owner) if owner is not None else None
        with self._connect() as connection:
            if owner_hash is not None:
                self._lock_owner(connection, owner_hash)
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if code in RESERVED_CODES:
                    continue
                rows = connection.execute(
                    "INSERT INTO links (code, url, delete_token_hash, owner_hash)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING *",
                    (code, url, token_hash, owner_hash),
                ).fetchall()
                if rows:
                    return _link(rows[0]), token

    def get(self, code: str) -> Link | None:
        self.ensure_schema()
        with self._connect() as connection:
            row = connection.execute("SELECT * FROM links WHERE code = ?", (code,)).fetchone()
        return _link(row) if row is not None else None

    def visit(self, code: str) -> str | None:
        """Count a visit to ``code`` and return its URL, or None for an unknown code."""
        self.ensure_schema()
        with self._connect() as connection:
            # One statement: no read then write, so no other visit comes in between.
            rows = connection.execute(
                "UPDATE links SET visits = visits + 1 WHERE code = ? RETURNING url", (code,)
            ).fetchall()
        return str(rows[0]["url"]) if rows else None

    def browser_links(self, owner: str | None, tokens: Sequence[str], limit: int) -> list[Link]:
        """The newest ``limit`` links a browser made, newest first: never anyone else's.

        Its links are those that carry its owner id's hash, and those whose
        delete token its session holds: the links made before owner ids.
        A code is not enough, since a deleted link's code may be drawn again
        for someone else. The table keeps hashes; a browser's are computed here.
        """
        self.ensure_schema()
        hashes = [hash_token(token) for token in tokens]
        owner_hash = hash_token(owner) if owner is not None else None
        by_token = f" OR delete_token_hash IN ({', '.join('?' * len(hashes))})" if hashes else ""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT * FROM links WHERE owner_hash = ?{by_token}"
                f" ORDER BY {self.NUMBER} DESC LIMIT ?",
                (owner_hash, *hashes, limit),
            ).fetchall()
        return [_link(row) for row in rows]

    def owned_by(self, token: str) -> list[Link]:
        """The links that ``token`` may delete: none, or the one it was made with."""
        self.ensure_schema()
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT * FROM links WHERE delete_token_hash = ?", (hash_token(token),)
            ).fetchall()
        return [_link(row) for row in rows]

    def may_delete(
        self, code: str, token: str | None = None, *, owner: str | None = None
    ) -> bool | None:
        """Tell whether ``token`` is the delete token of ``code``, or ``owner`` its maker.

        None if there is no such link. ``hmac.compare_digest`` takes as long
        for a hash that differs in its first character as in its last: the
        time of the answer tells nothing. A link made before delete tokens
        has none, and no token deletes it; one made before owner ids has no
        owner.
        """
        self.ensure_schema()
        with self._connect() as connection:
            row = connection.execute(
                "SELECT delete_token_hash, owner_hash FROM links WHERE code = ?", (code,)
            ).fetchone()
        if row is None:
            return None
        return _hashes_to(row["delete_token_hash"], token) or _hashes_to(row["owner_hash"], owner)

    def made_by(self, owner: str, since: int) -> list[tuple[int, Link]]:
        """The links ``owner`` made, from the one numbered ``since`` on, oldest first, numbered.

        The number (``NUMBER``) grows with each new link: a stream of new
        links sends it in each event's id, and a browser that reconnects
        sends the last one back (``Last-Event-ID``). SQLite's rowid is
        reused when the newest link is deleted, so the link numbered
        ``since`` is listed too: the stream tells it from the one it sent by
        its code.
        """
        self.ensure_schema()
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {self.NUMBER} AS number, * FROM links"
                f" WHERE owner_hash = ? AND {self.NUMBER} >= ? ORDER BY {self.NUMBER} LIMIT 100",
                (hash_token(owner), since),
            ).fetchall()
        return [(int(row["number"]), _link(row)) for row in rows]

    def newest(self) -> tuple[int, str | None]:
        """The number and code of the newest link, ``(0, None)`` if none: where a stream starts."""
        self.ensure_schema()
        with self._connect() as connection:
            number = self.NUMBER
            row = connection.execute(
                f"SELECT {number} AS number, code FROM links ORDER BY {number} DESC LIMIT 1"
            ).fetchone()
        return (int(row["number"]), str(row["code"])) if row is not None else (0, None)

    def delete(self, code: str) -> bool:
        """Delete a link; tell whether it existed."""
        self.ensure_schema()
        with self._connect() as connection:
            deleted = connection.execute("DELETE FROM links WHERE code = ?", (code,))
            return deleted.rowcount > 0


def open_links() -> Links:
    """The storage the settings ask for: PostgreSQL at ``SHORTENER_DATABASE_URL``, else SQLite.

    psycopg is imported only for PostgreSQL: the SQLite default needs
    nothing but Python.
    """
    timeout = settings.database_timeout()
    url = settings.database_url()
    if url is not None:
        from .storage_postgres import PostgresLinks

        return PostgresLinks(url, timeout=timeout, pool_size=settings.threads())
    from .storage_sqlite import SQLiteLinks

    return SQLiteLinks(settings.database_path(), timeout=timeout)


def _link(row: Any) -> Link:
    return Link(row["code"], row["url"], row["created_at"], row["visits"])
