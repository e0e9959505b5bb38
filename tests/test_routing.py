"""The routing table: patterns, priority, backtracking, 404/405, URL building."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework import App, Converter, Router
from framework.explain import automatic_methods, explain
from framework.routing import Match, MethodNotAllowed, NotFound, RouteError, URLBuildError


def view_named(name: str) -> Any:
    def view(request: Any, **params: Any) -> str:
        return name

    view.__name__ = name
    return view


def table(*patterns: str | tuple[str, list[str]]) -> Router:
    """A router with one route per pattern, each named r0, r1, ... in order."""
    router = Router()
    for index, entry in enumerate(patterns):
        pattern, methods = entry if isinstance(entry, tuple) else (entry, ["GET"])
        router.add_route(pattern, view_named(f"r{index}"), methods)
    return router


def matched(router: Router, path: str, method: str = "GET") -> tuple[str, dict[str, Any]]:
    result = router.match(method, path)
    assert isinstance(result, Match), f"{method} {path} gave {result!r}"
    return result.route.name, result.params


PRIORITY_CASES = [
    pytest.param(["/users/<name>", "/users/me"], "/users/me", ("r1", {}), id="static-beats-param"),
    pytest.param(
        ["/users/<name>", "/users/me"],
        "/users/bob",
        ("r0", {"name": "bob"}),
        id="param-when-static-differs",
    ),
    pytest.param(
        ["/items/<name>", "/items/<int:item_id>"],
        "/items/42",
        ("r1", {"item_id": 42}),
        id="typed-beats-plain",
    ),
    pytest.param(
        ["/items/<name>", "/items/<int:item_id>"],
        "/items/abc",
        ("r0", {"name": "abc"}),
        id="converter-rejects-so-plain-matches",
    ),
    pytest.param(
        ["/files/<path:rest>", "/files/<name>"],
        "/files/a.txt",
        ("r1", {"name": "a.txt"}),
        id="plain-beats-path",
    ),
    pytest.param(
        ["/files/<path:rest>", "/files/<name>"],
        "/files/a/b.txt",
        ("r0", {"rest": "a/b.txt"}),
        id="path-takes-slashes",
    ),
    pytest.param(
        ["/users/<name>/edit", "/users/me"],
        "/users/me/edit",
        ("r0", {"name": "me"}),
        id="backtrack-from-static-dead-end",
    ),
    pytest.param(
        ["/a/<x>/c", "/a/<int:n>/d"],
        "/a/1/c",
        ("r0", {"x": "1"}),
        id="backtrack-from-typed-dead-end",
    ),
    pytest.param(
        ["/<path:p>", "/a/b/c"],
        "/a/b/x",
        ("r0", {"p": "a/b/x"}),
        id="backtrack-to-path-at-root",
    ),
    pytest.param(
        ["/files/<name>", "/files/<name>.<ext>"],
        "/files/report.pdf",
        ("r1", {"name": "report", "ext": "pdf"}),
        id="mixed-beats-plain",
    ),
    pytest.param(
        ["/files/<name>.<ext>"],
        "/files/archive.tar.gz",
        ("r0", {"name": "archive.tar", "ext": "gz"}),
        id="mixed-last-dot-splits",
    ),
    pytest.param(
        ["/report-<int:year>.csv", "/<page>"],
        "/report-2024.csv",
        ("r0", {"year": 2024}),
        id="mixed-with-typed-param",
    ),
    pytest.param(
        ["/report-<int:year>.csv", "/<page>"],
        "/report-abcd.csv",
        ("r1", {"page": "report-abcd.csv"}),
        id="mixed-converter-rejects",
    ),
    pytest.param(
        ["/v<int:major>.<int:minor>", "/v<int:major>"],
        "/v2.10",
        ("r0", {"major": 2, "minor": 10}),
        id="more-literal-text-first",
    ),
    pytest.param(["/"], "/", ("r0", {}), id="root"),
    pytest.param(["/docs/"], "/docs/", ("r0", {}), id="trailing-slash-exact"),
    pytest.param(
        ["/caf\u00e9/<name>"],
        "/caf\u00e9/cr\u00e8me",
        ("r0", {"name": "cr\u00e8me"}),
        id="unicode-static-and-param",
    ),
]


@pytest.mark.parametrize(("patterns", "path", "expected"), PRIORITY_CASES)
def test_the_right_route_wins(patterns: list[str], path: str, expected: Any) -> None:
    assert matched(table(*patterns), path) == expected


@pytest.mark.parametrize("order", [1, -1], ids=["registered-in-order", "registered-reversed"])
def test_priority_does_not_depend_on_registration_order(order: int) -> None:
    patterns = ["/x/<path:p>", "/x/<name>", "/x/<int:n>", "/x/<name>.json", "/x/new"]
    router = Router()
    for pattern in patterns[::order]:
        router.add_route(pattern, view_named("v"), name=pattern)
    assert router.match("GET", "/x/new").route.pattern == "/x/new"  # type: ignore[union-attr]
    assert router.match("GET", "/x/a.json").route.pattern == "/x/<name>.json"  # type: ignore[union-attr]
    assert router.match("GET", "/x/7").route.pattern == "/x/<int:n>"  # type: ignore[union-attr]
    assert router.match("GET", "/x/seven").route.pattern == "/x/<name>"  # type: ignore[union-attr]
    assert router.match("GET", "/x/a/b").route.pattern == "/x/<path:p>"  # type: ignore[union-attr]


CONVERTER_CASES = [
    pytest.param("/n/<int:v>", "/n/42", 42, id="int"),
    pytest.param("/n/<int:v>", "/n/-1", None, id="int-rejects-negative"),
    pytest.param("/n/<int:v>", "/n/4x", None, id="int-rejects-letters"),
    pytest.param("/n/<float:v>", "/n/2.5", 2.5, id="float"),
    pytest.param("/n/<float:v>", "/n/3", 3.0, id="float-without-fraction"),
    pytest.param("/n/<float:v>", "/n/1.", None, id="float-rejects-dangling-dot"),
    pytest.param(
        "/n/<uuid:v>",
        "/n/12345678-1234-5678-1234-567812345678",
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        id="uuid",
    ),
    pytest.param("/n/<uuid:v>", "/n/12345678", None, id="uuid-rejects-short"),
    pytest.param("/n/<path:v>", "/n/a/b/c", "a/b/c", id="path"),
    pytest.param("/n/<path:v>", "/n//etc/passwd", None, id="path-rejects-leading-slash"),
    pytest.param("/n/<string:v>", "/n/x", "x", id="string-explicit"),
    pytest.param("/n/<v>", "/n/", None, id="plain-rejects-empty"),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), CONVERTER_CASES)
def test_builtin_converters(pattern: str, path: str, expected: Any) -> None:
    result = table(pattern).match("GET", path)
    if expected is None:
        assert isinstance(result, NotFound)
    else:
        assert isinstance(result, Match)
        assert result.params == {"v": expected}
        assert type(result.params["v"]) is type(expected)


class EvenConverter(Converter):
    """Only even numbers: to_python raising ValueError means "not this route"."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValueError("odd")
        return number

    def to_url(self, value: Any) -> str:
        return str(value)


