"""The routing tree: the nodes that matching walks, one path segment per step.

Each node stands for the paths that lead to it from the root, one segment
per level, and holds what may come next: static children by their exact
text, dynamic children (parameters) in the order they are tried, and the
routes whose pattern ends there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .names import function_name
from .patterns import Kind, RouteError, Segment
from .routes import ANY, MethodNotAllowed

if TYPE_CHECKING:
    from .routes import Route


class Node:
    """A point in the tree: what may come after the segments that lead here."""

    __slots__ = (
        "any_route",
        "depth",
        "dispatch",
        "dynamic",
        "not_allowed",
        "only_plain",
        "routes",
        "static",
    )

    def __init__(self, depth: int = 0) -> None:
        #: How many segments lead here from the root: the index of the next one.
        self.depth = depth
        #: Children by the exact text of the next segment, such as ``"users"``.
        self.static: dict[str, Node] = {}
        #: Children whose segment holds parameters, in the order they are tried.
        self.dynamic: list[tuple[Segment, Node]] = []
        #: Routes whose pattern ends here, by the method they were registered for.
        self.routes: dict[str, Route] = {}
        # Prepared from ``routes`` each time one is added, for matching:
        #: What a request method finds here: the routes, and HEAD served by GET.
        self.dispatch: dict[str, Route] = {}
        #: The route for ``ANY`` method, which takes every method ``dispatch`` lacks.
        self.any_route: Route | None = None
        #: The 405 for a path that ends here with another method: the methods
        #: it takes and the Allow header listing them (None without routes).
        self.not_allowed: MethodNotAllowed | None = None
        #: Prepared from ``dynamic``: (name, child) when its one branch is a plain ``<name>``.
        self.only_plain: tuple[str, Node] | None = None

    def branches(self) -> list[tuple[str | Segment, Node]]:
        """List the children as matching considers them: static (by text), then dynamic."""
        return [*sorted(self.static.items()), *self.dynamic]

    def existing_child(self, segment: str | Segment) -> Node | None:
        """Return the child for this segment if there is one, without adding it."""
        if isinstance(segment, str):
            return self.static.get(segment)
        for existing, child in self.dynamic:
            if existing.key == segment.key:
                return child
        return None

    def child(self, segment: str | Segment) -> Node:
        """Return the child for this segment, adding it in priority order if new."""
        found = self.existing_child(segment)
        if found is not None:
            return found
        node = Node(self.depth + 1)
        if isinstance(segment, str):
            self.static[segment] = node
        else:
            self.dynamic.append((segment, node))
            self.dynamic.sort(key=lambda branch: branch[0].sort_key())
            first, child = self.dynamic[0]
            lone = len(self.dynamic) == 1 and first.kind is Kind.PLAIN
            self.only_plain = (first.name, child) if lone else None  # type: ignore[attr-defined]
        return node

    def check_free(self, route: Route) -> None:
        """Refuse a route whose methods already have a route at this node."""
        for method in sorted(self.routes.keys() & route.methods):
            other = self.routes[method]
            raise RouteError(
                f"{method} {route.pattern} is registered twice: by view "
                f"{function_name(other.view)} (route {other.name!r}) and by view "
                f"{function_name(route.view)} (route {route.name!r}); remove one, or give "
                "them different methods"
            )

    def add(self, route: Route) -> None:
        """Add a route ending here, and prepare what matching reads."""
        self.check_free(route)
        for method in route.methods:
            self.routes[method] = route
        self.any_route = self.routes.get(ANY)
        self.dispatch = {method: found for method, found in self.routes.items() if method != ANY}
        if "GET" in self.dispatch and "HEAD" not in self.dispatch:
            self.dispatch["HEAD"] = self.dispatch["GET"]
        self.not_allowed = MethodNotAllowed(frozenset(self.dispatch) | {"OPTIONS"})


def takes_empty(node: Node, method: str) -> bool:
    """Tell whether an empty next segment below ``node`` reaches a route for ``method``."""
    below = node.static.get("")
    if below is not None and _takes(below, method):
        return True
    for segment, child in node.dynamic:
        if segment.match("") is not None and _takes(child, method):
            return True
    return False


def _takes(node: Node, method: str) -> bool:
    """Tell whether a path ending at ``node`` has a route for ``method`` (OPTIONS: any route)."""
    route = node.dispatch.get(method, node.any_route)
    return route is not None or (method == "OPTIONS" and bool(node.routes))


def split_path(path: str) -> list[str]:
    """Split a path into the segments matching walks: ``/users/42`` is ``users``, ``42``.

    ``/`` is one empty segment: the path of the root page still has one
    piece to match, which is what lets ``/`` and ``/docs/`` end with a
    route. An empty path is the root of the app too; anything that does
    not start with ``/`` (the ``*`` of ``OPTIONS *``) has no segments at
    all, and no route ends at the root of the tree.
    """
    if path[:1] == "/":
        return path[1:].split("/")
    return [""] if not path else []
