"""Explain a routing decision, step by step: ``router.explain(method, path)``.

The router answers a request in a few hundred nanoseconds and says only
*what* it found. This module walks the same tree the same way, in the same
order of priority, and writes down *why*: each segment of the path, each
branch tried (static, mixed, typed, plain, path), which converter rejected
which text, where matching hit a dead end and went back, and the route
chosen, or why the answer is a 404, a 405 or a 308 redirect.

It is written for reading, not for speed, and is kept honest by the tests,
which check that its outcome is always the router's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .patterns import Mixed, Parameter, Rest, Segment
from .response import reason_phrase

if TYPE_CHECKING:
    from .routing import Match, MethodNotAllowed, NotFound, Route, Router, _Node

#: How each kind of branch is called, by its rank in the priority order.
_KINDS = {1: "mixed", 2: "typed", 3: "plain", 4: "path"}


@dataclass(frozen=True)
class Step:
    """One line of the explanation: what was tried, at what depth, and how it went."""

    #: How many segments deep in the path this step is (0 for the first).
    depth: int
    #: "static", "mixed", "typed", "plain", "path", "end", "back" or "lookup".
    kind: str
    #: The sentence, such as ``'abc': typed <int:user_id> rejects it``.
    text: str
    #: For a branch that rejected the text: the branch, as the pattern wrote it.
    rejected_by: str = ""


@dataclass
class Explanation:
    """How the router answered ``method path``: the steps, the outcome and hints."""

    method: str
    path: str
    #: The path's segments, as matching sees them.
    segments: list[str]
    #: What the router found: a Match, a MethodNotAllowed or a NotFound.
    outcome: Match | MethodNotAllowed | NotFound
    steps: list[Step] = field(default_factory=list)
    #: Near misses, for a 404 or a 405 page in DEBUG: "``<int:id>`` rejected ``abc``".
    hints: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        """The status the app answers with: 200, 404, 405 or 308."""
        from .routing import Match, MethodNotAllowed

        if isinstance(self.outcome, Match):
            return 200
        if isinstance(self.outcome, MethodNotAllowed):
            return 405
        return 308 if self.outcome.redirect_to is not None else 404

    def __str__(self) -> str:
        lines = [f"{self.method} {self.path}"]
        shown = " / ".join(repr(segment) for segment in self.segments)
        lines.append(f"segments: {shown}" if self.segments else "segments: (none)")
        lines.append("")
        lines.extend("  " * step.depth + step.text for step in self.steps)
        lines.append("")
        lines.extend(self.summary())
        return "\n".join(lines)

    def summary(self) -> list[str]:
        """Summarise the outcome in a few lines: status, route, view, parameters, hints."""
        return [*self._result(), *(f"hint: {hint}" for hint in self.hints)]

    def _result(self) -> list[str]:
        from .routing import Match, MethodNotAllowed

        status = f"{self.status} {reason_phrase(self.status)}"
        outcome = self.outcome
        if isinstance(outcome, Match):
            route = outcome.route
            lines = [f"result: {describe_route(route)}, view {view_name(route.view)}"]
            if outcome.params:
                params = ", ".join(f"{name}={value!r}" for name, value in outcome.params.items())
                lines.append(f"params: {params}")
            return lines
        if isinstance(outcome, MethodNotAllowed):
            allow = ", ".join(sorted(outcome.allowed))
            if self.method == "OPTIONS":
                return [f"result: 204 No Content (an automatic OPTIONS answer); Allow: {allow}"]
            return [f"result: {status}; Allow: {allow}"]
        if outcome.redirect_to is not None:
            return [f"result: {status} to {outcome.redirect_to} (the route ends with a slash)"]
        return [f"result: {status}"]


def explain(router: Router, method: str, path: str) -> Explanation:
    """Match ``method path`` on ``router`` and explain each step of the decision."""
    outcome = router.match(method, path)
    segments = path.split("/")[1:] if path.startswith("/") else []
    if path == "":
        segments = [""]
    explanation = Explanation(method, path, segments, outcome)
    _Walk(explanation, method).run(router, path)
    explanation.hints = _hints(router, explanation)
    return explanation


def describe_route(route: Route) -> str:
    """Name a route the way people read it: ``route 'user' (GET /users/<int:id>)``."""
    methods = ",".join(sorted(route.methods))
    return f"route {route.name!r} ({methods} {route.pattern})"


def view_name(view: Any) -> str:
    """Name a view as ``module:function``, as gunicorn names an app."""
    module = getattr(view, "__module__", None) or "?"
    return f"{module}:{getattr(view, '__qualname__', repr(view))}"


def rejection(segment: Segment, text: str) -> str:
    """Say why a branch does not take this text."""
    if isinstance(segment, Parameter):
        regex = type(segment.converter).regex
        if segment.regex.fullmatch(text) is None:
            if not text:
                return "it is empty"
            return f"it does not match {regex}"
        return f"{type(segment.converter).__name__}.to_python refused it"
    longest = segment.max_length if isinstance(segment, Mixed) else None
    if longest is not None and len(text) > longest:
        return f"it is longer than the {longest} characters such a segment tries"
    return "it does not have that shape"


class _Walk:
    """The router's depth-first walk, writing a step for everything it tries."""

    def __init__(self, explanation: Explanation, method: str) -> None:
        self.explanation = explanation
        self.method = method

    def note(self, depth: int, kind: str, text: str, rejected_by: str = "") -> None:
        self.explanation.steps.append(Step(depth, kind, text, rejected_by))

    def run(self, router: Router, path: str) -> None:
        node = router._static_paths.get(path)
        route = node.dispatch.get(self.method, node.any) if node is not None else None
        if node is not None and route is not None:
            answers = _answers(node, self.method)
            self.note(
                0,
                "lookup",
                f"the whole path is static: one dict lookup finds {describe_route(route)}, "
                f"which answers {answers}",
            )
            return
        if not path.startswith("/"):
            self.note(0, "end", "not a path (it does not start with '/'): nothing can match")
            return
        self.walk(router._root, self.explanation.segments, 0)

    def walk(self, node: _Node, segments: list[str], index: int) -> bool:
        if index == len(segments):
            return self.end(node, max(index - 1, 0))
        text = segments[index]
        child = node.static.get(text)
        if child is not None:
            self.note(index, "static", f"{text!r}: static segment matches")
            if self.walk(child, segments, index + 1):
                return True
            self.note(index, "back", f"dead end below {text!r}: back to segment {index + 1}")
        elif node.static:
            self.note(index, "static", f"{text!r}: no static segment by that name here")
        for segment, child in node.dynamic:
            if self.try_branch(segment, child, segments, index, text):
                return True
        if node.rest:
            remainder = "/".join(segments[index:])
            for rest, child in node.rest:
                if self.try_branch(rest, child, [*segments[:index], remainder], index, remainder):
                    return True
        if not node.static and not node.dynamic and not node.rest:
            self.note(index, "end", f"{text!r}: no branch here takes it")
        return False

    def try_branch(
        self, segment: Segment, child: _Node, segments: list[str], index: int, text: str
    ) -> bool:
        kind = _KINDS.get(segment.rank, "dynamic")
        converted = segment.match(text)
        if converted is None:
            reason = rejection(segment, text)
            self.note(
                index,
                kind,
                f"{text!r}: {kind} {segment.source} rejects it ({reason})",
                rejected_by=segment.source,
            )
            return False
        values = ", ".join(f"{name}={value!r}" for name, value in converted.items())
        self.note(index, kind, f"{text!r}: {kind} {segment.source} matches, {values}")
        if isinstance(segment, Rest):
            return self.end(child, index)
        if self.walk(child, segments, index + 1):
            return True
        self.note(index, "back", f"dead end below {segment.source}: back to segment {index + 1}")
        return False

    def end(self, node: _Node, depth: int) -> bool:
        route = node.dispatch.get(self.method, node.any)
        if route is not None:
            answers = _answers(node, self.method)
            self.note(depth, "end", f"end of path: {describe_route(route)} answers {answers}")
            return True
        if node.routes:
            allowed = ", ".join(sorted(node.allowed))
            self.note(
                depth, "end", f"end of path: the routes here answer {allowed}, not {self.method}"
            )
        else:
            self.note(depth, "end", "end of path: no route ends here")
        return False