class ListConverter(Converter):
    """Comma-separated words, as a list."""

    regex = r"[a-z]+(?:,[a-z]+)*"

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(value)


def test_custom_converter_matches_and_rejects() -> None:
    router = Router()
    router.add_converter("even", EvenConverter)
    router.add_route("/n/<even:n>", view_named("even"))
    router.add_route("/n/<name>", view_named("other"))
    assert matched(router, "/n/4") == ("even", {"n": 4})
    assert matched(router, "/n/5") == ("other", {"name": "5"})


def test_custom_converter_on_app_builds_urls() -> None:
    app = App(__name__)
    app.add_converter("list", ListConverter)

    @app.get("/tags/<list:tags>")
    def tags(request: Any, tags: list[str]) -> dict[str, Any]:
        return {"tags": tags}

    assert app.url_for("tags", tags=["a", "b"]) == "/tags/a,b"
    assert app.test_client().get("/tags/x,y").json == {"tags": ["x", "y"]}


def test_add_converter_rejects_non_converters() -> None:
    with pytest.raises(TypeError, match=r"subclass of framework\.Converter"):
        Router().add_converter("bad", int)  # type: ignore[arg-type]


def test_add_converter_rejects_bad_regex() -> None:
    class Broken(Converter):
        regex = "[a-"

    with pytest.raises(RouteError, match=r"'broken'.*invalid"):
        Router().add_converter("broken", Broken)


def test_paths_that_do_not_start_with_a_slash() -> None:
    router = table("/")
    assert isinstance(router.match("GET", ""), Match)
    assert isinstance(router.match("OPTIONS", "*"), NotFound)


def test_unknown_path_is_not_found() -> None:
    result = table("/a", "/b/<x>").match("GET", "/c")
    assert isinstance(result, NotFound)
    assert result.redirect_to is None


def test_wrong_method_lists_every_allowed_method() -> None:
    router = table(("/items", ["GET"]), ("/items", ["POST"]), ("/items/<x>", ["DELETE"]))
    result = router.match("PUT", "/items")
    assert isinstance(result, MethodNotAllowed)
    assert result.methods == {"GET", "HEAD", "POST", "OPTIONS"}


def test_allowed_methods_gather_across_routes_that_match_the_path() -> None:
    router = table(("/u/me", ["GET"]), ("/u/<name>", ["POST"]), ("/u/<int:n>", ["PUT"]))
    result = router.match("DELETE", "/u/me")
    assert isinstance(result, MethodNotAllowed)
    assert result.methods == {"GET", "HEAD", "POST", "OPTIONS"}


