"""The decorators that register views, shared by ``App`` and ``Router``.

``@app.get("/")`` and ``@api.post("/items")`` are one method, ``route``,
with the method filled in; each class says how to ``add_route``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .routes import Route

View = Callable[..., Any]


class RouteDecorators:
    """The decorators that register views, shared by ``App`` and ``Router``."""

    #: ``add_route(pattern, view, methods, name)``: each class says how it registers.
    add_route: Callable[..., Route]

    def route(
        self, pattern: str, methods: Iterable[str] = ("GET",), name: str | None = None
    ) -> Callable[[View], View]:
        """Register the decorated function as the view for ``pattern`` and ``methods``."""

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
