"""Cross-origin resource sharing (CORS): which other sites' pages may read our answers.

A browser keeps each site's pages apart (the *same-origin policy*): a
script on ``https://app.example`` may send a request to
``https://api.example``, but it may not read the answer unless the answer
says so, with ``Access-Control-Allow-Origin: https://app.example``. CORS is
that conversation, and the server's half of it lives here.

Two kinds of request take part:

- A *simple* request (a GET, or a POST of a form) is sent at once; the
  response's ``Access-Control-*`` headers decide whether the page may read
  it. Every response of a CORS scope carries them, error pages included, and
  ``Vary: Origin``, because the answer depends on who asks.
- Anything else (a PUT, a JSON body, an ``Authorization`` header) is asked
  about first: the browser sends a *preflight*, ``OPTIONS`` with ``Origin``
  and ``Access-Control-Request-Method``, and sends the real request only if
  the answer allows it. The app's automatic OPTIONS answer replies, with
  the methods the routing table serves on that path.

``app.cors(...)`` and ``router.cors(...)`` (``framework.hooks``) set the
policy of a scope; the innermost scope with one decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import wsgi
from .response import Response, add_vary
from .urls import origin_key

if TYPE_CHECKING:
    from .request import Request
    from .wsgitypes import WSGIApp

#: What a header name or a method is made of (RFC 9110's ``token``).
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

#: Request headers every CORS scope takes: those a form may send anyway, and
#: ``Content-Type``, which a JSON API cannot do without.
ALWAYS_ALLOWED_HEADERS = ("Accept", "Accept-Language", "Content-Language", "Content-Type")


class CORSPolicy:
    """The answer of one scope to pages of other origins, prepared when it is set.

    ``origins`` is a list of ``scheme://host[:port]`` or ``"*"`` (any site,
    without credentials); ``methods`` the methods a preflight is told
    (None: what the routing table serves on the path); ``headers`` the
    request headers a page may send besides ``ALWAYS_ALLOWED_HEADERS``
    (``"*"``: whatever it asks for); ``expose_headers`` the response headers
    its script may read; ``credentials`` lets it send cookies and read the
    answer; ``max_age`` is how many seconds a browser may keep a preflight's
    answer.
    """

    __slots__ = (
        "_allowed_headers",
        "_any_header",
        "_origins",
        "any_origin",
        "credentials",
        "expose_headers",
        "max_age",
        "methods",
    )

    def __init__(
        self,
        origins: str | Iterable[str],
        *,
        methods: Iterable[str] | None = None,
        headers: str | Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        credentials: bool = False,
        max_age: int | None = None,
    ) -> None:
        #: True for ``origins="*"``: every site's pages may read the answers.
        self.any_origin = origins == "*"
        self._origins = frozenset() if self.any_origin else _origin_keys(origins)
        if credentials is not True and credentials is not False:
            raise TypeError(f"cors(credentials={credentials!r}): give True or False")
        if credentials and self.any_origin:
            raise ValueError(
                'cors(origins="*", credentials=True) would let every site read the answers '
                "its visitors' cookies bring; list the origins that may send credentials"
            )
        self.credentials = credentials
        self.methods = None if methods is None else ", ".join(_tokens("methods", methods, True))
        self._any_header = headers == "*"
        listed = [] if self._any_header else _tokens("headers", headers)
        self._allowed_headers = {name.lower() for name in [*ALWAYS_ALLOWED_HEADERS, *listed]}
        self.expose_headers = ", ".join(_tokens("expose_headers", expose_headers))
        if max_age is not None and (
            not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0
        ):
            raise ValueError(f"cors(max_age={max_age!r}): give whole seconds, 0 or more")
        self.max_age = max_age

    def allows(self, origin: str | None) -> bool:
        """Tell whether a page of ``origin`` (an ``Origin`` header) may read the answers."""
        if origin is None or origin != origin.strip():
            return False  # an Origin with spaces around it is no browser's
        return self.any_origin or origin_key(origin) in self._origins

    def response_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Return the headers that let a page of ``origin`` read a response, or none.

        ``Vary: Origin`` is not among them: every response of the scope gets
        it, allowed or not, since what it says depends on the ``Origin``.
        """
        if not self.allows(origin):
            return []
        allowed = "*" if self.any_origin else str(origin)
        headers = [("Access-Control-Allow-Origin", allowed)]
        if self.credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", self.expose_headers))
        return headers

    def add_to(self, request: Request, response: Response | WSGIApp) -> Response | WSGIApp:
        """Give a response of this scope its CORS headers, and ``Vary: Origin``.

        A header the view set itself is kept.
        """
        headers = self.response_headers(request.environ.get("HTTP_ORIGIN"))
        if isinstance(response, Response):
            for name, value in headers:
                response.headers.setdefault(name, value)
            add_vary(response, "Origin")
            return response
        return wsgi.with_default_headers(response, [*headers, ("Vary", "Origin")])

    def preflight_headers(self, request: Request, served: str) -> dict[str, str]:
        """Answer a preflight: the methods (``served``: the path's Allow) and headers allowed."""
        if not self.allows(request.environ.get("HTTP_ORIGIN")):
            return {}
        headers = {"Access-Control-Allow-Methods": self.methods or served}
        asked = request.environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        names = [name.strip() for name in asked.split(",") if _TOKEN.match(name.strip())]
        allowed = [n for n in names if self._any_header or n.lower() in self._allowed_headers]
        if allowed:
            headers["Access-Control-Allow-Headers"] = ", ".join(allowed)
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        return headers


def is_preflight(request: Request) -> bool:
    """Tell whether a request is a browser asking first: OPTIONS with the CORS headers."""
    environ = request.environ
    return (
        request.method == "OPTIONS"
        and "HTTP_ORIGIN" in environ
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
    )


def _origin_keys(origins: str | Iterable[str]) -> frozenset[str]:
    if isinstance(origins, str):
        raise TypeError(
            f'cors(origins={origins!r}): give a list of origins, such as ["{origins}"], or "*"'
        )
    keys = set()
    for origin in origins:
        key = origin_key(origin) if isinstance(origin, str) else None
        if key is None:
            raise ValueError(
                f"cors(origins=...) holds {origin!r}; write each origin as "
                "scheme://host[:port], such as 'https://app.example.com', with no path"
            )
        keys.add(key)
    if not keys:
        raise ValueError('cors(origins=[]) allows no one; list the origins, or give "*"')
    return frozenset(keys)


def _tokens(option: str, names: str | Iterable[str], upper: bool = False) -> list[str]:
    """Check a list of header names or methods; ``methods`` are upper case."""
    if isinstance(names, str):
        raise TypeError(f"cors({option}={names!r}): give a list, such as [{names!r}]")
    checked = []
    for name in names:
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise ValueError(f"cors({option}=...) holds {name!r}, which is not a header token")
        checked.append(name.upper() if upper else name)
    return checked
