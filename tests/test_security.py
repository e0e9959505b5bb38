"""The protections on by default: cross-origin requests, Host, clean paths, response headers."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from werkzeug.test import Client
from werkzeug.utils import send_file
from werkzeug.wrappers import Response as WerkzeugResponse

from framework import App, HTTPError, Request, Response, Router, render_string
from framework.security import DEFAULT_SECURITY_HEADERS, cross_origin_refusal, log_text

FORM = {"name": "ann"}


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def site(app: App, calls: list[str]) -> App:
    """An app with a form, an opted-out webhook, an API router and a mounted app."""

    @app.before_request
    def note(request: Request) -> None:
        calls.append(f"hook {request.path}")

    @app.route("/form", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def form(request: Request) -> str:
        calls.append(f"view {request.method}")
        return "done"

    @app.post("/hooks/payment", allow_cross_origin=True)
    def payment(request: Request) -> str:
        return "paid"

    api = Router(name="api", allow_cross_origin=True)

    @api.post("/tokens")
    def tokens(request: Request) -> str:
        return "token"

    app.include(api, prefix="/api")

    def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Frame-Options", "DENY")])
        return [b"legacy"]

    app.mount("/legacy", legacy)
    app.mount("/open", legacy, allow_cross_origin=True)
    return app


def post(app: App, path: str = "/form", method: str = "POST", **headers: str) -> Any:
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    return app.test_client().open(path, method=method, data=FORM, headers=named)


# Cross-origin protection


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 200, id="neither-header-not-a-browser"),
        pytest.param({"Sec-Fetch-Site": "same-origin"}, 200, id="sec-fetch-same-origin"),
        pytest.param({"Sec-Fetch-Site": "none"}, 200, id="sec-fetch-none-typed-by-the-user"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, 403, id="sec-fetch-same-site-sibling"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, 403, id="sec-fetch-cross-site"),
        pytest.param(
            {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
            403,
            id="sec-fetch-wins-over-origin",
        ),
        pytest.param({"Origin": "http://localhost"}, 200, id="origin-same-host"),
        pytest.param({"Origin": "http://LOCALHOST:80"}, 200, id="origin-default-port"),
        pytest.param({"Origin": "https://localhost"}, 200, id="origin-same-host-other-scheme"),
        pytest.param({"Origin": "http://localhost:8080"}, 403, id="origin-other-port"),
        pytest.param({"Origin": "http://evil.example"}, 403, id="origin-other-host"),
        pytest.param({"Origin": "http://localhost.evil.example"}, 403, id="origin-lookalike"),
        pytest.param({"Origin": "null"}, 403, id="origin-null"),
        pytest.param({"Origin": "not a url"}, 403, id="origin-malformed"),
    ],
)
def test_a_browser_may_not_post_from_another_origin(
    site: App, calls: list[str], headers: dict[str, str], status: int
) -> None:
    response = site.test_client().post("/form", data=FORM, headers=headers)
    assert response.status_code == status
    # Refused before the before_request hooks and the view: nothing ran.
    assert calls == (["hook /form", "view POST"] if status == 200 else [])


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_method_that_changes_things_is_checked(site: App, method: str) -> None:
    assert post(site, method=method, Sec_Fetch_Site="cross-site").status_code == 403


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reading_from_another_origin_is_allowed(site: App, method: str) -> None:
    response = site.test_client().open(
        "/form", method=method, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code in (200, 204)


def test_the_refusal_says_why_in_the_page_and_the_log(
    site: App, caplog: pytest.LogCaptureFixture
) -> None:
    client = site.test_client()
    with caplog.at_level(logging.WARNING, logger="framework"):
        page = client.post("/form", headers={"Origin": "https://evil.example"})
    assert page.status_code == 403
    assert page.mimetype == "text/html"
    assert "cross-origin POST refused" in page.text
    assert "https://evil.example" in page.text  # escaped, like every detail
    assert "TRUSTED_ORIGINS" in page.text
    assert "refused a cross-origin POST /form: Origin 'https://evil.example'" in caplog.text
    data = client.post(
        "/form", headers={"Sec-Fetch-Site": "same-site", "Accept": "application/json"}
    ).json
    assert data["error"]["status"] == 403
    assert "Sec-Fetch-Site is 'same-site'" in data["error"]["detail"]


def test_trusted_origins_may_post(site: App) -> None:
    site.config["TRUSTED_ORIGINS"] = ["https://admin.example:8443"]
    trusted = {"Sec-Fetch-Site": "cross-site", "Origin": "https://admin.example:8443"}
    assert post(site, **trusted).status_code == 200
    assert post(site, Origin="https://admin.example:8443").status_code == 200
    assert post(site, Origin="https://admin.example").status_code == 403
    assert post(site, Origin="http://admin.example:8443").status_code == 403


def test_a_trusted_origin_that_is_not_an_origin_is_a_mistake_named() -> None:
    config = {"TRUSTED_ORIGINS": ["admin.example"]}
    request = Request({"REQUEST_METHOD": "POST", "HTTP_ORIGIN": "https://x.example"})
    with pytest.raises(ValueError, match=r"TRUSTED_ORIGINS holds 'admin.example'.*scheme://"):
        cross_origin_refusal(request, config, None)


def test_routes_and_routers_opt_out(site: App) -> None:
    assert post(site, "/hooks/payment", Sec_Fetch_Site="cross-site").text == "paid"
    assert post(site, "/api/tokens", Origin="https://elsewhere.example").text == "token"
    assert [route.allow_cross_origin for route in site.routes if route.name != "static"] == [
        False,
        True,
        True,
        False,
        True,
    ]


@pytest.mark.parametrize("decorator", ["post", "put", "patch", "delete", "route"])
def test_every_route_decorator_takes_allow_cross_origin(app: App, decorator: str) -> None:
    register = getattr(app, decorator)
    method = "POST" if decorator in ("post", "route") else decorator.upper()
    if decorator == "route":
        register("/hook", methods=["POST"], allow_cross_origin=True)(lambda request: "ok")
    else:
        register("/hook", allow_cross_origin=True)(lambda request: "ok")
    assert post(app, "/hook", method=method, Sec_Fetch_Site="cross-site").text == "ok"


def test_mounted_apps_are_protected_unless_opened(site: App) -> None:
    assert post(site, "/legacy/form", Sec_Fetch_Site="cross-site").status_code == 403
    assert post(site, "/open/form", Sec_Fetch_Site="cross-site").data == b"legacy"


def test_the_protection_can_be_turned_off(site: App) -> None:
    site.config["CROSS_ORIGIN_PROTECTION"] = False
    assert post(site, Sec_Fetch_Site="cross-site").status_code == 200


def test_a_path_no_route_takes_is_answered_as_before(site: App) -> None:
    # Only requests that would reach a view are checked: a 404 stays a 404.
    assert post(site, "/nowhere", Sec_Fetch_Site="cross-site").status_code == 404


def test_a_routers_403_handler_answers_its_refusals(app: App) -> None:
    api = Router(name="api")

    @api.errorhandler(403)
    def refused(request: Request, error: HTTPError) -> tuple[dict[str, str], int]:
        return {"api": "refused"}, 403

    api.post("/things")(lambda request: "made")
    app.include(api, prefix="/api")
    response = post(app, "/api/things", Sec_Fetch_Site="cross-site")
    assert (response.status_code, response.json) == (403, {"api": "refused"})


# Trusted hosts


def test_any_host_is_served_by_default(app: App) -> None:
    app.get("/")(lambda request: request.host)
    assert app.test_client().get("/", base_url="http://anything.example/").text == (
        "anything.example"
    )


@pytest.mark.parametrize(
    ("base_url", "status"),
    [
        ("http://shop.example/", 200),
        ("http://shop.example:8000/", 200),
        ("http://eu.shop.example/", 200),
        ("https://SHOP.EXAMPLE/", 200),
        ("http://evil.example/", 400),
        ("http://shop.example.evil.example/", 400),
        ("http://evilshop.example/", 400),
    ],
)
def test_an_untrusted_host_is_refused_before_routing(
    app: App, calls: list[str], base_url: str, status: int
) -> None:
    app.config["TRUSTED_HOSTS"] = ["shop.example", ".shop.example"]

    @app.before_request
    def note(request: Request) -> None:
        calls.append("hook")

    app.get("/")(lambda request: request.host)
    response = app.test_client().get("/", base_url=base_url)
    assert response.status_code == status
    if status == 200:
        assert response.text.split(":")[0].lower().endswith("shop.example")
    else:
        assert calls == []
        assert "Host header" in response.text


def test_the_apps_400_handler_answers_a_refused_host(app: App) -> None:
    app.config["TRUSTED_HOSTS"] = ["shop.example"]
    app.errorhandler(400)(lambda request, error: ("no such site", 400))
    response = app.test_client().get("/", base_url="http://evil.example/")
    assert (response.status_code, response.text) == (400, "no such site")


# Clean paths


@pytest.mark.parametrize(
    "path",
    [
        "/files/a\x00b",
        "/files/\x01",
        "/files/a\x1fb",
        "/files/a\rb",
        "/files/a\nSet-Cookie: x=1",
        "/files/\x1b[31mred",
        "/files/../app.py",
        "/files/./name",
        "/files/name/..",
        "/files/name/.",
        "/..",
        "/.",
        "/./",
    ],
)
def test_a_path_with_a_control_character_or_a_dot_segment_is_400(
    app: App, calls: list[str], path: str
) -> None:
    @app.get("/files/<path:name>")
    def files(request: Request, name: str) -> str:
        calls.append(name)
        return name

    response = app.test_client().get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == 400
    assert calls == []


@pytest.mark.parametrize("path", ["/files/a.b", "/files/...", "/files/.well-known", "/files/a..b"])
def test_dots_inside_a_segment_are_fine(app: App, path: str) -> None:
    app.get("/files/<path:name>")(lambda request, name: name)
    response = app.test_client().get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == 200
    assert response.text == path.removeprefix("/files/")


def test_client_text_in_the_log_is_escaped(app: App, caplog: pytest.LogCaptureFixture) -> None:
    path = "/a\r\nERROR forged line\x1b[2J\\x0a"
    with caplog.at_level(logging.WARNING, logger="framework"):
        app.test_client().get("/", environ_overrides={"PATH_INFO": path})
    (message,) = [record.getMessage() for record in caplog.records]
    assert "\r" not in message and "\n" not in message and "\x1b" not in message
    assert "GET /a\\x0d\\x0aERROR forged line\\x1b[2J\\\\x0a" in message


def test_log_text_escapes_controls_and_backslashes_only() -> None:
    assert log_text("café /a b") == "café /a b"
    assert log_text("a\tb\x7f\x9bc\\") == "a\\x09b\\x7f\\x9bc\\\\"


# Security headers

DEFAULTS = {name: value for name, value in DEFAULT_SECURITY_HEADERS.items() if value}


def security_headers(response: Any) -> dict[str, str]:
    return {name: response.headers[name] for name in DEFAULTS if name in response.headers}


@pytest.fixture
def varied(app: App, tmp_path: Any) -> App:
    (tmp_path / "notes.txt").write_text("notes")
    app.get("/", name="index")(lambda request: "hello")
    app.get("/boom", name="boom")(lambda request: 1 / 0)
    app.get("/abort", name="abort")(lambda request: (_ for _ in ()).throw(HTTPError(418)))
    app.get("/file", name="file")(
        lambda request: send_file(str(tmp_path / "notes.txt"), request.environ)
    )
    app.get("/werkzeug", name="werkzeug")(lambda request: WerkzeugResponse("w"))
    app.get("/own", name="own")(
        lambda request: Response("own", headers={"X-Frame-Options": "DENY"})
    )
    app.get("/stream", name="stream")(lambda request: Response(iter([b"a", b"b"])))
    return app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("HEAD", "/", 200),
        ("GET", "/nowhere", 404),
        ("POST", "/", 405),
        ("OPTIONS", "/", 204),
        ("GET", "/boom", 500),
        ("GET", "/abort", 418),
        ("GET", "/file", 200),
        ("GET", "/werkzeug", 200),
        ("GET", "/stream", 200),
        ("GET", "/./", 400),
    ],
)
def test_every_response_carries_the_security_headers(
    varied: App, method: str, path: str, status: int
) -> None:
    response = varied.test_client().open(path, method=method)
    assert response.status_code == status
    assert security_headers(response) == DEFAULTS
    assert "Content-Security-Policy" not in response.headers
    assert "Strict-Transport-Security" not in response.headers


def test_a_header_the_view_set_is_kept(varied: App) -> None:
    response = varied.test_client().get("/own")
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_security_headers_can_be_changed_and_removed(varied: App) -> None:
    varied.config["SECURITY_HEADERS"] = {
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": None,
        "Permissions-Policy": "camera=()",
    }
    response = varied.test_client().get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Cross-Origin-Opener-Policy" not in response.headers
    assert response.headers["Permissions-Policy"] == "camera=()"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the rest stay


def test_a_mounted_app_gets_what_it_did_not_set(site: App) -> None:
    response = site.test_client().get("/legacy/page")
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_static_file_carries_them(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body {}")
    monkeypatch.chdir(tmp_path)
    app = App("not_a_module_anywhere")
    response = app.test_client().get("/static/site.css")
    assert response.status_code == 200
    assert security_headers(response) == DEFAULTS


NONCE = re.compile(r"script-src 'nonce-([A-Za-z0-9_-]{22})'")


def test_a_content_security_policy_gets_a_fresh_nonce_each_request(app: App) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = "default-src 'self'; script-src 'nonce-{nonce}'"

    @app.get("/")
    def page(request: Request) -> Response:
        return render_string(request, '<script nonce="{{ csp_nonce() }}">go()</script>')

    client = app.test_client()
    nonces = []
    for _ in range(2):
        response = client.get("/")
        found = NONCE.search(response.headers["Content-Security-Policy"])
        assert found is not None
        assert response.text == f'<script nonce="{found.group(1)}">go()</script>'
        nonces.append(found.group(1))
    assert nonces[0] != nonces[1]


def test_request_csp_nonce_is_the_one_in_the_header(app: App) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = "script-src 'nonce-{nonce}'"
    app.get("/")(lambda request: request.csp_nonce)
    response = app.test_client().get("/")
    assert response.headers["Content-Security-Policy"] == f"script-src 'nonce-{response.text}'"


def test_a_policy_without_nonce_is_sent_as_written(app: App) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = "default-src 'self'"
    app.get("/")(lambda request: "hi")
    assert app.test_client().get("/").headers["Content-Security-Policy"] == "default-src 'self'"


def test_hsts_is_sent_over_https_only(app: App) -> None:
    app.config["HSTS_MAX_AGE"] = 31536000
    app.get("/")(lambda request: "hi")
    client = app.test_client()
    secure = client.get("/", base_url="https://localhost/")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_werkzeug_client_sees_them_on_a_bare_wsgi_call(varied: App) -> None:
    # The same through a plain werkzeug Client, without our test client's checks.
    response = Client(varied).get("/werkzeug")
    assert security_headers(response) == DEFAULTS


def test_security_header_names_are_case_insensitive(varied: App) -> None:
    varied.config["SECURITY_HEADERS"] = {"x-frame-options": "DENY", "referrer-policy": None}
    response = varied.test_client().get("/")
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert "Referrer-Policy" not in response.headers


def test_content_security_policy_wins_over_one_in_security_headers(varied: App) -> None:
    varied.config["SECURITY_HEADERS"] = {"Content-Security-Policy": "default-src *"}
    assert varied.test_client().get("/").headers["Content-Security-Policy"] == "default-src *"
    varied.config["CONTENT_SECURITY_POLICY"] = "default-src 'self'"
    sent = varied.test_client().get("/").headers.getlist("Content-Security-Policy")
    assert sent == ["default-src 'self'"]


def test_a_500_after_the_view_keeps_the_apps_header_settings(app: App) -> None:
    app.config["SECURITY_HEADERS"] = {"X-Frame-Options": None}
    app.config["HSTS_MAX_AGE"] = 60
    app.get("/")(lambda request: "fine")

    @app.after_request
    def broken(request: Request, response: Response) -> Response:
        raise RuntimeError("the hook fails")

    response = app.test_client().get("/", base_url="https://localhost/")
    assert response.status_code == 500
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Strict-Transport-Security"] == "max-age=60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
