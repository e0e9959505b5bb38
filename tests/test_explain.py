"""router.explain: the step-by-step story of a routing decision, and its near-miss hints."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework import App, Request, Router
from framework.explain import automatic_methods, explain, match_order
from framework.routing import Match, MethodNotAllowed, NotFound


def view_named(name: str) -> Any:
    def view(request: Request, **params: Any) -> str:
        return name

    view.__name__ = name
    view.__qualname__ = name
    return view


PATTERNS = [
    ("/", ["GET"]),
    ("/users/me", ["GET"]),
    ("/users/<int:user_id>", ["GET", "PUT"]),
    ("/users/<name>", ["GET"]),
    ("/users/<name>/edit", ["GET", "POST"]),
    ("/files/<path:rest>", ["GET"]),
    ("/files/<name>.<ext>", ["GET"]),
    ("/report-<int:year>.csv", ["GET"]),
    ("/docs/", ["GET"]),
    ("/guide/intro/", ["GET"]),
    ("/v<int:major>.<int:minor>", ["GET"]),
    ("/<page>", ["GET"]),
    ("/a/<x>/c", ["GET"]),
    ("/a/<int:n>/d", ["DELETE"]),
]


@pytest.fixture(scope="module")
def router() -> Router:
    table = Router()
    for index, (pattern, methods) in enumerate(PATTERNS):
        table.add_route(pattern, view_named(f"r{index}"), methods)
    return table


SEGMENTS = ["users", "me", "edit", "3", "abc", "files", "a.txt", "x", "report-2024.csv"]
SEGMENTS += ["docs", "", "v2.10", "a", "1", "c", "d", "caf\u00e9"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]


def same_outcome(first: object, second: object) -> bool:
    if isinstance(first, Match) and isinstance(second, Match):
        return first.route is second.route and first.params == second.params
    if isinstance(first, MethodNotAllowed) and isinstance(second, MethodNotAllowed):
        return first.methods == second.methods
    if isinstance(first, NotFound) and isinstance(second, NotFound):
        return first.redirect_to == second.redirect_to
    return False


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(METHODS),
    segments=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4),
)
def test_the_story_ends_where_the_router_does(
    router: Router, method: str, segments: list[str]
) -> None:
    path = "/" + "/".join(segments)
    explanation = explain(router, method, path)
    assert same_outcome(explanation.outcome, router.match(method, path))
    endings = [step.text for step in explanation.steps if "answers " + method in step.text]
    if isinstance(explanation.outcome, Match):
        assert endings, str(explanation)
        assert f"route {explanation.outcome.route.name!r}" in endings[-1]
    else:
        assert not endings, str(explanation)


def test_backtracking_is_told(router: Router) -> None:
    text = str(explain(router, "GET", "/users/me/edit"))
    assert text == "\n".join(
        [
            "GET /users/me/edit",
            "segments: 'users' / 'me' / 'edit'",
            "",
            "'users': static segment matches",
            "  'me': static segment matches",
            "    'edit': no branch here takes it",
            "  dead end below 'me': back to segment 2",
            "  'me': typed <int:user_id> rejects it (it does not match [0-9]+)",
            "  'me': plain <name> matches, name='me'",
            "    'edit': static segment matches",
            "    end of path: route 'r4' (GET,POST /users/<name>/edit) answers GET",
            "",
            "scopes: an unnamed router",
            "result: route 'r4' (GET,POST /users/<name>/edit), view test_explain:r4",
            "params: name='me'",
        ]
    )


def test_a_lone_plain_parameter_is_told() -> None:
    # The walk takes a node's only branch, a plain <name>, without trying it:
    # the story still says it matched, as for any other branch.
    table = Router()
    table.add_route("/posts/<slug>/comments", view_named("comments"), ["GET"])
    table.add_route("/posts/latest", view_named("latest"), ["GET"])
    text = str(explain(table, "GET", "/posts/hello/comments"))
    assert text.splitlines()[3:6] == [
        "'posts': static segment matches",
        "  'hello': no static segment by that name here",
        "  'hello': plain <slug> matches, slug='hello'",
    ]
    assert explain(table, "GET", "/posts/hello/comments").steps[-1].kind == "end"


def test_a_fully_static_path_is_one_lookup(router: Router) -> None:
    explanation = explain(router, "GET", "/users/me")
    assert [step.kind for step in explanation.steps] == ["lookup"]
    assert "one dict lookup finds route 'r1'" in explanation.steps[0].text


EXPLAINED_RESULTS = [
    pytest.param("GET", "/users/3", "result: route 'r2'", 200, id="typed-match"),
    pytest.param(
        "DELETE",
        "/users/3",
        "result: 405 Method Not Allowed; Allow: GET, HEAD, OPTIONS, PUT",
        405,
        id="405",
    ),
    pytest.param(
        "OPTIONS",
        "/users/3",
        "result: 204 No Content (an automatic OPTIONS answer); Allow: GET, HEAD, OPTIONS, PUT",
        405,
        id="options",
    ),
    pytest.param(
        "GET",
        "/guide/intro",
        "result: 308 Permanent Redirect to /guide/intro/ (the route ends with a slash)",
        308,
        id="trailing-slash",
    ),
    pytest.param("GET", "/a/b/c/d/e", "result: 404 Not Found", 404, id="404"),
]


@pytest.mark.parametrize(("method", "path", "result", "status"), EXPLAINED_RESULTS)
def test_results(router: Router, method: str, path: str, result: str, status: int) -> None:
    explanation = explain(router, method, path)
    scopes, outcome, *_ = explanation.summary()
    assert scopes == "scopes: an unnamed router"
    assert outcome.startswith(result)
    assert explanation.status == status


def test_405_steps_say_which_methods_the_path_takes(router: Router) -> None:
    steps = [step.text for step in explain(router, "DELETE", "/users/3").steps]
    assert "'3': typed <int:user_id> matches, user_id=3" in steps
    assert "end of path: the routes here answer GET, HEAD, OPTIONS, PUT, not DELETE" in steps


HINT_CASES = [
    pytest.param(
        ["/users/<int:user_id>"],
        "GET",
        "/users/abc",
        ["/users/abc: <int:user_id> rejected 'abc'"],
        id="converter-rejected",
    ),
    pytest.param(
        ["/users/<int:user_id>"], "POST", "/users/3", ["/users/3 exists for GET"], id="405"
    ),
    pytest.param(
        ["/about"],
        "GET",
        "/about/",
        ["/about exists without the trailing slash"],
        id="extra-slash",
    ),
    pytest.param(["/about"], "GET", "/nothing", [], id="nothing-near"),
    pytest.param(
        ["/items/latest/<int:count>", "/<int:n>/x"],
        "GET",
        "/items/latest/five",
        # Not "/items: <int:n> rejected 'items'": the static "items" took that segment.
        ["/items/latest/five: <int:count> rejected 'five'"],
        id="only-the-near-miss",
    ),
    pytest.param(["/n/<int:n>"], "GET", "/n/", [], id="empty-segment-is-no-near-miss"),
]


@pytest.mark.parametrize(("patterns", "method", "path", "hints"), HINT_CASES)
def test_near_miss_hints(patterns: list[str], method: str, path: str, hints: list[str]) -> None:
    table = Router()
    for index, pattern in enumerate(patterns):
        table.add_route(pattern, view_named(f"r{index}"))
    assert explain(table, method, path).hints == hints


def test_hint_for_a_path_that_exists_with_a_trailing_slash_for_another_method() -> None:
    table = Router()
    table.add_route("/docs/", view_named("upload"), ["POST"])
    explanation = explain(table, "GET", "/docs")
    assert explanation.status == 404
    assert explanation.hints == ["/docs/ exists with a trailing slash, for POST"]
    # A method the slashed route takes is redirected instead: nothing to hint.
    assert explain(table, "POST", "/docs").status == 308
    assert explain(table, "POST", "/docs").hints == []


@pytest.mark.parametrize("debug", [True, False])
def test_debug_error_pages_carry_the_hints(app: App, debug: bool) -> None:
    app.config["DEBUG"] = debug
    app.get("/users/<int:user_id>")(lambda request, user_id: "user")
    client = app.test_client()
    json_page = {"Accept": "application/json"}
    not_found = client.get("/users/abc", headers=json_page).json["error"]["detail"]
    not_allowed = client.post("/users/3", headers=json_page).json["error"]["detail"]
    if debug:
        assert not_found == (
            "no route matches GET /users/abc. Near misses: /users/abc: <int:user_id> "
            "rejected 'abc'"
        )
        assert not_allowed.endswith("Near misses: /users/3 exists for GET")
    else:
        assert not_found is None
        assert "Near misses" not in not_allowed


def test_match_order_walks_the_tree_in_priority_order(router: Router) -> None:
    order = [route.pattern for route in match_order(router)]
    assert order == [
        "/",
        "/a/<int:n>/d",
        "/a/<x>/c",
        "/docs/",
        "/files/<name>.<ext>",
        "/files/<path:rest>",
        "/guide/intro/",
        "/users/me",
        "/users/<int:user_id>",
        "/users/<name>",
        "/users/<name>/edit",
        "/report-<int:year>.csv",
        "/v<int:major>.<int:minor>",
        "/<page>",
    ]


def test_automatic_methods(app: App) -> None:
    get_route = app.router.add_route("/x", view_named("get_x"), ["GET"])
    head_route = app.router.add_route("/x", view_named("head_x"), ["HEAD"])
    post_route = app.router.add_route("/y", view_named("post_y"), ["POST"])
    options_route = app.router.add_route("/y", view_named("options_y"), ["OPTIONS"])
    assert automatic_methods(app.router, get_route) == {"OPTIONS"}
    assert automatic_methods(app.router, head_route) == {"OPTIONS"}
    assert automatic_methods(app.router, post_route) == set()
    assert automatic_methods(app.router, options_route) == set()
    lone = app.router.add_route("/z", view_named("z"), ["GET"])
    assert automatic_methods(app.router, lone) == {"HEAD", "OPTIONS"}


def test_a_mixed_segment_too_long_to_try_says_so() -> None:
    table = Router()
    table.add_route("/r/<a>-<b>-<c>.csv", view_named("report"))
    steps = [step.text for step in explain(table, "GET", "/r/" + "-" * 200).steps]
    assert (
        f"{'-' * 200!r}: mixed <a>-<b>-<c>.csv rejects it "
        "(it is longer than the 145 characters such a segment tries)"
    ) in steps


def test_a_walk_that_finds_nothing_ends_without_going_back(router: Router) -> None:
    # Nothing is said after the decision: there is nowhere left to go back to.
    explanation = explain(router, "GET", "/users/me/nothing")
    assert explanation.steps[-1].kind != "back"
    assert str(explanation).endswith("result: 404 Not Found")


def test_options_is_said_to_be_answered_by_the_path(router: Router) -> None:
    text = str(explain(router, "OPTIONS", "/users/me"))
    assert "not OPTIONS" not in text
    assert "no view here takes OPTIONS; the path answers it itself (Allow: " in text


def test_the_scopes_of_a_router_are_named(app: App) -> None:
    api = Router(name="api")
    api.get("/items")(lambda request: "items")
    app.include(api, prefix="/api")
    assert explain(app.router, "GET", "/api/items").scopes == "scopes: the app, router 'api'"
    assert explain(app.router, "GET", "/api/nothing").scopes == "scopes: the app, router 'api'"
    assert explain(app.router, "GET", "/nothing").scopes == "scopes: the app"
