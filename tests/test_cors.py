"""CORS: which other sites' pages may read the answers, preflights, and every response."""

from __future__ import annotations

from typing import Any

import pytest

from framework import App, HTTPError, Request, Router
from framework.cors import CORSPolicy

SHOP = "http://127.0.0.1:9000"  # a page on another loopback origin
EVIL = "https://evil.example"


@pytest.fixture
def api_app(app: App) -> App:
    """An app whose API router answers the shop's pages, with a login hook on it."""
    api = Router(name="api")

    @api.get("/items")
    def items(request: Request) -> dict[str, Any]:
        return {"items": ["tea"]}

    @api.route("/items/<int:n>", methods=["GET", "PUT", "DELETE"])
    def item(request: Request, n: int) -> dict[str, Any]:
        if n == 0:
            raise RuntimeError("a bug in the view")
        if n == 9:
            abort_teapot()
        return {"n": n, "method": request.method}

    @api.post("/items")
    def add(request: Request) -> tuple[dict[str, Any], int]:
        return {"added": request.json}, 201

    @api.before_request
    def login(request: Request) -> Any:
        if "Authorization" not in request.headers:
            return {"error": "log in"}, 401
        return None

    @api.errorhandler(418)
    def teapot(request: Request, error: HTTPError) -> tuple[str, int]:
        return "short and stout", 418

    api.cors([SHOP], headers=["Authorization"], expose_headers=["X-Total"], max_age=600)
    app.include(api, prefix="/api")
    app.get("/page")(lambda request: "a page of the site")
    return app


def abort_teapot() -> None:
    raise HTTPError(418)


def preflight(app: App, path: str, method: str = "PUT", origin: str = SHOP, **extra: str) -> Any:
    headers = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    return app.test_client().options(path, headers=headers)


AUTH = {"Authorization": "Bearer t"}


def test_a_preflight_is_told_the_methods_the_routing_table_serves(api_app: App) -> None:
    response = preflight(
        api_app, "/api/items/3", **{"Access-Control-Request-Headers": "authorization"}
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert response.headers["Access-Control-Allow-Methods"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    assert response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    assert response.headers["Access-Control-Allow-Headers"] == "authorization"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert response.headers["Vary"] == "Origin"


def test_a_preflight_is_not_answered_by_a_login_hook(api_app: App) -> None:
    # The browser sends no credentials with a preflight: a 401 here would
    # stop it from ever sending the real, authorised request.
    assert preflight(api_app, "/api/items").status_code == 204
    real = api_app.test_client().put("/api/items/3", headers={"Origin": SHOP, **AUTH})
    assert real.status_code == 200
    assert real.json == {"n": 3, "method": "PUT"}


def test_a_preflight_gets_only_the_headers_the_scope_allows(api_app: App) -> None:
    asked = {"Access-Control-Request-Headers": "Content-Type, X-Secret, Authorization"}
    response = preflight(api_app, "/api/items", "POST", **asked)
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type, Authorization"


def test_a_preflight_from_an_unlisted_origin_is_told_nothing(api_app: App) -> None:
    response = preflight(api_app, "/api/items", origin=EVIL)
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_a_preflight_for_a_path_no_route_takes_is_a_404_the_page_may_read(api_app: App) -> None:
    response = preflight(api_app, "/api/nothing")
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_a_listed_origin_reads_the_answer_and_the_headers_it_is_shown(api_app: App) -> None:
    response = api_app.test_client().get("/api/items", headers={"Origin": SHOP, **AUTH})
    assert response.json == {"items": ["tea"]}
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_every_response_of_the_scope_says_vary_origin(api_app: App) -> None:
    # A cache must not hand the answer given to the shop's page to another one.
    for headers in ({}, {"Origin": EVIL}):
        response = api_app.test_client().get("/api/items", headers={**headers, **AUTH})
        assert response.status_code == 200
        assert response.headers["Vary"] == "Origin"
        assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/api/nothing", 404, id="404"),
        pytest.param("POST", "/api/items/3", 405, id="405"),
        pytest.param("GET", "/api/items/0", 500, id="500-from-a-view"),
        pytest.param("GET", "/api/items/9", 418, id="error-handler"),
        pytest.param("GET", "/api/items", 401, id="before-request-hook"),
    ],
)
def test_error_responses_carry_the_cors_headers_too(
    api_app: App, method: str, path: str, status: int
) -> None:
    headers = {"Origin": SHOP, **(AUTH if status != 401 else {})}
    response = api_app.test_client().open(path, method=method, headers=headers)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response.headers["Vary"]


