"""Redirects: sending the client elsewhere, and never to a place an attacker chose.

A redirect is a 3xx status with a ``Location`` header; the browser follows
it. An *open redirect* is one whose target comes from the request (a
``?next=`` parameter) and may name any site: a link to this site that lands
on theirs. ``redirect`` stays on this site unless told ``external=True``,
and reads the location as leniently as a browser does; ``safe_redirect``
follows a client's target only when it is a path here. ``slash_redirect``
is the router's own: ``/docs`` to ``/docs/``.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from .response import Response

if TYPE_CHECKING:
    from .request import Request

#: Characters a Location keeps as they are: RFC 3986's reserved and unreserved
#: characters, and "%" so that a URL already percent-encoded stays the same.
_URL_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
#: What browsers strip from both ends of a URL: C0 controls and the space.
_C0_AND_SPACE = "".join(chr(code) for code in range(33))
#: What browsers drop from anywhere in a URL: tab, LF and CR.
_DROPPED_BY_BROWSERS = str.maketrans("", "", "\t\n\r")
#: A URL's scheme and its colon (RFC 3986, section 3.1): a letter, then
#: letters, digits, "+", "-" and ".".
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
#: Where a URL's authority (user info, host, port) ends: at its path, query or fragment.
_AUTHORITY_END = re.compile(r"[/?#]")
#: The port each scheme means when a URL names none.
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def redirect(location: str, status: int = 302, *, external: bool = False) -> Response:
    r"""Send the client to ``location`` with a 3xx status and a Location header.

    302 and 303 make the client follow with GET (303 is the answer to a form
    POST); 307 and 308 repeat the same method and body; 301 and 308 are
    permanent, so clients and caches may remember them.

    A redirect stays on this site unless ``external=True`` lets it leave: a
    location that names a host, as a browser reads it
    (``https://other.example/``, ``//other.example``, ``/\other.example``),
    raises ``UnsafeRedirect``. So does a scheme other than http and https
    (``javascript:``, ``data:``), even with ``external=True``.

    ``redirect`` has no request, so it cannot know the request's own host,
    and refuses every host. When the ``UnsafeRedirect`` leaves a view, the
    app compares its host with ``request.host``: the same host gets this
    very redirect, any other a 400. (Code after the call does not run then;
    to change such a response before returning it, redirect to a path.)

    Characters that may not stand in a URL (spaces, line breaks, non-ASCII
    letters) are percent-encoded, so a location built from a request can
    never break the header into two. To send the client to a place *it*
    chose, such as a ``?next=`` parameter, use ``safe_redirect``.
    """
    if status not in (301, 302, 303, 307, 308):
        raise ValueError(f"redirect status must be 301, 302, 303, 307 or 308, got {status!r}")
    scheme, host = destination(location)
    if scheme not in ("", "http", "https"):
        raise UnsafeRedirect(
            f"refused a redirect to {location!r}: its scheme is {scheme!r}, and a redirect "
            "may only lead to an http or https URL",
            location=location,
            status=status,
        )
    if host is not None and not external:
        raise UnsafeRedirect(
            f"refused a redirect to {location!r}: it leads to the host {host!r}; pass "
            "external=True if it is meant to leave the site, or redirect to a path",
            location=location,
            status=status,
            host=host,
        )
    location = quote(location, safe=_URL_SAFE)
    link = html.escape(location)
    body = f'<!doctype html>\n<p>Redirecting to <a href="{link}">{link}</a>.</p>\n'
    return Response(body, status, {"Location": location})


class UnsafeRedirect(ValueError):
    """A redirect that would send the client to another site, or run a script.

    An open redirect lets anyone make a link to this site that lands on
    theirs (phishing wears the trusted name), and a ``javascript:`` one runs
    their script. Such a location nearly always comes from the request (a
    ``?next=`` parameter): an ``UnsafeRedirect`` that leaves a view is
    answered with a 400, and the app logs a warning.
    """

    def __init__(
        self, message: str, *, location: str, status: int, host: str | None = None
    ) -> None:
        super().__init__(message)
        #: The location the redirect was asked for, as given.
        self.location = location
        #: The status the redirect was asked for.
        self.status = status
        #: The host (and port) the location leads to, lowercase; None for a
        #: refused scheme, which no host makes safe.
        self.host = host

    def leads_to(self, host: str) -> bool:
        """Tell whether the redirect leads to ``host``, the request's own."""
        return self.host is not None and self.host == host.lower()


def destination(location: str) -> tuple[str, str | None]:
    r"""Return the scheme and the host a browser reads in ``location``.

    ``("", None)`` is a reference within this site: a path, ``?query`` or
    ``#fragment``. Browsers are lenient (the WHATWG URL standard says how):
    they strip C0 controls and spaces from both ends, drop tabs and line
    breaks anywhere, read ``\`` as ``/`` in http(s) URLs, and skip any
    number of slashes before a host. So ``/\evil.example``,
    ``/<tab>/evil.example`` and ``https:evil.example`` all name the host
    ``evil.example``. The scheme is lowercase (``""`` for none); the host
    drops its user info and the scheme's default port.
    """
    cleaned = location.strip(_C0_AND_SPACE).translate(_DROPPED_BY_BROWSERS)
    found = _SCHEME.match(cleaned)
    if found is None:
        scheme, rest = "", cleaned
    else:
        scheme, rest = found[1].lower(), cleaned[found.end() :]
        if scheme not in ("http", "https"):
            return scheme, None
    rest = rest.replace("\\", "/")
    if not scheme and not rest.startswith("//"):
        return "", None
    # An http(s) URL, or "//host": any number of slashes, then the authority.
    authority = _AUTHORITY_END.split(rest.lstrip("/"), maxsplit=1)[0]
    host = authority.rpartition("@")[2].lower()
    default_port = _DEFAULT_PORTS.get(scheme)
    if default_port is not None and host.endswith(default_port):
        host = host.removesuffix(default_port)
    return scheme, host.removesuffix(":")


def safe_redirect(target: str | None, fallback: str = "/", status: int = 302) -> Response:
    r"""Redirect to ``target`` only if it is a path on this site; otherwise to ``fallback``.

    For targets that come from the client (``/login?next=/account``): an
    open redirect would let anyone make a link to this site that lands on
    theirs. Only a path that starts with a single ``/`` is followed, as
    ``redirect`` judges it: ``//evil.example``, ``/\evil.example`` and
    ``/<tab>/evil.example`` (browsers drop the tab) name another host, and
    ``https:evil.example``, ``javascript:...`` and relative paths do not
    start with ``/``.
    """
    if target is not None and target.strip(_C0_AND_SPACE).startswith("/"):
        try:
            return redirect(target, status)
        except UnsafeRedirect:
            pass
    return redirect(fallback, status)


#: Characters kept as they are when a decoded path goes back into a URL.
_PATH_SAFE = "/!$&'()*+,;=:@"


def slash_redirect(request: Request, path: str) -> Response:
    """Send ``/docs`` to ``/docs/`` with a 308, which keeps the method and body.

    The location is where the app is mounted (``SCRIPT_NAME``) and ``path``,
    percent-encoded again, with the request's query string.
    """
    location = quote(request.environ.get("SCRIPT_NAME", "") + path, safe=_PATH_SAFE)
    query = request.environ.get("QUERY_STRING")
    if query:
        location += "?" + quote(query, safe=_PATH_SAFE + "?%")
    return Response(
        f"Moved to {location}\n", 308, {"Location": location}, "text/plain; charset=utf-8"
    )
