"""The WSGI adapter, checked against PEP 3333 with wsgiref's validator.

Each test calls the app the way a server does (``app(environ,
start_response)``, iterate, ``close()``) through ``wsgiref.validate``,
which fails on any breach of the protocol.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import FileWrapper
from wsgiref.validate import validator

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.utils import send_file

from framework import App, Request, Response, abort, redirect


class Exchange:
    """What a server saw: the status, the headers and the body bytes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], Any]] = []

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        if exc_info is not None and self.headers_sent:
            raise exc_info[1].with_traceback(exc_info[2])
        self.calls.append((status, headers, exc_info))
        return lambda data: None

    headers_sent = False

    @property
    def status(self) -> str:
        return self.calls[-1][0]

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.calls[-1][1])


def serve(
    app: App, path: str = "/", method: str = "GET", file_wrapper: bool = False, **kwargs: Any
) -> tuple[Exchange, bytes]:
    """Run one request through the validator like a server: iterate, then close."""
    builder = EnvironBuilder(path=path, method=method, **kwargs)
    environ = builder.get_environ()
    stream = environ["wsgi.input"]
    if file_wrapper:
        environ["wsgi.file_wrapper"] = FileWrapper
    exchange = Exchange()
    body = validator(app)(environ, exchange.start_response)
    try:
        data = b"".join(body)
    finally:
        body.close()  # type: ignore[attr-defined]
        builder.close()
        stream.close()
    return exchange, data


class Tracked:
    """A streamed body that records whether the server closed it."""

    def __init__(self, chunks: list[Any], fail_at: int | None = None) -> None:
        self.chunks = chunks
        self.fail_at = fail_at
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_at:
                raise RuntimeError("the database went away")
            yield chunk

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def tracked() -> list[Tracked]:
    return []


@pytest.fixture
def wsgi_app(tmp_path: Path, tracked: list[Tracked]) -> App:
    app = App(__name__)
    data_file = tmp_path / "data.bin"
    data_file.write_bytes(b"0123456789" * 1000)

    @app.get("/buffered")
    def buffered(request: Request) -> str:
        return "caf\u00e9"

    @app.get("/stream")
    def stream(request: Request) -> Response:
        body = Tracked([b"one ", "two ", b"three"])
        tracked.append(body)
        return Response(body, content_type="text/plain")

    @app.get("/stream-fails")
    def stream_fails(request: Request) -> Response:
        body = Tracked([b"partial", b"never"], fail_at=int(request.query.get("at", "1")))
        tracked.append(body)
        return Response(body, content_type="text/plain")

    @app.get("/json")
    def json_view(request: Request) -> dict[str, Any]:
        return {"ok": True}

    @app.get("/error")
    def error(request: Request) -> str:
        abort(403, "no")

    @app.get("/redirect")
    def redirect_view(request: Request) -> Response:
        return redirect("/json")

    @app.get("/file")
    def file_view(request: Request) -> Response:
        return Response(data_file.open("rb"), content_type="application/octet-stream")

    @app.get("/send-file")
    def send_file_view(request: Request) -> Any:
        return send_file(data_file, request.environ, mimetype="application/octet-stream")

    @app.get("/no-content")
    def no_content(request: Request) -> Response:
        return Response(status=204)

    @app.get("/body-set-later")
    def body_set_later(request: Request) -> Response:
        response = Response(b"", content_type="text/plain")
        response.body = bytearray(b"late ") if request.query.get("kind") else "caf\u00e9"
        return response

    @app.get("/length-set-by-view")
    def wrong_length(request: Request) -> Response:
        return Response(b"abc", headers={"Content-Length": "99"})

    @app.get("/custom-reason")
    def custom_reason(request: Request) -> Response:
        return Response("x", 299, reason="Custom Thing")

    @app.route("/reset", methods=["GET", "POST"])
    def reset(request: Request) -> Response:
        kind = request.query.get("body", "bytes")
        if kind == "stream":
            body: Any = Tracked([b"never ", b"sent"])
            tracked.append(body)
        elif kind == "file":
            body = data_file.open("rb")
            tracked.append(body)
        else:
            body = b"never sent"
        return Response(body, 205, content_type="text/plain")

    return app


def test_buffered_body_has_content_length(wsgi_app: App) -> None:
    exchange, body = serve(wsgi_app, "/buffered")
    assert exchange.status == "200 OK"
    assert exchange.headers["Content-Length"] == str(len("caf\u00e9".encode()))
    assert body == "caf\u00e9".encode()