def test_the_trailing_slash_redirect_carries_the_cors_headers(app: App) -> None:
    app.get("/docs/")(lambda request: "docs")
    app.cors([SHOP])
    response = app.test_client().get("/docs", headers={"Origin": SHOP})
    assert response.status_code == 308
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_a_preflight_for_a_path_without_its_slash_is_answered_for_the_slashed_path(
    app: App,
) -> None:
    # A browser fails a preflight that is redirected; the real request follows the 308.
    app.route("/docs/", methods=["GET", "PUT"])(lambda request: "docs")
    app.cors([SHOP])
    response = preflight(app, "/docs")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS, PUT"
    assert app.test_client().put("/docs", headers={"Origin": SHOP}).status_code == 308
    assert app.test_client().options("/docs").status_code == 308  # not a preflight


def test_a_500_from_a_failing_after_request_hook_carries_them(app: App) -> None:
    app.get("/")(lambda request: "ok")

    @app.after_request
    def broken(request: Request, response: Any) -> Any:
        raise RuntimeError("a bug in the hook")

    app.cors([SHOP])
    response = app.test_client().get("/", headers={"Origin": SHOP})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_routes_outside_the_routers_scope_do_not_share(api_app: App) -> None:
    response = api_app.test_client().get("/page", headers={"Origin": SHOP})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Vary" not in response.headers


def test_the_innermost_scope_decides(app: App) -> None:
    api = Router(name="api")
    api.get("/items")(lambda request: [])
    api.cors(["https://partner.example"])
    app.include(api, prefix="/api")
    app.get("/")(lambda request: "home")
    app.cors([SHOP])
    client = app.test_client()
    home = client.get("/", headers={"Origin": SHOP})
    assert home.headers["Access-Control-Allow-Origin"] == SHOP
    items = client.get("/api/items", headers={"Origin": SHOP})
    assert "Access-Control-Allow-Origin" not in items.headers
    partner = client.get("/api/items", headers={"Origin": "https://partner.example"})
    assert partner.headers["Access-Control-Allow-Origin"] == "https://partner.example"


def test_any_origin_is_a_star_and_never_credentials(app: App) -> None:
    app.get("/open")(lambda request: "open")
    app.cors("*")
    response = app.test_client().get("/open", headers={"Origin": EVIL})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_credentials_name_the_origin_and_say_true(app: App) -> None:
    app.get("/me")(lambda request: "me")
    app.cors([SHOP], credentials=True)
    response = app.test_client().get("/me", headers={"Origin": SHOP})
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_methods_given_replace_the_routing_tables(app: App) -> None:
    app.route("/items", methods=["GET", "POST", "DELETE"])(lambda request: "items")
    app.cors([SHOP], methods=["get", "post"])
    response = preflight(app, "/items", "POST")
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST"


def test_headers_star_allows_what_the_page_asks_for(app: App) -> None:
    app.post("/items")(lambda request: "added")
    app.cors([SHOP], headers="*")
    asked = {"Access-Control-Request-Headers": "X-Anything, Authorization"}
    response = preflight(app, "/items", "POST", **asked)
    assert response.headers["Access-Control-Allow-Headers"] == "X-Anything, Authorization"