def test_method_found_on_a_lower_priority_route() -> None:
    router = table(("/u/me", ["GET"]), ("/u/<name>", ["POST"]))
    assert matched(router, "/u/me", "POST") == ("r1", {"name": "me"})


def test_head_is_served_by_get_and_explicit_head_wins() -> None:
    router = table(("/a", ["GET"]), ("/b", ["GET"]), ("/b", ["HEAD"]))
    assert matched(router, "/a", "HEAD")[0] == "r0"
    assert matched(router, "/b", "HEAD")[0] == "r2"


def test_methods_are_normalised_to_upper_case() -> None:
    router = table(("/a", ["post"]))
    assert router.routes[0].methods == frozenset({"POST"})
    assert matched(router, "/a", "POST")[0] == "r0"


def test_a_route_for_any_method() -> None:
    router = table(("/echo", ["ANY"]), ("/echo", ["POST"]), ("/<name>", ["ANY"]))
    for method in ("GET", "HEAD", "OPTIONS", "DELETE", "BREW"):
        assert matched(router, "/echo", method)[0] == "r0"
    # A route for the very method wins over the one for any.
    assert matched(router, "/echo", "POST")[0] == "r1"
    assert matched(router, "/users", "PUT") == ("r2", {"name": "users"})
    with pytest.raises(RouteError, match="ANY /echo is registered twice"):
        router.add_route("/echo", view_named("again"), ["ANY"])


def test_the_router_knows_every_method_its_routes_take() -> None:
    assert Router().methods == {"OPTIONS"}
    router = table(("/a", ["GET"]), ("/b/<n>", ["PROPFIND", "post"]), ("/c", ["ANY"]))
    assert router.methods == {"GET", "HEAD", "OPTIONS", "POST", "PROPFIND"}
    api = Router(name="api")
    api.add_route("/things", view_named("things"), ["PUT"])
    router.include(api, prefix="/api")
    router.mount("/legacy", lambda environ, start_response: [])
    assert router.methods == {"GET", "HEAD", "OPTIONS", "POST", "PROPFIND", "PUT"}


def test_explain_and_automatic_methods_of_a_route_for_any_method() -> None:
    router = table(("/echo", ["ANY"]))
    [route] = router.routes
    assert automatic_methods(router, route) == frozenset()
    assert "finds route 'r0' (ANY /echo), which answers any method" in str(
        explain(router, "BREW", "/echo")
    )


def test_missing_trailing_slash_redirects() -> None:
    result = table("/docs/").match("GET", "/docs")
    assert isinstance(result, NotFound)
    assert result.redirect_to == "/docs/"


def test_missing_trailing_slash_redirects_only_a_method_the_route_takes() -> None:
    router = table(("/docs/", ["POST"]))
    assert router.match("POST", "/docs").redirect_to == "/docs/"  # type: ignore[union-attr]
    # A redirect to a 405 helps nobody: the path without the slash is a 404.
    for method in ("GET", "DELETE"):
        result = router.match(method, "/docs")
        assert isinstance(result, NotFound)
        assert result.redirect_to is None
    # OPTIONS is answered wherever a route exists.
    assert router.match("OPTIONS", "/docs").redirect_to == "/docs/"  # type: ignore[union-attr]
    # HEAD goes where GET does.
    assert table("/guide/").match("HEAD", "/guide").redirect_to == "/guide/"  # type: ignore[union-attr]


def test_extra_trailing_slash_is_not_found() -> None:
    result = table("/docs").match("GET", "/docs/")
    assert isinstance(result, NotFound)
    assert result.redirect_to is None


def test_no_redirect_that_would_leave_the_site() -> None:
    class Anything(Converter):
        regex = "[^/]*"  # the empty segment too

    router = Router()
    router.add_converter("anything", Anything)
    router.add_route("/<anything:a>/<b>/", view_named("v"))
    assert isinstance(router.match("GET", "/x/evil.example/"), Match)
    assert router.match("GET", "/x/evil.example").redirect_to == "/x/evil.example/"  # type: ignore[union-attr]
    # "//evil.example/" in a Location header would mean "the site evil.example".
    result = router.match("GET", "//evil.example")
    assert isinstance(result, NotFound)
    assert result.redirect_to is None


def test_same_method_and_pattern_twice_is_an_error() -> None:
    router = table("/a")
    with pytest.raises(RouteError, match="GET /a is registered twice") as caught:
        router.add_route("/a", view_named("other"))
    assert "r0" in str(caught.value) and "other" in str(caught.value)


def test_same_pattern_with_other_methods_is_fine() -> None:
    router = table(("/a", ["GET"]), ("/a", ["POST"]))
    assert matched(router, "/a", "POST")[0] == "r1"