@pytest.mark.parametrize(
    ("query", "expected"), [("", "caf\u00e9".encode()), ("kind=bytearray", b"late ")]
)
def test_body_assigned_later_is_sent_as_bytes(wsgi_app: App, query: str, expected: bytes) -> None:
    exchange, body = serve(wsgi_app, "/body-set-later", query_string=query)
    assert body == expected
    assert exchange.headers["Content-Length"] == str(len(expected))


def test_content_length_is_measured_not_trusted(wsgi_app: App) -> None:
    exchange, body = serve(wsgi_app, "/length-set-by-view")
    assert [v for k, v in exchange.calls[0][1] if k.lower() == "content-length"] == ["3"]
    assert body == b"abc"


def test_streaming_body_encodes_str_and_is_closed(wsgi_app: App, tracked: list[Tracked]) -> None:
    exchange, body = serve(wsgi_app, "/stream")
    assert exchange.status == "200 OK"
    assert "Content-Length" not in exchange.headers
    assert body == b"one two three"
    assert tracked[0].closed


def test_head_of_a_stream_sends_no_body_and_closes_it(
    wsgi_app: App, tracked: list[Tracked]
) -> None:
    exchange, body = serve(wsgi_app, "/stream", method="HEAD")
    assert exchange.status == "200 OK"
    assert body == b""
    assert tracked[0].closed


def test_head_keeps_get_headers(wsgi_app: App) -> None:
    get_exchange, get_body = serve(wsgi_app, "/json")
    head_exchange, head_body = serve(wsgi_app, "/json", method="HEAD")
    get_headers, head_headers = get_exchange.headers, head_exchange.headers
    # Two requests: each has an id of its own.
    assert head_headers.pop("X-Request-ID") != get_headers.pop("X-Request-ID")
    assert head_headers == get_headers
    assert head_exchange.headers["Content-Length"] == str(len(get_body))
    assert head_body == b""


def test_json_error_and_redirect_responses(wsgi_app: App) -> None:
    exchange, body = serve(wsgi_app, "/json")
    assert (exchange.status, exchange.headers["Content-Type"], body) == (
        "200 OK",
        "application/json",
        b'{"ok":true}',
    )
    exchange, body = serve(wsgi_app, "/error")
    assert exchange.status == "403 Forbidden"
    assert b"<p>no</p>" in body
    exchange, _ = serve(wsgi_app, "/redirect")
    assert exchange.status == "302 Found"
    assert exchange.headers["Location"] == "/json"


def test_no_content_has_no_body_and_no_length(wsgi_app: App) -> None:
    exchange, body = serve(wsgi_app, "/no-content")
    assert exchange.status == "204 No Content"
    assert "Content-Length" not in exchange.headers
    assert body == b""


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
@pytest.mark.parametrize("kind", ["bytes", "stream", "file"])
def test_reset_content_has_no_body_and_a_zero_length(
    wsgi_app: App, tracked: list[Any], method: str, kind: str
) -> None:
    exchange, body = serve(wsgi_app, "/reset", method=method, query_string={"body": kind})
    assert exchange.status == "205 Reset Content"
    assert [v for k, v in exchange.calls[0][1] if k.lower() == "content-length"] == ["0"]
    assert body == b""
    assert all(item.closed for item in tracked)


def test_the_status_line_says_the_reason_set(wsgi_app: App) -> None:
    exchange, body = serve(wsgi_app, "/custom-reason")
    assert exchange.status == "299 Custom Thing"
    assert body == b"x"


def test_a_subclass_status_line_is_what_the_server_gets() -> None:
    class Brewing(Response):
        @property
        def status_line(self) -> str:
            return f"{self.status} Still Brewing"

    app = App(__name__)

    @app.get("/")
    def view(request: Request) -> Response:
        return Brewing("x", 202)

    exchange, _ = serve(app)
    assert exchange.status == "202 Still Brewing"


@pytest.mark.parametrize("file_wrapper", [True, False], ids=["file-wrapper", "no-file-wrapper"])
def test_file_body(wsgi_app: App, file_wrapper: bool) -> None:
    exchange, body = serve(wsgi_app, "/file", file_wrapper=file_wrapper)
    assert exchange.headers["Content-Length"] == "10000"
    assert body == b"0123456789" * 1000


def test_file_wrapper_is_used_when_offered(wsgi_app: App) -> None:
    environ = EnvironBuilder(path="/file").get_environ()
    used = []

    def file_wrapper(file: Any, block_size: int) -> Any:
        used.append(block_size)
        return FileWrapper(file, block_size)

    environ["wsgi.file_wrapper"] = file_wrapper
    body = wsgi_app(environ, Exchange().start_response)
    assert b"".join(body) == b"0123456789" * 1000
    body.close()  # type: ignore[attr-defined]
    assert used


