"""The route decorators: one ``route`` behind get, post, put, patch and delete."""

from __future__ import annotations

from typing import Any

import pytest

from framework import App, Router

SHORTCUTS = [("get", "GET"), ("post", "POST"), ("put", "PUT"), ("patch", "PATCH")]
SHORTCUTS += [("delete", "DELETE")]


@pytest.mark.parametrize("owner", [App, Router], ids=["app", "router"])
@pytest.mark.parametrize(("shortcut", "method"), SHORTCUTS)
def test_each_shortcut_registers_its_method(owner: Any, shortcut: str, method: str) -> None:
    table = owner(__name__) if owner is App else owner()

    def view(request: Any) -> str:
        return "ok"

    assert getattr(table, shortcut)("/thing", name="thing")(view) is view
    [route] = table.routes
    assert route.methods == frozenset({method})
    assert (route.pattern, route.name, route.view) == ("/thing", "thing", view)


@pytest.mark.parametrize("owner", [App, Router], ids=["app", "router"])
def test_route_takes_methods_and_names_the_route_after_the_view(owner: Any) -> None:
    table = owner(__name__) if owner is App else owner()

    @table.route("/users/<int:user_id>", methods=["GET", "PUT"])
    def user(request: Any, user_id: int) -> str:
        return "user"

    [route] = table.routes
    assert route.methods == frozenset({"GET", "PUT"})
    assert route.name == "user"


def test_app_and_router_share_the_decorators_rather_than_repeat_them() -> None:
    for name in ("route", "get", "post", "put", "patch", "delete"):
        assert getattr(App, name) is getattr(Router, name), name


def test_an_app_served_through_its_decorators(app: App) -> None:
    app.put("/items/<int:n>")(lambda request, n: {"put": n})
    app.delete("/items/<int:n>", name="remove")(lambda request, n: ("", 204))
    client = app.test_client()
    assert client.put("/items/3").json == {"put": 3}
    assert client.delete("/items/3").status_code == 204
    assert client.get("/items/3").headers["Allow"] == "DELETE, OPTIONS, PUT"
