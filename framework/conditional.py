"""Conditional requests: whether the client's copy is current, and its version still the one.

A response carries *validators* of the representation it sends: an ``ETag``
(a tag for this version of the body) and a ``Last-Modified`` date. A client
sends them back as *preconditions* (RFC 9110, section 13): "send the page
only if it changed" (``If-None-Match``, ``If-Modified-Since``), answered
with ``304 Not Modified`` when it did not, and "do this only if the
resource is still the version I saw" (``If-Match``,
``If-Unmodified-Since``), answered with ``412 Precondition Failed`` when it
is not. ``Response.make_conditional`` asks this module which, if either.
"""

from __future__ import annotations

from datetime import datetime

from werkzeug.http import parse_date, parse_etags, unquote_etag

from .wsgitypes import Environ


def evaluate_preconditions(
    environ: Environ, etag: str | None, last_modified: datetime | None
) -> tuple[int, str] | None:
    """Return ``(304 or 412, why)`` if a precondition of the request is false, else None.

    ``etag`` and ``last_modified`` are the validators of the representation
    the request would get. RFC 9110 orders the checks (section 13.2.2):

    1. ``If-Match``: the client's version must be the current one, by
       strong comparison (a weak ETag never matches; ``*`` matches any
       representation). Else 412.
    2. Without If-Match, ``If-Unmodified-Since``: the resource must not
       have changed after that date. Else 412.
    3. ``If-None-Match``: the current ETag must not be among the client's,
       by weak comparison (``W/"x"`` matches ``"x"``). If it is, a GET or
       HEAD gets 304 (its copy is current), any other method 412.
    4. Without If-None-Match, for GET and HEAD, ``If-Modified-Since``: a
       resource not changed after that date gets 304.

    A date that is not a valid HTTP date is ignored, as is a date check
    when the response has no Last-Modified. werkzeug's ``is_resource_modified``
    answers one question, "modified?", and skips If-Unmodified-Since, so
    the order is ours; werkzeug parses the headers and compares the tags.
    """
    value, weak = unquote_etag(etag)
    if_match = environ.get("HTTP_IF_MATCH", "").strip()
    if if_match:
        tags = parse_etags(if_match)
        if not (tags.star_tag or (value is not None and not weak and tags.is_strong(value))):
            return 412, "the resource has changed: its current ETag is not one If-Match names"
    else:
        since = parse_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
        if since is not None and last_modified is not None and last_modified > since:
            return 412, "the resource has changed since the If-Unmodified-Since date"
    safe = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
    if_none_match = environ.get("HTTP_IF_NONE_MATCH", "").strip()
    if if_none_match:
        tags = parse_etags(if_none_match)
        if tags.star_tag or (value is not None and tags.contains_weak(value)):
            if safe:
                return 304, "the client's copy is current"
            return 412, "the resource matches If-None-Match, so the request was not applied"
    elif safe:
        since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
        if since is not None and last_modified is not None and last_modified <= since:
            return 304, "the client's copy is current"
    return None