def test_duplicate_name_is_an_error() -> None:
    router = Router()
    router.add_route("/a", view_named("v"))
    with pytest.raises(RouteError, match=r"route name 'v' is used twice.*'/a'.*'/b'"):
        router.add_route("/b", view_named("v"))


def test_bad_methods_are_refused() -> None:
    with pytest.raises(RouteError, match="methods must be a list"):
        Router().add_route("/a", view_named("v"), "GET")
    with pytest.raises(RouteError, match="at least one method"):
        Router().add_route("/a", view_named("v"), [])
    with pytest.raises(RouteError, match="not an HTTP method"):
        Router().add_route("/a", view_named("v"), ["GE T"])


def test_view_must_be_callable() -> None:
    with pytest.raises(TypeError, match="'/a': the view must be callable"):
        Router().add_route("/a", "not a view")  # type: ignore[arg-type]


def test_included_router_gets_prefix_and_dotted_names() -> None:
    api = Router(name="api")
    api.add_route("/items/<item_id>", view_named("item"))
    api.add_route("/", view_named("index"))
    app = App(__name__)
    app.include(api, prefix="/v1")
    assert [route.pattern for route in app.routes] == ["/v1/items/<item_id>", "/v1/"]
    assert [route.name for route in app.routes] == ["api.item", "api.index"]
    assert app.url_for("api.item", item_id="x y") == "/v1/items/x%20y"
    result = app.router.match("GET", "/v1/items/7")
    assert isinstance(result, Match) and result.params == {"item_id": "7"}


def test_nested_routers_chain_names() -> None:
    users = Router(name="users")
    users.add_route("/", view_named("list"))
    admin = Router(name="admin")
    admin.include(users, prefix="/users")
    app = App(__name__)
    app.include(admin, prefix="/admin/")
    assert app.url_for("admin.users.list") == "/admin/users/"


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (("/other", "items"), "route name 'shop.items' is used twice"),
        (("/items", "again"), "GET /shop/items is registered twice"),
    ],
    ids=["name-clash", "method-clash"],
)
def test_an_include_that_clashes_adds_nothing(second: tuple[str, str], message: str) -> None:
    first_shop = Router(name="shop")
    first_shop.add_route("/items", view_named("items"))
    app = App(__name__)
    app.include(first_shop, prefix="/shop")
    pattern, name = second
    other_shop = Router(name="shop")
    other_shop.add_route("/fresh", view_named("fresh"))  # fine on its own
    other_shop.add_route(pattern, view_named(name))
    with pytest.raises(RouteError, match=message):
        app.include(other_shop, prefix="/shop")
    # All or nothing: the route that came before the clash is not in either.
    assert [route.name for route in app.routes] == ["shop.items"]
    assert isinstance(app.router.match("GET", "/shop/fresh"), NotFound)


def test_adding_to_a_router_after_include_is_an_error() -> None:
    api = Router(name="api")
    App(__name__).include(api, prefix="/api")
    with pytest.raises(RouteError, match="after it was included"):
        api.add_route("/late", view_named("late"))


def test_router_names_and_prefixes_are_checked() -> None:
    with pytest.raises(RouteError, match=r"no '\.'"):
        Router(name="a.b")
    with pytest.raises(RouteError, match="must start with '/'"):
        Router().include(Router(name="x"), prefix="v1")
    with pytest.raises(RouteError, match="takes the rest of the path"):
        Router().include(Router(name="x"), prefix="/files/<path:rest>")


def test_prefix_with_a_parameter_passes_it_to_the_view() -> None:
    posts = Router(name="posts")
    posts.add_route("/<int:post_id>", view_named("show"))
    app = App(__name__)
    app.include(posts, prefix="/users/<int:user_id>/posts")
    result = app.router.match("GET", "/users/3/posts/9")
    assert isinstance(result, Match) and result.params == {"user_id": 3, "post_id": 9}
    assert app.url_for("posts.show", user_id=3, post_id=9) == "/users/3/posts/9"


def test_a_router_under_a_prefix_answers_404_and_405_like_the_app() -> None:
    api = Router(name="api")
    api.add_route("/items", view_named("items"), ["GET", "POST"])
    app = App(__name__)
    app.include(api, prefix="/api")
    result = app.router.match("DELETE", "/api/items")
    assert isinstance(result, MethodNotAllowed)
    assert result.methods == {"GET", "HEAD", "POST", "OPTIONS"}
    assert isinstance(app.router.match("GET", "/api/nothing"), NotFound)
    assert app.router.match("GET", "/api/items/").redirect_to is None  # type: ignore[union-attr]


