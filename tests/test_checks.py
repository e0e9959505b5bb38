"""app.check_routes: routes that can never be reached, and routes that match the same paths."""

from __future__ import annotations

from typing import Any

import pytest

from framework import App, Converter, Request, Router


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
        [("unreachable", "r0", "r1", "GET,HEAD")],
        id="float-registered-before-int-takes-every-int",
    ),
    pytest.param(
        [("/items/<int:n>", ["GET"]), ("/items/<float:x>", ["GET"])],
        [],
        id="int-before-float-leaves-decimals-to-float",
    ),
    pytest.param(
        [("/things/<id>", ["GET"]), ("/things/<thing_id>", ["GET"])],
        [("same-paths", "r0", "r1", "GET,HEAD")],
        id="same-paths-same-method",
    ),
    pytest.param(
        [("/things/<id>", ["GET"]), ("/things/<thing_id>", ["PUT"])],
        [("same-paths", "r0", "r1", "")],
        id="same-paths-other-methods-still-reported",
    ),
    pytest.param(
        [("/a/<x>/b", ["GET"]), ("/a/<y>/b", ["GET", "POST"])],
        [("same-paths", "r0", "r1", "GET,HEAD")],
        id="partly-unreachable",
    ),
    pytest.param(
        [("/f/<path:p>", ["GET"]), ("/f/<path:q>", ["GET"])],
        [("same-paths", "r0", "r1", "GET,HEAD")],
        id="two-path-parameters",
    ),
    pytest.param(
        [("/u/<int:a>/<name>", ["GET"]), ("/u/<int:b>/edit", ["GET"])],
        [("unreachable", "r0", "r1", "GET,HEAD")],
        id="plain-parameter-below-takes-the-static-text",
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
        [("/x/<name>.<ext>", ["GET"]), ("/x/<stem>.<suffix>", ["GET"])],
        [("same-paths", "r0", "r1", "GET,HEAD")],
        id="mixed-segments-of-one-shape",
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
]


@pytest.mark.parametrize(("routes", "expected"), PROBLEM_CASES)
def test_problems(routes: list[tuple[str, list[str]]], expected: list[Any]) -> None:
    assert problems_of(*routes) == expected


def test_messages_name_both_routes_and_say_what_to_do() -> None:
    app = App(__name__)
    app.router.add_route("/items/<float:x>", view_named("by_price"))
    app.router.add_route("/items/<int:n>", view_named("by_number"))
    app.router.add_route("/t/<id>", view_named("thing"))
    app.router.add_route("/t/<thing_id>", view_named("thing_again"))
    unreachable, same = (str(problem) for problem in app.check_routes())
    assert unreachable == (
        "route 'by_number' (GET /items/<int:n>) can never be reached: route 'by_price' "
        "(GET /items/<float:x>) is tried first and matches every path it matches"
    )
    assert same == (
        "route 'thing' (GET /t/<id>) and route 'thing_again' (GET /t/<thing_id>) match "
        "exactly the same paths; give their parameters the same names, or remove one "
        "(route 'thing_again' (GET /t/<thing_id>) is never reached for GET, HEAD)"
    )


def test_problems_across_included_routers() -> None:
    api = Router(name="api")
    api.add_route("/items/<item_id>", view_named("item"))
    app = App(__name__)
    app.router.add_route("/api/items/<id>", view_named("legacy_item"))
    app.include(api, prefix="/api")
    [problem] = app.check_routes()
    assert problem.kind == "same-paths"
    assert [route.name for route in problem.routes] == ["legacy_item", "api.item"]


def test_a_custom_converter_is_compared_by_class() -> None:
    class Slug(Converter):
        regex = "[a-z-]+"

    app = App(__name__)
    app.add_converter("slug", Slug)
    app.router.add_route("/p/<slug:a>", view_named("first"))
    app.router.add_route("/p/<slug:b>", view_named("second"))
    app.router.add_route("/p/<int:n>", view_named("number"))
    assert [p.kind for p in app.check_routes()] == ["same-paths"]


def test_a_clean_table_has_no_problems() -> None:
    import example_app

    assert example_app.app.check_routes() == []
