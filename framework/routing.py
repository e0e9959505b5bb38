"""The routing table: map a method and a path to a view, and back.

A request names a resource with a path such as ``/users/42/posts``. Routing
answers three questions about it: which view handles it (a match, with the
parameters taken from the path), whether the path exists but not for this
method (405, and the ``Allow`` header must then list the methods that would
work), or whether nothing is there at all (404).

The table is a tree of path segments. Each node holds a dict of static
children (``"users"``, ``"posts"``) and an ordered list of dynamic ones
(``<int:user_id>``, ``<name>.<ext>``, ``<path:rest>``). Matching walks the
tree one segment at a time, so its cost grows with the depth of the path and
not with the number of routes. At every node the candidates are tried in a
fixed order of priority, whatever the order of registration:

1. a static segment (``/users/me``),
2. a segment mixing text and parameters (``/report-<int:year>.csv``),
3. a typed parameter (``<int:id>``, ``<uuid:id>``, custom converters),
4. a plain parameter (``<name>``),
5. a parameter that takes the rest of the path (``<path:rest>``).

When a branch leads to a dead end, matching backtracks and tries the next
candidate, so ``/users/me/edit`` still reaches ``/users/<name>/edit`` when
``/users/me`` exists but has no ``edit`` below it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from .converters import DEFAULT_CONVERTERS, Converter
from .hooks import HookRegistry, Hooks, Scopes

if TYPE_CHECKING:
    from .explain import Explanation

from .patterns import Rest, RouteError, Segment, UrlPart, parse_pattern

View = Callable[..., Any]

#: Characters left as they are when a parameter is put into a URL path:
#: RFC 3986 allows the sub-delimiters, ":" and "@" in a path segment.
_SEGMENT_SAFE = "!$&'()*+,;=:@"

#: Methods are HTTP tokens; we accept the usual upper-case spelling.
_METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")

#: The method name that registers a route for every method, as in Bottle:
#: ``methods=["ANY"]``. A route for a specific method on the same path wins.
ANY = "ANY"


class URLBuildError(LookupError):
    """``url_for`` could not build a URL: unknown name or missing parameter."""


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
        self.segments = tuple(segments)
        self.url_parts = tuple(url_parts)
        self.parameter_names = frozenset(p[0] for p in url_parts if not isinstance(p, str))
        #: The hooks that apply to this route: the app's, then each router's
        #: it was included through, the one it was registered on last.
        self.scopes = scopes

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.methods))
        return f"<Route {methods} {self.pattern} name={self.name!r}>"

    def build_path(self, params: dict[str, Any]) -> str:
        """Fill the pattern's parameters in, formatted and percent-encoded."""
        pieces = []
        for part in self.url_parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            name, converter = part
            if name not in params:
                raise URLBuildError(
                    f"url_for({self.name!r}) needs a value for <{name}> (pattern {self.pattern})"
                )
            text = converter.to_url(params[name])
            if re.fullmatch(converter.regex, text) is None:
                raise URLBuildError(
                    f"url_for({self.name!r}): {text!r} is not a valid value for <{name}> "
                    f"(pattern {self.pattern}); it would not match the route"
                )
            safe = _SEGMENT_SAFE + "/" if converter.spans_segments else _SEGMENT_SAFE
            pieces.append(quote(text, safe=safe))
        return "".join(pieces)


class Match:
    """Routing found a route for this method and path."""

    __slots__ = ("params", "route")

    def __init__(self, route: Route, params: dict[str, Any]) -> None:
        self.route = route
        #: The path parameters, converted, by name.
        self.params = params


class MethodNotAllowed:
    """The path exists, but not for this method: a 405 listing what would work."""

    __slots__ = ("allow", "allowed")

    def __init__(self, allowed: frozenset[str], allow: str | None = None) -> None:
        #: Every method the path accepts, HEAD and OPTIONS included.
        self.allowed = allowed
        #: The same as the Allow header says it: ``"GET, HEAD, OPTIONS"``.
        self.allow = allow if allow is not None else ", ".join(sorted(allowed))


class NotFound:
    """No route has this path: a 404.

    When the same path with a trailing slash exists (a route ``/docs/``
    requested as ``/docs``), ``redirect_to`` holds that path: the client
    should be sent there with a permanent redirect instead.
    """

    __slots__ = ("redirect_to",)

    def __init__(self, redirect_to: str | None = None) -> None:
        self.redirect_to = redirect_to