ROUTER_SCOPE_CASES = [
    pytest.param("/api/items/1", ("app", "api"), id="under-prefix"),
    pytest.param("/api", ("app", "api"), id="the-prefix-itself"),
    pytest.param("/api/v2/things/x", ("app", "api", "v2"), id="nested-prefix-wins"),
    pytest.param("/api/v2", ("app", "api", "v2"), id="nested-prefix-itself"),
    pytest.param("/apix/items", ("app",), id="prefix-is-whole-segments"),
    pytest.param("/users/7/posts/x", ("app", "posts"), id="parameter-in-prefix"),
    pytest.param("/users/me/posts/x", ("app",), id="parameter-rejects-segment"),
    pytest.param("/elsewhere", ("app",), id="outside-every-prefix"),
    pytest.param("/flat/x", ("app",), id="router-without-prefix-owns-nothing"),
]


@pytest.mark.parametrize(("path", "owners"), ROUTER_SCOPE_CASES)
def test_an_unmatched_path_belongs_to_the_innermost_router_prefix(
    path: str, owners: tuple[str, ...]
) -> None:
    app = App(__name__)
    names = {id(app.hooks): "app"}
    api, v2, posts, flat = (
        Router(name="api"),
        Router(name="v2"),
        Router(name="posts"),
        Router(name="flat"),
    )
    for router in (api, v2, posts, flat):
        names[id(router.hooks)] = router.name or ""
    api.include(v2, prefix="/v2")
    app.include(api, prefix="/api")
    app.include(posts, prefix="/users/<int:user_id>/posts")
    app.include(flat)
    scopes = app.router.scopes_for(path)
    assert tuple(names[id(scope)] for scope in scopes) == owners


def test_url_for_formats_encodes_and_adds_query() -> None:
    router = table("/users/<int:user_id>", "/files/<path:p>", "/s/<q>")
    assert router.url_for("r0", user_id=3) == "/users/3"
    assert router.url_for("r0", user_id=3, tab="posts", page=2) == "/users/3?tab=posts&page=2"
    assert router.url_for("r1", p="a b/c\u00e9.txt") == "/files/a%20b/c%C3%A9.txt"
    assert router.url_for("r2", q="50%?&#") == "/s/50%25%3F&%23"


def test_url_for_takes_a_parameter_called_name() -> None:
    router = Router()
    router.add_route("/greet/<name>", view_named("greet"))
    assert router.url_for("greet", name="ada") == "/greet/ada"


def test_url_for_errors_name_the_problem() -> None:
    router = table("/users/<int:user_id>", "/s/<q>")
    with pytest.raises(URLBuildError, match="no route is named 'r9'"):
        router.url_for("r9")
    with pytest.raises(URLBuildError, match=r"did you mean .*'r0'"):
        router.url_for("r")
    with pytest.raises(URLBuildError, match=r"needs a value for <user_id>"):
        router.url_for("r0")
    with pytest.raises(URLBuildError, match="not a valid value for <user_id>"):
        router.url_for("r0", user_id=-3)
    with pytest.raises(URLBuildError, match="not a valid value for <q>"):
        router.url_for("r1", q="a/b")


@pytest.mark.parametrize(
    ("pattern", "params"),
    [
        ("/u/<int:n>", {"n": 12}),
        ("/u/<float:x>", {"x": 2.5}),
        ("/u/<uuid:u>", {"u": uuid.UUID(int=7)}),
        ("/u/<path:p>", {"p": "a/b c/\u00e9"}),
        ("/u/<name>.<ext>", {"name": "r\u00e9sum\u00e9", "ext": "pdf"}),
        ("/u/<s>", {"s": "100% sure?"}),
    ],
)
def test_url_for_round_trips_through_match(pattern: str, params: dict[str, Any]) -> None:
    from urllib.parse import unquote

    router = table(pattern)
    url = router.url_for("r0", **params)
    # A server percent-decodes the path before the app sees it.
    assert matched(router, unquote(url)) == ("r0", params)


def test_matching_does_not_scan_the_route_list() -> None:
    """With 5,000 routes, matching one touches a handful of converters, not thousands."""
    calls = []

    class Counting(Converter):
        regex = r"[0-9]+"

        def to_python(self, value: str) -> int:
            calls.append(value)
            return int(value)

    router = Router()
    router.add_converter("counting", Counting)
    for index in range(5000):
        router.add_route(f"/r{index}/<counting:n>/x", view_named(f"v{index}"))
    assert matched(router, "/r4999/7/x") == ("v4999", {"n": 7})
    assert calls == ["7"]


