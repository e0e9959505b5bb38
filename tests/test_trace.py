"""Trace: one exchange run in-process and shown as on the wire, each part labelled."""

from __future__ import annotations

import re
import socket

import pytest
from servers import TESTS_DIR

from framework import App, Request, Response, Router, abort, redirect
from framework.cli import main
from framework.trace import (
    MAX_BODY_LINES,
    build_request,
    format_exchange,
    live_server,
    request_wire,
    run_exchange,
    send_live,
    show_body,
)

#: What every response ends with, unless the app changes SECURITY_HEADERS.
SECURITY_LINES = (
    b"X-Content-Type-Options: nosniff\r\n"
    b"Referrer-Policy: strict-origin-when-cross-origin\r\n"
    b"X-Frame-Options: SAMEORIGIN\r\n"
    b"Cross-Origin-Opener-Policy: same-origin\r\n"
)


@pytest.fixture
def traced_app(app: App) -> App:
    @app.post("/echo/<name>")
    def echo(request: Request, name: str) -> Response:
        return Response(request.body, 201, {"X-Name": name}, "text/plain")

    @app.get("/stream")
    def stream(request: Request) -> Response:
        return Response(iter([b"a\n", b"b\n"]), content_type="text/plain")

    return app


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796126400")


DATE = b"Date: Tue, 01 Dec 2026 12:00:00 GMT\r\n"
#: The request id of a trace under SOURCE_DATE_EPOCH, the last header the app sends.
REQUEST_ID_LINE = b"X-Request-ID: 00000000000000000000000000000000\r\n"


def test_the_exchange_in_wire_form(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "POST", "/echo/ann?x=1", [("X-Test", "yes")], b"hello")
    assert exchange.status == 201
    assert exchange.request.startswith(b"POST /echo/ann?x=1 HTTP/1.1\r\nHost: localhost\r\n")
    assert b"\r\nX-Test: yes\r\n" in exchange.request
    assert b"\r\nUser-Agent: framework-trace\r\n" in exchange.request
    assert exchange.request.endswith(b"\r\n\r\nhello")
    assert exchange.response == (
        b"HTTP/1.1 201 Created\r\n"
        + DATE
        + b"Connection: keep-alive\r\n"
        + b"X-Name: ann\r\nContent-Type: text/plain\r\n"
        + SECURITY_LINES
        + REQUEST_ID_LINE
        + b"Content-Length: 5\r\n\r\nhello"
    )
    assert exchange.added_by_server == {"date", "connection"}
    assert exchange.routing is not None and exchange.routing.status == 200


def test_a_streamed_response_is_sent_in_chunks_on_http_1_1(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "GET", "/stream")
    assert exchange.response == (
        b"HTTP/1.1 200 OK\r\n"
        + DATE
        + b"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n"
        + b"Content-Type: text/plain\r\n"
        + SECURITY_LINES
        + REQUEST_ID_LINE
        + b"\r\n2\r\na\n\r\n2\r\nb\n\r\n0\r\n\r\n"
    )
    assert "transfer-encoding" in exchange.added_by_server
    text = format_exchange(exchange)
    assert "Transfer-Encoding: chunked" in text
    assert "<- body, in chunks (size in hex, then the chunk; size 0 ends it), 19 bytes" in text


def test_http_1_0_closes_the_connection_and_sends_no_chunks(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "GET", "/stream", http_version="1.0")
    assert exchange.request.startswith(b"GET /stream HTTP/1.0\r\n")
    assert exchange.response.startswith(b"HTTP/1.0 200 OK\r\n" + DATE + b"Connection: close\r\n")
    assert b"Transfer-Encoding" not in exchange.response
    assert exchange.response.endswith(b"\r\n\r\na\nb\n")  # the end of the connection ends it
    sized = run_exchange(traced_app, "POST", "/echo/ann", [], b"hi", http_version="1.0")
    assert sized.response.startswith(b"HTTP/1.0 201 Created\r\n")
    assert b"\r\nConnection: close\r\n" in sized.response


def test_a_client_that_asks_to_close_is_answered_so(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "GET", "/stream", [("Connection", "close")])
    assert b"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n" in exchange.response


