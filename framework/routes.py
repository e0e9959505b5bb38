"""Routes: the entries of the routing table, the rules for adding one, and routing's answers.

A route maps methods and a path pattern to a view. Two routes may share a
path for different methods (GET and POST on ``/items``); routes that would
take exactly the same requests are refused when added, naming both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mypy_extensions import mypyc_attr

from .converters import Converter
from .hooks import Scopes
from .patterns import RouteError, Segment, UrlPart
from .urls import fill_pattern

View = Callable[..., Any]

#: Methods are HTTP tokens; we accept the usual upper-case spelling.
_METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")

#: The method name that registers a route for every method, as in Bottle:
#: ``methods=["ANY"]``. A route for a specific method on the same path wins.
ANY = "ANY"

#: The methods every HTTP server is expected to know: RFC 9110's (section 9)
#: and PATCH (RFC 5789). A request with any other method, which no route of
#: the app takes, gets 501 Not Implemented on any path (section 15.6.2).
STANDARD_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)


class Route:
    """One entry of the routing table: methods and a path pattern, mapped to a view."""

    def __init__(
        self,
        methods: frozenset[str],
        pattern: str,
        name: str,
        view: View,
        segments: Sequence[str | Segment],
        url_parts: Sequence[UrlPart],
        scopes: Scopes = (),
        *,
        allow_cross_origin: bool = False,
    ) -> None:
        #: The methods this route was registered for (HEAD and OPTIONS are
        #: answered automatically and are not listed unless given).
        self.methods = methods
        #: The full path pattern, router prefixes included.
        self.pattern = pattern
        #: The name ``url_for`` knows it by (dotted for included routers).
        self.name = name
        #: The function called with the request and the path parameters.
        self.view = view
        #: The pattern as the tree stores it: text, or a Segment.
        self.segments = tuple(segments)
        #: The pattern as URL building fills it in: encoded text, or (name, converter).
        self.url_parts = tuple(url_parts)
        self.parameter_names = frozenset(p[0] for p in url_parts if not isinstance(p, str))
        #: The hooks that apply to this route: the app's, then each router's
        #: it was included through, the one it was registered on last.
        self.scopes = scopes
        #: True when browsers may send it requests from other sites: see
        #: ``framework.security`` (for webhooks and token-authenticated APIs).
        self.allow_cross_origin = allow_cross_origin

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.methods))
        return f"<{type(self).__name__} {methods} {self.pattern} name={self.name!r}>"

    def build_path(self, params: dict[str, Any]) -> str:
        """Fill the pattern's parameters in, formatted, checked and percent-encoded."""
        return fill_pattern(self.name, self.pattern, self.url_parts, params)


class Mount(Route):
    """A WSGI application that answers every request under a prefix: ``app.mount``.

    The router finds it like a route for ANY method, at the prefix itself and
    at every path below it; the app then hands the request over, with
    ``SCRIPT_NAME`` and ``PATH_INFO`` shifted as PEP 3333 says.
    """

    @property
    def prefix_length(self) -> int:
        """How many segments of the path the prefix takes (the mounted app sees the rest)."""
        return len(self.segments) - 1


@mypyc_attr(native_class=False)  # as Converter
class MountedPath(Converter):
    """What a mounted app gets below its prefix: anything, nothing included."""

    regex = r"(?s:.*)"
    spans_segments = True


class Match:
    """Routing found a route for this method and path."""

    __slots__ = ("params", "route")

    def __init__(self, route: Route, params: dict[str, Any]) -> None:
        self.route = route
        #: The path parameters, converted, by name.
        self.params = params


class MethodNotAllowed:
    """The path exists, but not for this method: a 405 listing what would work."""

    __slots__ = ("allow_header", "methods")

    def __init__(self, methods: frozenset[str], allow_header: str | None = None) -> None:
        #: Every method the path accepts, HEAD and OPTIONS included.
        self.methods = methods
        #: The same as the Allow header says it: ``"GET, HEAD, OPTIONS"``.
        self.allow_header = allow_header or ", ".join(sorted(methods))


class NotFound:
    """No route has this path: a 404.

    When the same path with a trailing slash exists for the method (a route
    ``/docs/`` requested as ``/docs``), ``redirect_to`` holds that path: the
    client should be sent there with a permanent redirect instead.
    """

    __slots__ = ("redirect_to",)

    def __init__(self, redirect_to: str | None = None) -> None:
        self.redirect_to = redirect_to


#: The one 404 answer, with no redirect: every plain 404 is this object.
NOT_FOUND = NotFound()

#: The three answers routing gives.
Outcome = Match | MethodNotAllowed | NotFound


def check_methods(pattern: str, methods: Iterable[str]) -> frozenset[str]:
    """Return the methods of a route in upper case, refusing what is no method list."""
    if isinstance(methods, str):
        raise RouteError(
            f"route {pattern!r}: methods must be a list such as [{methods!r}], not a string"
        )
    upper = frozenset(method.upper() for method in methods)
    if not upper:
        raise RouteError(f"route {pattern!r}: give at least one method")
    for method in upper:
        if not _METHOD.fullmatch(method):
            raise RouteError(f"route {pattern!r}: {method!r} is not an HTTP method name")
    return upper


def shape(route: Route) -> tuple[Any, ...]:
    """Describe the paths a route matches: its pattern without parameter names."""
    return tuple(
        segment if isinstance(segment, str) else segment.shape for segment in route.segments
    )


def keys(route: Route) -> tuple[Any, ...]:
    """Name the branches a route takes through the tree, parameter names included."""
    return tuple(
        segment if isinstance(segment, str) else segment.key for segment in route.segments
    )


def overlap(first: Route, second: Route) -> bool:
    """Tell whether two routes would answer some method alike (ANY answers them all)."""
    if ANY in first.methods or ANY in second.methods:
        return True
    return bool(served_methods(first) & served_methods(second))


def served_methods(route: Route) -> frozenset[str]:
    """Return the methods a route answers, HEAD included where it has GET."""
    return (route.methods | {"HEAD"}) if "GET" in route.methods else route.methods
