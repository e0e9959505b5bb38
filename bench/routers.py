"""One adapter per router under test, all with the same three operations.

``build(table)`` registers every route; ``matcher(method, path)`` returns a
function of no arguments that routes that request the way the framework
does on each request; ``outcome(method, path)`` says what it found ("200
<route>", "404" or "405"), to check every contender before timing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tables import TableRoute

Matcher = Callable[[], Any]


def to_angle(pattern: str) -> str:
    """``/repos/{owner}`` becomes ``/repos/<owner>`` (werkzeug, Bottle, ours)."""
    return pattern.replace("{", "<").replace("}", ">")


class Ours:
    name = "ours"

    def build(self, table: list[TableRoute]) -> None:
        from framework.routing import Router

        self.router = Router()
        for index, route in enumerate(table):
            self.router.add_route(to_angle(route.pattern), _view, [route.method], name=f"r{index}")

    def matcher(self, method: str, path: str) -> Matcher:
        match = self.router.match
        return lambda: match(method, path)

    def outcome(self, method: str, path: str) -> str:
        from framework.routing import Match, MethodNotAllowed

        result = self.router.match(method, path)
        if isinstance(result, Match):
            return f"200 {result.route.name}"
        return "405" if isinstance(result, MethodNotAllowed) else "404"


class Werkzeug:
    """werkzeug's ``Map``, the router Flask uses."""

    name = "werkzeug"

    def build(self, table: list[TableRoute]) -> None:
        from werkzeug.routing import Map, Rule

        rules = [
            Rule(to_angle(route.pattern), methods=[route.method], endpoint=f"r{index}")
            for index, route in enumerate(table)
        ]
        self.map = Map(rules, strict_slashes=False)
        self.adapter = self.map.bind("localhost", "/")
        self._first_match()

    def _first_match(self) -> None:
        from contextlib import suppress

        from werkzeug.exceptions import HTTPException

        with suppress(HTTPException):
            self.adapter.match("/", method="GET")  # werkzeug compiles on first use

    def matcher(self, method: str, path: str) -> Matcher:
        from werkzeug.exceptions import HTTPException

        match = self.adapter.match

        def route() -> Any:
            try:
                return match(path, method=method)
            except HTTPException as error:
                return error

        return route

    def outcome(self, method: str, path: str) -> str:
        from werkzeug.exceptions import MethodNotAllowed

        result = self.matcher(method, path)()
        if isinstance(result, tuple):
            return f"200 {result[0]}"
        return "405" if isinstance(result, MethodNotAllowed) else "404"


class Bottle:
    name = "bottle"

    def build(self, table: list[TableRoute]) -> None:
        import bottle

        self.router = bottle.Router()
        for index, route in enumerate(table):
            self.router.add(to_angle(route.pattern), route.method, f"r{index}")

    def matcher(self, method: str, path: str) -> Matcher:
        import bottle

        match = self.router.match
        environ = {"PATH_INFO": path, "REQUEST_METHOD": method}

        def route() -> Any:
            try:
                return match(environ)
            except bottle.HTTPError as error:
                return error

        return route

    def outcome(self, method: str, path: str) -> str:
        import bottle

        result = self.matcher(method, path)()
        if isinstance(result, bottle.HTTPError):
            return str(result.status_code)
        return f"200 {result[0]}"


class Falcon:
    """Falcon's ``CompiledRouter``; one resource per template, a responder per method."""

    name = "falcon"

    def build(self, table: list[TableRoute]) -> None:
        from falcon.routing import CompiledRouter

        self.router = CompiledRouter()
        by_template: dict[str, dict[str, str]] = {}
        for index, route in enumerate(table):
            by_template.setdefault(route.pattern, {})[route.method] = f"r{index}"
        for template, methods in by_template.items():
            self.router.add_route(template, _resource(methods))
        self.router.find("/")  # Falcon compiles the table on first use

    def matcher(self, method: str, path: str) -> Matcher:
        find = self.router.find

        def route() -> Any:
            # What falcon.App does: find the resource, then the responder.
            found = find(path)
            if found is None:
                return None
            return found[1][method]

        return route

    def outcome(self, method: str, path: str) -> str:
        found = self.router.find(path)
        if found is None:
            return "404"
        responder = found[1].get(method)
        name = getattr(responder, "route_name", None)
        return f"200 {name}" if name else "405"


CONTENDERS = {cls.name: cls for cls in (Ours, Falcon, Werkzeug, Bottle)}


def _view(request: Any, **params: Any) -> None:
    """Never called: the benchmarks stop at the routing decision."""


def _resource(methods: dict[str, str]) -> object:
    """A Falcon resource with an ``on_<method>`` responder per method, tagged by route."""
    attributes = {}
    for method, name in methods.items():

        def responder(self: Any, req: Any, resp: Any, **params: Any) -> None:
            """Never called."""

        responder.route_name = name  # type: ignore[attr-defined]
        attributes[f"on_{method.lower()}"] = responder
    return type("Resource", (), attributes)()