def test_the_layout_labels_each_part(traced_app: App) -> None:
    # None takes a header out of the set every response gets: here, all of them.
    traced_app.config["SECURITY_HEADERS"] = dict.fromkeys(traced_app.config["SECURITY_HEADERS"])
    text = format_exchange(run_exchange(traced_app, "POST", "/echo/ann", [], b"hello"))
    assert text == "\n".join(
        [
            "request",
            "  POST /echo/ann HTTP/1.1      <- method, path, version",
            "  Host: localhost              <- headers",
            "  Content-Length: 5",
            "  User-Agent: framework-trace",
            "                               <- blank line",
            "  hello                        <- body, 5 bytes",
            "",
            "routing",
            "  scopes: the app",
            "  result: route 'echo' (POST /echo/<name>), view test_trace:traced_app.<locals>.echo",
            "  params: name='ann'",
            "",
            "what acted",
            "  host and path: passed",
            "  route: 'echo' (/echo/<name>), scopes: the app",
            "  cross-origin: passed",
            "  view test_trace:traced_app.<locals>.echo: ran",
            "",
            "response",
            "  HTTP/1.1 201 Created                            "
            "<- version, status code, status message",
            "  Date: Tue, 01 Dec 2026 12:00:00 GMT             <- headers; added by the server",
            "  Connection: keep-alive                          <- added by the server",
            "  X-Name: ann",
            "  Content-Type: text/plain",
            "  X-Request-ID: 00000000000000000000000000000000",
            "  Content-Length: 5",
            "                                                  <- blank line",
            "  hello                                           <- body, 5 bytes",
        ]
    )


def test_what_acted_names_the_hook_that_answered_not_the_view(app: App) -> None:
    @app.before_request
    def log_in_first(request: Request) -> Response | None:
        return redirect("/login") if request.path == "/account" else None

    @app.after_request
    def stamp(request: Request, response: Response) -> Response:
        return response

    app.get("/account")(lambda request: "secret")
    acts = run_exchange(app, "GET", "/account").acts
    assert acts == [
        "host and path: passed",
        "route: '<lambda>' (/account), scopes: the app",
        "before_request hook test_trace:test_what_acted_names_the_hook_that_answered_not_the_view"
        ".<locals>.log_in_first: answered, so nothing after it ran",
        "after_request hook test_trace:test_what_acted_names_the_hook_that_answered_not_the_view"
        ".<locals>.stamp: ran",
    ]


def test_what_acted_names_the_error_handler_and_its_error(app: App) -> None:
    api = Router(name="api")
    api.errorhandler(404)(lambda request, error: ({"missing": True}, 404))
    api.get("/items")(lambda request: "items")
    app.include(api, prefix="/api")
    acts = run_exchange(app, "GET", "/api/nothing").acts
    assert acts[1] == "no route: scopes: the app, router 'api' answer"
    assert acts[-1].startswith("error handler test_trace:")
    assert acts[-1].endswith(": answered 404")
    assert run_exchange(app, "GET", "/nothing").acts[-1] == "the default error page: answered 404"


def test_a_cross_origin_refusal_is_told(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "POST", "/echo/ann", [("Sec-Fetch-Site", "cross-site")])
    assert exchange.status == 403
    assert "cross-origin: refused (Sec-Fetch-Site is 'cross-site')" in exchange.acts
    assert exchange.routing is not None
    assert "cross-origin: refused with 403: Sec-Fetch-Site is 'cross-site'" in (
        exchange.routing.summary()
    )


def test_session_cookies_are_shown_decoded_with_their_signature(app: App) -> None:
    app.config["SECRET_KEY"] = "trace tests"

    @app.post("/visit")
    def visit(request: Request) -> str:
        request.session["visits"] = request.session.get("visits", 0) + 1
        return "counted"

    first = run_exchange(app, "POST", "/visit")
    assert "session cookie set: signature valid, {'visits': 1}" in first.acts
    cookie = re.search(rb"Set-Cookie: session=([^;]+)", first.response)
    assert cookie is not None
    sent = [("Cookie", f"session={cookie.group(1).decode()}")]
    second = run_exchange(app, "POST", "/visit", sent)
    assert "session cookie sent: signature valid, {'visits': 1}" in second.acts
    assert "session cookie set: signature valid, {'visits': 2}" in second.acts
    forged = run_exchange(app, "POST", "/visit", [("Cookie", "session=eyJ2aXNpdHMiOjk5fQ.x.y")])
    assert (
        "session cookie sent: refused: the signature does not match (tampered with, or "
        "another key)" in forged.acts
    )


def test_an_error_shows_the_routing_outcome(traced_app: App) -> None:
    text = format_exchange(run_exchange(traced_app, "DELETE", "/echo/ann"))
    assert "  result: 405 Method Not Allowed; Allow: OPTIONS, POST" in text
    assert "HTTP/1.1 405 Method Not Allowed" in text
    assert "Allow: OPTIONS, POST" in text


def test_color_only_when_asked(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "GET", "/nothing")
    assert "\x1b[" not in format_exchange(exchange)
    colored = format_exchange(exchange, color=True)
    assert "\x1b[1m\x1b[33mHTTP/1.1 404 Not Found\x1b[0m" in colored
    # Labels line up whatever the color codes add.
    plain_lines = format_exchange(exchange).splitlines()
    stripped = [
        line.replace("\x1b[1m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[2m", "")
        .replace("\x1b[0m", "")
        for line in colored.splitlines()
    ]
    assert stripped == plain_lines