def test_a_header_the_view_set_itself_is_kept(app: App) -> None:
    app.get("/")(lambda request: ("own", 200, {"Access-Control-Allow-Origin": "null"}))
    app.cors([SHOP])
    response = app.test_client().get("/", headers={"Origin": SHOP})
    assert response.headers["Access-Control-Allow-Origin"] == "null"


def test_an_origin_is_compared_as_browsers_write_it(app: App) -> None:
    app.get("/")(lambda request: "ok")
    app.cors(["HTTPS://Shop.Example:443/"])
    client = app.test_client()
    allowed = client.get("/", headers={"Origin": "https://shop.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    for other in (
        "http://shop.example",
        "https://shop.example:8443",
        "null",
        " https://shop.example",
    ):
        refused = client.get("/", headers={"Origin": other})
        assert "Access-Control-Allow-Origin" not in refused.headers, other


# A CORS scope's origins pass the cross-origin protection


def test_a_listed_origin_may_change_things(api_app: App) -> None:
    headers = {"Origin": SHOP, "Sec-Fetch-Site": "same-site", **AUTH}
    response = api_app.test_client().post("/api/items", json={"name": "tea"}, headers=headers)
    assert response.status_code == 201
    assert response.json == {"added": {"name": "tea"}}
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_an_unlisted_origin_is_still_refused(api_app: App) -> None:
    headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", **AUTH}
    response = api_app.test_client().post("/api/items", json={"name": "x"}, headers=headers)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_cors_scope_does_not_open_other_routes(api_app: App) -> None:
    api_app.post("/form", name="form")(lambda request: "posted")
    response = api_app.test_client().post("/form", headers={"Origin": SHOP})
    assert response.status_code == 403


def test_a_mounted_app_answers_cors_for_itself(app: App) -> None:
    def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"legacy"]

    app.mount("/legacy", legacy)
    app.cors([SHOP])
    client = app.test_client()
    response = client.get("/legacy/x", headers={"Origin": SHOP})
    assert response.text == "legacy"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert client.post("/legacy/x", headers={"Origin": SHOP}).status_code == 403


# Mistakes in the settings are refused when they are made


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        pytest.param(
            {"origins": "*", "credentials": True},
            ValueError,
            "list the origins",
            id="star-credentials",
        ),
        pytest.param(
            {"origins": "https://a.example"},
            TypeError,
            'such as \\["https://a.example"\\]',
            id="one-string",
        ),
        pytest.param({"origins": ["a.example"]}, ValueError, "scheme://host", id="no-scheme"),
        pytest.param({"origins": ["https://a.example/app"]}, ValueError, "no path", id="a-path"),
        pytest.param({"origins": ["null"]}, ValueError, "'null'", id="null"),
        pytest.param({"origins": []}, ValueError, "allows no one", id="empty"),
        pytest.param(
            {"origins": [SHOP], "methods": ["GET POST"]},
            ValueError,
            "not a header token",
            id="bad-method",
        ),
        pytest.param(
            {"origins": [SHOP], "headers": "Authorization"},
            TypeError,
            "give a list",
            id="header-string",
        ),
        pytest.param(
            {"origins": [SHOP], "max_age": -1}, ValueError, "whole seconds", id="max-age"
        ),
        pytest.param(
            {"origins": [SHOP], "credentials": "yes"},
            TypeError,
            "True or False",
            id="credentials-str",
        ),
    ],
)
def test_a_bad_setting_is_refused_with_what_to_write(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        CORSPolicy(**options)


def test_cors_is_set_once_per_scope(app: App) -> None:
    app.cors([SHOP])
    with pytest.raises(ValueError, match="set twice on the app"):
        app.cors(["https://other.example"])


def test_the_checks_say_the_cors_origins_pass(api_app: App) -> None:
    from framework.security import describe_checks

    route = api_app.router.match("POST", "/api/items").route  # type: ignore[union-attr]
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/items", "HTTP_ORIGIN": SHOP}
    assert describe_checks(Request(environ), api_app.config, route) == [
        "cross-origin: passes from this site and the origins it lists (cors(...) of this scope)"
    ]
