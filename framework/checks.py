"""Route checks: find routes that can never be reached, and routes that say the same.

Because matching tries branches in a fixed order of priority, a route can
be registered without error and still never be used: another route that
is tried first takes every path it could match. ``app.check_routes()``
finds these:

- *unreachable*: for every path route B matches, route A is tried first
  and matches too, for the same method, so B never runs
  (``/items/<float:x>`` registered before ``/items/<int:n>``: every
  integer is also a float);
- *same paths*: two routes whose patterns differ only in their
  parameters' names (``/items/<id>`` and ``/items/<item_id>``) match
  exactly the same paths; give the parameters one name so that they share
  a branch, or remove one.

A name used twice is refused when the second route is added, so name
clashes never reach this check.

Shadowing can only happen where one node of the tree has two dynamic
branches: a static branch is tried first but takes one text only, and
nothing else is ambiguous. So the check visits those nodes, and compares
the routes below the earlier branch with those below the later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .converters import FloatConverter, IntConverter
from .explain import describe_route
from .patterns import Mixed, Parameter, Rest, Segment

if TYPE_CHECKING:
    from .routing import Route, Router, _Node

#: (wider, narrower) converter pairs: every text the narrower takes, the
#: wider takes too, and converts without fail.
_WIDER = {(FloatConverter, IntConverter)}


@dataclass(frozen=True)
class RouteProblem:
    """One problem in a routing table, naming the routes involved."""

    #: "unreachable" or "same-paths".
    kind: str
    #: The route that wins, then the route that loses.
    routes: tuple[Route, Route]
    #: The methods for which the second route is never reached (may be empty
    #: for "same-paths" routes with different methods).
    methods: frozenset[str]
    message: str

    def __str__(self) -> str:
        return self.message


def check_routes(router: Router) -> list[RouteProblem]:
    """Return the problems in ``router``'s table, in the order the tree is walked."""
    problems: list[RouteProblem] = []
    _check(router._root, 0, problems)
    return problems


def _check(node: _Node, depth: int, problems: list[RouteProblem]) -> None:
    branches: list[tuple[Segment, _Node]] = [*node.dynamic, *node.rest]
    for position, (earlier, earlier_node) in enumerate(branches):
        for later, later_node in branches[position + 1 :]:
            if covers(earlier, later):
                _compare(earlier_node, later_node, depth, problems)
    children = [*node.static.values(), *(child for _, child in branches)]
    for child in children:
        _check(child, depth + 1, problems)


def _compare(
    earlier_node: _Node, later_node: _Node, depth: int, problems: list[RouteProblem]
) -> None:
    """Compare every route below a later branch with those below an earlier one."""
    for loser in _routes_below(later_node):
        for winner in _routes_below(earlier_node):
            winner_rest = winner.segments[depth:]
            loser_rest = loser.segments[depth:]
            if not _suffix_covers(winner_rest, loser_rest):
                continue
            problem = _problem(winner, loser, same=_same_shape(winner_rest, loser_rest))
            if problem is not None:
                problems.append(problem)
                break


def _problem(winner: Route, loser: Route, *, same: bool) -> RouteProblem | None:
    methods = _served(winner) & _served(loser)
    if same:
        message = (
            f"{describe_route(winner)} and {describe_route(loser)} match exactly the same "
            "paths; give their parameters the same names, or remove one"
        )
        if methods:
            message += f" ({describe_route(loser)} is never reached for {_list(methods)})"
        return RouteProblem("same-paths", (winner, loser), methods, message)
    if not methods:
        return None
    scope = "" if methods >= _served(loser) else f" for {_list(methods)}"
    message = (
        f"{describe_route(loser)} can never be reached{scope}: {describe_route(winner)} "
        "is tried first and matches every path it matches"
    )
    return RouteProblem("unreachable", (winner, loser), methods, message)


def covers(earlier: Segment, later: Segment | str) -> bool:
    """Tell whether ``earlier`` takes every text that ``later`` takes."""
    if isinstance(later, str):
        return earlier.match(later) is not None
    if isinstance(earlier, Rest) or isinstance(later, Rest):
        return (
            isinstance(earlier, Rest)
            and isinstance(later, Rest)
            and type(earlier.converter) is type(later.converter)
        )
    if isinstance(earlier, Parameter) and earlier.plain:
        # Any non-empty segment; the texts of other branches are never empty.
        return True
    if isinstance(earlier, Parameter) and isinstance(later, Parameter):
        pair = (type(earlier.converter), type(later.converter))
        return pair[0] is pair[1] or pair in _WIDER
    if isinstance(earlier, Mixed) and isinstance(later, Mixed):
        return _shape(earlier) == _shape(later)
    return False


def _suffix_covers(winner: tuple[str | Segment, ...], loser: tuple[str | Segment, ...]) -> bool:
    if winner and isinstance(winner[-1], Rest) and not isinstance(loser[-1], Rest):
        # A path parameter at the end takes any rest of one segment or more.
        head = len(winner) - 1
        if len(loser) <= head:
            return False
        return _all_cover(winner[:head], loser[:head]) and loser[head] != ""
    return len(winner) == len(loser) and _all_cover(winner, loser)


def _all_cover(winner: tuple[str | Segment, ...], loser: tuple[str | Segment, ...]) -> bool:
    for earlier, later in zip(winner, loser, strict=True):
        if isinstance(earlier, str):
            if earlier != later:
                return False
        elif not covers(earlier, later):
            return False
    return True


def _shape(segment: str | Segment) -> object:
    """Describe what a segment matches, without its parameters' names."""
    if isinstance(segment, str):
        return segment
    if isinstance(segment, Mixed):
        # Its key lists the text and (name, converter class) of each part.
        return tuple(part if isinstance(part, str) else part[1] for part in segment.key[1])
    if isinstance(segment, Parameter):
        return (type(segment), type(segment.converter))
    return segment.key


def _same_shape(first: tuple[str | Segment, ...], second: tuple[str | Segment, ...]) -> bool:
    return len(first) == len(second) and all(
        _shape(a) == _shape(b) for a, b in zip(first, second, strict=True)
    )


def _routes_below(node: _Node) -> list[Route]:
    """Every route in the subtree under ``node``, in the order matching meets them."""
    found: list[Route] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop(0)
        for route in current.routes.values():
            if id(route) not in seen:
                seen.add(id(route))
                found.append(route)
        stack.extend(current.static.values())
        stack.extend(child for _, child in current.dynamic)
        stack.extend(child for _, child in current.rest)
    return found


def _served(route: Route) -> frozenset[str]:
    """Return the methods a route answers, HEAD included where it has GET."""
    return (route.methods | {"HEAD"}) if "GET" in route.methods else route.methods


def _list(methods: frozenset[str]) -> str:
    return ", ".join(sorted(methods))
