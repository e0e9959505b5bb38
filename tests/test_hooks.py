"""Hooks and error handlers by scope: the app's cover every request, a router's its own."""

from __future__ import annotations

from typing import Any

import pytest

from framework import App, HTTPError, Request, Response, Router, abort


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def site(app: App, calls: list[str]) -> App:
    """An app with a page of its own and an api router (with a nested v2) under /api."""
    api = Router(name="api")
    v2 = Router(name="v2")

    @app.get("/")
    def home(request: Request) -> str:
        calls.append("view:home")
        return "home"

    @api.route("/items", methods=["GET", "POST"])
    def items(request: Request) -> dict[str, Any]:
        calls.append("view:items")
        return {"items": []}

    @api.get("/fail")
    def fail(request: Request) -> str:
        raise ValueError("api view failed")

    @v2.get("/things")
    def things(request: Request) -> str:
        calls.append("view:things")
        return "things"

    for scope_name, scope in (("app", app), ("api", api), ("v2", v2)):
        scope.before_request(_recorder(calls, f"before:{scope_name}"))
        scope.after_request(_after_recorder(calls, f"after:{scope_name}"))

    api.include(v2, prefix="/v2")
    app.include(api, prefix="/api")
    return app


def _recorder(calls: list[str], label: str) -> Any:
    def hook(request: Request) -> None:
        calls.append(label)

    return hook


def _after_recorder(calls: list[str], label: str) -> Any:
    def hook(request: Request, response: Response) -> Response:
        calls.append(label)
        response.headers.add("X-Seen-By", label.split(":")[1])
        return response

    return hook


HOOK_ORDER_CASES = [
    pytest.param(
        "/", 200, ["before:app", "view:home", "after:app"], ["app"], id="app-route-app-hooks-only"
    ),
    pytest.param(
        "/api/items",
        200,
        ["before:app", "before:api", "view:items", "after:api", "after:app"],
        ["api", "app"],
        id="router-route-outside-in-then-inside-out",
    ),
    pytest.param(
        "/api/v2/things",
        200,
        [
            "before:app",
            "before:api",
            "before:v2",
            "view:things",
            "after:v2",
            "after:api",
            "after:app",
        ],
        ["v2", "api", "app"],
        id="nested-router",
    ),
    pytest.param(
        "/api/nothing",
        404,
        ["before:app", "before:api", "after:api", "after:app"],
        ["api", "app"],
        id="404-under-prefix-is-the-routers",
    ),
    pytest.param(
        "/nothing", 404, ["before:app", "after:app"], ["app"], id="404-elsewhere-is-the-apps"
    ),
]


@pytest.mark.parametrize(("path", "status", "order", "seen_by"), HOOK_ORDER_CASES)
def test_hooks_run_for_their_scope_only(
    site: App, calls: list[str], path: str, status: int, order: list[str], seen_by: list[str]
) -> None:
    response = site.test_client().get(path)
    assert response.status_code == status
    assert calls == order
    assert response.headers.getlist("X-Seen-By") == seen_by


def test_router_before_request_can_answer_for_its_routes_only(app: App) -> None:
    admin = Router(name="admin")

    @admin.get("/panel")
    def panel(request: Request) -> str:
        return "secret panel"

    @admin.before_request
    def require_login(request: Request) -> Any:
        if request.headers.get("X-User") != "root":
            return "log in first", 401
        return None

    @app.get("/public")
    def public(request: Request) -> str:
        return "public"

    app.include(admin, prefix="/admin")
    client = app.test_client()
    assert (client.get("/admin/panel").status_code, client.get("/admin/panel").data) == (
        401,
        b"log in first",
    )
    assert client.get("/admin/panel", headers={"X-User": "root"}).data == b"secret panel"
    assert client.get("/public").data == b"public"


def test_router_error_handler_answers_for_its_prefix(app: App) -> None:
    api = Router(name="api")

    @api.get("/items/<int:item_id>")
    def item(request: Request, item_id: int) -> dict[str, int]:
        if item_id > 10:
            abort(404, f"no item {item_id}")
        return {"id": item_id}

    @api.errorhandler(404)
    def api_not_found(request: Request, error: HTTPError) -> Any:
        return {"error": error.detail or "no such endpoint"}, 404

    @app.errorhandler(404)
    def page_not_found(request: Request, error: HTTPError) -> Any:
        return "<h1>Page not found</h1>", 404

    app.include(api, prefix="/api")
    client = app.test_client()
    raised = client.get("/api/items/11")
    assert (raised.status_code, raised.json) == (404, {"error": "no item 11"})
    unrouted = client.get("/api/unknown")
    assert (unrouted.status_code, unrouted.json) == (404, {"error": "no such endpoint"})
    elsewhere = client.get("/unknown")
    assert (elsewhere.status_code, elsewhere.data) == (404, b"<h1>Page not found</h1>")


