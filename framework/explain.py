"""Explain a routing decision, step by step: ``explain(router, method, path)``.

The router answers a request in a few hundred nanoseconds and says only
*what* it found. ``explain`` hands the router's one walk of the tree an
observer, which writes down *why*: each segment of the path, each branch
tried (static, mixed, typed, plain, path), which converter rejected which
text, where matching hit a dead end and went back, and the route chosen,
or why the answer is a 404, a 405 or a 308 redirect. The same module lists
the routes in the order matching meets them, and draws the tree
(``framework routes --tree``; the inspector draws the same rows as a picture).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .names import function_name
from .patterns import Mixed, Parameter, Segment
from .response import reason_phrase
from .routes import ANY, Mount, MountedPath
from .routing import Match, MethodNotAllowed, NotFound
from .security import refuse_unclean_request
from .story import scope_names
from .tree import Node, split_path

if TYPE_CHECKING:
    from .request import Request
    from .routing import Route, Router


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
    #: What the app's checks make of the request (``framework.security``), where known.
    checks: list[str] = field(default_factory=list)
    #: Whose hooks and error handlers cover the request: ``scopes: the app, router 'api'``.
    scopes: str = ""
    #: How the app answers before, or instead of, the router's outcome, if it does:
    #: the status and why (a 400 before routing, a 501, ``OPTIONS *``).
    answer: tuple[int, str] | None = None

    @property
    def status(self) -> int:
        """The status the app answers with: 200, 404, 405, 308, or 400 before routing."""
        if self.answer is not None:
            return self.answer[0]
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
        """Summarise the outcome: scopes, checks, then the result (route, view, params), hints."""
        lines = [self.scopes] if self.scopes else []
        hints = [] if self.answer is not None else [f"hint: {hint}" for hint in self.hints]
        return [*lines, *self.checks, *self._result(), *hints]

    def _result(self) -> list[str]:
        status = f"{self.status} {reason_phrase(self.status)}"
        if self.answer is not None:
            return [f"result: {status}, {self.answer[1]}"]
        outcome = self.outcome
        if isinstance(outcome, Match) and isinstance(outcome.route, Mount):
            return [f"result: handed to {describe_route(outcome.route)}"]
        if isinstance(outcome, Match):
            route = outcome.route
            lines = [f"result: {describe_route(route)}, view {function_name(route.view)}"]
            if outcome.params:
                params = ", ".join(f"{name}={value!r}" for name, value in outcome.params.items())
                lines.append(f"params: {params}")
            return lines
        if isinstance(outcome, MethodNotAllowed):
            allow = outcome.allow_header
            if self.method == "OPTIONS":
                return [f"result: 204 No Content (an automatic OPTIONS answer); Allow: {allow}"]
            return [f"result: {status}; Allow: {allow}"]
        if outcome.redirect_to is not None:
            return [f"result: {status} to {outcome.redirect_to} (the route ends with a slash)"]
        return [f"result: {status}"]


def explain(router: Router, method: str, path: str) -> Explanation:
    """Match ``method path`` on ``router`` and explain each step of the decision."""
    story = _Story(method)
    outcome = router.match(method, path, story)
    if isinstance(outcome, Match) and not story.steps:
        story.lookup(outcome.route)  # a static path: one dict lookup, and no walk
    segments = split_path(path)
    if not segments:
        story.steps = [
            Step(0, "end", "not a path (it does not start with '/'): nothing can match")
        ]
    explanation = Explanation(method, path, segments, outcome, story.steps)
    explanation.hints = _hints(router, explanation)
    if isinstance(outcome, Match):
        explanation.scopes = scope_names(outcome.route.scopes)
    else:
        explanation.scopes = scope_names(router.scopes_for(path))
    return explanation


def app_answer(app: Any, request: Request) -> tuple[int, str] | None:
    """Say how the app answers a request before, or instead of, what routing finds.

    ``app`` is the App; the checks before routing refuse some requests, an
    unknown method is a 501 wherever it goes, and ``OPTIONS *`` asks about
    the server rather than a path.
    """
    early = refuse_unclean_request(request, app.config)
    if early is not None:
        return 400, f"before routing: {early.detail}"
    if not app.implements(request.method):
        return 501, f"no route takes {request.method}, and it is not a standard method"
    if request.method == "OPTIONS" and request.path == "*":
        return 200, f"OPTIONS * asks about the server; Allow: {app.allow_everywhere}"
    return None


def describe_route(route: Route) -> str:
    """Name a route the way people read it: ``route 'user' (GET /users/<int:id>)``."""
    if isinstance(route, Mount):
        return f"the WSGI app mounted at {route.pattern} ({function_name(route.view)})"
    methods = ",".join(sorted(route.methods))
    return f"route {route.name!r} ({methods} {route.pattern})"


def rejection(segment: Segment, text: str) -> str:
    """Say why a branch does not take this text."""
    if isinstance(segment, Parameter):
        regex = segment.converter.regex
        if segment.regex.fullmatch(text) is None:
            if not text:
                return "it is empty"
            return f"it does not match {regex}"
        return f"{type(segment.converter).__name__}.to_python refused it"
    longest = segment.max_length if isinstance(segment, Mixed) else None
    if longest is not None and len(text) > longest:
        return f"it is longer than the {longest} characters such a segment tries"
    return "it does not have that shape"


class _Story:
    """An observer of the router's walk (``routing.Observer``) that writes down each step."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.steps: list[Step] = []
        #: The branches taken on the way down, by depth, to tell the way back.
        self.taken: list[tuple[int, str | Segment]] = []

    def note(self, depth: int, kind: str, text: str, rejected_by: str = "") -> None:
        self.steps.append(Step(depth, kind, text, rejected_by))

    def lookup(self, route: Route) -> None:
        answers = (
            "any method"
            if ANY in route.methods and self.method not in route.methods
            else self.method
        )
        self.note(
            0,
            "lookup",
            f"the whole path is static: one dict lookup finds {describe_route(route)}, "
            f"which answers {answers}",
        )

    def static(self, node: Node, text: str, child: Node | None) -> None:
        if child is not None:
            self.note(node.depth, "static", f"{text!r}: static segment matches")
            self.taken.append((node.depth, text))
        elif node.static:
            self.note(node.depth, "static", f"{text!r}: no static segment by that name here")
        elif not node.dynamic:
            self.note(node.depth, "end", f"{text!r}: no branch here takes it")
        if child is None and node.only_plain is not None and text:
            # The walk takes a lone plain <name> without calling branch(): it takes any text.
            name, _ = node.only_plain
            self.branch(node, node.dynamic[0][0], text, {name: text})

    def branch(
        self, node: Node, segment: Segment, text: str, values: dict[str, Any] | None
    ) -> None:
        kind = segment.kind.name.lower()
        if values is None:
            reason = rejection(segment, text)
            self.note(
                node.depth,
                kind,
                f"{text!r}: {kind} {segment.source} rejects it ({reason})",
                rejected_by=segment.source,
            )
            return
        if isinstance(segment, Parameter) and isinstance(segment.converter, MountedPath):
            self.note(node.depth, kind, f"{text!r}: the rest of the path, for the mounted app")
        else:
            shown = ", ".join(f"{name}={value!r}" for name, value in values.items())
            self.note(node.depth, kind, f"{text!r}: {kind} {segment.source} matches, {shown}")
        self.taken.append((node.depth, segment))

    def back(self, node: Node) -> None:
        while self.taken and self.taken[-1][0] >= node.depth:
            depth, branch = self.taken.pop()
            if isinstance(branch, Segment) and branch.spans_segments:
                continue  # it took the rest of the path: there is no segment to go back to
            label = repr(branch) if isinstance(branch, str) else branch.source
            self.note(depth, "back", f"dead end below {label}: back to segment {depth + 1}")

    def end(self, node: Node, route: Route | None) -> None:
        depth = self.taken[-1][0] if self.taken else 0
        if isinstance(route, Mount):
            self.note(depth, "end", f"end of path: handed to {describe_route(route)}")
        elif route is not None:
            answers = _answers(node, self.method)
            self.note(depth, "end", f"end of path: {describe_route(route)} answers {answers}")
        elif node.not_allowed is not None and self.method == "OPTIONS":
            allow = node.not_allowed.allow_header
            self.note(
                depth,
                "end",
                f"end of path: no view here takes OPTIONS; the path answers it itself "
                f"(Allow: {allow})",
            )
        elif node.not_allowed is not None:
            allow = node.not_allowed.allow_header
            self.note(
                depth, "end", f"end of path: the routes here answer {allow}, not {self.method}"
            )
        else:
            self.note(depth, "end", "end of path: no route ends here")


