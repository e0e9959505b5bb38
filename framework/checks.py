"""Route checks: find routes that can never be reached, and routes that say the same.

Because matching tries branches in a fixed order of priority, a route can
be registered without error and still never be used: another route that
is tried first takes every path it could match. ``app.check_routes()``
finds these:

- *unreachable*: for every path route B matches, route A is tried first
  and matches too, for the same method, so B never runs
  (``/u/<int:a>/<name>`` takes every path of ``/u/<int:b>/edit``, and
  ``<int:a>`` is tried before ``<int:b>``);
- *same paths*: two routes for different methods whose patterns differ
  only in their parameters' names (``GET /items/<id>`` and
  ``PUT /items/<item_id>``) match exactly the same paths; give the
  parameters one name so that they share a branch.

A name used twice, and two routes of one method that match the same paths,
are refused when the second route is added, so they never reach this check.

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
from .patterns import Parameter, Plain, Rest, Segment
from .routes import served_methods

if TYPE_CHECKING:
    from .routing import Route, Router
    from .tree import Node

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
    _check(router.root, 0, problems)
    return problems


def _check(node: Node, depth: int, problems: list[RouteProblem]) -> None:
    branches = node.dynamic
    for position, (earlier, earlier_node) in enumerate(branches):
        for later, later_node in branches[position + 1 :]:
            if covers(earlier, later):
                _compare(earlier_node, later_node, depth, problems)
    for _, child in node.branches():
        _check(child, depth + 1, problems)


def _compare(
    earlier_node: Node, later_node: Node, depth: int, problems: list[RouteProblem]
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
    methods = served_methods(winner) & served_methods(loser)
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
    scope = "" if methods >= served_methods(loser) else f" for {_list(methods)}"
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
    if isinstance(earlier, Plain):
        # Any non-empty segment; the texts of other branches are never empty.
        return True
    if earlier.shape == later.shape:
        return True  # the same converters with the same arguments
    if isinstance(earlier, Parameter) and isinstance(later, Parameter):
        pair = (type(earlier.converter), type(later.converter))
        return pair in _WIDER and earlier.shape[2] == later.shape[2] == ((), ())
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
    return segment if isinstance(segment, str) else segment.shape


def _same_shape(first: tuple[str | Segment, ...], second: tuple[str | Segment, ...]) -> bool:
    return len(first) == len(second) and all(
        _shape(a) == _shape(b) for a, b in zip(first, second, strict=True)
    )


def _routes_below(node: Node) -> list[Route]:
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
        stack.extend(child for _, child in current.branches())
    return found


def _list(methods: frozenset[str]) -> str:
    return ", ".join(sorted(methods))