def test_head_of_a_file_closes_it(wsgi_app: App, tmp_path: Path) -> None:
    exchange, body = serve(wsgi_app, "/file", method="HEAD")
    assert exchange.headers["Content-Length"] == "10000"
    assert body == b""


def test_wsgi_app_response_such_as_send_file(wsgi_app: App) -> None:
    exchange, body = serve(wsgi_app, "/send-file")
    assert exchange.status == "200 OK"
    assert exchange.headers["Content-Length"] == "10000"
    assert "ETag" in exchange.headers
    assert body == b"0123456789" * 1000
    exchange, body = serve(wsgi_app, "/send-file", headers={"Range": "bytes=0-3"})
    assert exchange.status.startswith("206 ")
    assert body == b"0123"


def test_headers_are_latin1_str_pairs(wsgi_app: App) -> None:
    exchange, _ = serve(wsgi_app, "/redirect")
    for name, value in exchange.calls[0][1]:
        assert type(name) is str and type(value) is str
        value.encode("latin-1")


def test_error_before_first_chunk_becomes_500_with_exc_info(
    wsgi_app: App, tracked: list[Tracked], caplog: pytest.LogCaptureFixture
) -> None:
    environ = EnvironBuilder(path="/stream-fails", query_string="at=0").get_environ()
    exchange = Exchange()
    with caplog.at_level(logging.ERROR, logger="framework"):
        body = wsgi_app(environ, exchange.start_response)
        data = b"".join(body)
        body.close()  # type: ignore[attr-defined]
    assert exchange.calls[0][0] == "200 OK"
    status, _, exc_info = exchange.calls[1]
    assert status == "500 Internal Server Error"
    assert exc_info[0] is RuntimeError
    assert data == b"500 Internal Server Error\n"
    assert tracked[0].closed
    # The server's 500 says the id the first headers said, and so does the log line.
    request_id = dict(exchange.calls[0][1])["X-Request-ID"]
    assert dict(exchange.calls[1][1])["X-Request-ID"] == request_id
    assert f"error while streaming a response body (request {request_id})" in caplog.text


def test_error_after_headers_went_out_reaches_the_server(
    wsgi_app: App, tracked: list[Tracked], caplog: pytest.LogCaptureFixture
) -> None:
    """Once bytes are on the wire the status can't change: the server must drop the
    connection, so the adapter re-raises through start_response(exc_info)."""
    environ = EnvironBuilder(path="/stream-fails", query_string="at=1").get_environ()
    exchange = Exchange()
    body = wsgi_app(environ, exchange.start_response)
    iterator = iter(body)
    assert next(iterator) == b"partial"
    exchange.headers_sent = True
    with caplog.at_level(logging.ERROR, logger="framework"), pytest.raises(RuntimeError):
        next(iterator)
    body.close()  # type: ignore[attr-defined]
    assert tracked[0].closed
    # The server logs the error it gets back; logging it here too would log it twice.
    assert "error while streaming" not in caplog.text


def test_close_is_passed_on_when_the_client_goes_away(
    wsgi_app: App, tracked: list[Tracked]
) -> None:
    environ = EnvironBuilder(path="/stream").get_environ()
    body = wsgi_app(environ, Exchange().start_response)
    assert next(iter(body)) == b"one "
    body.close()  # type: ignore[attr-defined]
    assert tracked[0].closed


def test_uploaded_files_are_closed_after_the_response(tmp_path: Path) -> None:
    app = App(__name__)
    uploads = []

    @app.post("/upload")
    def upload(request: Request) -> str:
        uploads.extend(request.files.values())
        return "ok"

    big = io.BytesIO(os.urandom(600 * 1024))  # large enough to be spooled to disk
    _, body = serve(app, "/upload", method="POST", data={"f": (big, "big.bin")})
    assert body == b"ok"
    assert uploads and all(upload.stream.closed for upload in uploads)


def test_a_broken_response_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    app = App(__name__)

    class Broken(Response):
        @property
        def status_line(self) -> str:
            raise RuntimeError("this status line cannot be made")

    @app.get("/")
    def view(request: Request) -> Response:
        return Broken("x")

    with caplog.at_level(logging.ERROR, logger="framework"):
        exchange, body = serve(app)
    assert exchange.status == "500 Internal Server Error"
    assert body == b"500 Internal Server Error\n"
    assert exchange.headers["X-Content-Type-Options"] == "nosniff"  # even this one
    request_id = exchange.headers["X-Request-ID"]
    assert f"could not send the response to <Request GET '/'> (request {request_id})" in (
        caplog.text
    )
    assert "this status line cannot be made" in caplog.text