def _answers(node: Node, method: str) -> str:
    """Say which method the route found at ``node`` answers: this one, or any."""
    return method if method in node.dispatch else "any method"


def _hints(router: Router, explanation: Explanation) -> list[str]:
    """Find the near misses worth showing on a 404 or 405 page."""
    outcome = explanation.outcome
    path = explanation.path
    if isinstance(outcome, MethodNotAllowed):
        if explanation.method == "OPTIONS":
            return []  # not a miss: OPTIONS is answered with the Allow header
        declared = sorted(outcome.methods - {"HEAD", "OPTIONS"}) or sorted(outcome.methods)
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
            declared = sorted(with_slash.methods - {"HEAD", "OPTIONS"})
            hints.append(f"{path}/ exists with a trailing slash, for {', '.join(declared)}")
    return hints[:5]


def match_order(router: Router) -> list[Route]:
    """List the routes in the order matching meets them, walking the tree.

    At each point of the tree: routes that end there, then the branches as
    matching considers them: static ones (by name: a dict lookup picks one,
    there is no order among them), then the dynamic ones in priority order.
    """
    ordered: list[Route] = []

    def visit(node: Node) -> None:
        for route in node.routes.values():
            if route not in ordered:
                ordered.append(route)
        for _, child in node.branches():
            visit(child)

    visit(router.root)
    return ordered


