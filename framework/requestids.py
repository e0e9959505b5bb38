"""Request ids: one name for each request, in its response and in every log line.

A user who got a 500 can quote the ``X-Request-ID`` header of the response
(browsers show it with the other headers), and the log line of that 500
carries the same id; so do the access logs of nginx and gunicorn, when they
log it. Following one request through every log is then one search.

Where the id comes from (``request.id``): a server, or ``framework trace``,
may hand one over in the environ (``REQUEST_ID_KEY``: no client can set an
environ key); a proxy the app trusts (``TRUSTED_PROXY_IPS``, see
``framework.proxies``) sends its own in ``X-Request-ID``, as nginx's
``$request_id``; otherwise the app makes a fresh one. A client that is not a
trusted proxy cannot choose its id: it could make its request's log lines
pass for someone else's.

While the app handles a request, the adapter (``framework.wsgi``) sets
``current_request_id``; a log record factory, installed when this module is
imported, copies it onto every record as ``record.request_id`` (``"-"``
outside a request), whichever logger made it, so a format may say
``%(request_id)s``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Protocol

#: The header that carries the id, from a trusted proxy and back in every response.
REQUEST_ID_HEADER = "X-Request-ID"
#: The environ key through which a server (or ``framework trace``) gives the id itself.
REQUEST_ID_KEY = "framework.request_id"
#: What ``record.request_id`` holds for a record made outside any request.
NO_REQUEST = "-"

#: An id worth taking from a proxy: short, and nothing a log line or a header
#: could trip over (nginx's ``$request_id`` is 32 hex digits).
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

#: The id of the request being handled, in this thread (or task).
current_request_id: ContextVar[str] = ContextVar("framework.request_id", default=NO_REQUEST)


def new_request_id() -> str:
    """Make a fresh id: 128 random bits as 32 hex digits, the shape of nginx's ``$request_id``."""
    # What secrets.token_hex(16) does, without its two calls; uuid4().hex costs ten times more.
    return os.urandom(16).hex()


class Peer(Protocol):
    """Who sent the request: ``Request``, as far as choosing its id goes."""

    @property
    def from_trusted_proxy(self) -> bool:
        """True when the request came through one of the app's trusted proxies."""


def choose_request_id(environ: Mapping[str, Any], peer: Peer) -> str:
    """Choose a request's id (``request.id``).

    A trusted proxy's ``X-Request-ID`` (nginx's ``$request_id``) when it
    is 1 to 128 characters of ``A-Z a-z 0-9 . _ : -``; otherwise a fresh
    one, 32 random hex digits. The header of any other client is ignored:
    it must not choose the id under which its requests are logged.
    ``peer.from_trusted_proxy`` is asked only when the header is there.
    """
    given: str | None = environ.get(REQUEST_ID_KEY)
    if given is not None and is_sane_request_id(given):
        return given  # the server's own (an environ key, which no client can set)
    sent: str | None = environ.get("HTTP_X_REQUEST_ID")
    if sent is not None and is_sane_request_id(sent) and peer.from_trusted_proxy:
        return sent
    return new_request_id()


def is_sane_request_id(value: str) -> bool:
    """Tell whether ``value`` is 1 to 128 characters of ``A-Z a-z 0-9 . _ : -``."""
    return _SANE_ID.fullmatch(value) is not None


class _RequestIdRecords:
    """A log record factory: the previous one's record, with ``request_id`` on it."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.previous(*args, **kwargs)
        record.request_id = current_request_id.get()
        return record


def install_log_record_factory() -> None:
    """Make every log record carry ``request_id``, wrapping the factory in place (once).

    Records are made by ``logging.getLogRecordFactory()``; wrapping it,
    rather than adding a filter to some handlers, reaches the records of
    every logger: the framework's, ``app.logger``, and those of any module.
    Because the record takes ``request_id`` when it is made, a record passed
    ``extra={"request_id": ...}`` is refused by ``logging``: the name is taken.
    """
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RequestIdRecords):
        logging.setLogRecordFactory(_RequestIdRecords(factory))


install_log_record_factory()