_NOT_FOUND = NotFound()


class _Node:
    """A point in the tree: what comes after the segments that lead here."""

    __slots__ = (
        "allow",
        "allowed",
        "any",
        "dispatch",
        "dynamic",
        "forks",
        "has_dynamic",
        "plain",
        "rest",
        "routes",
        "static",
    )

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[tuple[Segment, _Node]] = []
        self.rest: list[tuple[Rest, _Node]] = []
        #: False while all children are static: matching has no choice to make
        #: here, so it need not remember the node to come back to.
        self.has_dynamic = False
        #: True when more than one dynamic branch could take the next segment.
        self.forks = False
        #: (name, child) when the only dynamic branch is a plain ``<name>``, the
        #: most common case in real tables: matching takes it without a loop.
        self.plain: tuple[str, _Node] | None = None
        #: Routes whose pattern ends here, by the method they were registered for.
        self.routes: dict[str, Route] = {}
        #: What a request method finds here: ``routes`` plus HEAD served by GET.
        self.dispatch: dict[str, Route] = {}
        #: A route registered for ``ANY`` method: it takes every method that
        #: ``dispatch`` lacks, so this path never answers 405.
        self.any: Route | None = None
        #: The Allow header's methods for a path that ends here, and the header.
        self.allowed: frozenset[str] = frozenset()
        self.allow = ""

    def existing_child(self, segment: str | Segment) -> _Node | None:
        """Return the child for this segment if there is one, without adding it."""
        if isinstance(segment, str):
            return self.static.get(segment)
        edges: list[Any] = self.rest if isinstance(segment, Rest) else self.dynamic
        for existing, child in edges:
            if existing.key == segment.key:
                return child  # type: ignore[no-any-return]
        return None

    def child(self, segment: str | Segment) -> _Node:
        """Return the child for this segment, adding it in priority order if new."""
        found = self.existing_child(segment)
        if found is not None:
            return found
        node = _Node()
        if isinstance(segment, str):
            self.static[segment] = node
            return node
        edges: list[Any] = self.rest if isinstance(segment, Rest) else self.dynamic
        self.has_dynamic = True
        edges.append((segment, node))
        # A stable sort keeps registration order among equals.
        edges.sort(key=lambda edge: edge[0].sort_key())
        self.forks = len(self.dynamic) + len(self.rest) > 1
        only = self.dynamic[0] if len(self.dynamic) == 1 and not self.rest else None
        self.plain = (only[0].name, only[1]) if only is not None and only[0].plain else None
        return node

    def check_free(self, route: Route) -> None:
        """Refuse a route whose methods already have a route at this node."""
        for method in route.methods:
            if method in self.routes:
                other = self.routes[method]
                raise RouteError(
                    f"{method} {route.pattern} is registered twice: by view "
                    f"{_view_name(other.view)} (route {other.name!r}) and by view "
                    f"{_view_name(route.view)} (route {route.name!r}); remove one, or give "
                    "them different methods"
                )

    def add(self, route: Route) -> None:
        self.check_free(route)
        for method in route.methods:
            self.routes[method] = route
        self.any = self.routes.get(ANY)
        self.dispatch = dict(self.routes)
        if "GET" in self.routes and "HEAD" not in self.routes:
            self.dispatch["HEAD"] = self.routes["GET"]
        self.allowed = frozenset(self.dispatch) | {"OPTIONS"}
        self.allow = ", ".join(sorted(self.allowed))


def _view_name(view: View) -> str:
    return f"{getattr(view, '__module__', '?')}.{getattr(view, '__qualname__', view)!s}"


