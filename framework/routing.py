"""The routing table: map a method and a path to a view, and back.

A request names a resource with a path such as ``/users/42/posts``. Routing
answers one question about it, with one of three answers: which view
handles it (a match, with the parameters taken from the path), or that the
path exists but not for this method (405, and the ``Allow`` header must
then list the methods that would work), or that nothing is there (404).

The table is a tree of path segments (``framework.tree``). Each node holds
a dict of static children (``"users"``, ``"posts"``) and a list of dynamic
ones (``<int:user_id>``, ``<name>.<ext>``, ``<path:rest>``) in the order
they are tried. Matching (``Router.match``) walks the tree one segment at a
time, so its cost grows with the depth of the path and not with the number
of routes. At every node the candidates are tried in a fixed order of
priority, whatever the order of registration (``patterns.Kind``):

1. a static segment (``/users/me``),
2. a segment mixing text and parameters (``/report-<int:year>.csv``),
   more literal text first,
3. a typed parameter (``<int:id>``, ``<uuid:id>``, custom converters),
   by the converter's ``weight`` (``int`` before ``float``),
4. a plain parameter (``<name>``),
5. a parameter that takes the rest of the path (``<path:rest>``).

The walk follows the first candidate that takes each segment. Where a
later candidate could take it too, it keeps a *choice point*; when the way
it chose leads to a dead end, it goes back to the latest choice point and
tries the next candidate there (it backtracks). So ``/users/me/edit``
still reaches ``/users/<name>/edit`` when ``/users/me`` exists but has no
``edit`` below it. If nothing matches, the nodes where the path ended
decide: a redirect to the path with a trailing slash when that one takes
the method, a 405 listing their methods, or a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from mypy_extensions import mypyc_attr

from .converters import DEFAULT_CONVERTERS, Converter
from .decorators import RouteDecorators
from .hooks import HookRegistry, Hooks, Scopes
from .patterns import Rest, RouteError, Segment, UrlPart, check_converter
from .patterns import parse_pattern as parse_pattern
from .routes import ANY as ANY
from .routes import NOT_FOUND, MountedPath, check_methods, keys, overlap, served_methods, shape
from .routes import Match as Match
from .routes import MethodNotAllowed as MethodNotAllowed
from .routes import Mount as Mount
from .routes import NotFound as NotFound
from .routes import Outcome as Outcome
from .routes import Route as Route
from .routes import View as View
from .signatures import ViewSignatureError, view_problem
from .tree import Node as Node
from .tree import split_path as split_path
from .tree import takes_empty
from .urls import URLBuildError, query_string


class Observer(Protocol):
    """What the walk reports as it goes, for ``framework.explain`` to tell the story.

    The segment concerned is always the one at ``node.depth``.
    """

    def static(self, node: Node, text: str, child: Node | None) -> None:
        """Hear that ``node`` was asked for a static child ``text``; ``child`` is the answer.

        Without one, a lone plain ``<name>`` below (``node.only_plain``)
        takes any text but ``""``, and the walk takes it without a ``branch``.
        """

    def branch(
        self, node: Node, segment: Segment, text: str, values: dict[str, Any] | None
    ) -> None:
        """Hear that a dynamic branch of ``node`` took ``text`` (giving ``values``), or not."""

    def back(self, node: Node) -> None:
        """Hear that the walk goes back to ``node``, to try its next dynamic branch.

        Every branch taken there or deeper led to a dead end. A walk that
        finds nothing ends without going back: there is nothing left to try.
        """

    def end(self, node: Node, route: Route | None) -> None:
        """Hear that the path ended at ``node``, where ``route`` (or None) answers."""


#: A place the walk may come back to: (node, the dynamic branch to try next
#: there, how many parameters had been taken). The choice points form a
#: stack, the latest on top, made only at forks.
ChoicePoint = tuple["Node", int, int]

#: What taking a branch gives: the child, and the index of the next segment.
Taken = tuple["Node", int]


def _branch(
    node: Node,
    first: int,
    segments: list[str],
    params: dict[str, Any],
    choices: list[ChoicePoint],
    observer: Observer | None,
) -> Taken | None:
    """Take the first dynamic branch of ``node``, from ``first`` on, that fits its segment.

    The segment is the one at ``node.depth``. Its parameters go into
    ``params``; when later branches remain, a choice point is pushed on
    ``choices`` for them. Returns the child and the index of the next
    segment (past the end for ``<path:...>``, which takes the rest), or None.
    """
    branches, index = node.dynamic, node.depth
    text = segments[index]
    for position in range(first, len(branches)):  # none at all: a dead end
        segment, child = branches[position]
        if segment.spans_segments:
            text = "/".join(segments[index:])
        values = segment.match(text)
        if observer is not None:
            observer.branch(node, segment, text, values)
        if values is not None:
            if position + 1 < len(branches):
                choices.append((node, position + 1, len(params)))
            params.update(values)
            return child, len(segments) if segment.spans_segments else index + 1
    return None


def _backtrack(
    segments: list[str],
    params: dict[str, Any],
    choices: list[ChoicePoint],
    observer: Observer | None,
) -> Taken | None:
    """Go back to the latest choice point and take its next branch; None when none is left.

    The parameters taken since that choice point are forgotten.
    """
    while choices:
        node, first, kept = choices.pop()
        for name in list(params)[kept:]:
            del params[name]
        if observer is not None:
            observer.back(node)
        taken = _branch(node, first, segments, params, choices, observer)
        if taken is not None:
            return taken
    return None


# Compiled, an ordinary Python class (its methods compiled), as App is: see app.py.
@mypyc_attr(native_class=False)
class Router(HookRegistry, RouteDecorators):
    """A routing table: register routes, match requests, build URLs.

    An ``App`` has one; a ``Router`` of your own groups routes that an app
    then includes under a prefix, with their names prefixed by the router's.
    """

    def __init__(self, name: str | None = None, *, allow_cross_origin: bool = False) -> None:
        if name is not None and (not name or "." in name):
            raise RouteError(f"router name {name!r} must be non-empty and hold no '.'")
        self.name = name
        #: True when every route of this router takes requests from other sites.
        self.allow_cross_origin = allow_cross_origin
        #: Every route, in registration order.
        self.routes: list[Route] = []
        #: Every method some route takes, HEAD (where GET is) and OPTIONS
        #: included, ``ANY`` not (it names no method): what ``OPTIONS *``
        #: lists. A method neither here nor standard is a 501 (``framework.app``).
        self.methods: frozenset[str] = frozenset({"OPTIONS"})
        self.converters: dict[str, type[Converter]] = dict(DEFAULT_CONVERTERS)
        #: The tree of segments that matching walks.
        self.root = Node()
        self._by_name: dict[str, Route] = {}
        #: Routes by the paths they match, without parameter names: two routes
        #: of the same shape and method would take exactly the same requests.
        self._by_shape: dict[tuple[Any, ...], list[Route]] = {}
        # PERF: bench/routing.py static table 0.42 µs a match, 1.05 µs without;
        # github mean 6% faster. The nodes of fully static paths, by path: one
        # dict lookup finds them without a walk.
        self._static_paths: dict[str, Node] = {}
        self._included_in: str | None = None
        #: True for an app's own table (``App`` sets it): no prefix will be put
        #: before its routes, so a view must need no parameter its pattern lacks.
        self.is_site = False
        #: This router's hooks and error handlers (see ``framework.hooks``).
        self.hooks = Hooks(f"router {name!r}" if name else "an unnamed router")
        self._own_scopes: Scopes = (self.hooks,)
        #: (prefix segments, scopes) of each router included under a prefix,
        #: so that a 404 or 405 under the prefix is that router's.
        self._prefix_scopes: list[tuple[tuple[str | Segment, ...], Scopes]] = []

    def add_converter(self, name: str, converter: type[Converter]) -> None:
        """Make ``<name:param>`` available in the patterns of this router."""
        check_converter(name, converter)
        self.converters[name] = converter

    def add_route(
        self,
        pattern: str,
        view: View,
        methods: Iterable[str] = ("GET",),
        name: str | None = None,
        *,
        allow_cross_origin: bool = False,
    ) -> Route:
        """Register a view for some methods on a path pattern and return its Route.

        ``allow_cross_origin=True`` lets browsers send it requests from other
        sites (``framework.security``); a router made with it says so for all.
        """
        if not callable(view):
            raise TypeError(f"route {pattern!r}: the view must be callable, got {view!r}")
        segments, url_parts = parse_pattern(pattern, self.converters)
        route = Route(
            methods=check_methods(pattern, methods),
            pattern=pattern,
            name=name if name is not None else getattr(view, "__name__", ""),
            view=view,
            segments=segments,
            url_parts=url_parts,
            scopes=(self.hooks,),
            allow_cross_origin=allow_cross_origin or self.allow_cross_origin,
        )
        self._add([route])
        return route

    def mount(
        self,
        prefix: str,
        app: Callable[..., Iterable[bytes]],
        name: str | None = None,
        *,
        allow_cross_origin: bool = False,
    ) -> Mount:
        """Hand every request under ``prefix`` to another WSGI application.

        ``/legacy/a/b`` reaches ``app`` with ``SCRIPT_NAME`` ending in
        ``/legacy`` and ``PATH_INFO`` ``/a/b`` (PEP 3333's way to say where an
        app is mounted), whatever the method; the hooks of this app do not run
        for it. The mount is named by its prefix unless ``name`` is given.
        """
        if not callable(app):
            raise TypeError(f"mount({prefix!r}, ...) needs a WSGI application, got {app!r}")
        if not isinstance(prefix, str) or not prefix.startswith("/") or "<" in prefix:
            raise RouteError(
                f"mount prefix {prefix!r} must be static text starting with '/', such as /legacy"
            )
        prefix = prefix.rstrip("/")
        if not prefix:
            raise RouteError("mount('/', ...) would take every path; mount under a prefix")
        segments, url_parts = parse_pattern(prefix, self.converters)
        below = Rest("path_info", MountedPath(), ((), ()))
        below.source = "(the path below the mount)"
        mount = Mount(
            methods=frozenset({ANY}),
            pattern=prefix,
            name=name if name is not None else prefix,
            view=app,
            segments=[*segments, below],
            url_parts=url_parts,
            scopes=(),  # the mounted app has hooks and error handlers of its own
            allow_cross_origin=allow_cross_origin or self.allow_cross_origin,
        )
        self._add([mount])
        return mount

    def include(self, router: Router, prefix: str = "") -> None:
        """Add every route of ``router`` under ``prefix``, named ``router.name + "." + name``.

        The routes are copied now: register them on ``router`` before including it.
        Its hooks and error handlers keep applying to them, and to any other
        path under ``prefix``. A prefix of ``""`` or ``"/"`` means none.
        """
        if router is self:
            raise RouteError("a router cannot include itself")
        if prefix and not prefix.startswith("/"):
            raise RouteError(f"include prefix {prefix!r} must start with '/'")
        prefix = prefix.rstrip("/")
        prefix_segments: list[str | Segment] = []
        prefix_parts: list[UrlPart] = []
        if prefix:
            prefix_segments, prefix_parts = parse_pattern(prefix, self.converters)
            if any(isinstance(segment, Rest) for segment in prefix_segments):
                raise RouteError(
                    f"include prefix {prefix!r} takes the rest of the path, so nothing could "
                    "come after it; use a one-segment parameter such as <name> instead"
                )
        copies = [
            type(route)(
                methods=route.methods,
                pattern=prefix + route.pattern,
                name=f"{router.name}.{route.name}" if router.name else route.name,
                view=route.view,
                segments=[*prefix_segments, *route.segments],
                url_parts=[*prefix_parts, *route.url_parts],
                scopes=(self.hooks, *route.scopes) if route.scopes else (),
                allow_cross_origin=route.allow_cross_origin or self.allow_cross_origin,
            )
            for route in router.routes
        ]
        self._add(copies)
        for segments, scopes in router._prefix_scopes:
            self._prefix_scopes.append(((*prefix_segments, *segments), (self.hooks, *scopes)))
        if prefix_segments:
            self._prefix_scopes.append((tuple(prefix_segments), (self.hooks, router.hooks)))
        router._included_in = self.name or "an app"

    def _add(self, routes: list[Route]) -> None:
        """Check every route, then add them all: a clash found halfway adds nothing."""
        if self._included_in is not None:
            raise RouteError(
                f"route {routes[0].pattern!r} was added to router {self.name!r} after it was "
                f"included in {self._included_in}; register routes before include()"
            )
        for route in routes:
            self._check_new(route)
        for route in routes:
            self._insert(route)

    def _check_new(self, route: Route) -> None:
        """Refuse a route that can't be added, before anything is changed."""
        if not route.name:
            raise RouteError(f"route {route.pattern!r}: give it a name with name=...")
        if not isinstance(route, Mount):  # a mount takes a WSGI app, not a view
            names = [part[0] for part in route.url_parts if not isinstance(part, str)]
            problem = view_problem(route.view, route.pattern, names, complete=self.is_site)
            if problem is not None:
                raise ViewSignatureError(problem)
        other = self._by_name.get(route.name)
        if other is not None:
            raise RouteError(
                f"route name {route.name!r} is used twice: by {other.pattern!r} and by "
                f"{route.pattern!r}; pass name=... to tell them apart"
            )
        node = self.node_at(route.segments)
        if node is not None:
            node.check_free(route)
        self._check_mounts(route)
        for other in self._by_shape.get(shape(route), ()):
            if keys(other) != keys(route) and overlap(other, route):
                raise RouteError(
                    f"route {route.name!r} ({route.pattern}) matches exactly the same paths "
                    f"as route {other.name!r} ({other.pattern}), for the same methods, so one "
                    "would never be reached; give their parameters the same names (they then "
                    "share a branch of the tree), or remove one"
                )

    def _check_mounts(self, route: Route) -> None:
        """Refuse a route under a mounted app's prefix, or a mount over routes."""
        node: Node | None = self.root
        for segment in route.segments:
            node = node.existing_child(segment) if node is not None else None
            if node is not None and isinstance(node.any_route, Mount):
                raise RouteError(
                    f"route {route.pattern!r} is under {node.any_route.pattern}, where a WSGI "
                    "app is mounted and answers every path; register it on that app instead"
                )
        if isinstance(route, Mount):
            below = self.node_at(route.segments[:-1])
            if below is not None and (below.routes or below.static or below.dynamic):
                raise RouteError(
                    f"cannot mount a WSGI app at {route.pattern}: routes of this app are "
                    "already there or below it, and the mounted app would take their paths"
                )

    def _insert(self, route: Route) -> None:
        """Put a checked route into the tree, the static-path table and the name index."""
        parent = node = self.root
        for segment in route.segments:
            parent, node = node, node.child(segment)
        node.add(route)
        if isinstance(route, Mount):
            parent.add(route)  # the prefix itself is the mounted app's root too
        if all(isinstance(segment, str) for segment in route.segments):
            self._static_paths["/" + "/".join(route.segments)] = node  # type: ignore[arg-type]
        self._by_name[route.name] = route
        self._by_shape.setdefault(shape(route), []).append(route)
        self.routes.append(route)
        self.methods |= served_methods(route) - {ANY}

    def node_at(self, segments: Sequence[str | Segment]) -> Node | None:
        """Return the node these pattern segments lead to, if the tree has it."""
        node: Node | None = self.root
        for segment in segments:
            if node is None:
                return None
            node = node.existing_child(segment)
        return node

    def match(self, method: str, path: str, observer: Observer | None = None) -> Outcome:
        """Route ``method`` and ``path`` (percent-decoded) in one walk; ``observer`` hears it."""
        node = self._static_paths.get(path)
        if node is not None and (route := node.dispatch.get(method, node.any_route)) is not None:
            return Match(route, {})  # an observer hears no step: there was none
        segments = split_path(path)
        choices: list[ChoicePoint] = []  # the places to come back to from a dead end
        ends: list[Node] | None = None  # where the path ended without a route for the method
        params: dict[str, Any] = {}  # the parameters taken on the way down
        node, remaining = self.root, segments  # the segments this pass down walks
        while True:
            # A pass down follows static and lone plain children, a segment a turn;
            # a dynamic branch ends it, and the next pass starts below that branch.
            for text in remaining:
                child = node.static.get(text)
                if observer is not None:
                    observer.static(node, text, child)
                if child is not None:  # the static child first; its siblings maybe later
                    if node.dynamic:
                        choices.append((node, 0, len(params)))
                    node = child
                    continue
                plain = node.only_plain
                if plain is not None and text:
                    # PERF: bench/instructions.py github-200, 16.9% fewer instructions:
                    # a lone plain <name> is taken without calling _branch (so without
                    # an observer.branch: the observer knows from static()).
                    params[plain[0]] = text
                    node = plain[1]
                    continue
                taken = (
                    _branch(node, 0, segments, params, choices, observer) if node.dynamic else None
                )
                break  # a branch took the segment, or nothing here does: a dead end
            else:  # no segment left: the path ends at this node
                route = node.dispatch.get(method, node.any_route)
                if observer is not None:
                    observer.end(node, route)
                if route is not None:
                    return Match(route, params)
                ends = [*(ends or ()), node]
                taken = None
            if taken is None:  # go back to the latest choice point, if one is left
                taken = _backtrack(segments, params, choices, observer) if choices else None
                if taken is None:  # nothing is left to try
                    return self._miss(method, path, ends) if ends else NOT_FOUND
            node, start = taken
            remaining = segments[start:]

    def _miss(self, method: str, path: str, ends: list[Node]) -> MethodNotAllowed | NotFound:
        """Answer a path no route takes for this method: 308 to add a slash, 405 or 404.

        ``ends`` are the nodes where the path ended. The same path with a
        trailing slash has one more, empty, segment: it has a route for the
        method when a branch below one of them takes the empty segment. A
        path that exists answers OPTIONS itself, and one starting with "//"
        is never redirected: ``Location: //host/`` would name another site.
        """
        if len(ends) == 1 and not ends[0].static and not ends[0].dynamic:
            # PERF: bench/instructions.py github-405, 8.3% fewer instructions: the
            # path ended at one node with nothing below it, so its prepared 405
            # (or a 404) answers without looking for a slashed route.
            return ends[0].not_allowed or NOT_FOUND
        exists = [end.not_allowed for end in ends if end.not_allowed]  # for other methods
        slashable = path.startswith("/") and not path.endswith("/") and path[:2] != "//"
        if slashable and not (exists and method == "OPTIONS"):
            for end in ends:
                if takes_empty(end, method):
                    return NotFound(redirect_to=path + "/")
        if not exists:
            return NOT_FOUND
        if len(exists) == 1:
            return exists[0]
        return MethodNotAllowed(frozenset(m for answer in exists for m in answer.methods))

    def scopes_for(self, path: str) -> Scopes:
        """Return the scopes a path belongs to when no route matched it.

        That is this router's, and those of the router included under the
        longest prefix the path starts with: ``/api/nope`` is the api router's 404.
        """
        best: Scopes = self._own_scopes
        if not self._prefix_scopes:
            return best  # no router is included under a prefix: nothing to look for
        longest = 0
        texts = path.split("/")[1:]
        for segments, scopes in self._prefix_scopes:
            if longest < len(segments) <= len(texts) and _starts_with(texts, segments):
                best, longest = scopes, len(segments)
        return best

    def url_for(self, __name: str, **params: Any) -> str:
        """Build the path of the route called ``name``; extra keywords form the query.

        A query value of None is left out, as is a list's None.
        """
        # ``__name`` is positional-only (PEP 484's spelling; mypyc 2.4.1 compiles
        # ``name, /`` beside ``**params`` as an ordinary parameter), so a route
        # parameter may itself be called ``name``.
        name = __name
        route = self._by_name.get(name)
        if route is None:
            from difflib import get_close_matches

            close = get_close_matches(name, self._by_name, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise URLBuildError(f"url_for: no route is named {name!r}{hint}")
        for key in params:
            if key.startswith("_") and key not in route.parameter_names:
                raise URLBuildError(
                    f"url_for({name!r}): unknown option {key}=; the options are _external, "
                    "_scheme and _anchor, and a query parameter may not start with '_'"
                )
        path = route.build_path(params)
        extra = {key: value for key, value in params.items() if key not in route.parameter_names}
        return path + query_string(extra)


def _starts_with(texts: list[str], segments: Sequence[str | Segment]) -> bool:
    """Tell whether the path segments ``texts`` begin with what ``segments`` match."""
    for segment, text in zip(segments, texts, strict=False):
        if isinstance(segment, str):
            if segment != text:
                return False
        elif segment.match(text) is None:
            return False
    return True