FORKED_TABLE = [
    ("/", ["GET"]),
    ("/users/me", ["GET"]),
    ("/users/me/settings/", ["GET"]),
    ("/users/<int:user_id>", ["GET", "PUT"]),
    ("/users/<name>", ["GET"]),
    ("/users/<name>/edit", ["GET", "POST"]),
    ("/users/<name>/<path:rest>", ["GET"]),
    ("/files/<path:rest>", ["GET"]),
    ("/files/<name>.<ext>", ["GET"]),
    ("/files/readme", ["DELETE"]),
    ("/v<int:major>.<int:minor>/<name>", ["GET"]),
    ("/<page>", ["GET"]),
    ("/<page>/", ["POST"]),
    ("/a/<x>/c", ["GET"]),
    ("/a/<int:n>/d", ["DELETE"]),
]
FORKED_ROUTER = table(*FORKED_TABLE)
PATH_PIECES = ["users", "me", "settings", "edit", "3", "abc", "files", "readme", "a.txt"]
PATH_PIECES += ["v2.1", "", "a", "c", "d", "x", "caf\u00e9"]


def outcome_key(result: object) -> tuple[object, ...]:
    if isinstance(result, Match):
        return ("match", result.route.name, tuple(sorted(result.params.items())))
    if isinstance(result, MethodNotAllowed):
        return ("405", result.methods, result.allow_header)
    assert isinstance(result, NotFound)
    return ("404", result.redirect_to)


def reference_outcome(router: Router, method: str, path: str) -> tuple[object, ...]:
    """What routing must answer, found without the tree: every route tried on its own.

    Among the routes whose pattern matches the path, the winner is the one
    whose segments come first in priority order, segment by segment (the
    depth-first walk meets it first); among routes of one pattern, the one
    for the method, then HEAD served by GET, then ANY.
    """

    def params_of(route: Any, texts: list[str]) -> dict[str, Any] | None:
        params: dict[str, Any] = {}
        for position, segment in enumerate(route.segments):
            if position >= len(texts):
                return None
            if isinstance(segment, str):
                if segment != texts[position]:
                    return None
                continue
            text = "/".join(texts[position:]) if segment.spans_segments else texts[position]
            values = segment.match(text)
            if values is None:
                return None
            params.update(values)
            if segment.spans_segments:
                return params
        return params if len(route.segments) == len(texts) else None

    def priority(route: Any) -> tuple[Any, ...]:
        return tuple((-1, s) if isinstance(s, str) else s.sort_key() for s in route.segments)

    def answers(route: Any, others: list[Any]) -> int | None:
        if method in route.methods:
            return 0
        has_head = any("HEAD" in other.methods for other in others)
        if method == "HEAD" and "GET" in route.methods and not has_head:
            return 1
        return 2 if "ANY" in route.methods else None

    texts = path[1:].split("/")
    found = [(route, params_of(route, texts)) for route in router.routes]
    matching = [(route, params) for route, params in found if params is not None]
    by_node: dict[tuple[Any, ...], list[Any]] = {}
    for route, _ in matching:
        by_node.setdefault(priority(route), []).append(route)
    candidates = []
    for route, params in matching:
        rank = answers(route, by_node[priority(route)])
        if rank is not None:
            candidates.append((priority(route), rank, route.name, params))
    if candidates:
        _, _, name, params = min(candidates, key=lambda c: (c[0], c[1]))
        return ("match", name, tuple(sorted(params.items())))
    if not path.endswith("/") and not path.startswith("//"):
        slashed = reference_outcome(router, method, path + "/")
        takes = slashed[0] == "match" or (method == "OPTIONS" and slashed[0] == "405")
        if takes and not (method == "OPTIONS" and matching):
            return ("404", path + "/")
    if matching:
        methods = {"OPTIONS"}
        for route, _ in matching:
            methods |= route.methods | ({"HEAD"} if "GET" in route.methods else set())
        return ("405", frozenset(methods))
    return ("404", None)


def outcome_of(result: object) -> tuple[object, ...]:
    if isinstance(result, Match):
        return ("match", result.route.name, tuple(sorted(result.params.items())))
    if isinstance(result, MethodNotAllowed):
        return ("405", result.methods)
    assert isinstance(result, NotFound)
    return ("404", result.redirect_to)


@settings(max_examples=300, deadline=None)
@given(
    order=st.permutations(range(len(FORKED_TABLE))),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    pieces=st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=4),
)
def test_the_walk_finds_what_trying_every_route_finds_in_any_registration_order(
    order: list[int], method: str, pieces: list[str]
) -> None:
    router = Router()
    for index in order:
        pattern, methods = FORKED_TABLE[index]
        router.add_route(pattern, view_named(f"r{index}"), methods)
    path = "/" + "/".join(pieces)
    outcome = outcome_of(router.match(method, path))
    assert outcome == reference_outcome(router, method, path)
    # The same table in registration order answers the same.
    assert outcome == outcome_of(FORKED_ROUTER.match(method, path))


