"""Trace: one exchange run in-process and shown as on the wire, each part labelled."""

from __future__ import annotations

import pytest

from framework import App, Request, Response
from framework.trace import MAX_BODY_LINES, format_exchange, run_exchange, show_body

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


def test_the_exchange_in_wire_form(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "POST", "/echo/ann?x=1", [("X-Test", "yes")], b"hello")
    assert exchange.status == 201
    assert exchange.request.startswith(b"POST /echo/ann?x=1 HTTP/1.1\r\nHost: localhost\r\n")
    assert b"\r\nX-Test: yes\r\n" in exchange.request
    assert b"\r\nUser-Agent: framework-trace\r\n" in exchange.request
    assert exchange.request.endswith(b"\r\n\r\nhello")
    assert exchange.response == (
        b"HTTP/1.1 201 Created\r\nX-Name: ann\r\nContent-Type: text/plain\r\n"
        + SECURITY_LINES
        + b"Content-Length: 5\r\n\r\nhello"
    )
    assert exchange.routing is not None and exchange.routing.status == 200


def test_a_streamed_response_gets_no_invented_length(traced_app: App) -> None:
    exchange = run_exchange(traced_app, "GET", "/stream")
    assert exchange.response == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + SECURITY_LINES + b"\r\na\nb\n"
    )


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
            "  result: route 'echo' (POST /echo/<name>), view test_trace:traced_app.<locals>.echo",
            "  params: name='ann'",
            "",
            "response",
            "  HTTP/1.1 201 Created      <- version, status code, status message",
            "  X-Name: ann               <- headers",
            "  Content-Type: text/plain",
            "  Content-Length: 5",
            "                            <- blank line",
            "  hello                     <- body, 5 bytes",
        ]
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
