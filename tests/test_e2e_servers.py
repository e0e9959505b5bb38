"""The same tests/e2e_app.py runs unchanged under waitress, werkzeug's and wsgiref's servers.

Each server runs in a background thread on a free loopback port (port 0, the OS picks)
for the duration of the module and is stopped, its thread joined and its sockets closed,
in the fixture teardown.
"""

import http.client
import json
import threading
import wsgiref.simple_server
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import waitress
import werkzeug.serving
from e2e_app import app
from waitress import wasyncore

HOST = "127.0.0.1"
IO_TIMEOUT = 10.0  # bound on every socket operation
JOIN_TIMEOUT = 10.0  # bound on waiting for a server thread to finish


class QuietWSGIRefHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietWerkzeugHandler(werkzeug.serving.WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


def _start(name: str, target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, name=f"e2e-{name}", daemon=True)
    thread.start()
    return thread


def _join(thread: threading.Thread) -> None:
    thread.join(JOIN_TIMEOUT)
    assert not thread.is_alive(), f"{thread.name} did not stop within {JOIN_TIMEOUT}s"


@contextmanager
def serve_waitress() -> Iterator[int]:
    socket_map: dict[int, Any] = {}  # waitress's own: the listener and every connection
    server = waitress.create_server(app, map=socket_map, host=HOST, port=0, threads=1)
    thread = _start("waitress", server.run)
    try:
        yield int(server.effective_port)
    finally:
        # Close every socket from inside the loop thread (the trigger runs the callable
        # there); the loop returns once its socket map is empty.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
        _join(thread)
        server.task_dispatcher.shutdown()


@contextmanager
def serve_werkzeug() -> Iterator[int]:
    server = werkzeug.serving.make_server(HOST, 0, app, request_handler=QuietWerkzeugHandler)
    thread = _start("werkzeug", lambda: server.serve_forever(poll_interval=0.05))
    try:
        yield int(server.port)
    finally:
        server.shutdown()
        _join(thread)
        server.server_close()


@contextmanager
def serve_wsgiref() -> Iterator[int]:
    server = wsgiref.simple_server.make_server(HOST, 0, app, handler_class=QuietWSGIRefHandler)
    thread = _start("wsgiref", lambda: server.serve_forever(poll_interval=0.05))
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        _join(thread)
        server.server_close()


SERVERS = {"waitress": serve_waitress, "werkzeug": serve_werkzeug, "wsgiref": serve_wsgiref}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    with SERVERS[request.param]() as bound_port:
        yield bound_port


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    conn = http.client.HTTPConnection(HOST, port, timeout=IO_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def test_hello(port: int) -> None:
    reply = fetch(port, "GET", "/")
    assert reply.status == 200
    assert reply.headers.get_content_type() == "text/html"
    assert reply.headers.get_content_charset() == "utf-8"
    assert reply.headers["Content-Length"] == "5"
    assert reply.body == b"Hello"


def test_path_parameter_json(port: int) -> None:
    reply = fetch(port, "GET", "/users/42")
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json() == {"id": 42, "name": "user-42"}


def test_not_found(port: int) -> None:
    reply = fetch(port, "GET", "/no/such/page", headers={"Accept": "application/json"})
    assert reply.status == 404
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json()["error"]["status"] == 404
    reply = fetch(port, "GET", "/no/such/page")
    assert reply.status == 404
    assert reply.headers.get_content_type() == "text/html"
    assert "404 Not Found" in reply.body.decode("utf-8")


def test_json_body_echo(port: int) -> None:
    document = {"name": "Zoë", "items": [1, 2, 3], "ok": True, "none": None}
    reply = fetch(
        port,
        "POST",
        "/echo/json",
        body=json.dumps(document).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json() == document


def test_the_status_line_is_the_apps(port: int) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=IO_TIMEOUT)
    try:
        conn.request("GET", "/teapot-custom")
        resp = conn.getresponse()
        assert (resp.status, resp.reason, resp.read()) == (299, "Custom Thing", b"x")
    finally:
        conn.close()


def test_reset_content_sends_no_body(port: int) -> None:
    reply = fetch(port, "POST", "/reset", body=b"")
    assert (reply.status, reply.headers["Content-Length"], reply.body) == (205, "0", b"")
