"""URL building: the way back from a route's name to a URL a client can follow.

Routing turns a path into a route and its parameters; ``url_for`` does the
reverse. A URL has up to five parts, and each comes from somewhere:

    https://shop.example:8443/shop/users/3?tab=posts#latest
    scheme  host (and port)   root  path   query     anchor

- the *path* is the route's pattern with its parameters filled in, each
  value written by its converter and percent-encoded (RFC 3986);
- the *root* is where the app lives on its host: a server that mounts the
  app under ``/shop`` says so in ``SCRIPT_NAME``; outside a request,
  ``APPLICATION_ROOT`` says it;
- the *query* holds the keywords that are not parameters of the pattern;
- *scheme and host* are only needed for a link that leaves the page's
  site (an e-mail, a feed): ``_external=True``. During a request they are
  the request's own; otherwise ``SERVER_NAME`` and ``PREFERRED_URL_SCHEME``;
- the *anchor* (``_anchor``) names a place in the page; it never reaches
  the server.

A page's *origin* is its scheme, host and port (``https://shop.example:8443``):
``origin_key`` writes one in a single form, so that two can be compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from .patterns import SEGMENT_SAFE, UrlPart

if TYPE_CHECKING:
    from .request import Request

#: What an anchor may hold as it is (RFC 3986's fragment characters).
_FRAGMENT_SAFE = SEGMENT_SAFE + "/?"


class URLBuildError(LookupError):
    """``url_for`` could not build a URL: unknown name, missing or bad parameter."""


def fill_pattern(
    name: str, pattern: str, parts: Iterable[UrlPart], params: Mapping[str, Any]
) -> str:
    """Fill a pattern's parameters in, each checked by its converter and percent-encoded.

    A value the route would not match is refused, and so is a ``.`` or
    ``..`` segment: a client resolves those away (RFC 3986) and never sends them.
    """
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        parameter, converter = part
        if params.get(parameter) is None:
            given = "None" if parameter in params else "no value"
            raise URLBuildError(
                f"url_for({name!r}) needs a value for <{parameter}> (pattern {pattern}), "
                f"got {given}"
            )
        text = converter.to_url(params[parameter])
        try:
            fits = re.fullmatch(converter.regex, text) is not None
            converter.to_python(text)
        except ValueError:
            fits = False
        if not fits:
            raise URLBuildError(
                f"url_for({name!r}): {text!r} is not a valid value for <{parameter}> "
                f"(pattern {pattern}); it would not match the route"
            )
        safe = SEGMENT_SAFE + "/" if converter.spans_segments else SEGMENT_SAFE
        pieces.append(quote(text, safe=safe))
    path = "".join(pieces)
    if "." in path and any(piece in (".", "..") for piece in path.split("/")):
        raise URLBuildError(
            f"url_for({name!r}): {path!r} has a '.' or '..' segment, which a client "
            "would resolve away and so never send; pick another value"
        )
    return path


def query_string(params: Mapping[str, Any]) -> str:
    """Encode the query: ``?tab=posts&tag=a&tag=b``; a None value (or list item) is left out."""
    pairs = [
        (key, [item for item in value if item is not None] if isinstance(value, list) else value)
        for key, value in params.items()
        if value is not None
    ]
    return "?" + urlencode(pairs, doseq=True) if pairs else ""


def absolute_name(name: str, request: Request | None) -> str:
    """Resolve ``.item`` to ``api.item`` inside a request routed into router ``api``."""
    if not name.startswith("."):
        return name
    if request is None:
        raise URLBuildError(
            f"url_for({name!r}): a name starting with '.' is relative to the router of the "
            "route being served, so it needs a request; use request.url_for, or the full name"
        )
    route = request.route
    router_prefix = route.name.rpartition(".")[0] if route is not None else ""
    return f"{router_prefix}{name}" if router_prefix else name[1:]


def root_of(request: Request | None, config: Mapping[str, Any]) -> str:
    """Return where the app lives on its host, percent-encoded: ``/shop``, or ``""``.

    During a request, the server's ``SCRIPT_NAME``; otherwise ``APPLICATION_ROOT``.
    """
    if request is not None:
        raw = request.environ.get("SCRIPT_NAME", "")
        text = raw.encode("latin-1").decode("utf-8", "replace") if raw else ""
    else:
        text = config.get("APPLICATION_ROOT") or "/"
    return quote(text.rstrip("/"), safe="/" + SEGMENT_SAFE)


def origin_of(request: Request | None, config: Mapping[str, Any], scheme: str | None) -> str:
    """Return ``scheme://host`` for an external URL, from the request or the config.

    A request's host is used only when it is trusted (``TRUSTED_HOSTS``, where
    set): a ``Host`` header is whatever the client wrote, and a link built
    from ``Host: evil.example`` would send users there.
    """
    trusted = config.get("TRUSTED_HOSTS")
    if request is not None and (trusted is None or host_is_trusted(request.host, trusted)):
        return f"{scheme or request.scheme}://{request.host}"
    server_name = config.get("SERVER_NAME")
    if not server_name:
        where = "outside a request" if request is None else "for an untrusted Host"
        raise URLBuildError(
            f"url_for(..., _external=True) {where} needs a host: set "
            "app.config['SERVER_NAME'] (such as 'example.com'), and "
            "PREFERRED_URL_SCHEME if it is not 'http'"
        )
    return f"{scheme or config.get('PREFERRED_URL_SCHEME') or 'http'}://{server_name}"


def host_is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Tell whether ``host`` (port ignored) is listed; ``.example.com`` covers subdomains."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".").strip("[]")  # an IPv6 address may come in brackets
    for entry in trusted:
        entry = entry.lower().strip("[]")
        if entry.startswith("."):
            if name == entry[1:] or name.endswith(entry):
                return True
        elif name == entry:
            return True
    return False


def with_anchor(url: str, anchor: str | None) -> str:
    """Add ``#anchor``, percent-encoded, to a URL."""
    if anchor is None:
        return url
    return f"{url}#{quote(anchor, safe=_FRAGMENT_SAFE)}"


#: The port a scheme uses when a URL names none.
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin_key(origin: str) -> str | None:
    """Return ``scheme://host[:port]``, lower-cased, default port dropped; None if malformed.

    ``Origin: null`` (a sandboxed frame, a file, a redirect across sites) is
    no origin at all.
    """
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    host = parts.netloc.rpartition("@")[2]
    if port is not None and str(port) == _DEFAULT_PORTS[parts.scheme]:
        host = host.rsplit(":", 1)[0]
    return f"{parts.scheme}://{host}"
