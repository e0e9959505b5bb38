"""Settings: where the data lives, the secret key, and whether a proxy is trusted.

Everything comes from environment variables, so one code base runs on a
laptop, in the tests and behind nginx:

``SHORTENER_INSTANCE``
    The instance folder, for files that belong to this installation rather
    than to the code: the database and the secret key. Default: ``instance/``
    beside the ``example_app`` package. Created on first use.
``SHORTENER_DATABASE``
    The SQLite database file. Default: ``links.sqlite3`` in the instance folder.
``SHORTENER_DATABASE_URL``
    A PostgreSQL database to keep the links in instead, for instances on
    several machines: ``postgresql://user:password@host:5432/database``
    (any libpq connection string). Needs psycopg (``pip install -e
    '.[postgres]'``). Default: none, so SQLite.
``SHORTENER_DATABASE_TIMEOUT``
    Seconds to wait for the database (a lock, a connection) before a
    request gets a 503 and ``Retry-After``. Default: 1, below the 1.5 s
    the shipped nginx waits for an answer before it tries another machine.
``SHORTENER_THREADS``
    The threads of each gunicorn worker (``gunicorn.conf.py``), and so the
    most PostgreSQL connections a worker's pool opens. Default: 4.
``SHORTENER_SECRET_KEY``
    The key that signs session cookies, the same on every machine. Default,
    with SQLite only: a random key made once and kept in the instance folder
    (every worker process, and every server sharing the folder, signs with
    it). With ``SHORTENER_DATABASE_URL`` it must be given: the app refuses to
    start without it, since each machine would make a key of its own, and
    sessions (flash messages) made on one would be lost on the others.
``SHORTENER_SECRET_KEY_FALLBACKS``
    Keys signed with before, separated by commas, while you rotate to a new
    ``SHORTENER_SECRET_KEY``: sessions they signed are still read. Default: none.
``SHORTENER_TRUSTED_PROXY_IPS``
    The addresses (or networks) of the proxies in front of the app, such as
    nginx, separated by commas (``127.0.0.1,10.0.0.0/24``). Only a request
    whose direct peer is one of them is believed about the client's address
    and scheme (``X-Forwarded-For``, ``-Proto``) and its ``X-Request-ID``.
    Default: none.
``SHORTENER_HOSTS``
    The host names the site answers to, separated by commas
    (``short.example,.short.example``; a leading dot covers subdomains). A
    request for any other host is a 400, so a forged ``Host`` header never
    reaches a link. Default: ``localhost``, ``127.0.0.1`` and the host of
    ``SHORTENER_BASE_URL``.
``SHORTENER_MAX_BODY_SIZE``
    The largest request body, in bytes (``MAX_BODY_SIZE``; nginx's
    ``client_max_body_size`` must say the same). Default: the framework's,
    16 MiB.
``SHORTENER_CORS_ORIGINS``
    The origins of front ends elsewhere whose pages may call the JSON API,
    separated by commas (``https://app.example,http://127.0.0.1:9000``).
    Default: none, so only the site's own pages may read its answers. Read
    when the app is imported, as the routes are made.
``SHORTENER_BASE_URL``
    Where short links point, such as ``https://sho.rt``: the scheme, the host
    and any path before the code. Default: the scheme and host the request
    came to (behind a proxy, as the proxy says; only the hosts of
    ``SHORTENER_HOSTS`` get this far). Set it in production: short links are
    then built from it, never from a request's ``Host``.
``SHORTENER_MAX_URL_LENGTH``
    The longest URL that can be shortened, in characters as it is sent
    (percent-encoded: one emoji is twelve). Default: 2048
    (``storage.MAX_URL_LENGTH``), which browsers, servers and proxies all
    take; a proxy in front that takes less (nginx's
    ``large_client_header_buffers``) wants less.

Most are read once, as the app is imported; ``SHORTENER_BASE_URL`` is read
each time a short link is written out, ``SHORTENER_MAX_URL_LENGTH`` each time a
URL is checked or followed, and the secret key when the app is imported with
PostgreSQL (it refuses to start without one), else on the first request.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

PACKAGE = Path(__file__).resolve().parent


class MissingSecretKey(RuntimeError):
    """The settings would make each machine sign sessions with a key of its own."""


def instance_folder() -> Path:
    return Path(os.environ.get("SHORTENER_INSTANCE", PACKAGE.parent / "instance"))


def database_path() -> Path:
    default = instance_folder() / "links.sqlite3"
    return Path(os.environ.get("SHORTENER_DATABASE", default))


def database_url() -> str | None:
    """The PostgreSQL database (``SHORTENER_DATABASE_URL``), or None for SQLite."""
    return os.environ.get("SHORTENER_DATABASE_URL", "").strip() or None


def database_timeout() -> float:
    return float(os.environ.get("SHORTENER_DATABASE_TIMEOUT", "1"))


def threads() -> int:
    return int(os.environ.get("SHORTENER_THREADS", "4"))


def trusted_proxy_ips() -> list[str] | None:
    """The proxies to believe (``TRUSTED_PROXY_IPS``), or None for none."""
    addresses = os.environ.get("SHORTENER_TRUSTED_PROXY_IPS", "").split(",")
    return [address.strip() for address in addresses if address.strip()] or None


def trusted_hosts() -> list[str]:
    """The host names to serve (``TRUSTED_HOSTS``): ``SHORTENER_HOSTS``, or this machine's."""
    names = [name.strip() for name in os.environ.get("SHORTENER_HOSTS", "").split(",")]
    listed = [name for name in names if name]
    if listed:
        return listed
    base = base_url()
    public = urlsplit(base).hostname if base else None
    return ["localhost", "127.0.0.1", *([public] if public else [])]