def test_router_405_keeps_allow_even_with_a_router_handler(app: App) -> None:
    api = Router(name="api")
    api.add_route("/items", lambda request: "items", ["GET", "POST"], name="items")

    @api.errorhandler(405)
    def not_allowed(request: Request, error: HTTPError) -> Any:
        return {"error": "method"}, 405

    app.include(api, prefix="/api")
    response = app.test_client().delete("/api/items")
    assert response.status_code == 405
    assert response.json == {"error": "method"}
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_405_under_a_prefix_without_handlers_matches_the_apps(app: App) -> None:
    api = Router(name="api")
    api.add_route("/items", lambda request: "items", ["GET"], name="items")
    app.include(api, prefix="/api")
    response = app.test_client().post("/api/items")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    options = app.test_client().options("/api/items")
    assert (options.status_code, options.headers["Allow"]) == (204, "GET, HEAD, OPTIONS")


def test_router_exception_handler_covers_its_views_not_the_apps(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    api = Router(name="api")

    @api.get("/fail")
    def api_fail(request: Request) -> str:
        raise ValueError("api view failed")

    @api.errorhandler(ValueError)
    def bad_value(request: Request, error: ValueError) -> Any:
        return f"handled: {error}", 400

    @app.get("/fail")
    def app_fail(request: Request) -> str:
        raise ValueError("app view failed")

    app.include(api, prefix="/api")
    client = app.test_client()
    handled = client.get("/api/fail")
    assert (handled.status_code, handled.data) == (400, b"handled: api view failed")
    assert client.get("/fail").status_code == 500
    assert "app view failed" in caplog.text
    assert "api view failed" not in caplog.text


def test_hooks_added_to_a_router_after_include_still_apply(app: App) -> None:
    api = Router(name="api")
    api.add_route("/x", lambda request: "x", name="x")
    app.include(api, prefix="/api")

    @api.after_request
    def tag(request: Request, response: Response) -> Response:
        response.headers["X-Api"] = "yes"
        return response

    client = app.test_client()
    assert client.get("/api/x").headers["X-Api"] == "yes"


def test_innermost_handler_wins_over_the_apps(app: App) -> None:
    api = Router(name="api")

    @api.get("/boom")
    def boom(request: Request) -> str:
        raise KeyError("k")

    @api.errorhandler(HTTPError)
    def api_errors(request: Request, error: HTTPError) -> Any:
        return {"status": error.status}, error.status

    @api.errorhandler(500)
    def api_500(request: Request, error: HTTPError) -> Any:
        return {"status": 500, "cause": type(error.__cause__).__name__}, 500

    @app.errorhandler(404)
    def app_404(request: Request, error: HTTPError) -> Any:
        return "app 404", 404

    app.include(api, prefix="/api")
    client = app.test_client()
    assert client.get("/api/missing").json == {"status": 404}
    assert client.get("/api/boom").json == {"status": 500, "cause": "KeyError"}
    assert client.get("/missing").data == b"app 404"


def test_router_error_handler_keys_are_checked() -> None:
    router = Router(name="r")
    with pytest.raises(TypeError, match="status code from 400 to 599"):
        router.errorhandler(302)
    router.errorhandler(KeyError)(lambda request, error: "x")
    with pytest.raises(ValueError, match="registered twice"):
        router.errorhandler(KeyError)(lambda request, error: "y")


def forgot_request() -> None:
    return None


def forgot_response(request: Any) -> Any:
    return None


def needs_more(request: Any, error: Any, extra: Any) -> Any:
    return None


def test_hooks_and_handlers_that_cannot_be_called_are_refused_at_registration(
    app: App,
) -> None:
    with pytest.raises(TypeError) as caught:
        app.before_request(forgot_request)
    assert str(caught.value) == (
        f"before_request hook {__name__}:forgot_request must be "
        "def forgot_request(request): ... (it does not take request)"
    )
    with pytest.raises(TypeError) as caught:
        app.after_request(forgot_response)
    assert str(caught.value) == (
        f"after_request hook {__name__}:forgot_response must be "
        "def forgot_response(request, response): ... (it does not take response)"
    )
    with pytest.raises(TypeError) as caught:
        Router(name="api").errorhandler(404)(needs_more)
    assert str(caught.value) == (
        f"errorhandler(404) {__name__}:needs_more must be "
        "def needs_more(request, error): ... (it also needs extra, which nothing passes)"
    )
    with pytest.raises(TypeError) as caught:
        app.errorhandler(ValueError)(lambda: None)
    assert str(caught.value).endswith(
        "must be def handler(request, error): ... (it does not take request, error)"
    )
    assert app.hooks.before == app.hooks.after == []
    assert app.hooks.exception_handlers == {}


def test_hooks_with_any_names_defaults_or_no_signature_are_accepted(app: App) -> None:
    app.before_request(lambda req, *rest: None)
    app.after_request(lambda request, response, extra=None: response)
    app.errorhandler(404)(lambda request, error, **options: Response("gone", status=404))
    app.before_request(print)  # a builtin: nothing to inspect, taken on trust
    assert len(app.hooks.before) == 2
    assert app.test_client().get("/nowhere").text == "gone"