@pytest.mark.parametrize(("patterns", "path", "expected"), PRIORITY_CASES)
def test_the_right_route_wins_in_every_registration_order(
    patterns: list[str], path: str, expected: Any
) -> None:
    for order in itertools.permutations(range(len(patterns))):
        router = Router()
        for index in order:
            router.add_route(patterns[index], view_named(f"r{index}"))
        assert matched(router, path) == expected, order


def test_a_missing_slash_redirects_even_where_the_path_exists_for_other_methods() -> None:
    router = table(("/bar", ["POST"]), ("/bar/", ["GET"]))
    assert router.match("GET", "/bar").redirect_to == "/bar/"  # type: ignore[union-attr]
    assert router.match("HEAD", "/bar").redirect_to == "/bar/"  # type: ignore[union-attr]
    # A method neither takes is still a 405 for the path that exists.
    result = router.match("DELETE", "/bar")
    assert isinstance(result, MethodNotAllowed)
    assert result.methods == {"POST", "OPTIONS"}
    # OPTIONS asks about /bar itself, which exists.
    assert isinstance(router.match("OPTIONS", "/bar"), MethodNotAllowed)


def test_an_app_answers_308_where_the_slashed_route_takes_the_method() -> None:
    app = App(__name__)
    app.post("/bar")(lambda request: "posted")
    app.get("/bar/", name="bar_page")(lambda request: "page")
    response = app.test_client().get("/bar?x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "/bar/?x=1"


@pytest.mark.parametrize(
    ("pattern", "params", "url"),
    [
        ("/\u0432\u043e\u0439\u0442\u0438/", {}, "/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8/"),
        ("/caf\u00e9 menu/<item>", {"item": "th\u00e9"}, "/caf%C3%A9%20menu/th%C3%A9"),
        ("/100%/<n>", {"n": "x"}, "/100%25/x"),
    ],
)
def test_url_for_encodes_the_text_of_the_pattern_too(
    pattern: str, params: dict[str, Any], url: str
) -> None:
    from urllib.parse import unquote

    router = table(pattern)
    built = router.url_for("r0", **params)
    assert built == url
    assert built.isascii()
    assert matched(router, unquote(built)) == ("r0", params)


@pytest.mark.parametrize("prefix", ["", "/"])
def test_include_with_an_empty_or_root_prefix_adds_no_prefix(prefix: str) -> None:
    api = Router(name="api")
    api.add_route("/items", view_named("items"))
    app = App(__name__)
    app.include(api, prefix=prefix)
    assert [route.pattern for route in app.routes] == ["/items"]
    assert app.url_for("api.items") == "/items"
    assert matched(app.router, "/items")[0] == "api.items"


def test_url_for_refuses_none_and_dot_segments_and_leaves_none_out_of_the_query() -> None:
    router = table("/u/<name>", "/f/<path:p>")
    with pytest.raises(URLBuildError, match=r"needs a value for <name>.*got None"):
        router.url_for("r0", name=None)
    for value in (".", ".."):
        with pytest.raises(URLBuildError, match=r"'\.' or '\.\.' segment"):
            router.url_for("r0", name=value)
    with pytest.raises(URLBuildError, match=r"'\.' or '\.\.' segment"):
        router.url_for("r1", p="a/../b")
    assert router.url_for("r1", p="a/..b/.c") == "/f/a/..b/.c"
    assert router.url_for("r0", name="x", q=None, tag=["a", None, "b"]) == "/u/x?tag=a&tag=b"


def test_url_for_refuses_unknown_options() -> None:
    router = table("/u/<_id>")
    assert router.url_for("r0", _id=3) == "/u/3"  # a parameter of the route may start with _
    with pytest.raises(URLBuildError, match="unknown option _extrenal="):
        router.url_for("r0", _id=3, _extrenal=True)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("with-hyphen", "could not be written in a pattern"),
        ("42x", "could not be written in a pattern"),
        ("has space", "could not be written in a pattern"),
        ("", "could not be written in a pattern"),
    ],
)
def test_add_converter_refuses_names_no_pattern_could_use(name: str, message: str) -> None:
    with pytest.raises(RouteError, match=message):
        Router().add_converter(name, EvenConverter)


def test_add_converter_refuses_a_regex_that_takes_a_slash_without_saying_so() -> None:
    class Slashy(Converter):
        regex = r"[a-z/]+"

    with pytest.raises(RouteError, match=r"'slashy'.*can match '/'.*spans_segments = True"):
        Router().add_converter("slashy", Slashy)

    class Spanning(Converter):
        regex = r"[a-z/]+"
        spans_segments = True

    router = Router()
    router.add_converter("spanning", Spanning)
    router.add_route("/s/<spanning:rest>", view_named("s"))
    assert matched(router, "/s/a/b") == ("s", {"rest": "a/b"})


