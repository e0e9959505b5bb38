"""The protections every app has by default, and the settings that change them.

Four things a browser or a stranger could turn against the app or its users:

- **Cross-origin requests.** Any page on the web can make its visitor's
  browser send a form to this app, cookies included (cross-site request
  forgery). Browsers say where a request comes from: ``Sec-Fetch-Site``
  (``same-origin``, ``same-site``, ``cross-site``, ``none`` when the user
  typed the URL), or in older ones ``Origin``. A request that changes
  something (any method but GET, HEAD and OPTIONS) from another origin is
  refused with a 403; one with neither header did not come from a browser
  and passes. No token, no session: the browser's word is the check, as in
  Go's ``CrossOriginProtection``.
- **The Host header.** It is whatever the client wrote. With
  ``TRUSTED_HOSTS`` set, a request for any other host is a 400 before
  routing, so ``request.host`` and the links built from it are ours.
- **Unclean paths.** A NUL or another control character, or a ``.`` or
  ``..`` segment, has no business in a path and confuses whatever reads it
  later (a file system, a log, a proxy): 400 before routing.
- **Response headers the browser obeys.** ``nosniff`` stops it guessing a
  script out of a text file, ``SAMEORIGIN`` framing stops clickjacking, the
  referrer policy keeps paths from leaking to other sites, the opener policy
  cuts the link to cross-origin windows; a Content-Security-Policy and HSTS
  where the app asks for them.

``log_text`` escapes what the client wrote before it reaches the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import HTTPError
from .hooks import cors_policy
from .response import check_header
from .urls import host_is_trusted, origin_key

if TYPE_CHECKING:
    from .request import Request
    from .routes import Route

#: Methods that only read: a cross-origin GET cannot change anything.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The headers every response carries unless it set them itself (``SECURITY_HEADERS``).
DEFAULT_SECURITY_HEADERS: dict[str, str | None] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: Characters no path needs: NUL, CR, LF, ESC and the other C0 controls.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")

#: What a log line must not hold as it is: control characters and the backslash.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def refuse_unclean_request(request: Request, config: Mapping[str, Any]) -> HTTPError | None:
    """Return the 400 for a request that no route may see, or None.

    Checked before routing: the Host must be trusted (when ``TRUSTED_HOSTS``
    is set) and the path clean.
    """
    trusted = config.get("TRUSTED_HOSTS")
    if trusted is not None and not host_is_trusted(request.host, trusted):
        return HTTPError(400, "this server does not serve the host named in the Host header")
    path = request.path
    if _CONTROL_CHARACTER.search(path) or ("." in path and _has_dot_segment(path)):
        return HTTPError(
            400, "the path holds a control character or a '.' or '..' segment, which no URL needs"
        )
    return None


def _has_dot_segment(path: str) -> bool:
    """Tell whether a segment of ``path`` is ``.`` ("here") or ``..`` ("up")."""
    return any(segment in (".", "..") for segment in path.split("/"))


def cross_origin_refusal(
    request: Request, config: Mapping[str, Any], route: Route | None
) -> str | None:
    """Say why a browser's request from another origin is refused, or return None.

    The route (None for one that matched nothing) may opt out with
    ``allow_cross_origin=True``, for webhooks and token-authenticated APIs.
    ``TRUSTED_ORIGINS`` and the origins of the route's CORS scope
    (``framework.cors``) pass.
    """
    if request.method in SAFE_METHODS or (route is not None and route.allow_cross_origin):
        return None
    if not config.get("CROSS_ORIGIN_PROTECTION", True):
        return None
    site = request.environ.get("HTTP_SEC_FETCH_SITE")
    origin = request.environ.get("HTTP_ORIGIN")
    if site is not None:
        if site in ("same-origin", "none"):
            return None
        refusal = f"Sec-Fetch-Site is {site!r}"
    elif origin is None:
        return None  # neither header: not sent by a browser, so no one's cookies were borrowed
    elif _host_of(origin) == request.host.lower():
        return None
    else:
        refusal = f"Origin {origin!r} is not this host ({request.host})"
    if origin is not None and origin_key(origin) in _trusted_origins(config):
        return None
    if route is not None:
        cors = cors_policy(route.scopes)
        if cors is not None and cors.allows(origin):
            return None  # the route's CORS scope lists that origin: it is trusted here
    return refusal


def cross_origin_error(refusal: str, method: str) -> HTTPError:
    """Make the 403 for a refused cross-origin request, saying why and how to allow it."""
    return HTTPError(
        403,
        f"cross-origin {method} refused: {refusal}. A page of another site cannot submit "
        "to this one (TRUSTED_ORIGINS lists the sites that may; allow_cross_origin=True "
        "on the route opens it to all)",
    )


def describe_checks(
    request: Request,
    config: Mapping[str, Any],
    route: Route | None,
    *,
    refusals_only: bool = False,
) -> list[str]:
    """Say what the checks do with this request: lines for ``framework match`` and ``trace``.

    ``framework trace`` shows only a refusal (the response then says the
    rest); ``framework match`` says what would happen to a browser's request too.
    """
    if route is None or request.method in SAFE_METHODS:
        return []
    refusal = cross_origin_refusal(request, config, route)
    if refusal is not None:
        return [f"cross-origin: refused with 403: {refusal}"]
    if refusals_only:
        return []
    if not config.get("CROSS_ORIGIN_PROTECTION", True):
        return ["cross-origin: not checked (CROSS_ORIGIN_PROTECTION is False)"]
    if route.allow_cross_origin:
        return ["cross-origin: any site may send it (allow_cross_origin=True)"]
    cors = cors_policy(route.scopes)
    if cors is not None:
        listed = "any site" if cors.any_origin else "the origins it lists"
        return [f"cross-origin: passes from this site and {listed} (cors(...) of this scope)"]
    if "Sec-Fetch-Site" in request.headers or "Origin" in request.headers:
        return ["cross-origin: passes (sent by a page of this site, or a trusted origin)"]
    return ["cross-origin: passes (not from a browser); from another site's page: 403"]


def _host_of(origin: str) -> str | None:
    """Return the ``host[:port]`` of an ``Origin`` (default port dropped), or None."""
    key = origin_key(origin)
    return key.partition("://")[2] if key else None


def _trusted_origins(config: Mapping[str, Any]) -> set[str]:
    origins: Iterable[str] = config.get("TRUSTED_ORIGINS") or ()
    if isinstance(origins, str):
        origins = [origins]
    keys = set()
    for origin in origins:
        key = origin_key(origin)
        if key is None:
            raise ValueError(
                f"TRUSTED_ORIGINS holds {origin!r}; write each as scheme://host[:port], "
                "such as 'https://app.example.com'"
            )
        keys.add(key)
    return keys


class ResponseHeaderPolicy:
    """The security headers of an app's responses, as its config sets them.

    Prepared again only when the settings change, so that a response costs
    a comparison of the settings and one pass over its headers.
    """

    __slots__ = (
        "_config",
        "_csp",
        "_headers",
        "_overrides",
        "_policy_source",
        "names",
        "names_and_request_id",
    )

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        #: The settings the headers were prepared from.
        self._overrides: dict[str, str | None] | None = None
        self._policy_source: str | None = None
        self._headers: list[tuple[str, str]] = []
        self._csp: str | None = None
        #: The lower-cased names of every header this policy may add.
        self.names: frozenset[str] = frozenset()
        #: The same, and ``x-request-id``, which the app adds in the same pass.
        self.names_and_request_id: frozenset[str] = frozenset({"x-request-id"})

    def headers_for(self, request: Request) -> list[tuple[str, str]]:
        """Return the security headers this request's response should carry."""
        config = self._config
        overrides = config.get("SECURITY_HEADERS") or {}
        csp = config.get("CONTENT_SECURITY_POLICY")
        if overrides != self._overrides or csp != self._policy_source:
            self._prepare(overrides, csp)
        headers = self._headers
        if self._csp is not None:
            headers = [*headers, ("Content-Security-Policy", self._policy(request))]
        max_age = config.get("HSTS_MAX_AGE")
        if max_age is not None and request.scheme == "https":
            # Only over https: a Strict-Transport-Security header sent over
            # plain http is ignored by browsers, and a forged one would lock
            # users out of a site that has no certificate.
            headers = [*headers, ("Strict-Transport-Security", f"max-age={int(max_age)}")]
        return headers

    def _prepare(self, overrides: Mapping[str, str | None], csp: str | None) -> None:
        # Header names are case-insensitive: "x-frame-options" replaces the default.
        merged = {name.lower(): (name, value) for name, value in DEFAULT_SECURITY_HEADERS.items()}
        merged.update((name.lower(), (name, value)) for name, value in overrides.items())
        if csp:
            merged.pop("content-security-policy", None)  # CONTENT_SECURITY_POLICY says it
        self._headers = [
            (name, check_header(name, value))
            for name, value in merged.values()
            if value is not None
        ]
        self._csp = check_header("Content-Security-Policy", csp) if csp else None
        self._overrides, self._policy_source = dict(overrides), csp
        added = [name for name, _ in self._headers]
        added += ["Content-Security-Policy", "Strict-Transport-Security"]
        self.names = frozenset(name.lower() for name in added)
        self.names_and_request_id = self.names | {"x-request-id"}

    def _policy(self, request: Request) -> str:
        """Fill this request's nonce into the Content-Security-Policy's ``{nonce}``."""
        csp = self._csp or ""
        return csp.replace("{nonce}", request.csp_nonce) if "{nonce}" in csp else csp


def log_text(text: object) -> str:
    r"""Escape client text for a log line: a newline becomes ``\x0a``, ESC ``\x1b``.

    A CR or LF would start a forged log line; an ESC would colour (or
    rewrite) the terminal of whoever reads the log.
    """
    return _UNPRINTABLE.sub(lambda found: _escape(found.group()), str(text))


def _escape(char: str) -> str:
    return "\\\\" if char == "\\" else f"\\x{ord(char):02x}"