class Router(HookRegistry):
    """A routing table: register routes, match requests, build URLs.

    An ``App`` has one; a ``Router`` of your own groups routes that an app
    then includes under a prefix, with their names prefixed by the router's.
    """

    def __init__(self, name: str | None = None) -> None:
        if name is not None and (not name or "." in name):
            raise RouteError(f"router name {name!r} must be non-empty and hold no '.'")
        self.name = name
        #: Every route, in registration order.
        self.routes: list[Route] = []
        self.converters: dict[str, type[Converter]] = dict(DEFAULT_CONVERTERS)
        self._root = _Node()
        self._by_name: dict[str, Route] = {}
        self._static_paths: dict[str, _Node] = {}
        #: The segment counts of patterns that end with a slash, such as 2 for
        #: "/docs/": only paths one segment shorter can need a redirect there.
        self._slash_depths: set[int] = set()
        self._included_in: str | None = None
        #: This router's hooks and error handlers (see ``framework.hooks``).
        self.hooks = Hooks()
        self._own_scopes: Scopes = (self.hooks,)
        #: (prefix segments, scopes) of each router included under a prefix,
        #: so that a 404 or 405 under the prefix is that router's.
        self._mounts: list[tuple[tuple[str | Segment, ...], Scopes]] = []

    def add_converter(self, name: str, converter: type[Converter]) -> None:
        """Make ``<name:param>`` available in the patterns of this router."""
        if not (isinstance(converter, type) and issubclass(converter, Converter)):
            raise TypeError(
                f"add_converter({name!r}, ...) needs a subclass of framework.Converter, "
                f"got {converter!r}"
            )
        try:
            re.compile(converter.regex)
        except re.error as error:
            raise RouteError(
                f"converter {name!r}: its regex {converter.regex!r} is invalid: {error}"
            ) from None
        self.converters[name] = converter

    def add_route(
        self,
        pattern: str,
        view: View,
        methods: Iterable[str] = ("GET",),
        name: str | None = None,
    ) -> Route:
        """Register a view for some methods on a path pattern and return its Route."""
        if not callable(view):
            raise TypeError(f"route {pattern!r}: the view must be callable, got {view!r}")
        segments, url_parts = parse_pattern(pattern, self.converters)
        route = Route(
            methods=self._check_methods(pattern, methods),
            pattern=pattern,
            name=name if name is not None else getattr(view, "__name__", ""),
            view=view,
            segments=segments,
            url_parts=url_parts,
            scopes=(self.hooks,),
        )
        self._check_new(route)
        self._insert(route)
        return route

    def route(
        self, pattern: str, methods: Iterable[str] = ("GET",), name: str | None = None
    ) -> Callable[[View], View]:
        """Register the decorated function as the view for ``pattern``."""

        def register(view: View) -> View:
            self.add_route(pattern, view, methods, name)
            return view

        return register

    def get(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for GET (and so HEAD) on ``pattern``."""
        return self.route(pattern, ("GET",), name)

    def post(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for POST on ``pattern``."""
        return self.route(pattern, ("POST",), name)

    def put(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for PUT on ``pattern``."""
        return self.route(pattern, ("PUT",), name)

    def patch(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for PATCH on ``pattern``."""
        return self.route(pattern, ("PATCH",), name)

    def delete(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for DELETE on ``pattern``."""
        return self.route(pattern, ("DELETE",), name)

    def include(self, router: Router, prefix: str = "") -> None:
        """Add every route of ``router`` under ``prefix``, named ``router.name + "." + name``.

        The routes are copied now: register them on ``router`` before including it.
        Its hooks and error handlers keep applying to them, and to any other
        path under ``prefix``.
        """
        if router is self:
            raise RouteError("a router cannot include itself")
        prefix_segments: list[str | Segment] = []
        prefix_parts: list[UrlPart] = []
        if prefix:
            if not prefix.startswith("/"):
                raise RouteError(f"include prefix {prefix!r} must start with '/'")
            prefix = prefix.rstrip("/")
            prefix_segments, prefix_parts = parse_pattern(prefix, self.converters)
            if any(isinstance(segment, Rest) for segment in prefix_segments):
                raise RouteError(
                    f"include prefix {prefix!r} takes the rest of the path, so nothing could "
                    "come after it; use a one-segment parameter such as <name> instead"
                )
        copies = [
            Route(
                methods=route.methods,
                pattern=prefix + route.pattern,
                name=f"{router.name}.{route.name}" if router.name else route.name,
                view=route.view,
                segments=[*prefix_segments, *route.segments],
                url_parts=[*prefix_parts, *route.url_parts],
                scopes=(self.hooks, *route.scopes),
            )
            for route in router.routes
        ]
        # All or nothing: a clash found halfway must not leave half the routes in.
        for route in copies:
            self._check_new(route)
        for route in copies:
            self._insert(route)
        for segments, scopes in router._mounts:
            self._mounts.append(((*prefix_segments, *segments), (self.hooks, *scopes)))
        if prefix_segments:
            self._mounts.append((tuple(prefix_segments), (self.hooks, router.hooks)))
        router._included_in = self.name or "an app"

    def _check_methods(self, pattern: str, methods: Iterable[str]) -> frozenset[str]:
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

    def _insert(self, route: Route) -> None:
        """Put a checked route into the tree, the static-path table and the name index."""
        node = self._root
        for segment in route.segments:
            node = node.child(segment)
        node.add(route)
        if len(route.segments) > 1 and route.segments[-1] == "":
            self._slash_depths.add(len(route.segments))
        if all(isinstance(segment, str) for segment in route.segments):
            self._static_paths["/" + "/".join(route.segments)] = node  # type: ignore[arg-type]
        self._by_name[route.name] = route
        self.routes.append(route)

    def _check_new(self, route: Route) -> None:
        """Refuse a route that can't be added, before anything is changed."""
        if self._included_in is not None:
            raise RouteError(
                f"route {route.pattern!r} was added to router {self.name!r} after it was "
                f"included in {self._included_in}; register routes before include()"
            )
        if not route.name:
            raise RouteError(f"route {route.pattern!r}: give it a name with name=...")
        if route.name in self._by_name:
            other = self._by_name[route.name]
            raise RouteError(
                f"route name {route.name!r} is used twice: by {other.pattern!r} and by "
                f"{route.pattern!r}; pass name=... to tell them apart"
            )
        node: _Node | None = self._root
        for segment in route.segments:
            node = node.existing_child(segment) if node is not None else None
        if node is not None:
            node.check_free(route)

    def match(self, method: str, path: str) -> Match | MethodNotAllowed | NotFound:
        """Find the route for ``method`` and ``path`` (already percent-decoded).

        A fully static path is one dict lookup. Otherwise matching first
        follows the branch that the depth-first walk (``_walk``) would try
        first: at each segment the static child if there is one, else the
        first dynamic child that takes the segment. If that ends at a route
        for the method, it is the answer. Most paths never pass a *fork*, a
        point where another branch could have taken the segment too; for
        them a dead end is the answer as well, a 405 or a 404. Only a path
        that fails after a fork needs the full walk, with backtracking.
        """
        node = self._static_paths.get(path)
        if node is not None:
            route = node.dispatch.get(method, node.any)
            if route is not None:
                return Match(route, {})
        if path[:1] != "/":
            if path:
                # Not a path at all, such as the "*" of "OPTIONS *".
                return _NOT_FOUND
            path = "/"  # an empty PATH_INFO is the root of the app
        # "/users/42" is the segments "users" and "42"; "/" is one empty segment.
        segments = path[1:].split("/")
        node = self._root
        params: dict[str, Any] = {}
        forked = False
        for segment in segments:
            child = node.static.get(segment)
            if child is None:
                plain = node.plain
                if plain is not None and segment:
                    params[plain[0]] = segment
                    node = plain[1]
                    continue
                child = _take_dynamic(node, segment, params) if node.dynamic else None
                if child is None:
                    if forked or node.rest:
                        return self._backtrack(method, path, segments)
                    return self._not_found(method, path, segments)
                if node.forks:
                    forked = True
            elif node.has_dynamic:
                forked = True
            node = child
        route = node.dispatch.get(method, node.any)
        if route is not None:
            return Match(route, params)
        if forked:
            return self._backtrack(method, path, segments)
        if node.routes:
            return MethodNotAllowed(node.allowed, node.allow)
        return self._not_found(method, path, segments)

    def _backtrack(
        self, method: str, path: str, segments: list[str]
    ) -> Match | MethodNotAllowed | NotFound:
        """Decide with the full depth-first walk, for a path that passed a fork."""
        allowed: set[str] = set()
        found = self._walk(self._root, segments, 0, method, {}, allowed)
        if found is not None:
            return found
        if allowed:
            return MethodNotAllowed(frozenset(allowed))
        return self._not_found(method, path, segments)

    def _not_found(self, method: str, path: str, segments: list[str]) -> NotFound:
        """Answer 404, or redirect when the same path with a trailing slash takes the method."""
        if len(segments) + 1 in self._slash_depths and self._exists_with_slash(
            method, path, segments
        ):
            return NotFound(redirect_to=path + "/")
        return _NOT_FOUND

    def _walk(
        self,
        node: _Node,
        segments: list[str],
        index: int,
        method: str,
        params: dict[str, Any],
        allowed: set[str],
    ) -> Match | None:
        """Match ``segments[index:]`` below ``node``, depth first, in priority order.

        Paths that end at a node without ``method`` add their methods to ``allowed``.
        """
        end = len(segments)
        # Walk down static segments without recursing while there is nothing
        # to come back to: a node without dynamic children leaves no choice.
        while index < end and not node.has_dynamic:
            next_node = node.static.get(segments[index])
            if next_node is None:
                return None
            node = next_node
            index += 1
        if index == end:
            route = node.dispatch.get(method, node.any)
            if route is not None:
                return Match(route, params)
            allowed.update(node.allowed)
            return None
        segment = segments[index]
        child = node.static.get(segment)
        if child is not None:
            found = self._walk(child, segments, index + 1, method, params, allowed)
            if found is not None:
                return found
        for matcher, child in node.dynamic:
            if matcher.plain:
                # The common case, inlined: "[^/]+" takes any non-empty segment.
                if not segment:
                    continue
                values = {**params, matcher.name: segment}
            else:
                converted = matcher.match(segment)
                if converted is None:
                    continue
                values = {**params, **converted}
            found = self._walk(child, segments, index + 1, method, values, allowed)
            if found is not None:
                return found
        if node.rest:
            remainder = "/".join(segments[index:])
            for rest, child in node.rest:
                converted = rest.match(remainder)
                if converted is None:
                    continue
                found = self._walk(child, [], 0, method, {**params, **converted}, allowed)
                if found is not None:
                    return found
        return None

    def _exists_with_slash(self, method: str, path: str, segments: list[str]) -> bool:
        """Tell whether ``path + "/"`` has a route for ``method``.

        Redirecting to a path that would only answer 405 helps nobody, so the
        slashed route must take the method (OPTIONS: any route will do, as it
        is answered for every path that exists). A path starting with "//" is
        never redirected: ``Location: //host/`` would send the client to
        another site.
        """
        if path.endswith("/") or path.startswith("//"):
            return False
        allowed: set[str] = set()
        found = self._walk(self._root, [*segments, ""], 0, method, {}, allowed)
        return found is not None or (method == "OPTIONS" and bool(allowed))

    def explain(self, method: str, path: str) -> Explanation:
        """Match ``method path`` and say why, step by step (``framework match`` prints it)."""
        from .explain import explain

        return explain(self, method, path)

    def scopes_for(self, path: str) -> Scopes:
        """Return the scopes a path belongs to when no route matched it.

        That is this router's, and those of the router included under the
        longest prefix the path starts with: ``/api/nope`` is the api router's 404.
        """
        if not self._mounts:
            return self._own_scopes
        best: Scopes = self._own_scopes
        longest = 0
        texts = path.split("/")[1:]
        for segments, scopes in self._mounts:
            if longest < len(segments) <= len(texts) and _starts_with(texts, segments):
                best, longest = scopes, len(segments)
        return best

    def url_for(self, name: str, /, **params: Any) -> str:
        """Build the path of the route called ``name``; extra keywords form the query."""
        route = self._by_name.get(name)
        if route is None:
            from difflib import get_close_matches

            close = get_close_matches(name, self._by_name, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise URLBuildError(f"url_for: no route is named {name!r}{hint}")
        path = route.build_path(params)
        query = [(key, value) for key, value in params.items() if key not in route.parameter_names]
        if query:
            path += "?" + urlencode(query, doseq=True)
        return path


def _take_dynamic(node: _Node, segment: str, params: dict[str, Any]) -> _Node | None:
    """Return the first dynamic child of ``node`` that takes ``segment``, adding its values."""
    for matcher, child in node.dynamic:
        if matcher.plain:
            if segment:
                params[matcher.name] = segment
                return child
        else:
            converted = matcher.match(segment)
            if converted is not None:
                params.update(converted)
                return child
    return None


def _starts_with(texts: list[str], segments: Sequence[str | Segment]) -> bool:
    """Tell whether the path segments ``texts`` begin with what ``segments`` match."""
    for segment, text in zip(segments, texts, strict=False):
        if isinstance(segment, str):
            if segment != text:
                return False
        elif segment.match(text) is None:
            return False
    return True