def automatic_methods(router: Router, route: Route) -> frozenset[str]:
    """Return the methods answered on ``route``'s path without being declared."""
    node = router.node_at(route.segments)
    if node is None or isinstance(route, Mount):
        return frozenset()
    automatic = set()
    if node.dispatch.get("HEAD") is route and "HEAD" not in route.methods:
        automatic.add("HEAD")
    if "OPTIONS" not in node.routes and node.any_route is None:
        automatic.add("OPTIONS")
    return frozenset(automatic)


@dataclass(frozen=True)
class TreeRow:
    """One point of the routing tree, as a drawing of it shows it: one row each."""

    #: The branch that leads here as the pattern wrote it (``''`` for an empty
    #: segment), or ``/`` for the root.
    label: str
    #: How the branch matches: "root", "static", "mixed", "typed", "plain" or "path".
    kind: str
    node: Node
    #: For each level from the root's branches down to this one: whether the
    #: branch taken there is the last of its siblings (empty for the root).
    last: tuple[bool, ...] = ()

    @property
    def depth(self) -> int:
        """How many branches lead here from the root."""
        return len(self.last)


def tree_rows(router: Router) -> list[TreeRow]:
    """List the points of the routing tree top to bottom: each one, then its branches.

    The branches come in the order matching considers them. Below a mounted
    app the tree stops: the mounted app routes the rest of the path itself.
    """
    rows = [TreeRow("/", "root", router.root)]

    def visit(node: Node, last: tuple[bool, ...]) -> None:
        branches = node.branches()
        for position, (segment, child) in enumerate(branches):
            here = (*last, position == len(branches) - 1)
            if isinstance(segment, Segment):
                rows.append(TreeRow(segment.source, segment.kind.name.lower(), child, here))
            else:
                rows.append(TreeRow(segment or "''", "static", child, here))
            if not (isinstance(child.any_route, Mount) and child.dynamic):
                visit(child, here)

    visit(router.root, ())
    return rows


def routes_at(node: Node) -> list[Route]:
    """List the routes that end at a node, each once (one route may take several methods)."""
    return list(dict.fromkeys(node.routes.values()))


def draw_tree(router: Router) -> str:
    """Draw the routing tree as text: one line a branch, with the routes that end there.

    The root is ``/``; the root page's own route hangs from the one empty
    segment ``''`` below it, as ``/docs/`` hangs from ``''`` below ``docs``.
    """
    lines = []
    for row in tree_rows(router):
        if not row.last:
            lines.append(row.label + _routes_here(row.node))
            continue
        indent = "".join("    " if last else "│   " for last in row.last[:-1])
        branch = "└── " if row.last[-1] else "├── "
        lines.append(f"{indent}{branch}{row.label}{_routes_here(row.node)}")
    return "\n".join(lines)


def _routes_here(node: Node) -> str:
    """Say which routes end at a node: ``  GET index, POST shorten``."""
    if isinstance(node.any_route, Mount):
        return f"  -> the WSGI app mounted at {node.any_route.pattern}"
    routes = routes_at(node)
    if not routes:
        return ""
    return "  " + ", ".join(f"{','.join(sorted(route.methods))} {route.name}" for route in routes)
