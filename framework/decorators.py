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
        self,
        pattern: str,
        methods: Iterable[str] = ("GET",),
        name: str | None = None,
        *,
        allow_cross_origin: bool = False,
    ) -> Callable[[View], View]:
        """Register the decorated function as the view for ``pattern`` and ``methods``.

        ``allow_cross_origin=True`` lets browsers send it requests from other
        sites, which are otherwise refused for every method but GET, HEAD and
        OPTIONS: for webhooks and APIs that authenticate with a token, not a cookie.
        """

        def register(view: View) -> View:
            self.add_route(pattern, view, methods, name, allow_cross_origin=allow_cross_origin)
            return view

        return register

    def get(
        self, pattern: str, name: str | None = None, *, allow_cross_origin: bool = False
    ) -> Callable[[View], View]:
        """Register the decorated view for GET (and so HEAD) on ``pattern``."""
        return self.route(pattern, ("GET",), name, allow_cross_origin=allow_cross_origin)

    def post(
        self, pattern: str, name: str | None = None, *, allow_cross_origin: bool = False
    ) -> Callable[[View], View]:
        """Register the decorated view for POST on ``pattern``."""
        return self.route(pattern, ("POST",), name, allow_cross_origin=allow_cross_origin)

    def put(
        self, pattern: str, name: str | None = None, *, allow_cross_origin: bool = False
    ) -> Callable[[View], View]:
        """Register the decorated view for PUT on ``pattern``."""
        return self.route(pattern, ("PUT",), name, allow_cross_origin=allow_cross_origin)

    def patch(
        self, pattern: str, name: str | None = None, *, allow_cross_origin: bool = False
    ) -> Callable[[View], View]:
        """Register the decorated view for PATCH on ``pattern``."""
        return self.route(pattern, ("PATCH",), name, allow_cross_origin=allow_cross_origin)

    def delete(
        self, pattern: str, name: str | None = None, *, allow_cross_origin: bool = False
    ) -> Callable[[View], View]:
        """Register the decorated view for DELETE on ``pattern``."""
        return self.route(pattern, ("DELETE",), name, allow_cross_origin=allow_cross_origin)