@pytest.mark.parametrize("order", [1, -1], ids=["int-first", "float-first"])
def test_int_is_tried_before_float_whatever_the_order(order: int) -> None:
    router = Router()
    for pattern in ["/items/<int:n>", "/items/<float:x>"][::order]:
        router.add_route(pattern, view_named(pattern.split(":")[0][-3:]))
    assert matched(router, "/items/3") == ("int", {"n": 3})
    assert matched(router, "/items/2.5") == ("oat", {"x": 2.5})


def test_typed_parameters_of_equal_weight_go_by_their_text() -> None:
    class Word(Converter):
        regex = "[a-z]+"

    for order in (1, -1):
        router = Router()
        router.add_converter("word", Word)
        for pattern in ["/w/<word:b>", "/w/<word:a>/x"][::order]:
            router.add_route(pattern, view_named(pattern[3:].replace("/", "")))
        # <word:a> sorts before <word:b>: a dead end below it backtracks to <word:b>.
        assert matched(router, "/w/hi") == ("<word:b>", {"b": "hi"})
        assert matched(router, "/w/hi/x") == ("<word:a>x", {"a": "hi"})


def test_a_mixed_segment_with_more_text_is_tried_first_whatever_the_order() -> None:
    for order in (1, -1):
        router = Router()
        for pattern in ["/f/<a>.<b>", "/f/<a>.tar.<b>"][::order]:
            router.add_route(pattern, view_named(pattern.replace(".", "_")[3:]))
        assert matched(router, "/f/x.tar.gz") == ("<a>_tar_<b>", {"a": "x", "b": "gz"})
        assert matched(router, "/f/x.zip") == ("<a>_<b>", {"a": "x", "b": "zip"})


def user_first(uid: int) -> Any:
    return uid


def user_no_uid(request: Any) -> Any:
    return "user"


def user_extra(request: Any, uid: int, extra: str) -> Any:
    return uid


def no_request() -> Any:
    return "home"


@pytest.mark.parametrize(
    ("pattern", "view", "message"),
    [
        pytest.param(
            "/users/<int:uid>",
            user_first,
            f"view {__name__}:user_first for '/users/<int:uid>' must be "
            "def user_first(request, uid): ... (its parameter uid would get the request)",
            id="request-forgotten",
        ),
        pytest.param(
            "/users/<int:uid>",
            user_no_uid,
            f"view {__name__}:user_no_uid for '/users/<int:uid>' must be "
            "def user_no_uid(request, uid): ... (it does not take uid)",
            id="parameter-not-taken",
        ),
        pytest.param(
            "/users/<int:uid>",
            user_extra,
            f"view {__name__}:user_extra for '/users/<int:uid>' must be "
            "def user_extra(request, uid): ... (the pattern gives no extra)",
            id="parameter-not-given",
        ),
        pytest.param(
            "/",
            no_request,
            f"view {__name__}:no_request for '/' must be "
            "def no_request(request): ... (it does not take request)",
            id="no-parameters",
        ),
    ],
)
def test_a_view_that_cannot_be_called_is_refused_at_registration(
    pattern: str, view: Any, message: str
) -> None:
    app = App(__name__)
    with pytest.raises(RouteError) as caught:
        app.add_route(pattern, view)
    assert str(caught.value) == message
    assert isinstance(caught.value, TypeError)
    assert app.routes == []


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(lambda request, **params: params, id="kwargs"),
        pytest.param(lambda req, *, uid: uid, id="keyword-only-any-request-name"),
        pytest.param(lambda request, /, uid, page=1: uid, id="positional-request-default"),
        pytest.param(lambda *args, **kwargs: kwargs["uid"], id="varargs"),
        pytest.param(dict, id="no-inspectable-signature"),
    ],
)
def test_views_that_can_be_called_are_accepted(view: Any) -> None:
    app = App(__name__)
    app.add_route("/users/<int:uid>", view, name="user")
    assert [route.name for route in app.routes] == ["user"]


def test_a_router_view_may_need_a_parameter_of_the_prefix_it_is_included_under() -> None:
    comments = Router(name="comments")

    @comments.get("/<int:number>")
    def show(request: Any, post_id: int, number: int) -> Any:
        return {"post": post_id, "comment": number}

    app = App(__name__)
    app.include(comments, prefix="/posts/<int:post_id>/comments")
    assert app.test_client().get("/posts/7/comments/2").json == {"post": 7, "comment": 2}
    with pytest.raises(RouteError) as caught:
        App(__name__).include(comments, prefix="/comments")
    assert str(caught.value) == (
        f"view {__name__}:test_a_router_view_may_need_a_parameter_of_the_prefix_it_is_"
        "included_under.<locals>.show for '/comments/<int:number>' must be "
        "def show(request, number): ... (the pattern gives no post_id)"
    )


def test_a_mount_takes_a_wsgi_app_whatever_its_signature() -> None:
    app = App(__name__)
    app.mount("/legacy", App("legacy"))
    assert app.routes[0].pattern == "/legacy"
