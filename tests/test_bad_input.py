"""Bad input, byte for byte: over the WSGI interface, and over real HTTP through gunicorn.

Every case is the exact bytes a client sends. Each is run twice: parsed into
a WSGI environ and handed to the app (tests/e2e_app.py) directly, and sent
on a socket to a real gunicorn serving the same app with one worker. The
expectation is the same everywhere: a 4xx with a clear message (or the
normal answer, for input that is odd but harmless; a 501 for a method
nothing implements), never a 500, never a hang, never a traceback in the
body; and after each case the same worker answers an ordinary request
correctly.

Some cases are the server's to refuse (a request line longer than
gunicorn's limit, a malformed chunk): over HTTP gunicorn answers them
itself, which ``wire`` allows for.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from servers import (
    HOST,
    IO_TIMEOUT,
    Reply,
    Server,
    assert_still_serving,
    read_reply,
    request,
    run_gunicorn,
)
from wsgi_calls import call, environ_for

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import e2e_app

MIB = 1024 * 1024
#: The address the client connects from. Not 127.0.0.1, which gunicorn trusts
#: as a proxy by default (its forwarded_allow_ips) for X-Forwarded-Proto.
CLIENT_ADDRESS = "127.0.0.5"
Check = Callable[[int, dict[str, str], bytes], None]


def raw(
    method: str,
    target: str | bytes,
    headers: list[tuple[str, str | bytes]] | None = None,
    body: bytes = b"",
    host: str = HOST,
) -> bytes:
    """The bytes of an HTTP/1.1 request; Content-Length added for a body unless given."""
    target_bytes = target if isinstance(target, bytes) else target.encode("latin-1")
    lines = [method.encode() + b" " + target_bytes + b" HTTP/1.1", f"Host: {host}".encode()]
    names = set()
    for name, value in headers or []:
        names.add(name.lower())
        lines.append(
            name.encode()
            + b": "
            + (value if isinstance(value, bytes) else value.encode("latin-1"))
        )
    if body and not {"content-length", "transfer-encoding"} & names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(*pieces: bytes, end: bytes = b"0\r\n\r\n") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + end


def multipart(boundary: str, parts: list[bytes], closing: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (b"--" + boundary.encode() + b"--\r\n" if closing else b"")


def field_part(name: str | bytes, value: bytes) -> bytes:
    name_bytes = name if isinstance(name, bytes) else name.encode()
    return b'Content-Disposition: form-data; name="' + name_bytes + b'"\r\n\r\n' + value


@dataclass
class Case:
    id: str
    request: bytes
    #: What the app answers at the WSGI interface.
    status: int
    #: What may come back over HTTP, when gunicorn refuses the request itself.
    wire: set[int] | None = None
    #: A check of the response (status, headers, body), at both levels.
    check: Check | None = None
    #: False for transport cases (chunked framing, a body cut short) that only
    #: make sense on a socket.
    wsgi: bool = True
    #: Close our side after sending: the server sees the body end early.
    half_close: bool = False
    headers_: dict[str, str] = field(default_factory=dict)


def no_header(name: str) -> Check:
    def check(status: int, headers: dict[str, str], body: bytes) -> None:
        assert name.lower() not in {key.lower() for key in headers}, headers

    return check


def location_is(expected: str) -> Check:
    def check(status: int, headers: dict[str, str], body: bytes) -> None:
        assert headers.get("Location") == expected, headers

    return check


def body_has(*pieces: bytes) -> Check:
    def check(status: int, headers: dict[str, str], body: bytes) -> None:
        for piece in pieces:
            assert piece in body, body[:500]

    return check


def body_lacks(*pieces: bytes) -> Check:
    def check(status: int, headers: dict[str, str], body: bytes) -> None:
        for piece in pieces:
            assert piece not in body, body[:500]

    return check


def json_is(expected: Callable[[Any], bool]) -> Check:
    def check(status: int, headers: dict[str, str], body: bytes) -> None:
        assert expected(json.loads(body)), body[:500]

    return check


def allows_and_is_empty(*methods: str) -> Check:
    def check(status: int, headers: dict[str, str], body: bytes) -> None:
        allowed = {method.strip() for method in headers.get("Allow", "").split(",")}
        assert set(methods) <= allowed, headers
        assert headers.get("Content-Length") == "0", headers
        assert body == b""

    return check


def not_forwarded(status: int, headers: dict[str, str], body: bytes) -> None:
    seen = json.loads(body)
    assert seen["scheme"] == "http"
    assert seen["remote_addr"] == CLIENT_ADDRESS
    assert "evil" not in seen["host"] and "evil" not in seen["url"]


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
BOUNDARY = "xYzZY"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"

CASES = [
    # Paths
    Case(
        "path-encoded-dots-static",
        raw("GET", "/static/%2e%2e/e2e_app.py"),
        400,
        check=body_lacks(b"import"),
    ),
    Case(
        "path-dot-dot-static",
        raw("GET", "/static/../e2e_app.py"),
        400,
        check=body_lacks(b"import"),
    ),
    Case(
        "path-encoded-slash",
        raw("GET", "/static/..%2fe2e_app.py"),
        400,
        check=body_lacks(b"import"),
    ),
    Case("path-encoded-backslash", raw("GET", "/static/%5c..%5ce2e_app.py"), 404),
    Case(
        "path-absolute-in-static",
        raw("GET", "/static//etc/passwd"),
        404,
        check=body_lacks(b"root:"),
    ),
    Case(
        "path-static-dotfile",
        raw("GET", "/static/.hidden.txt"),
        404,
        check=body_lacks(b"A hidden file"),
    ),
    Case("path-static-dotfile-encoded", raw("GET", "/static/%2ehidden.txt"), 404),
    Case("path-encoded-slash-in-param", raw("GET", "/users/1%2F2"), 404),
    Case("path-4000-bytes", raw("GET", "/" + "a" * 4000), 404),
    Case("path-2000-segments", raw("GET", "/a" * 2000), 404),
    Case(
        "path-mixed-segment-fits",
        raw("GET", "/reports/north-east-2024-05.csv"),
        200,
        check=json_is(lambda d: d == {"region": "north-east", "year": "2024", "month": "05"}),
    ),
    # A segment that a regex with three parameters would try to cut in every
    # way (~10**10 steps, minutes of one worker) before failing: refused at once.
    Case("path-mixed-segment-all-dashes", raw("GET", "/reports/" + "-" * 4000), 404),
    Case("path-invalid-utf8", raw("GET", "/%FF%FE%FD"), 400, check=body_has(b"UTF-8")),
    Case("path-encoded-nul", raw("GET", "/users/%00"), 400),
    Case(
        "path-encoded-crlf",
        raw("GET", "/%0d%0aSet-Cookie:%20x=1"),
        400,
        check=no_header("Set-Cookie"),
    ),
    Case("path-raw-control-byte", raw("GET", b"/a\x01b"), 400),
    Case("path-unicode", raw("GET", "/users/%E2%82%AC"), 404),
    Case("path-dot-segment", raw("GET", "/./"), 400),
    Case("path-encoded-dot-dot", raw("GET", "/users/%2e%2e/1"), 400),
    Case("path-trailing-dot-dot", raw("GET", "/users/.."), 400),
    Case("path-encoded-escape", raw("GET", "/%1b[31mred"), 400),
    Case("path-encoded-tab", raw("GET", "/users/%09"), 400),
    Case("path-dots-in-a-segment", raw("GET", "/users/..."), 404),
    # Cross-origin requests (a test client sends neither header, so these are new)
    Case("cross-origin-post", raw("POST", "/items", [("Origin", "http://evil.example")]), 403),
    Case("cross-site-fetch", raw("POST", "/items", [("Sec-Fetch-Site", "cross-site")]), 403),
    Case("same-site-fetch", raw("POST", "/items", [("Sec-Fetch-Site", "same-site")]), 403),
    Case("origin-null", raw("POST", "/items", [("Origin", "null")]), 403),
    Case("origin-garbage", raw("POST", "/items", [("Origin", "\x01\x02")]), 403, wire={400, 403}),
    Case(
        "cross-site-fetch-to-webhook",
        raw("POST", "/webhook", [("Sec-Fetch-Site", "cross-site")]),
        200,
    ),
    Case("cross-site-get", raw("GET", "/items", [("Sec-Fetch-Site", "cross-site")]), 200),
    # A Host the app does not serve (the shop app sets TRUSTED_HOSTS)
    Case("host-untrusted", raw("GET", "/shop/items/7", host="evil.example"), 400),
    Case("host-untrusted-with-port", raw("GET", "/shop/items/7", host="evil.example:80"), 400),
    Case("host-lookalike", raw("GET", "/shop/items/7", host="127.0.0.1.evil.example"), 400),
    Case("host-trusted", raw("GET", "/shop/items/7", host="localhost"), 200),
    Case("path-star", raw("OPTIONS", "*"), 200, check=allows_and_is_empty("GET", "POST")),
    Case("path-star-get", raw("GET", "*"), 404, wire={400}),  # gunicorn: * is for OPTIONS only
    Case("method-unknown", raw("BREW", "/"), 501, check=no_header("Allow")),
    Case("method-unknown-elsewhere", raw("BREW", "/no/such/page"), 501),
    Case(
        "method-standard-not-here",
        raw("PUT", "/"),
        405,
        check=lambda s, h, b: None if h.get("Allow") else pytest.fail("no Allow"),
    ),
    # Query strings
    Case(
        "query-malformed-escapes",
        raw("GET", "/echo/query?%%20%+%=%zz"),
        200,
        check=json_is(lambda d: d["query"] == {"% % %": ["%zz"]}),
    ),
    Case(
        "query-semicolon-is-not-a-separator",
        raw("GET", "/echo/query?a=1;b=2"),
        200,
        check=json_is(lambda d: d["query"] == {"a": ["1;b=2"]}),
    ),
    Case(
        "query-repeated-and-empty-names",
        raw("GET", "/echo/query?a=1&a=2&=3&&a="),
        200,
        check=json_is(lambda d: d["query"] == {"a": ["1", "2", ""], "": ["3"]}),
    ),
    Case(
        "query-10000-keys",
        raw("GET", "/echo/query?" + "&".join(f"k{i}=" for i in range(10000))),
        200,
        wire={400, 414},
        check=None,
    ),
    Case("query-invalid-utf8", raw("GET", "/echo/query?a=%FF"), 200),
    # Headers
    Case(
        "header-oversized",
        raw("GET", "/echo/headers", [("X-Big", "x" * 10000)]),
        200,
        wire={400, 431},
    ),
    Case(
        "header-duplicated",
        raw("GET", "/echo/headers", [("X-A", "1"), ("X-A", "2")]),
        200,
        check=json_is(lambda d: d["headers"]["X-A"] in ("1,2", "1, 2")),
    ),
    Case(
        "header-non-ascii",
        raw("GET", "/echo/headers", [("X-Name", "caf\xe9".encode("latin-1"))]),
        200,
    ),
    Case(
        "header-malformed-host",
        raw("GET", "/echo/headers", [("Host", "a b")]),
        200,
        wire={200, 400},
    ),
    Case(
        "header-forwarded-ignored",
        raw(
            "GET",
            "/echo/headers",
            [
                ("X-Forwarded-For", "6.6.6.6"),
                ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "evil.example"),
            ],
        ),
        200,
        check=not_forwarded,
    ),
    # Bodies
    Case(
        "body-shorter-than-length",
        raw("POST", "/echo/size", [("Content-Length", "100")], b"x" * 10),
        400,
        half_close=True,
    ),
    Case(
        "body-longer-than-length",
        raw("POST", "/echo/size", [("Content-Length", "3")], b"abcdef"),
        200,
        check=json_is(lambda d: d == {"size": 3}),
    ),
    Case(
        "body-over-limit-with-length",
        raw("POST", "/echo/size", [("Content-Length", str(MIB + 1))]),
        413,
        wsgi=False,
    ),
    Case(
        "body-over-limit-expect-continue",
        raw("POST", "/echo/size", [("Content-Length", str(MIB + 1)), ("Expect", "100-continue")]),
        413,
        wsgi=False,
    ),
    Case(
        "body-over-limit-chunked",
        raw(
            "POST",
            "/echo/size",
            [("Transfer-Encoding", "chunked")],
            chunked(b"x" * (MIB // 2), b"x" * (MIB // 2), b"x" * 10),
        ),
        413,
        wsgi=False,
    ),
    Case(
        "body-chunked-truncated",
        raw("POST", "/echo/size", [("Transfer-Encoding", "chunked")], b"10\r\nonly five"),
        400,
        wsgi=False,
        half_close=True,
    ),
    Case(
        "body-chunk-size-malformed",
        raw("POST", "/echo/size", [("Transfer-Encoding", "chunked")], b"zz\r\nhello\r\n0\r\n\r\n"),
        400,
        wsgi=False,
    ),
    Case("json-malformed", raw("POST", "/echo/json", [("Content-Type", JSON)], b'{"a": '), 400),
    Case(
        "json-nested-100000",
        raw("POST", "/echo/json", [("Content-Type", JSON)], b"[" * 100000 + b"]" * 100000),
        400,
    ),
    Case(
        "json-wrong-type", raw("POST", "/echo/json", [("Content-Type", "text/plain")], b"{}"), 415
    ),
    Case("json-invalid-utf8", raw("POST", "/echo/json", [("Content-Type", JSON)], b'"\xff"'), 400),
    Case(
        "json-lone-surrogate",
        raw("POST", "/echo/json", [("Content-Type", JSON)], b'{"url": "a\\ud800b"}'),
        400,
        check=body_has(b"surrogate"),
    ),
    Case(
        "json-surrogate-pair",
        raw("POST", "/echo/json", [("Content-Type", JSON)], b'"\\ud83d\\ude00"'),
        200,
        check=json_is(lambda d: d == "\U0001f600"),
    ),
    Case("json-nan", raw("POST", "/echo/json", [("Content-Type", JSON)], b"[NaN]"), 400),
    Case("json-infinity", raw("POST", "/echo/json", [("Content-Type", JSON)], b"-Infinity"), 400),
    Case(
        "json-float-overflow", raw("POST", "/echo/json", [("Content-Type", JSON)], b"1e999"), 400
    ),
    Case(
        "form-invalid-escapes",
        raw("POST", "/echo/form", [("Content-Type", FORM)], b"a=%zz&%%=1"),
        200,
    ),
    Case(
        "multipart-no-boundary",
        raw("POST", "/echo/form", [("Content-Type", "multipart/form-data")], b"--x\r\n\r\n"),
        400,
    ),
    Case(
        "multipart-no-closing-boundary",
        raw(
            "POST",
            "/echo/form",
            [("Content-Type", MULTIPART)],
            multipart(BOUNDARY, [field_part("a", b"1")], closing=False),
        ),
        400,
    ),
    Case(
        "multipart-too-many-parts",
        raw(
            "POST",
            "/echo/form",
            [("Content-Type", MULTIPART)],
            multipart(BOUNDARY, [field_part(f"f{i}", b"v") for i in range(1001)]),
        ),
        413,
    ),
    Case(
        "multipart-huge-field-name",
        raw(
            "POST",
            "/echo/form",
            [("Content-Type", MULTIPART)],
            multipart(BOUNDARY, [field_part(b"n" * 600_000, b"v")]),
        ),
        413,
    ),
    Case(
        "multipart-cr-then-megabyte",
        raw(
            "POST",
            "/echo/form",
            [("Content-Type", MULTIPART)],
            b"--"
            + BOUNDARY.encode()
            + b"\r\n"
            + b'Content-Disposition: form-data; name="a"\r\n\r\n'
            + b"\r"
            + b"x" * (MIB - 1000),
        ),
        413,
    ),
    Case(
        "upload-traversal-filename",
        raw(
            "POST",
            "/upload",
            [("Content-Type", MULTIPART)],
            multipart(
                BOUNDARY,
                [
                    b'Content-Disposition: form-data; name="f"; '
                    b'filename="../../etc/passwd"\r\nContent-Type: text/plain\r\n\r\nroot'
                ],
            ),
        ),
        200,
        check=json_is(lambda d: d["files"][0]["filename"] == "../../etc/passwd"),
    ),
    # Cookies
    Case(
        "cookie-malformed",
        raw("GET", "/echo/cookies", [("Cookie", ';;;=;a;="b";c=d=e;\x7f')]),
        200,
        wire={200, 400},  # gunicorn refuses the DEL byte in a header itself
    ),
    Case(
        "cookie-not-utf8",
        raw("GET", "/echo/cookies", [("Cookie", b"a=\xff\xfe; b=caf\xc3\xa9")]),
        200,
        check=json_is(lambda d: d["cookies"] == {"a": "\ufffd\ufffd", "b": "caf\u00e9"}),
    ),
    Case(
        "cookie-oversized",
        raw("GET", "/echo/cookies", [("Cookie", "a=" + "b" * 9000)]),
        200,
        wire={400, 431},
    ),
    Case(
        "cookie-session-tampered",
        raw(
            "GET",
            "/echo/cookies",
            [("Cookie", "session=eyJhZG1pbiI6dHJ1ZX0.AAAAAA.forged-signature")],
        ),
        200,
        check=json_is(lambda d: d["session"] == {}),
    ),
    Case(
        "cookie-host-prefix-trick",
        raw(
            "GET", "/echo/cookies", [("Cookie", "__Host-session=eyJ4IjoxfQ.x.y; session=nonsense")]
        ),
        200,
        check=json_is(lambda d: d["session"] == {}),
    ),
    # Responses built from request data
    Case(
        "header-injection",
        raw("GET", "/header?value=a%0d%0aSet-Cookie:%20admin=1"),
        400,
        check=no_header("Set-Cookie"),
    ),
    Case("header-control-character", raw("GET", "/header?value=a%01b"), 400),
    Case("header-delete-character", raw("GET", "/header?value=a%7Fb"), 400),
    Case("header-not-latin1", raw("GET", "/header?value=%E2%82%AC"), 400),
    Case(
        "query-field-missing",
        raw("GET", "/page"),
        400,
        check=body_has(b"the request has no field &#x27;name&#x27;"),
    ),
    Case(
        "redirect-protocol-relative",
        raw("GET", "/go?next=//evil.example"),
        302,
        check=location_is("/"),
    ),
    Case("redirect-tab", raw("GET", "/go?next=/%09/evil.example"), 302, check=location_is("/")),
    Case(
        "redirect-scheme", raw("GET", "/go?next=https:evil.example"), 302, check=location_is("/")
    ),
    Case(
        "redirect-javascript",
        raw("GET", "/go?next=javascript:alert(1)"),
        302,
        check=location_is("/"),
    ),
    Case(
        "redirect-backslash", raw("GET", "/go?next=/%5Cevil.example"), 302, check=location_is("/")
    ),
    Case("redirect-local", raw("GET", "/go?next=/users/7"), 302, check=location_is("/users/7")),
    # /away hands ?to= to redirect() unchecked: another host is a 400, this one passes.
    Case("redirect-away-absolute", raw("GET", "/away?to=https://evil.example/"), 400),
    Case("redirect-away-protocol-relative", raw("GET", "/away?to=//evil.example"), 400),
    Case("redirect-away-backslash", raw("GET", "/away?to=/%5Cevil.example"), 400),
    Case("redirect-away-two-backslashes", raw("GET", "/away?to=%5C%5Cevil.example"), 400),
    Case("redirect-away-tab", raw("GET", "/away?to=/%09/evil.example"), 400),
    Case("redirect-away-leading-space", raw("GET", "/away?to=%20//evil.example"), 400),
    Case("redirect-away-scheme", raw("GET", "/away?to=https:evil.example"), 400),
    Case("redirect-away-mixed-slashes", raw("GET", "/away?to=http:/%5C/evil.example"), 400),
    Case("redirect-away-javascript", raw("GET", "/away?to=java%09script:alert(1)"), 400),
    Case(
        "redirect-away-own-host",
        raw("GET", f"/away?to=http://{HOST}/users/7"),
        302,
        check=location_is(f"http://{HOST}/users/7"),
    ),
    Case(
        "template-script",
        raw("GET", "/page?name=%3Cscript%3Ealert(1)%3C/script%3E"),
        200,
        check=body_has(b"&lt;script&gt;alert(1)&lt;/script&gt;"),
    ),
    Case(
        "template-attribute-quotes",
        raw("GET", "/page?name=%22onmouseover=%22x"),
        200,
        check=body_has(b'title="&#34;onmouseover=&#34;x"'),
    ),
    # Static files: Range abuse
    # Several ranges are ignored (RFC 9110, section 14.2): the whole file, never a 416.
    Case(
        "range-many",
        raw(
            "GET",
            "/static/page.txt",
            [("Range", "bytes=" + ",".join(f"{i}-{i}" for i in range(500)))],
        ),
        200,
        check=no_header("Content-Range"),
    ),
    Case("range-overlapping", raw("GET", "/static/page.txt", [("Range", "bytes=0-10,5-15")]), 200),
    Case("range-two", raw("GET", "/static/page.txt", [("Range", "bytes=0-1,3-4")]), 200),
    Case("range-reversed", raw("GET", "/static/page.txt", [("Range", "bytes=10-5")]), 416),
    Case(
        "range-suffix",
        raw("GET", "/static/page.txt", [("Range", "bytes=-5")]),
        206,
        check=body_has(b"orn\n"),
    ),
    Case(
        "range-huge",
        raw("GET", "/static/page.txt", [("Range", "bytes=0-99999999999999999999")]),
        206,
    ),
    Case("range-malformed", raw("GET", "/static/page.txt", [("Range", "lines=1-2")]), 200),
]


def environ_from(request_bytes: bytes) -> dict[str, Any]:
    """What a WSGI server makes of a request with a Content-Length body."""
    head, _, body = request_bytes.partition(b"\r\n\r\n")
    request_line, *header_lines = head.split(b"\r\n")
    method, target, _ = request_line.decode("latin-1").split(" ", 2)
    path, _, query = target.partition("?")
    headers: dict[str, str] = {"REMOTE_ADDR": CLIENT_ADDRESS, "SERVER_NAME": HOST}
    for line in header_lines:
        name, _, value = line.decode("latin-1").partition(":")
        key = name.strip().upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        value = value.strip()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return environ_for(
        method=method,
        path=unquote(path, encoding="latin-1"),
        query=query,
        body=body,
        headers=headers,
    )


def call_app(environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    answer, body = call(e2e_app.app, environ)
    return answer.code, dict(answer.headers), body


def assert_clean(case: Case, status: int, headers: dict[str, str], body: bytes) -> None:
    # A 501 (the app implements no such method) is the one 5xx a request may earn.
    assert status < 500 or status == 501, body[:500]
    assert b"Traceback" not in body
    if case.check is not None:
        case.check(status, headers, body)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.wsgi])
def test_over_wsgi(case: Case) -> None:
    status, headers, body = call_app(environ_from(case.request))
    assert status == case.status, body[:500]
    assert_clean(case, status, headers, body)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with run_gunicorn("e2e_app:app") as running:
        yield running


def send(server: Server, case: Case) -> Reply:
    method = case.request.split(b" ", 1)[0].decode()
    with socket.create_connection(
        (HOST, server.port), timeout=IO_TIMEOUT, source_address=(CLIENT_ADDRESS, 0)
    ) as sock:
        try:
            sock.sendall(case.request)
            if case.half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (and closed) before taking the whole body
        return read_reply(sock, method)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_over_http(server: Server, case: Case) -> None:
    reply = send(server, case)
    expected = case.wire or {case.status}
    assert reply.status in expected, reply.body[:500]
    if reply.status == case.status:
        headers = {name: value for name, value in reply.headers.items()}
        assert_clean(case, reply.status, headers, reply.body)
    assert b"Traceback" not in reply.body
    assert_still_serving(server)


def test_one_worker_answered_every_case(server: Server) -> None:
    assert request(server, "GET", "/").status == 200
    assert server.output().count("Booting worker") == 1, server.output()
    assert "Traceback" not in server.output(), server.output()


def test_every_family_is_covered() -> None:
    families = {case.id.split("-")[0] for case in CASES}
    assert {
        "path",
        "query",
        "header",
        "body",
        "json",
        "multipart",
        "cookie",
        "redirect",
        "template",
        "range",
        "upload",
    } <= families
    assert len(CASES) >= 60