BODY_CASES = [
    pytest.param(b"", [], id="empty"),
    pytest.param(b"one\ntwo\n", ["one", "two"], id="text"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", ["[10 bytes of binary data]"], id="binary"),
    pytest.param(b"\xff\xfe", ["[2 bytes of binary data]"], id="not-utf8"),
]


@pytest.mark.parametrize(("body", "shown"), BODY_CASES)
def test_show_body(body: bytes, shown: list[str]) -> None:
    assert show_body(body) == shown


def test_long_bodies_are_cut_with_their_size() -> None:
    many_lines = b"".join(b"line %d\n" % number for number in range(100))
    shown = show_body(many_lines)
    assert shown[:2] == ["line 0", "line 1"]
    assert len(shown) == MAX_BODY_LINES + 1
    assert shown[-1] == f"[... {len(many_lines):,} bytes in all]"
    one_long_line = b"x" * 10_000
    shown = show_body(one_long_line)
    assert shown == ["x" * 1500, "[... 10,000 bytes in all]"]


def raw_exchange(port: int, wire: bytes) -> bytes:
    """What a plain socket gets back for the same bytes: every byte, to the end."""
    with socket.create_connection(("127.0.0.1", port), 10) as connection:
        connection.sendall(wire)
        answer = b""
        while data := connection.recv(65536):
            answer += data
    return answer


@pytest.mark.parametrize("version", ["1.1", "1.0"])
def test_the_live_trace_is_byte_for_byte_what_the_server_sends(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    import e2e_app

    monkeypatch.chdir(TESTS_DIR)
    wire = request_wire(build_request("GET", "/echo/query?a=1", http_version=version))
    with live_server("e2e_app:app", e2e_app.app) as (port, server):
        assert server == "gunicorn"
        for _ in range(5):  # the Date header ticks each second: compare within one
            traced, direct = send_live(port, wire), raw_exchange(port, wire)
            if traced.split(b"\r\n")[2] == direct.split(b"\r\n")[2]:
                break
    # Two requests, two ids: the rest is the same, byte for byte.
    [traced_id] = re.findall(rb"\r\nX-Request-ID: ([0-9a-f]{32})\r\n", traced)
    [direct_id] = re.findall(rb"\r\nX-Request-ID: ([0-9a-f]{32})\r\n", direct)
    assert traced_id != direct_id
    assert traced.replace(traced_id, b"ID") == direct.replace(direct_id, b"ID")
    assert traced.startswith(f"HTTP/{version} 200 OK\r\nServer: gunicorn\r\nDate: ".encode())
    assert traced.endswith(b'{"query":{"a":["1"]}}')


def test_framework_trace_live_shows_what_came_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(TESTS_DIR)
    assert main(["trace", "e2e_app", "GET", "/", "--live"]) == 0
    out = capsys.readouterr().out
    assert "\nresponse (from gunicorn)\n" in out
    assert re.search(r"^  Server: gunicorn +<- headers; added by the server$", out, re.M)
    assert re.search(r"^  Connection: close +<- added by the server$", out, re.M)
    assert re.search(r"^  Hello +<- body, 5 bytes$", out, re.M)
    # The app ran in gunicorn's worker, and wrote down there what acted.
    assert "\nwhat acted\n  host and path: passed\n" in out
    assert "  view e2e_app:index: ran\n" in out


def test_a_before_request_hook_that_raises_is_named(app: App) -> None:
    @app.before_request
    def gate(request: Request) -> None:
        if request.path == "/locked":
            abort(403)

    app.get("/locked")(lambda request: "inside")
    acts = run_exchange(app, "GET", "/locked").acts
    assert acts[-2].endswith(".<locals>.gate: raised 403, so nothing after it ran")
    assert acts[-1] == "the default error page: answered 403"
    assert not any(act.startswith("view ") for act in acts)


def test_an_unhandled_exception_is_told_once_with_the_500_that_answers_it(app: App) -> None:
    app.get("/boom")(lambda request: {}["missing"])
    acts = run_exchange(app, "GET", "/boom").acts
    assert acts[-1] == "the default error page: answered 500 (for the unhandled KeyError)"
    assert sum("error page" in act or "error handler" in act for act in acts) == 1
    app.errorhandler(500)(lambda request, error: ("sorry", 500))
    handled = run_exchange(app, "GET", "/boom").acts[-1]
    assert handled.startswith("error handler test_trace:")
    assert handled.endswith(": answered 500 (for the unhandled KeyError)")
