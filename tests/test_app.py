"""App: registration, what views may return, hooks, error handlers, config."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from werkzeug.test import Client

from framework import App, HTTPError, Request, Response, Router, abort, flash, redirect
from framework.routing import RouteError
from framework.testing import TestClient

RETURN_CASES = [
    pytest.param("<b>hi</b>", 200, "text/html; charset=utf-8", b"<b>hi</b>", {}, id="str"),
    pytest.param(b"\x00", 200, "application/octet-stream", b"\x00", {}, id="bytes"),
    pytest.param({"a": 1}, 200, "application/json", b'{"a":1}', {}, id="dict"),
    pytest.param([1, "x"], 200, "application/json", b'[1,"x"]', {}, id="list"),
    pytest.param(("made", 201), 201, "text/html; charset=utf-8", b"made", {}, id="body-status"),
    pytest.param(("", 204), 204, None, b"", {}, id="no-content-has-no-type"),
    pytest.param(
        ({"e": 1}, 422, {"X-Why": "bad"}),
        422,
        "application/json",
        b'{"e":1}',
        {"X-Why": "bad"},
        id="body-status-headers",
    ),
    pytest.param(
        (Response("r", content_type="text/plain"), 202, [("X-A", "1")]),
        202,
        "text/plain",
        b"r",
        {"X-A": "1"},
        id="response-in-tuple",
    ),
    pytest.param(
        Response(b"x", 203, {"X-B": "2"}, "text/csv"),
        203,
        "text/csv",
        b"x",
        {"X-B": "2"},
        id="response",
    ),
]


@pytest.mark.parametrize(("value", "status", "content_type", "body", "headers"), RETURN_CASES)
def test_view_return_values(
    app: App,
    client: TestClient,
    value: Any,
    status: int,
    content_type: str | None,
    body: bytes,
    headers: dict[str, str],
) -> None:
    @app.get("/")
    def view(request: Request) -> Any:
        return value

    response = client.get("/")
    assert response.status_code == status
    assert response.headers.get("Content-Type") == content_type
    assert response.data == body
    for name, header in headers.items():
        assert response.headers[name] == header


def test_wsgi_app_return_value(app: App, client: TestClient) -> None:
    def tiny_wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from a wsgi app"]

    @app.get("/")
    def view(request: Request) -> Any:
        return tiny_wsgi_app

    assert client.get("/").data == b"from a wsgi app"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, r"^view (tests\.)?test_app:.*\.view returned None \(NoneType\); return a str"),
        (42, r"returned 42 \(int\)"),
        (("x", "200"), "with an int status from 200 to 599"),
        ((None, 200), "its body must be a str, bytes, dict, list or Response"),
        (("x", 200, {}, "extra"), r"returned \('x', 200, \{\}, 'extra'\)"),
    ],
)
def test_bad_return_value_is_a_type_error_naming_the_view(
    app: App, value: Any, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/")
    def view(request: Request) -> Any:
        return value

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = app.test_client().get("/")
    assert response.status_code == 500
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is TypeError
    assert re.search(message, str(record.exc_info[1]))
    assert "TypeError" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "why"),
    [
        pytest.param(103, r"status 103 is an interim \(1xx\) response", id="interim"),
        pytest.param(600, "status 600 is not an HTTP status code", id="600"),
        pytest.param(999, "status 999 is not an HTTP status code", id="999"),
    ],
)
def test_a_tuple_with_a_status_out_of_range_is_a_value_error_naming_the_view(
    app: App, status: int, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/")
    def view(request: Request) -> Any:
        return "x", status

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = app.test_client().get("/")
    assert response.status_code == 500
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    message = str(record.exc_info[1])
    assert re.search(
        rf"^view (tests\.)?test_app:.*\.view returned a tuple \('x', {status}\)", message
    )
    assert re.search(why, message)


def test_a_tuple_with_an_unknown_status_in_range_is_sent(app: App) -> None:
    app.get("/")(lambda request: ("x", 299))
    response = app.test_client().get("/")
    assert (response.status, response.data) == ("299 Unknown Status", b"x")


@pytest.fixture
def routed(app: App) -> App:
    @app.get("/items")
    def list_items(request: Request) -> str:
        return "list"

    @app.post("/items")
    def create_item(request: Request) -> tuple[str, int]:
        return "created", 201

    @app.get("/docs/")
    def docs(request: Request) -> str:
        return "docs"

    @app.route("/custom-options", methods=["OPTIONS"])
    def custom_options(request: Request) -> Response:
        return Response(status=204, headers={"Allow": "OPTIONS", "X-Custom": "yes"})

    return app


def test_not_found(routed: App) -> None:
    response = routed.test_client().get("/nothing")
    assert response.status_code == 404
    assert "<h1>404 Not Found</h1>" in response.get_data(as_text=True)


def test_method_not_allowed_lists_allow(routed: App) -> None:
    response = routed.test_client().delete("/items", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.json["error"]["reason"] == "Method Not Allowed"


def test_automatic_options(routed: App) -> None:
    response = routed.test_client().options("/items")
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.data == b""


def test_options_asterisk_lists_every_method_the_app_takes(routed: App) -> None:
    api = Router(name="api")
    api.route("/things", methods=["PUT", "PROPFIND"])(lambda request: "thing")
    routed.include(api, prefix="/api")
    routed.mount("/legacy", where_am_i)  # ANY: no method of its own
    response = routed.test_client().options("*")
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST, PROPFIND, PUT"
    assert response.headers["Content-Length"] == "0"
    assert response.data == b""


def test_options_asterisk_of_an_app_without_routes(app: App) -> None:
    response = app.test_client().options("*")
    assert (response.status_code, response.headers["Allow"]) == (200, "OPTIONS")


def test_other_methods_on_asterisk_are_not_found(routed: App) -> None:
    assert routed.test_client().get("*").status_code == 404


@pytest.mark.parametrize("path", ["/items", "/nothing", "*"])
def test_a_method_no_route_takes_anywhere_is_not_implemented(routed: App, path: str) -> None:
    response = routed.test_client().open(
        path, method="BREW", headers={"Accept": "application/json"}
    )
    assert response.status_code == 501
    assert "Allow" not in response.headers
    error = response.json["error"]
    assert (error["reason"], error["detail"]) == (
        "Not Implemented",
        "this server does not implement the method BREW",
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "CONNECT"])
def test_a_standard_method_the_path_lacks_is_still_a_405(routed: App, method: str) -> None:
    response = routed.test_client().open("/items", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_a_method_some_route_takes_is_a_405_elsewhere(routed: App) -> None:
    routed.route("/files/<path:name>", methods=["PROPFIND"])(lambda request, name: name)
    client = routed.test_client()
    assert client.open("/files/a", method="PROPFIND").status_code == 200
    response = client.open("/items", method="PROPFIND")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.open("/nothing", method="PROPFIND").status_code == 404


def test_an_any_route_takes_an_unknown_method_and_a_handler_may_answer_501(app: App) -> None:
    app.route("/hook", methods=["ANY"])(lambda request: request.method)
    app.errorhandler(501)(lambda request, error: ("no such method here", 501))
    client = app.test_client()
    assert client.open("/hook", method="BREW").text == "BREW"
    response = client.open("/elsewhere", method="BREW")
    assert (response.status_code, response.text) == (501, "no such method here")


def test_route_may_define_options_itself(routed: App) -> None:
    response = routed.test_client().options("/custom-options")
    assert response.headers["X-Custom"] == "yes"


def test_head_is_get_without_body(routed: App) -> None:
    client = routed.test_client()
    get, head = client.get("/items"), client.head("/items")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == "4"
    assert head.data == b""


def test_trailing_slash_redirect_keeps_query(routed: App) -> None:
    response = routed.test_client().get("/docs?page=2&q=a%20b")
    assert response.status_code == 308
    assert response.headers["Location"] == "/docs/?page=2&q=a%20b"


def test_trailing_slash_redirect_includes_script_name(routed: App) -> None:
    response = routed.test_client().get("/docs", environ_overrides={"SCRIPT_NAME": "/mount"})
    assert response.headers["Location"] == "/mount/docs/"


def test_redirect_location_cannot_name_another_host(app: App) -> None:
    @app.get("/<name>/")
    def view(request: Request, name: str) -> str:
        return name

    # "/\\evil.com" would be read as "//evil.com" by browsers: it must be encoded.
    response = app.test_client().get(environ_overrides={"PATH_INFO": "/\\evil.com"})
    assert response.status_code == 308
    assert response.headers["Location"] == "/%5Cevil.com/"


def test_routes_and_url_for(app: App) -> None:
    @app.route("/users/<int:user_id>", methods=["GET", "PUT"], name="user")
    def user(request: Request, user_id: int) -> str:
        return str(user_id)

    [route] = app.routes
    assert route.methods == {"GET", "PUT"}
    assert (route.pattern, route.name, route.view) == ("/users/<int:user_id>", "user", user)
    assert app.url_for("user", user_id=3) == "/users/3"
    assert app.url_for("user", user_id=3, name="x") == "/users/3?name=x"


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts(app: App, method: str) -> None:
    @getattr(app, method)("/thing")
    def thing(request: Request) -> str:
        return request.method

    response = app.test_client().open("/thing", method=method.upper())
    assert response.status_code == 200
    assert response.data == method.upper().encode()
    assert app.routes[0].methods == {method.upper()}


def test_included_router_is_served(app: App) -> None:
    api = Router(name="api")

    @api.get("/items/<item_id>")
    def item(request: Request, item_id: str) -> dict[str, str]:
        return {"item": item_id, "route": request.route.name}  # type: ignore[union-attr]

    app.include(api, prefix="/v1")
    client = app.test_client()
    assert client.get("/v1/items/9").json == {"item": "9", "route": "api.item"}
    assert client.post("/v1/items/9").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_hooks_run_in_order_and_after_hooks_see_the_response(app: App) -> None:
    calls = []

    @app.before_request
    def first(request: Request) -> None:
        calls.append("before-1")

    @app.before_request
    def second(request: Request) -> None:
        calls.append("before-2")

    @app.after_request
    def outer(request: Request, response: Response) -> Response:
        calls.append("after-outer")
        response.headers["X-Outer"] = "1"
        return response

    @app.after_request
    def inner(request: Request, response: Response) -> Response:
        calls.append("after-inner")
        return response

    @app.get("/")
    def view(request: Request) -> str:
        calls.append("view")
        return "ok"

    response = app.test_client().get("/")
    assert calls == ["before-1", "before-2", "view", "after-inner", "after-outer"]
    assert response.headers["X-Outer"] == "1"


def test_before_request_can_answer_early(app: App) -> None:
    @app.before_request
    def guard(request: Request) -> Any:
        if "X-Token" not in request.headers:
            return {"error": "token needed"}, 401
        return None

    @app.get("/")
    def view(request: Request) -> str:
        return "secret"

    client = app.test_client()
    denied = client.get("/")
    assert (denied.status_code, denied.json) == (401, {"error": "token needed"})
    assert client.get("/", headers={"X-Token": "t"}).data == b"secret"


def test_after_request_sees_error_pages(app: App) -> None:
    @app.after_request
    def tag(request: Request, response: Response) -> Response:
        response.headers["X-Seen"] = str(response.status)
        return response

    assert app.test_client().get("/missing").headers["X-Seen"] == "404"


def test_after_request_returning_none_is_a_500_naming_the_hook(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.after_request
    def forgetful(request: Request, response: Response) -> None:
        return None

    @app.get("/")
    def view(request: Request) -> str:
        return "ok"

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = app.test_client().get("/")
    assert response.status_code == 500
    assert re.search(
        r"after_request hook (tests\.)?test_app:.*\.forgetful returned None", caplog.text
    )


def register_page_missing(app: App) -> None:
    @app.errorhandler(404)
    def page_missing(request: Request, error: HTTPError) -> Any:
        return 42


def register_refusing_hook(app: App) -> None:
    @app.before_request
    def refuse(request: Request) -> Any:
        return ("no", "403")


def register_crash_handler(app: App) -> None:
    @app.errorhandler(ZeroDivisionError)
    def on_crash(request: Request, error: Exception) -> Any:
        return None

    app.get("/crash")(lambda request: 1 // 0)


def register_500_handler(app: App) -> None:
    @app.errorhandler(500)
    def on_500(request: Request, error: HTTPError) -> Any:
        return object()

    app.get("/crash")(lambda request: 1 // 0)


@pytest.mark.parametrize(
    ("register", "path", "message"),
    [
        pytest.param(
            register_page_missing,
            "/nowhere",
            r"^error handler (tests\.)?test_app:.*\.page_missing for 404 returned 42 \(int\)",
            id="status-handler",
        ),
        pytest.param(
            register_refusing_hook,
            "/",
            r"^before_request hook (tests\.)?test_app:.*\.refuse returned a tuple",
            id="before-request-hook",
        ),
        pytest.param(
            register_crash_handler,
            "/crash",
            r"^error handler (tests\.)?test_app:.*\.on_crash for ZeroDivisionError returned None",
            id="exception-handler",
        ),
        pytest.param(
            register_500_handler,
            "/crash",
            r"^error handler (tests\.)?test_app:.*\.on_500 for 500 returned <object",
            id="500-handler",
        ),
    ],
)
def test_bad_return_value_names_the_hook_or_handler(
    app: App, caplog: pytest.LogCaptureFixture, register: Any, path: str, message: str
) -> None:
    register(app)
    with caplog.at_level(logging.ERROR, logger="framework"):
        response = app.test_client().get(path)
    assert response.status_code == 500
    assert "TypeError" not in response.get_data(as_text=True)
    error = caplog.records[-1].exc_info[1]  # type: ignore[index]
    assert isinstance(error, TypeError)
    assert re.search(message, str(error)), str(error)


class AppError(Exception):
    pass


class PaymentError(AppError):
    pass


def test_status_error_handler(app: App) -> None:
    @app.errorhandler(404)
    def not_found(request: Request, error: HTTPError) -> tuple[str, int]:
        return f"custom 404 for {request.path}", 404

    response = app.test_client().get("/nope")
    assert (response.status_code, response.data) == (404, b"custom 404 for /nope")


def test_error_handler_keeps_the_error_headers(app: App) -> None:
    @app.errorhandler(405)
    def not_allowed(request: Request, error: HTTPError) -> tuple[str, int]:
        return "nope", 405

    @app.get("/")
    def view(request: Request) -> str:
        return "ok"

    response = app.test_client().post("/")
    assert response.data == b"nope"
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_nearest_exception_handler_wins(app: App) -> None:
    @app.errorhandler(AppError)
    def app_error(request: Request, error: Exception) -> tuple[str, int]:
        return "app error", 500

    @app.errorhandler(PaymentError)
    def payment_error(request: Request, error: Exception) -> tuple[str, int]:
        return f"payment: {error}", 402

    @app.get("/pay")
    def pay(request: Request) -> str:
        raise PaymentError("card declined")

    @app.get("/other")
    def other(request: Request) -> str:
        raise AppError("x")

    client = app.test_client()
    assert (client.get("/pay").status_code, client.get("/pay").data) == (
        402,
        b"payment: card declined",
    )
    assert client.get("/other").data == b"app error"


def test_http_error_class_handler_catches_all_http_errors(app: App) -> None:
    @app.errorhandler(HTTPError)
    def any_http_error(request: Request, error: HTTPError) -> tuple[dict[str, Any], int]:
        return {"status": error.status}, error.status

    @app.get("/teapot")
    def teapot(request: Request) -> str:
        abort(418)

    client = app.test_client()
    assert client.get("/teapot").json == {"status": 418}
    assert client.get("/missing").json == {"status": 404}


def test_unhandled_exception_is_a_logged_500_without_traceback(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom")
    def boom(request: Request) -> str:
        raise ZeroDivisionError("secret internals")

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body and "secret internals" not in body
    [record] = caplog.records
    assert record.name == "framework"
    assert "GET /boom" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_debug_shows_the_traceback(app: App, caplog: pytest.LogCaptureFixture) -> None:
    app.config["DEBUG"] = True

    @app.get("/boom")
    def boom(request: Request) -> str:
        raise ZeroDivisionError("visible in debug")

    with caplog.at_level(logging.CRITICAL, logger="framework"):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" in body and "visible in debug" in body


def test_500_handler_gets_the_original_exception(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.errorhandler(500)
    def server_error(request: Request, error: HTTPError) -> tuple[str, int]:
        assert error.original is error.__cause__
        return f"sorry ({type(error.original).__name__})", 500

    @app.get("/boom")
    def boom(request: Request) -> str:
        raise KeyError("k")

    with caplog.at_level(logging.CRITICAL, logger="framework"):
        assert app.test_client().get("/boom").data == b"sorry (KeyError)"


def test_an_http_error_raised_by_a_view_has_no_original(app: App) -> None:
    seen: list[object] = []

    @app.errorhandler(500)
    def server_error(request: Request, error: HTTPError) -> tuple[str, int]:
        seen.append(error.original)
        return "sorry", 500

    @app.get("/boom")
    def boom(request: Request) -> str:
        raise HTTPError(500)

    assert app.test_client().get("/boom").status_code == 500
    assert seen == [None]


def test_failing_error_handler_gives_a_plain_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.errorhandler(404)
    def broken(request: Request, error: HTTPError) -> str:
        raise RuntimeError("handler bug")

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = app.test_client().get("/missing")
    assert response.status_code == 500
    assert "handler bug" in caplog.text
    assert "handler bug" not in response.get_data(as_text=True)


# --- Redirects: the request's own host, or a 400 ---


@pytest.fixture
def redirecting(app: App) -> App:
    """An app whose /go redirects wherever ?to= says, as an unchecked ?next= would."""

    @app.get("/go")
    def go(request: Request) -> Response:
        return redirect(request.query["to"], int(request.query.get("status", "302")))

    return app


@pytest.mark.parametrize(
    ("to", "host"),
    [
        pytest.param("http://localhost/next", "localhost", id="absolute"),
        pytest.param("https://localhost/next", "localhost", id="other-scheme-same-host"),
        pytest.param("//localhost/next?a=1", "localhost", id="scheme-relative"),
        pytest.param("http://LOCALHOST:80/next", "localhost", id="default-port-and-case"),
        pytest.param("http://localhost/next", "LocalHost", id="host-header-case"),
        pytest.param("http://shop.example:8443/", "shop.example:8443", id="port"),
    ],
)
def test_redirect_to_the_requests_own_host_passes(redirecting: App, to: str, host: str) -> None:
    response = redirecting.test_client().get(
        "/go", query_string={"to": to, "status": "307"}, headers={"Host": host}
    )
    assert response.status_code == 307
    assert response.headers["Location"] == to


@pytest.mark.parametrize(
    "to",
    [
        pytest.param("https://evil.com/", id="absolute"),
        pytest.param("//evil.com", id="scheme-relative"),
        pytest.param("/\\evil.com", id="slash-backslash"),
        pytest.param("/\t/evil.com", id="tab"),
        pytest.param("https:evil.com", id="scheme-without-slashes"),
        pytest.param("http://localhost.evil.com/", id="our-name-as-a-prefix"),
        pytest.param("http://localhost@evil.com/", id="our-name-as-user-info"),
        pytest.param("http://localhost:8000/", id="another-port"),
        pytest.param("javascript:alert(1)", id="javascript"),
    ],
)
def test_redirect_off_site_is_a_400_and_a_warning(
    redirecting: App, caplog: pytest.LogCaptureFixture, to: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="framework"):
        response = redirecting.test_client().get("/go", query_string={"to": to})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirected to another site" in response.text
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "refused a redirect for GET /go" in record.getMessage()


def test_off_site_redirect_400_is_json_for_json_clients_and_meets_400_handlers(
    redirecting: App,
) -> None:
    client = redirecting.test_client()
    response = client.get(
        "/go", query_string={"to": "//evil.com"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400

    @redirecting.errorhandler(400)
    def refused(request: Request, error: HTTPError) -> Any:
        return {"refused": error.detail}, 400

    response = client.get("/go", query_string={"to": "//evil.com"})
    assert response.json == {"refused": "this request asks to be redirected to another site"}


def test_redirect_to_the_own_host_keeps_the_session_and_after_request_hooks(app: App) -> None:
    app.config["SECRET_KEY"] = "test key"

    @app.post("/save")
    def save(request: Request) -> Response:
        flash(request, "Saved")
        return redirect(request.url_for("done", _external=True), 303)

    @app.get("/done")
    def done(request: Request) -> str:
        return "done"

    @app.after_request
    def mark(request: Request, response: Response) -> Response:
        response.headers["X-Seen"] = "yes"
        return response

    response = app.test_client().post("/save")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/done"
    assert response.headers["X-Seen"] == "yes"
    assert response.headers["Set-Cookie"].startswith("session=")


def test_errorhandler_keys_are_checked(app: App) -> None:
    with pytest.raises(TypeError, match="status code from 400 to 599 or an exception class"):
        app.errorhandler(200)
    with pytest.raises(TypeError):
        app.errorhandler("404")  # type: ignore[arg-type]
    app.errorhandler(404)(lambda request, error: "x")
    with pytest.raises(ValueError, match="registered twice"):
        app.errorhandler(404)(lambda request, error: "y")


def test_default_config(app: App) -> None:
    assert app.config["DEBUG"] is False
    assert app.config["SECRET_KEY"] is None
    assert app.config["MAX_BODY_SIZE"] == 16 * 1024 * 1024
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert app.config["SESSION_MAX_AGE"] == 31 * 24 * 3600
    assert app.config["STATIC_DOTFILES"] is False
    assert App("other").config is not app.config


def test_max_body_size_comes_from_config(app: App) -> None:
    app.config["MAX_BODY_SIZE"] = 10

    @app.post("/")
    def view(request: Request) -> str:
        return str(len(request.body))

    client = app.test_client()
    assert client.post("/", data=b"x" * 10).data == b"10"
    assert client.post("/", data=b"x" * 11).status_code == 413


def test_test_client_is_a_werkzeug_client(app: App) -> None:
    client = app.test_client()
    assert isinstance(client, Client)
    assert client.app is app


def test_app_is_a_wsgi_callable(app: App) -> None:
    @app.get("/")
    def view(request: Request) -> str:
        return "hi"

    seen = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "x",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    body = app(environ, lambda status, headers, exc_info=None: seen.append(status))
    assert seen == ["200 OK"]
    assert list(body) == [b"hi"]


def test_propagate_exceptions_lets_a_debugger_see_them(app: App) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.get("/boom")
    def boom(request: Request) -> str:
        raise KeyError("for the debugger")

    @app.get("/missing")
    def missing(request: Request) -> str:
        abort(404)

    client = Client(app)
    with pytest.raises(KeyError, match="for the debugger"):
        client.get("/boom")
    assert client.get("/missing").status_code == 404  # HTTP errors are still pages


def where_am_i(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A bare WSGI app that says what PEP 3333 told it."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    text = f"{environ['REQUEST_METHOD']} {environ['SCRIPT_NAME']!r} {environ['PATH_INFO']!r}"
    return [text.encode()]


@pytest.mark.parametrize(
    ("path", "seen"),
    [
        ("/legacy", "GET '/legacy' ''"),
        ("/legacy/", "GET '/legacy' '/'"),
        ("/legacy/a/b", "GET '/legacy' '/a/b'"),
        ("/legacy/caf%C3%A9", "GET '/legacy' '/caf\u00c3\u00a9'"),
    ],
)
def test_a_mounted_wsgi_app_sees_the_path_shifted(app: App, path: str, seen: str) -> None:
    app.mount("/legacy", where_am_i)
    app.get("/legacyx")(lambda request: "not under the prefix")
    client = app.test_client()
    assert client.get(path).text == seen
    assert client.get("/legacyx").text == "not under the prefix"


def test_a_mount_takes_every_method_and_skips_the_apps_hooks(app: App) -> None:
    seen: list[str] = []
    app.before_request(lambda request: seen.append(request.path))
    app.mount("/legacy/", where_am_i)
    client = app.test_client()
    assert client.patch("/legacy/x").text == "PATCH '/legacy' '/x'"
    assert client.delete("/legacy").text == "DELETE '/legacy' ''"
    assert seen == []


def test_another_app_mounted_builds_its_links_under_the_prefix(app: App) -> None:
    shop = App("shop")

    @shop.get("/items/<int:n>")
    def item(request: Request, n: int) -> dict[str, Any]:
        return {"n": n, "self": request.url_for("item", n=n)}

    app.mount("/shop", shop)
    response = app.test_client().get("/shop/items/7")
    assert response.json == {"n": 7, "self": "/shop/items/7"}
    assert app.test_client().get("/shop/nothing").status_code == 404


def test_mounts_are_checked_against_the_routes(app: App) -> None:
    app.get("/api/items")(lambda request: "items")
    with pytest.raises(RouteError, match="cannot mount a WSGI app at /api"):
        app.mount("/api", where_am_i)
    app.mount("/legacy", where_am_i)
    with pytest.raises(RouteError, match="under /legacy, where a WSGI app is mounted"):
        app.get("/legacy/new", name="new")(lambda request: "new")
    with pytest.raises(RouteError, match="static text"):
        app.mount("/files/<name>", where_am_i)
    with pytest.raises(RouteError, match="would take every path"):
        app.mount("/", where_am_i)
    with pytest.raises(TypeError, match="needs a WSGI application"):
        app.mount("/x", "not an app")  # type: ignore[arg-type]


def test_a_router_with_a_mount_is_included_under_its_prefix(app: App) -> None:
    legacy = Router(name="legacy")
    legacy.mount("/old", where_am_i)
    app.include(legacy, prefix="/v1")
    assert [route.pattern for route in app.routes] == ["/v1/old"]
    assert app.test_client().get("/v1/old/a").text == "GET '/v1/old' '/a'"


def test_run_serves_the_app_with_the_development_server(
    app: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, object]] = []

    def fake_run_simple(host: str, port: int, served: object, **options: object) -> None:
        calls.append({"host": host, "port": port, "app": served, **options})

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    app.run()
    assert calls == [
        {
            "host": "127.0.0.1",
            "port": 8000,
            "app": app,
            "use_reloader": False,
            "use_debugger": False,
            "threaded": True,
        }
    ]
    assert capsys.readouterr().out == (
        f"Serving {app.import_name} at http://127.0.0.1:8000/ (press CTRL+C to quit)\n"
    )
    assert not app.config.get("DEBUG")


def test_run_with_debug_serves_the_debugger_and_the_inspector(
    app: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from framework.inspector import Inspector

    calls: list[dict[str, object]] = []

    def fake_run_simple(host: str, port: int, served: object, **options: object) -> None:
        calls.append({"host": host, "port": port, "app": served, **options})

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    app.run(host="::1", port=5005, debug=True, reload=True)
    [call] = calls
    served = call.pop("app")
    assert isinstance(served, Inspector) and served.app is app
    assert call == {
        "host": "::1",
        "port": 5005,
        "use_reloader": True,
        "use_debugger": True,
        "threaded": True,
    }
    assert app.config["DEBUG"] is True
    assert "http://[::1]:5005/_framework/" in capsys.readouterr().out


def test_run_refuses_debug_on_a_public_address(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **kwargs: None)
    with pytest.raises(ValueError, match=r"refusing --debug on 0\.0\.0\.0"):
        app.run(host="0.0.0.0", debug=True)


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        pytest.param(
            "from framework import jsonify",
            ImportError,
            "framework has no jsonify (Flask's); return a dict or list from the view: "
            "it is sent as JSON",
            id="from-framework-import-jsonify",
        ),
        pytest.param(
            "import framework; framework.render_template",
            AttributeError,
            "framework has no render_template (Flask's); "
            "use framework.render(request, template, **context)",
            id="framework-dot-render-template",
        ),
        pytest.param(
            "from framework import Blueprint",
            ImportError,
            "framework has no Blueprint (Flask's); "
            'use framework.Router(name="...") and app.include(router, prefix="/...")',
            id="blueprint",
        ),
        pytest.param(
            "from framework import request; request.args",
            AttributeError,
            "framework.request is a module, not the current request: a view gets the "
            "request as its first argument, def view(request): ..., and reads request.query",
            id="the-request-module",
        ),
        pytest.param(
            "from framework import request; request.method",
            AttributeError,
            "framework.request is a module, not the current request: a view gets the "
            "request as its first argument, def view(request): ..., and reads request.method",
            id="the-request-module-method",
        ),
    ],
)
def test_flask_names_say_what_to_use_here(code: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        exec(code, {})
    assert str(caught.value) == message


def test_other_missing_names_fail_as_python_says() -> None:
    import framework
    import framework.request

    assert not hasattr(framework, "jsonify")
    assert not hasattr(framework.request, "args")
    with pytest.raises(AttributeError, match=r"^module 'framework' has no attribute 'nope'$"):
        framework.nope  # noqa: B018
    with pytest.raises(ImportError, match=r"^cannot import name 'nope' from 'framework'"):
        exec("from framework import nope", {})


def test_flask_attributes_of_the_app_point_at_its_config(app: App) -> None:
    with pytest.raises(AttributeError) as caught:
        app.secret_key = "k"
    assert str(caught.value) == 'app.secret_key = ...: set app.config["SECRET_KEY"] instead'
    with pytest.raises(AttributeError) as caught:
        app.debug = True
    assert str(caught.value) == 'app.debug = ...: set app.config["DEBUG"] instead'
    with pytest.raises(AttributeError) as caught:
        app.secret_key  # noqa: B018
    assert str(caught.value) == 'App has no secret_key (Flask\'s); use app.config["SECRET_KEY"]'
    with pytest.raises(AttributeError) as caught:
        app.testing = True
    assert str(caught.value) == (
        'app.testing = ...: use app.test_client(); app.config["PROPAGATE_EXCEPTIONS"] = True '
        "lets a view's exception reach the test"
    )
    assert app.config["SECRET_KEY"] is None
    assert not hasattr(app, "secret_key")


def test_other_attributes_of_the_app_can_be_set(app: App) -> None:
    app.links = {"home": "/"}  # type: ignore[attr-defined]
    app.template_folder = "pages"
    assert (app.links, app.template_folder) == ({"home": "/"}, "pages")  # type: ignore[attr-defined]


def test_flask_g_points_at_request_state() -> None:
    import framework

    with pytest.raises(AttributeError, match=r"framework has no g \(Flask's\); use request.state"):
        framework.g  # noqa: B018


@pytest.mark.parametrize(
    ("name", "pointer"),
    [
        ("jinja_env", "use app.templates"),
        ("url_map", "use app.routes"),
        ("json", "return a dict or list"),
        ("root_path", "use app.import_name"),
    ],
)
def test_more_flask_attributes_of_the_app_say_what_to_use(
    app: App, name: str, pointer: str
) -> None:
    with pytest.raises(AttributeError, match=f"App has no {name} \\(Flask's\\); {pointer}"):
        getattr(app, name)
    with pytest.raises(AttributeError, match=f"app.{name} = ...: {pointer}"):
        setattr(app, name, None)


def test_flasks_original_exception_points_at_original() -> None:
    with pytest.raises(AttributeError, match=r"use error.original"):
        HTTPError(500).original_exception  # noqa: B018