def _answers(node: _Node, method: str) -> str:
    """Say which method the route found at ``node`` answers: this one, or any."""
    return method if method in node.dispatch else "any method"


def _hints(router: Router, explanation: Explanation) -> list[str]:
    """Find the near misses worth showing on a 404 or 405 page."""
    from .routing import MethodNotAllowed, NotFound

    outcome = explanation.outcome
    path = explanation.path
    if isinstance(outcome, MethodNotAllowed):
        if explanation.method == "OPTIONS":
            return []  # not a miss: OPTIONS is answered with the Allow header
        declared = sorted(outcome.allowed - {"HEAD", "OPTIONS"}) or sorted(outcome.allowed)
        return [f"{path} exists for {', '.join(declared)}"]
    if not isinstance(outcome, NotFound) or outcome.redirect_to is not None:
        return []
    hints = []
    # A converter that rejected a segment is a near miss, unless a static segment
    # took that segment anyway ("api" is no code, and needs none), or the segment
    # is empty: then the rejection explains nothing the reader needs.
    taken_as_static = {
        step.depth
        for step in explanation.steps
        if step.kind == "static" and step.text.endswith(": static segment matches")
    }
    for step in explanation.steps:
        text = explanation.segments[step.depth] if step.rejected_by else ""
        if step.kind in ("typed", "path") and text and step.depth not in taken_as_static:
            prefix = "/" + "/".join(explanation.segments[: step.depth + 1])
            hints.append(f"{prefix}: {step.rejected_by} rejected {text!r}")
    if path.endswith("/") and path != "/":
        without = router.match(explanation.method, path.rstrip("/"))
        if not isinstance(without, NotFound):
            hints.append(f"{path.rstrip('/')} exists without the trailing slash")
    elif not path.startswith("//"):
        # The slashed path would have been a redirect if it took this method.
        with_slash = router.match(explanation.method, path + "/")
        if isinstance(with_slash, MethodNotAllowed):
            declared = sorted(with_slash.allowed - {"HEAD", "OPTIONS"})
            hints.append(f"{path}/ exists with a trailing slash, for {', '.join(declared)}")
    return hints[:5]


def match_order(router: Router) -> list[Route]:
    """List the routes in the order matching meets them, walking the tree.

    At each point of the tree: routes that end there, then the static
    branches (by name: a dict lookup picks one, there is no order among
    them), then the dynamic ones in priority order, then ``<path:>``.
    """
    ordered: list[Route] = []

    def visit(node: _Node) -> None:
        for route in node.routes.values():
            if route not in ordered:
                ordered.append(route)
        for name in sorted(node.static):
            visit(node.static[name])
        for _, child in node.dynamic:
            visit(child)
        for _, child in node.rest:
            visit(child)

    visit(router._root)
    return ordered


def automatic_methods(router: Router, route: Route) -> frozenset[str]:
    """Return the methods answered on ``route``'s path without being declared."""
    node = router._root
    for segment in route.segments:
        if isinstance(segment, str):
            node = node.static[segment]
        else:
            edges = node.rest if isinstance(segment, Rest) else node.dynamic
            node = next(child for branch, child in edges if branch.key == segment.key)
    automatic = set()
    if node.dispatch.get("HEAD") is route and "HEAD" not in route.methods:
        automatic.add("HEAD")
    if "OPTIONS" not in node.routes and node.any is None:
        automatic.add("OPTIONS")
    return frozenset(automatic)
