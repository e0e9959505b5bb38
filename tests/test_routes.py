"""Routes: the entries of the routing table and the rules for adding one."""

from __future__ import annotations

from typing import Any

import pytest

from framework import App, Router
from framework.routes import ANY, Mount, check_methods, served_methods
from framework.routing import RouteError


def test_methods_are_upper_case_tokens() -> None:
    assert check_methods("/a", ["get", "Post"]) == frozenset({"GET", "POST"})
    with pytest.raises(RouteError, match="methods must be a list such as \\['GET'\\]"):
        check_methods("/a", "GET")
    with pytest.raises(RouteError, match="give at least one method"):
        check_methods("/a", [])
    with pytest.raises(RouteError, match="'GE T' is not an HTTP method name"):
        check_methods("/a", ["GE T"])


def test_get_serves_head_and_any_is_its_own_method() -> None:
    router = Router()
    get = router.add_route("/a", lambda request: "", ["GET"], name="a")
    anything = router.add_route("/b", lambda request: "", [ANY], name="b")
    assert served_methods(get) == {"GET", "HEAD"}
    assert served_methods(anything) == {ANY}


def test_a_mount_is_a_route_named_by_its_prefix(app: App) -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    mount = app.mount("/old/site", wsgi_app)
    assert isinstance(mount, Mount)
    assert (mount.pattern, mount.name, mount.view, mount.methods) == (
        "/old/site",
        "/old/site",
        wsgi_app,
        frozenset({ANY}),
    )
    assert mount.prefix_length == 2
    assert repr(mount) == "<Mount ANY /old/site name='/old/site'>"
    assert app.url_for("/old/site") == "/old/site"
