"""End-to-end tests: tests/e2e_app.py served by a real gunicorn process.

One gunicorn (one sync worker) is started for the whole module on a free loopback port and
is always stopped afterwards. Requests go over real TCP: ``http.client`` for ordinary
requests, raw sockets where the bytes on the wire matter (chunked bodies, truncated
bodies, a body that is never sent, HEAD).
"""

import hashlib
import json
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from servers import (
    HOST,
    TESTS_DIR,
    Reply,
    Server,
    assert_still_serving,
    raw_connection,
    read_reply,
    read_to_eof,
    request,
    run_gunicorn,
    wait_for,
)

LIMIT = 1024 * 1024  # MAX_BODY_SIZE of tests/e2e_app.py
# RFC 9110 renamed 413; the older names are still what many libraries say.
TOO_LARGE = ("Content Too Large", "Payload Too Large", "Request Entity Too Large")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with run_gunicorn("e2e_app:app") as srv:
        yield srv


def head_block(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def allow_set(reply: Reply) -> set[str]:
    return {method.strip() for method in reply.headers.get("Allow", "").split(",")}


def _reasons(reason: str | tuple[str, ...]) -> tuple[str, ...]:
    return (reason,) if isinstance(reason, str) else reason


def assert_html_error(reply: Reply, status: int, reason: str | tuple[str, ...]) -> None:
    """The small HTML error page: the status line is in it, no traceback is."""
    assert reply.status == status, reply.body
    assert reply.reason in _reasons(reason)
    assert reply.headers.get_content_type() == "text/html"
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert any(f"{status} {r}" in reply.text for r in _reasons(reason)), reply.text
    assert "Traceback" not in reply.text


def assert_json_error(reply: Reply, status: int, reason: str | tuple[str, ...]) -> dict[str, Any]:
    """The JSON error document {"error": {"status", "reason", "detail"}}; returns "error"."""
    assert reply.status == status, reply.body
    assert reply.reason in _reasons(reason)
    assert reply.headers.get_content_type() == "application/json"
    document = reply.json()
    assert set(document) == {"error"}
    error = document["error"]
    assert {"status", "reason", "detail"} <= set(error)
    assert error["status"] == status
    assert error["reason"] in _reasons(reason)
    return dict(error)


def test_hello(server: Server) -> None:
    reply = request(server, "GET", "/")
    assert reply.status == 200
    assert reply.reason == "OK"
    assert reply.headers["Content-Type"].replace(" ", "").lower() == "text/html;charset=utf-8"
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert reply.body == b"Hello"


def test_path_parameter(server: Server) -> None:
    reply = request(server, "GET", "/users/42")
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json() == {"id": 42, "name": "user-42"}


def test_path_parameter_that_does_not_convert_is_404(server: Server) -> None:
    reply = request(server, "GET", "/users/abc")
    assert_html_error(reply, 404, "Not Found")


def test_not_found(server: Server) -> None:
    reply = request(server, "GET", "/no/such/page")
    assert_html_error(reply, 404, "Not Found")
    reply = request(server, "GET", "/no/such/page", headers={"Accept": "application/json"})
    assert_json_error(reply, 404, "Not Found")
    assert_still_serving(server)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/users/1", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/echo/json", {"POST", "OPTIONS"}),
        ("PUT", "/items", {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_method_not_allowed(server: Server, method: str, path: str, allowed: set[str]) -> None:
    body = b"{}" if method in ("POST", "PUT") else None
    reply = request(server, method, path, body=body)
    assert_html_error(reply, 405, "Method Not Allowed")
    assert allow_set(reply) == allowed
    assert_still_serving(server)


def test_head_matches_get_without_body(server: Server) -> None:
    get = request(server, "GET", "/users/5")
    assert get.status == 200
    with raw_connection(server) as sock:
        sock.sendall(head_block("HEAD", "/users/5", {}))
        raw = read_to_eof(sock)
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep, raw
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line == "HTTP/1.1 200 OK"
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    assert headers["content-length"] == get.headers["Content-Length"] == str(len(get.body))
    assert headers["content-type"] == get.headers["Content-Type"]
    assert rest == b""  # not one body byte on the wire


def raw_exchange(server: Server, request_bytes: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Send request bytes; return the status line, the headers and the body as sent."""
    with raw_connection(server) as sock:
        sock.sendall(request_bytes)
        raw = read_to_eof(sock)
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, raw
    status_line, *header_lines = head.split(b"\r\n")
    headers = {
        k.strip().lower(): v.strip()
        for k, v in (line.decode("latin-1").split(":", 1) for line in header_lines)
    }
    return status_line, headers, body


@pytest.mark.parametrize(
    ("path", "status_line"),
    [
        ("/teapot-custom", b"HTTP/1.1 299 Custom Thing"),
        ("/unknown-code", b"HTTP/1.1 599 Unknown Status"),
    ],
)
def test_the_status_line_is_the_apps_byte_for_byte(
    server: Server, path: str, status_line: bytes
) -> None:
    line, _, body = raw_exchange(server, head_block("GET", path, {}))
    assert line == status_line
    assert body == b"x"


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_reset_content_has_a_zero_length_and_no_body(server: Server, method: str) -> None:
    line, headers, body = raw_exchange(server, head_block(method, "/reset", {}))
    assert line == b"HTTP/1.1 205 Reset Content"
    assert headers["content-length"] == "0"
    assert "transfer-encoding" not in headers
    assert body == b""  # not one body byte on the wire
    assert_still_serving(server)


def test_an_interim_status_from_a_view_is_a_500_not_a_hang(server: Server) -> None:
    line, _, body = raw_exchange(server, head_block("GET", "/interim", {}))
    assert line == b"HTTP/1.1 500 Internal Server Error"
    assert b"Traceback" not in body
    assert "ValueError: status 103 is an interim (1xx) response" in server.output()


def test_options_asterisk_lists_every_method_of_the_app(server: Server) -> None:
    line, headers, body = raw_exchange(server, head_block("OPTIONS", "*", {}))
    assert line == b"HTTP/1.1 200 OK"
    assert {method.strip() for method in headers["allow"].split(",")} == {
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
    }
    assert headers["content-length"] == "0"
    assert body == b""


def test_an_unknown_method_is_not_implemented(server: Server) -> None:
    line, headers, body = raw_exchange(server, head_block("BREW", "/", {}))
    assert line == b"HTTP/1.1 501 Not Implemented"
    assert "allow" not in headers
    assert b"this server does not implement the method BREW" in body
    line, headers, _ = raw_exchange(server, head_block("PUT", "/", {}))
    assert line == b"HTTP/1.1 405 Method Not Allowed"
    assert headers["allow"] == "GET, HEAD, OPTIONS"


def test_json_body_is_echoed(server: Server) -> None:
    document = {"name": "Zoë", "tags": ["a", "b"], "nested": {"n": 1.5, "ok": True, "x": None}}
    reply = request(
        server,
        "POST",
        "/echo/json",
        body=json.dumps(document).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json() == document


def test_form_is_echoed(server: Server) -> None:
    reply = request(
        server,
        "POST",
        "/echo/form",
        body=b"name=Ada+Lovelace&lang=en&lang=fr&empty=&sym=%26%3D%C3%A9",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json() == {
        "name": ["Ada Lovelace"],
        "lang": ["en", "fr"],
        "empty": [""],
        "sym": ["&=é"],
    }


def test_multipart_file_upload(server: Server) -> None:
    boundary = "e2e-boundary-7MA4YWxkTrZu0gW"
    text = "hello, wörld\nsecond line\n".encode()
    binary = bytes(range(256)) * 64
    parts = [
        (
            'Content-Disposition: form-data; name="title"\r\n\r\n',
            b"my upload",
        ),
        (
            'Content-Disposition: form-data; name="doc"; filename="hello.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n",
            text,
        ),
        (
            'Content-Disposition: form-data; name="blob"; filename="data.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n",
            binary,
        ),
    ]
    body = (
        b"".join(f"--{boundary}\r\n{head}".encode() + data + b"\r\n" for head, data in parts)
        + f"--{boundary}--\r\n".encode()
    )
    reply = request(
        server,
        "POST",
        "/upload",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    result = reply.json()
    assert result["fields"] == {"title": ["my upload"]}
    files = {f["field"]: f for f in result["files"]}
    assert set(files) == {"doc", "blob"}
    assert files["doc"]["filename"] == "hello.txt"
    assert files["doc"]["content_type"] == "text/plain"
    assert files["doc"]["size"] == len(text)
    assert files["doc"]["content"] == text.decode()
    assert files["blob"]["filename"] == "data.bin"
    assert files["blob"]["size"] == len(binary)
    assert files["blob"]["sha256"] == hashlib.sha256(binary).hexdigest()


def test_body_at_the_limit_is_accepted(server: Server) -> None:
    reply = request(
        server,
        "POST",
        "/echo/size",
        body=b"a" * LIMIT,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert reply.status == 200
    assert reply.json() == {"size": LIMIT}


def test_content_length_over_limit_is_413_before_the_body_is_sent(server: Server) -> None:
    with raw_connection(server) as sock:
        # Only the head: a server that waited for the body would never answer.
        sock.sendall(
            head_block(
                "POST",
                "/echo/size",
                {
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(2 * LIMIT),
                    "Accept": "application/json",
                },
            )
        )
        reply = read_reply(sock, "POST")
    assert_json_error(reply, 413, TOO_LARGE)
    assert_still_serving(server)


def test_chunked_body_over_limit_is_413(server: Server) -> None:
    piece = b"x" * 65536
    with raw_connection(server) as sock:
        sock.sendall(
            head_block(
                "POST",
                "/echo/size",
                {"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"},
            )
        )
        # LIMIT bytes in 64 KiB chunks, then one byte too many and the last chunk.
        for _ in range(LIMIT // len(piece)):
            sock.sendall(chunk(piece))
        sock.sendall(chunk(b"x") + b"0\r\n\r\n")
        reply = read_reply(sock, "POST")
    assert_html_error(reply, 413, TOO_LARGE)
    assert_still_serving(server)


def test_chunked_body_under_limit_is_read_whole(server: Server) -> None:
    pieces = [b"a" * 1000, b"b" * 70000, b"c" * 5, b"d" * 65536]
    with raw_connection(server) as sock:
        sock.sendall(
            head_block(
                "POST",
                "/echo/size",
                {"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"},
            )
        )
        for piece in pieces:
            sock.sendall(chunk(piece))
        sock.sendall(b"0\r\n\r\n")
        reply = read_reply(sock, "POST")
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.json() == {"size": sum(map(len, pieces))}


def test_body_shorter_than_content_length_is_400(server: Server) -> None:
    with raw_connection(server) as sock:
        sock.sendall(
            head_block(
                "POST",
                "/echo/size",
                {"Content-Type": "application/octet-stream", "Content-Length": "100"},
            )
            + b"0123456789"
        )
        sock.shutdown(socket.SHUT_WR)  # the other 90 bytes never come
        reply = read_reply(sock, "POST")
    assert_html_error(reply, 400, "Bad Request")
    assert_still_serving(server)


def test_unhandled_exception_is_500_without_traceback(server: Server) -> None:
    reply = request(server, "GET", "/boom")
    assert_html_error(reply, 500, "Internal Server Error")
    assert "RuntimeError" not in reply.text
    assert "kaboom" not in reply.text
    # The traceback is not lost: it is in the server log, for the operator.
    assert "RuntimeError: kaboom" in server.output()
    assert_still_serving(server)


def test_unhandled_exception_is_500_json_when_json_is_preferred(server: Server) -> None:
    reply = request(server, "GET", "/boom", headers={"Accept": "application/json"})
    error = assert_json_error(reply, 500, "Internal Server Error")
    assert "Traceback" not in reply.text
    assert "kaboom" not in json.dumps(error)
    assert_still_serving(server)


def test_abort_json_error_shape(server: Server) -> None:
    reply = request(server, "GET", "/forbidden", headers={"Accept": "application/json"})
    assert reply.reason == "Forbidden"
    assert_json_error(reply, 403, "Forbidden")
    assert reply.json() == {
        "error": {"status": 403, "reason": "Forbidden", "detail": "members only"}
    }
    assert_still_serving(server)


def test_abort_html_error_page(server: Server) -> None:
    reply = request(server, "GET", "/forbidden", headers={"Accept": "text/html"})
    assert_html_error(reply, 403, "Forbidden")
    assert "members only" in reply.text
    assert_still_serving(server)


def test_one_worker_served_every_bad_request(server: Server) -> None:
    # Runs last: after all the bad requests above, the worker that booted first still
    # answers; it was never killed and replaced.
    reply = request(server, "GET", "/")
    assert reply.status == 200
    assert reply.body == b"Hello"
    assert server.output().count("Booting worker") == 1, server.output()


STATIC_FILE = TESTS_DIR / "e2e_static" / "page.txt"


def test_static_file_is_served_whole(server: Server) -> None:
    reply = request(server, "GET", "/static/page.txt")
    assert reply.status == 200
    assert reply.body == STATIC_FILE.read_bytes()
    assert reply.headers["Content-Length"] == str(STATIC_FILE.stat().st_size)
    assert reply.headers.get_content_type() == "text/plain"
    assert reply.headers["ETag"] and reply.headers["Last-Modified"]


def test_static_file_conditional_and_range(server: Server) -> None:
    etag = request(server, "GET", "/static/page.txt").headers["ETag"]
    not_modified = request(server, "GET", "/static/page.txt", headers={"If-None-Match": etag})
    assert (not_modified.status, not_modified.body) == (304, b"")
    part = request(server, "GET", "/static/page.txt", headers={"Range": "bytes=5-8"})
    assert (part.status, part.body) == (206, b"0000")
    size = STATIC_FILE.stat().st_size
    assert part.headers["Content-Range"] == f"bytes 5-8/{size}"
    outside = request(server, "GET", "/static/page.txt", headers={"Range": f"bytes={size}-"})
    assert outside.status == 416
    assert outside.headers["Content-Range"] == f"bytes */{size}"
    head = request(server, "HEAD", "/static/page.txt")
    assert (head.status, head.body, head.headers["Content-Length"]) == (200, b"", str(size))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        # A ".." segment is refused before routing; the static view refuses the rest.
        pytest.param("/static/../e2e_app.py", 400, id="dot-dot"),
        pytest.param("/static/%2e%2e/e2e_app.py", 400, id="encoded-dots"),
        pytest.param("/static/..%2fe2e_app.py", 400, id="encoded-slash"),
        pytest.param("/static//etc/passwd", 404, id="absolute"),
    ],
)
def test_static_traversal_is_refused_over_the_wire(server: Server, path: str, status: int) -> None:
    with raw_connection(server) as sock:
        sock.sendall(head_block("GET", path, {}))
        reply = read_reply(sock, "GET")
    assert reply.status == status
    assert b"import" not in reply.body and b"root:" not in reply.body
    assert_still_serving(server)


def test_session_cookie_round_trip(server: Server) -> None:
    first = request(server, "POST", "/visits")
    assert first.json() == {"visits": 1}
    assert first.headers["Vary"] == "Cookie"
    cookie = first.headers["Set-Cookie"].split(";")[0]
    second = request(server, "POST", "/visits", headers={"Cookie": cookie})
    assert second.json() == {"visits": 2}
    forged = request(server, "POST", "/visits", headers={"Cookie": cookie[:-3] + "abc"})
    assert forged.json() == {"visits": 1}


def test_router_errors_are_the_routers(server: Server) -> None:
    assert request(server, "GET", "/api/things/3").json() == {"thing": 3}
    missing = request(server, "GET", "/api/nothing")
    assert (missing.status, missing.json()) == (404, {"api_error": 404})
    wrong = request(server, "DELETE", "/api/things/3")
    assert (wrong.status, wrong.json()) == (405, {"api_error": 405})
    assert allow_set(wrong) == {"GET", "HEAD", "OPTIONS"}
    assert_html_error(request(server, "GET", "/nothing"), 404, "Not Found")


def test_mounted_apps_see_the_path_below_their_prefix(server: Server) -> None:
    reply = request(server, "GET", "/legacy/a/b")
    assert reply.status == 200
    assert reply.body == b"/legacy /a/b"
    assert request(server, "DELETE", "/legacy").body == b"/legacy "
    item = request(server, "GET", "/shop/items/7")
    assert item.json()["n"] == 7
    assert item.json()["self"].endswith("/shop/items/7")
    assert item.json()["self"].startswith("http://127.0.0.1:")
    # The mounted App's own routing: its converter arguments, its 404.
    assert_html_error(request(server, "GET", "/shop/items/0"), 404, "Not Found")


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/", 200, id="view"),
        pytest.param("/nowhere", 404, id="error-page"),
        pytest.param("/static/page.txt", 200, id="static-file"),
        pytest.param("/legacy/a", 200, id="mounted-app"),
        pytest.param("/./", 400, id="refused-before-routing"),
    ],
)
def test_every_response_carries_the_security_headers_over_the_wire(
    server: Server, path: str, status: int
) -> None:
    reply = request(server, "GET", path)
    assert reply.status == status
    assert {name: reply.headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_a_cross_origin_post_is_403_over_the_wire(server: Server) -> None:
    own = f"http://{HOST}:{server.port}"
    assert request(server, "POST", "/items", b"", {"Origin": own}).status == 200
    refused = request(
        server,
        "POST",
        "/items",
        b"",
        {"Origin": "http://evil.example", "Accept": "application/json"},
    )
    assert_json_error(refused, 403, "Forbidden")
    assert request(server, "POST", "/items", b"", {"Sec-Fetch-Site": "cross-site"}).status == 403
    assert request(server, "POST", "/items", b"", {"Sec-Fetch-Site": "same-origin"}).status == 200
    opted_out = request(server, "POST", "/webhook", b"", {"Sec-Fetch-Site": "cross-site"})
    assert (opted_out.status, opted_out.body) == (200, b"received")


def test_an_untrusted_host_is_400_before_routing_over_the_wire(server: Server) -> None:
    with raw_connection(server) as sock:
        sock.sendall(
            b"GET /shop/items/7 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
        )
        reply = read_reply(sock, "GET")
    assert reply.status == 400
    assert b"evil.example" not in reply.body
    assert request(server, "GET", "/shop/items/7").status == 200


def test_static_dotfile_is_404_over_the_wire(server: Server) -> None:
    assert (TESTS_DIR / "e2e_static" / ".hidden.txt").is_file()
    reply = request(server, "GET", "/static/.hidden.txt")
    assert_html_error(reply, 404, "Not Found")
    assert b"A hidden file" not in reply.body


@pytest.mark.parametrize(
    ("to", "status"),
    [
        pytest.param("https://evil.example/", 400, id="other-host"),
        pytest.param("//evil.example", 400, id="protocol-relative"),
        pytest.param("http://{host}/users/7", 302, id="own-host"),
        pytest.param(f"http://{HOST}:1/users/7", 400, id="own-name-other-port"),
        pytest.param("/users/7", 302, id="path"),
    ],
)
def test_redirect_off_site_is_400_over_the_wire(server: Server, to: str, status: int) -> None:
    # http.client sends "Host: 127.0.0.1:<port>": the request's own host has the port.
    to = to.format(host=f"{HOST}:{server.port}")
    reply = request(server, "GET", "/away?" + urlencode({"to": to}))
    assert reply.status == status, reply.body
    if status == 400:
        assert_html_error(reply, 400, "Bad Request")
        assert "Location" not in reply.headers
        assert reply.headers["Vary"] == "Accept"
    else:
        assert reply.headers["Location"] == to


def test_every_response_says_a_fresh_request_id_over_the_wire(server: Server) -> None:
    # 127.0.0.1 is not a trusted proxy of e2e_app: the id it sends is not taken.
    ids = [
        request(server, "GET", path, headers={"X-Request-ID": "chosen"}).headers["X-Request-ID"]
        for path in ("/", "/", "/no/such/page", "/boom")
    ]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids), ids
    assert len(set(ids)) == len(ids)


#: gunicorn's access log, as a deployment writes it: the id (a response header) and the time.
ACCESS_LOG_FORMAT = 'access "%(r)s" %(s)s id=%({x-request-id}o)s ms=%(M)s'


@pytest.fixture(scope="module")
def proxied_server() -> Iterator[Server]:
    with run_gunicorn(
        "request_id_app:app", "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT
    ) as srv:
        yield srv


def test_a_trusted_proxys_request_id_is_taken_and_logged(proxied_server: Server) -> None:
    nginx_id = "3f2a9c1e5b7d4f60a8e2c4b6d8f01234"
    reply = request(proxied_server, "GET", "/", headers={"X-Request-ID": nginx_id})
    assert reply.headers["X-Request-ID"] == nginx_id
    assert reply.text == nginx_id
    line = rf'access "GET / HTTP/1.1" 200 id={nginx_id} ms=\d+\n'
    wait_for(lambda: re.search(line, proxied_server.output()), "the access log line")


def test_a_500s_log_line_carries_the_id_of_its_response(proxied_server: Server) -> None:
    reply = request(proxied_server, "GET", "/boom")
    assert reply.status == 500
    request_id = reply.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # Under plain gunicorn, with no logging configured, the line reaches standard error
    # as it is: the id is in the message itself, whatever the format.
    access = f'access "GET /boom HTTP/1.1" 500 id={request_id} ms='
    wait_for(lambda: access in proxied_server.output(), "the access log line")
    wait_for(lambda: "RuntimeError: the view failed" in proxied_server.output(), "the traceback")
    text = proxied_server.output()
    assert f"unhandled exception for GET /boom (request {request_id})\n" in text, text