def max_body_size() -> int | None:
    """The largest request body in bytes (``SHORTENER_MAX_BODY_SIZE``), or None for the default."""
    size = os.environ.get("SHORTENER_MAX_BODY_SIZE", "").strip()
    return int(size) if size else None


def secret_key_fallbacks() -> list[str]:
    """The keys signed with before (``SHORTENER_SECRET_KEY_FALLBACKS``), newest first."""
    keys = os.environ.get("SHORTENER_SECRET_KEY_FALLBACKS", "").split(",")
    return [key.strip() for key in keys if key.strip()]


def cors_origins() -> list[str]:
    """The origins whose pages may read the API's answers (``api.cors``)."""
    origins = os.environ.get("SHORTENER_CORS_ORIGINS", "").split(",")
    return [origin.strip() for origin in origins if origin.strip()]


def base_url() -> str | None:
    """The start of every short link (``SHORTENER_BASE_URL``), without a final slash, or None."""
    return os.environ.get("SHORTENER_BASE_URL", "").strip().rstrip("/") or None


def max_url_length(default: int) -> int:
    """The longest URL to shorten or follow, as sent (``SHORTENER_MAX_URL_LENGTH``)."""
    length = int(os.environ.get("SHORTENER_MAX_URL_LENGTH", "").strip() or default)
    if length < 1:
        raise ValueError(f"SHORTENER_MAX_URL_LENGTH must be a positive number, not {length}")
    return length


def stream_seconds() -> float:
    """How long a stream of new links stays open, in seconds (read on each stream)."""
    return float(os.environ.get("SHORTENER_STREAM_SECONDS", "60"))


def secret_key() -> str:
    """The session key: ``SHORTENER_SECRET_KEY``, else (SQLite only) the instance folder's.

    With PostgreSQL, the app runs on several machines, each with an instance
    folder of its own: a key made in each would make the sessions of one
    unreadable on the others, so the key must be given.
    """
    if os.environ.get("SHORTENER_SECRET_KEY"):
        return os.environ["SHORTENER_SECRET_KEY"]
    if database_url() is not None:
        raise MissingSecretKey(
            "SHORTENER_DATABASE_URL is set but SHORTENER_SECRET_KEY is not: the machines "
            "sharing the database must sign sessions with one key, and each would make its "
            "own. Set SHORTENER_SECRET_KEY to the same long random value on every machine "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    folder = instance_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    try:
        # O_EXCL: of several workers starting at once, exactly one writes the key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    key = ""
    for _ in range(100):
        key = path.read_text().strip()
        if key:
            break
        # Another process has created the file and is about to write the key.
        time.sleep(0.01)
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to make a new key")
    return key
