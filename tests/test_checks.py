"""app.check_routes: routes that can never be reached, and routes that match the same paths."""

from __future__ import annotations

from typing import Any

import pytest

from framework import App, Converter, Request, Router
from framework.routing import RouteError


def view_named(name: str) -> Any:
    def view(request: Request, **params: Any) -> str:
        return name

    view.__name__ = name
    return view


def problems_of(*routes: tuple[str, list[str]]) -> list[tuple[str, str, str, str]]:
    """Register the routes (named r0, r1, ...) and return (kind, winner, loser, methods)."""
    app = App(__name__)
    for index, (pattern, methods) in enumerate(routes):
        app.router.add_route(pattern, view_named(f"r{index}"), methods)
    return [
        (p.kind, p.routes[0].name, p.routes[1].name, ",".join(sorted(p.methods)))
        for p in app.check_routes()
    ]


PROBLEM_CASES = [
    pytest.param(
        [("/items/<float:x>", ["GET"]), ("/items/<int:n>", ["GET"])],
        [],
        id="int-is-tried-before-float-whatever-the-order",
    ),
    pytest.param(
        [("/items/<int:n>", ["GET"]), ("/items/<float:x>", ["GET"])],
        [],
        id="int-before-float-leaves-decimals-to-float",
    ),
    pytest.param(
        [("/things/<id>", ["GET"]), ("/things/<thing_id>", ["PUT"])],
        [("same-paths", "r0", "r1", "")],
        id="same-paths-other-methods-still-reported",
    ),
    pytest.param(
        [("/u/<int:a>/<name>", ["GET"]), ("/u/<int:b>/edit", ["GET"])],
        [("unreachable", "r0", "r1", "GET,HEAD")],
        id="plain-parameter-below-takes-the-static-text",
    ),
    pytest.param(
        [("/u/<int:b>/edit", ["GET"]), ("/u/<int:a>/<name>", ["GET"])],
        [("unreachable", "r1", "r0", "GET,HEAD")],
        id="the-same-whatever-the-order",
    ),
    pytest.param(
        [("/u/<int:a>/view", ["GET"]), ("/u/<int:b>/edit", ["GET"])],
        [],
        id="different-static-text-below-is-fine",
    ),
    pytest.param(
        [("/users/me", ["GET"]), ("/users/<name>", ["GET"]), ("/users/<int:uid>", ["GET"])],
        [],
        id="priority-rules-leave-every-route-reachable",
    ),
    pytest.param(
        [("/x/<a>/<path:rest>", ["GET"]), ("/x/<b>/y/<c>", ["GET"])],
        [("unreachable", "r0", "r1", "GET,HEAD")],
        id="path-parameter-in-an-earlier-branch-takes-everything-below",
    ),
    pytest.param(
        [("/x/<a>/<path:rest>", ["GET"]), ("/x/<a>/y/<c>", ["GET"])],
        [],
        id="path-parameter-in-the-same-branch-is-tried-last",
    ),
    pytest.param(
        [("/n/<int:n>", ["GET"]), ("/n/<int(max=9):digit>", ["GET"])],
        [],
        id="a-narrower-int-is-tried-first",
    ),
]


@pytest.mark.parametrize(("routes", "expected"), PROBLEM_CASES)
def test_problems(routes: list[tuple[str, list[str]]], expected: list[Any]) -> None:
    assert problems_of(*routes) == expected


def test_messages_name_both_routes_and_say_what_to_do() -> None:
    app = App(__name__)
    app.router.add_route("/users/<int:id>/<tab>", view_named("user_tab"))
    app.router.add_route("/users/<int:user_id>/edit", view_named("edit_user"))
    app.router.add_route("/t/<id>", view_named("thing"))
    app.router.add_route("/t/<thing_id>", view_named("replace_thing"), ["PUT"])
    same, unreachable = (str(problem) for problem in app.check_routes())
    assert unreachable == (
        "route 'edit_user' (GET /users/<int:user_id>/edit) can never be reached: route "
        "'user_tab' (GET /users/<int:id>/<tab>) is tried first and matches every path it "
        "matches"
    )
    assert same == (
        "route 'thing' (GET /t/<id>) and route 'replace_thing' (PUT /t/<thing_id>) match "
        "exactly the same paths; give their parameters the same names, or remove one"
    )


SAME_PATHS_CASES = [
    pytest.param(["/things/<id>", "/things/<thing_id>"], ["GET"], ["GET"], id="plain"),
    pytest.param(["/a/<x>/b", "/a/<y>/b"], ["GET"], ["GET", "POST"], id="some-methods-shared"),
    pytest.param(["/f/<path:p>", "/f/<path:q>"], ["GET"], ["GET"], id="path-parameters"),
    pytest.param(["/x/<n>.<e>", "/x/<stem>.<ext>"], ["GET"], ["GET"], id="mixed-segments"),
    pytest.param(["/x/<a>", "/x/<b>"], ["GET"], ["HEAD"], id="head-is-served-by-get"),
    pytest.param(["/x/<a>", "/x/<b>"], ["ANY"], ["DELETE"], id="any-takes-every-method"),
    pytest.param(["/i/<int:a>", "/i/<int:b>"], ["GET"], ["GET"], id="typed"),
]


@pytest.mark.parametrize(("patterns", "first", "second"), SAME_PATHS_CASES)
def test_two_routes_taking_the_same_requests_are_refused(
    patterns: list[str], first: list[str], second: list[str]
) -> None:
    app = App(__name__)
    app.router.add_route(patterns[0], view_named("first"), first)
    with pytest.raises(RouteError) as caught:
        app.router.add_route(patterns[1], view_named("second"), second)
    message = str(caught.value)
    assert f"route 'second' ({patterns[1]}) matches exactly the same paths" in message
    assert f"route 'first' ({patterns[0]})" in message
    assert "give their parameters the same names" in message
    assert [route.name for route in app.routes] == ["first"]


def test_an_include_that_would_take_the_same_requests_is_refused() -> None:
    api = Router(name="api")
    api.add_route("/items/<item_id>", view_named("item"))
    app = App(__name__)
    app.router.add_route("/api/items/<id>", view_named("legacy_item"))
    with pytest.raises(RouteError, match=r"'api.item' \(/api/items/<item_id>\) matches exactly"):
        app.include(api, prefix="/api")
    assert [route.name for route in app.routes] == ["legacy_item"]


def test_a_custom_converter_is_compared_by_class() -> None:
    class Slug(Converter):
        regex = "[a-z-]+"

    app = App(__name__)
    app.add_converter("slug", Slug)
    app.router.add_route("/p/<slug:a>", view_named("first"))
    app.router.add_route("/p/<slug:b>", view_named("second"), ["PUT"])
    app.router.add_route("/p/<int:n>", view_named("number"))
    assert [p.kind for p in app.check_routes()] == ["same-paths"]


def test_a_clean_table_has_no_problems() -> None:
    import example_app

    assert example_app.app.check_routes() == []
