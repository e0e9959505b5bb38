"""Response: status, headers, body, cookies and JSON (redirects: test_redirects.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from framework import App, Request, Response
from framework.response import HeaderInjectionError, ResponseHeaders
from framework.testing import TestClient


def test_defaults() -> None:
    response = Response("<p>hi</p>")
    assert response.status == 200
    assert response.reason == "OK"
    assert response.status_line == "200 OK"
    assert response.version == "HTTP/1.1"
    assert response.body == b"<p>hi</p>"
    assert response.content_type == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("body", "status", "content_type"),
    [
        pytest.param("text", 200, "text/html; charset=utf-8", id="str-is-html"),
        pytest.param(b"\x00\x01", 200, "application/octet-stream", id="bytes-are-binary"),
        pytest.param(b"", 204, None, id="no-content-has-no-type"),
        pytest.param(b"", 304, None, id="not-modified-has-no-type"),
    ],
)
def test_default_content_type(body: Any, status: int, content_type: str | None) -> None:
    assert Response(body, status).content_type == content_type


def test_status_line_for_known_and_unknown_codes() -> None:
    assert Response(status=404).status_line == "404 Not Found"
    assert Response(status=418).reason == "I'm a Teapot"
    assert Response(status=599).status_line == "599 Unknown Status"
    assert Response(status=299).reason == "Unknown Status"


BAD_STATUSES = [
    pytest.param(100, r"^status 100 is an interim \(1xx\) response", id="100-continue"),
    pytest.param(103, r"^status 103 is an interim \(1xx\) response", id="103-early-hints"),
    pytest.param(199, "a response needs a final status, from 200 to 599", id="199"),
    pytest.param(99, r"^status 99 is not an HTTP status code", id="99"),
    pytest.param(600, r"^status 600 is not an HTTP status code", id="600"),
    pytest.param(999, r"^status 999 is not an HTTP status code", id="999"),
    pytest.param(1000, "they run from 100 to 599", id="1000"),
    pytest.param("200", r"status code is an int from 200 to 599, got '200'", id="str"),
    pytest.param(True, "got True", id="bool"),
    pytest.param(200.0, "got 200.0", id="float"),
]


@pytest.mark.parametrize(("status", "message"), BAD_STATUSES)
def test_bad_status_is_refused(status: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Response(status=status)


@pytest.mark.parametrize(("status", "message"), BAD_STATUSES)
def test_bad_status_is_refused_when_set(status: Any, message: str) -> None:
    response = Response("x", 201)
    with pytest.raises(ValueError, match=message):
        response.status = status
    assert (response.status, response.status_line) == (201, "201 Created")


def test_status_can_change_and_line_follows() -> None:
    response = Response("x")
    response.status = 201
    assert response.status_line == "201 Created"
    response.change_status(404)
    assert (response.status, response.status_line) == (404, "404 Not Found")


def test_reason_replaces_the_standard_phrase() -> None:
    response = Response("x", 299, reason="Custom Thing")
    assert (response.status, response.reason) == (299, "Custom Thing")
    assert response.status_line == "299 Custom Thing"
    assert Response(status=404, reason="Nobody Here").status_line == "404 Nobody Here"
    assert Response(status=204, reason="").status_line == "204 "


def test_reason_can_be_set_and_holds_until_the_status_changes() -> None:
    response = Response("x", 404)
    response.reason = "No Such Page"
    assert response.status_line == "404 No Such Page"
    response.status = 404
    assert response.reason == "Not Found"
    response.reason = "Gone Fishing"
    response.status = 503
    assert response.status_line == "503 Service Unavailable"


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        pytest.param("OK\r\nSet-Cookie: a=1", "holds CR or LF", id="crlf"),
        pytest.param("OK\nX: y", "holds CR or LF", id="lf"),
        pytest.param("OK\rX", "holds CR or LF", id="cr"),
        pytest.param("a\x00b", "holds a control character", id="nul"),
        pytest.param("a\tb", "holds a control character", id="tab"),
        pytest.param("a\x1bb", "holds a control character", id="escape"),
        pytest.param("a\x7fb", "holds a control character", id="delete"),
        pytest.param("a\x85b", "holds a control character", id="c1-next-line"),
        pytest.param("Gr\u00fc\u00dfe \u2713", "is not latin-1 text", id="not-latin-1"),
    ],
)
def test_bad_reason_is_refused(reason: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^status 200: the reason phrase .* {message}"):
        Response("x", reason=reason)
    response = Response("x")
    with pytest.raises(ValueError, match=message):
        response.reason = reason
    assert response.status_line == "200 OK"


def test_reason_must_be_text() -> None:
    with pytest.raises(TypeError, match="the reason phrase must be a str, got b'OK'"):
        Response("x", reason=b"OK")
    response = Response("x")
    with pytest.raises(TypeError, match="the reason phrase must be a str, got b'OK'"):
        response.reason = b"OK"


def test_latin_1_reason_is_allowed() -> None:
    assert Response(status=200, reason="Tr\u00e8s Bien").status_line == "200 Tr\u00e8s Bien"


def test_a_subclass_may_say_its_own_status_line() -> None:
    class Brewing(Response):
        @property
        def status_line(self) -> str:
            return f"{self.status} Brewing Since {self.body.decode()}"  # type: ignore[union-attr]

    assert Brewing(b"9:00", 299).to_wire().startswith(b"HTTP/1.1 299 Brewing Since 9:00\r\n")


def test_explicit_content_type_replaces_one_in_headers() -> None:
    response = Response("x", headers={"content-type": "text/plain"}, content_type="text/csv")
    assert response.headers.getlist("Content-Type") == ["text/csv"]


def test_content_type_from_headers_is_kept() -> None:
    response = Response("x", headers={"Content-Type": "text/plain"})
    assert response.headers.getlist("content-type") == ["text/plain"]


def test_body_forms() -> None:
    assert Response("caf\u00e9").body == "caf\u00e9".encode()
    assert Response(bytearray(b"ab")).body == b"ab"
    chunks = iter([b"a", b"b"])
    assert Response(chunks).body is chunks


def test_headers_are_case_insensitive_and_multi_valued() -> None:
    headers = ResponseHeaders({"X-One": "1"})
    headers.add("Set-Cookie", "a=1")
    headers.add("set-cookie", "b=2")
    assert headers["x-one"] == "1"
    assert headers.getlist("SET-COOKIE") == ["a=1", "b=2"]
    assert "X-ONE" in headers and "X-Two" not in headers
    headers["X-One"] = 2
    assert headers.getlist("x-one") == ["2"]
    del headers["set-cookie"]
    assert headers.items() == [("X-One", "2")]
    assert headers.get("missing") is None
    assert headers.setdefault("X-New", "n") == "n"
    assert headers.setdefault("X-New", "other") == "n"
    with pytest.raises(KeyError):
        headers["missing"]


DEFAULTS = [("X-Frame-Options", "SAMEORIGIN"), ("X-Request-ID", "abc")]
DEFAULT_NAMES = frozenset({"x-frame-options", "x-request-id"})


def test_the_lines_sent_are_the_own_headers_then_the_defaults_then_the_length() -> None:
    headers = ResponseHeaders({"X-One": "1", "Content-Length": "999"}, "text/plain")
    headers.add_defaults(DEFAULTS, DEFAULT_NAMES)
    assert "X-Frame-Options" not in headers  # a default is not one of the response's own
    assert headers.lines(2) == [
        ("X-One", "1"),
        ("Content-Type", "text/plain"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("X-Request-ID", "abc"),
        ("Content-Length", "2"),  # the length measured replaces the one set
    ]
    # Without a length measured (a stream), the one set is sent as it is.
    assert ("Content-Length", "999") in headers.lines()


def test_a_default_the_response_sets_itself_is_not_sent_twice() -> None:
    headers = ResponseHeaders({"x-frame-options": "DENY"})
    headers.add_defaults(DEFAULTS, DEFAULT_NAMES)
    headers["X-Request-ID"] = "mine"  # set after the defaults were given: still its own
    assert headers.lines() == [("x-frame-options", "DENY"), ("X-Request-ID", "mine")]


def test_headers_from_a_list_of_pairs_replace_by_name() -> None:
    headers = ResponseHeaders([("X-A", "1"), ("x-a", "2")])
    assert headers.items() == [("x-a", "2")]


@pytest.mark.parametrize(
    "value",
    ["evil\r\nSet-Cookie: admin=1", "line\nbreak", "carriage\rreturn", "nul\0byte"],
)
def test_header_value_with_cr_or_lf_is_refused_naming_the_header(value: str) -> None:
    response = Response("x")
    with pytest.raises(ValueError, match="header 'X-Name'"):
        response.headers["X-Name"] = value
    with pytest.raises(ValueError, match="header 'X-Name'"):
        response.headers.add("X-Name", value)
    with pytest.raises(ValueError, match="header 'X-Name'"):
        Response("x", headers={"X-Name": value})
    assert "X-Name" not in response.headers


def test_header_value_must_be_latin1() -> None:
    with pytest.raises(ValueError, match=r"header 'X-Name'.*not latin-1"):
        Response("x", headers={"X-Name": "\u2603"})
    assert Response("x", headers={"X-Name": "caf\u00e9"}).headers["X-Name"] == "caf\u00e9"


@pytest.mark.parametrize("name", ["Bad Name", "Bad:Name", "", "X-\u00e9"])
def test_header_name_must_be_a_token(name: str) -> None:
    with pytest.raises(ValueError, match="invalid header name"):
        ResponseHeaders({name: "v"})


def test_set_cookie_defaults_to_httponly_and_lax() -> None:
    response = Response("x")
    response.set_cookie("theme", "dark", max_age=60)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("theme=dark;")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=60" in cookie
    assert "Path=/" in cookie


def test_set_cookie_options_and_several_cookies() -> None:
    response = Response("x")
    response.set_cookie("a", "1", secure=True, httponly=False, samesite="Strict", domain="ex.com")
    response.set_cookie("b", "2")
    first, second = response.headers.getlist("Set-Cookie")
    assert "Secure" in first and "HttpOnly" not in first
    assert "SameSite=Strict" in first and "Domain=ex.com" in first
    assert second.startswith("b=2;")


def test_delete_cookie_expires_it() -> None:
    response = Response("x")
    response.delete_cookie("session")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=;")
    assert "Max-Age=0" in cookie
    assert "01 Jan 1970" in cookie


def test_json_response() -> None:
    response = Response.json({"caf\u00e9": [1, None]}, status=201, headers={"X-A": "1"})
    assert response.status == 201
    assert response.content_type == "application/json"
    assert response.body == '{"caf\u00e9":[1,null]}'.encode()
    assert response.headers["X-A"] == "1"


def test_a_line_break_in_a_header_is_a_header_injection_error() -> None:
    with pytest.raises(HeaderInjectionError, match="header 'X-Name'"):
        Response("x", headers={"X-Name": "a\r\nSet-Cookie: b=c"})
    assert issubclass(HeaderInjectionError, ValueError)


def test_header_name_must_be_a_string() -> None:
    with pytest.raises(ValueError, match="invalid header name 1"):
        Response("x", headers={1: "v"})  # type: ignore[dict-item]


def test_to_wire_has_the_status_line_headers_and_body() -> None:
    response = Response("hi", 201, {"X-A": "1"})
    assert response.to_wire() == (
        b"HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Length: 2\r\n\r\nhi"
    )


def test_to_wire_reads_a_streamed_body_and_keeps_it() -> None:
    response = Response(iter([b"a", "b"]), content_type="text/plain")
    assert response.to_wire() == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nab"
    assert response.body == b"ab"


def test_to_wire_of_a_204_has_no_length() -> None:
    assert Response(status=204).to_wire() == b"HTTP/1.1 204 No Content\r\n\r\n"


def test_to_wire_says_the_reason_set() -> None:
    wire = Response("x", 299, reason="Custom Thing", content_type="text/plain").to_wire()
    assert wire.startswith(b"HTTP/1.1 299 Custom Thing\r\n")


def test_to_wire_of_a_205_has_no_body_and_a_zero_length() -> None:
    assert Response("dropped", 205, content_type="text/plain").to_wire() == (
        b"HTTP/1.1 205 Reset Content\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n"
    )


def test_to_wire_of_a_streamed_205_says_a_zero_length() -> None:
    wire = Response(iter([b"hello"]), status=205).to_wire()
    assert wire.endswith(b"\r\nContent-Length: 0\r\n\r\n")


# Conditional responses: make_conditional.

PAGE = b"the page"
PAGE_ETAG = f'"{hashlib.sha1(PAGE).hexdigest()}"'
CHANGED = "Wed, 01 Jan 2025 00:00:00 GMT"  # the page's Last-Modified
BEFORE = "Tue, 31 Dec 2024 00:00:00 GMT"
AFTER = "Thu, 02 Jan 2025 00:00:00 GMT"


@pytest.fixture
def conditional(app: App) -> TestClient:
    """A page made conditional, with an ETag from its body and a Last-Modified date."""

    @app.route("/page", methods=["GET", "POST", "PUT"])
    def page(request: Request) -> Response:
        response = Response(PAGE, content_type="text/plain")
        response.headers["Last-Modified"] = CHANGED
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Vary"] = "Cookie"
        response.set_cookie("seen", "yes")
        return response.make_conditional(request)

    return app.test_client()


PRECONDITIONS = [
    pytest.param("GET", {}, 200, id="none"),
    # If-None-Match: weak comparison; 304 for GET and HEAD.
    pytest.param("GET", {"If-None-Match": PAGE_ETAG}, 304, id="inm-matches"),
    pytest.param("GET", {"If-None-Match": f"W/{PAGE_ETAG}"}, 304, id="inm-weak-matches"),
    pytest.param("GET", {"If-None-Match": f'"old", {PAGE_ETAG}'}, 304, id="inm-in-a-list"),
    pytest.param("GET", {"If-None-Match": "*"}, 304, id="inm-star"),
    pytest.param("GET", {"If-None-Match": '"old"'}, 200, id="inm-other"),
    pytest.param("HEAD", {"If-None-Match": PAGE_ETAG}, 304, id="head-inm-matches"),
    pytest.param("POST", {"If-None-Match": PAGE_ETAG}, 412, id="post-inm-matches"),
    pytest.param("PUT", {"If-None-Match": "*"}, 412, id="put-inm-star"),
    # If-Modified-Since: GET and HEAD only, and only without If-None-Match.
    pytest.param("GET", {"If-Modified-Since": CHANGED}, 304, id="ims-same-date"),
    pytest.param("GET", {"If-Modified-Since": AFTER}, 304, id="ims-later"),
    pytest.param("GET", {"If-Modified-Since": BEFORE}, 200, id="ims-earlier"),
    pytest.param("GET", {"If-Modified-Since": "yesterday"}, 200, id="ims-not-a-date"),
    pytest.param("HEAD", {"If-Modified-Since": CHANGED}, 304, id="head-ims"),
    pytest.param("POST", {"If-Modified-Since": CHANGED}, 200, id="post-ims-ignored"),
    pytest.param(
        "GET",
        {"If-None-Match": '"old"', "If-Modified-Since": CHANGED},
        200,
        id="inm-wins-over-ims",
    ),
    # If-Match: strong comparison; 412 when it fails, whatever the method.
    pytest.param("GET", {"If-Match": PAGE_ETAG}, 200, id="im-matches"),
    pytest.param("GET", {"If-Match": f'"old", {PAGE_ETAG}'}, 200, id="im-in-a-list"),
    pytest.param("GET", {"If-Match": "*"}, 200, id="im-star"),
    pytest.param("GET", {"If-Match": f"W/{PAGE_ETAG}"}, 412, id="im-weak-never-matches"),
    pytest.param("PUT", {"If-Match": '"old"'}, 412, id="im-other"),
    # If-Unmodified-Since: only without If-Match.
    pytest.param("PUT", {"If-Unmodified-Since": BEFORE}, 412, id="ius-earlier"),
    pytest.param("PUT", {"If-Unmodified-Since": CHANGED}, 200, id="ius-same-date"),
    pytest.param("PUT", {"If-Unmodified-Since": "soon"}, 200, id="ius-not-a-date"),
    pytest.param(
        "PUT",
        {"If-Match": PAGE_ETAG, "If-Unmodified-Since": BEFORE},
        200,
        id="im-wins-over-ius",
    ),
    # The order between the two pairs: If-Match and If-Unmodified-Since first.
    pytest.param(
        "GET", {"If-Match": '"old"', "If-None-Match": PAGE_ETAG}, 412, id="im-before-inm"
    ),
    pytest.param(
        "GET", {"If-Match": PAGE_ETAG, "If-None-Match": PAGE_ETAG}, 304, id="im-then-inm"
    ),
    pytest.param(
        "GET",
        {"If-Unmodified-Since": BEFORE, "If-None-Match": PAGE_ETAG},
        412,
        id="ius-before-inm",
    ),
    pytest.param(
        "GET",
        {"If-Unmodified-Since": AFTER, "If-Modified-Since": CHANGED},
        304,
        id="ius-then-ims",
    ),
]


@pytest.mark.parametrize(("method", "headers", "status"), PRECONDITIONS)
def test_preconditions_in_rfc_9110_order(
    conditional: TestClient, method: str, headers: dict[str, str], status: int
) -> None:
    response = conditional.open("/page", method=method, headers=headers)
    assert response.status_code == status
    if status == 200:
        assert response.headers["ETag"] == PAGE_ETAG
        assert response.data == (b"" if method == "HEAD" else PAGE)


@pytest.mark.parametrize(
    "header", ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"]
)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("Mon, 99 Foo 99999 99:99:99 GMT", id="nonsense-date"),
        pytest.param("Sat, 01 Jan 10000 00:00:00 GMT", id="year-10000"),
        pytest.param('W/"unclosed', id="unclosed-tag"),
        pytest.param(",,,", id="empty-list"),
        pytest.param("\t", id="blank"),
    ],
)
def test_a_malformed_precondition_is_never_a_server_error(
    conditional: TestClient, header: str, value: str
) -> None:
    response = conditional.get("/page", headers={header: value})
    # A date that is not one is ignored; a tag that matches nothing fails If-Match.
    assert response.status_code == (412 if header == "If-Match" and value != "\t" else 200)


def test_the_etag_is_the_strong_sha1_of_the_body(conditional: TestClient) -> None:
    get, head = conditional.get("/page"), conditional.head("/page")
    assert get.headers["ETag"] == head.headers["ETag"] == PAGE_ETAG
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(PAGE))


def test_a_304_keeps_the_validators_and_drops_the_body(conditional: TestClient) -> None:
    response = conditional.get("/page", headers={"If-None-Match": PAGE_ETAG})
    assert response.status_code == 304
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert response.headers["ETag"] == PAGE_ETAG
    assert response.headers["Last-Modified"] == CHANGED
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Vary"] == "Cookie"
    assert response.headers["Set-Cookie"].startswith("seen=yes;")


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        pytest.param("application/json", "application/json", id="json"),
        pytest.param("text/html", "text/html; charset=utf-8", id="html"),
    ],
)
def test_a_412_is_an_error_page_in_the_form_the_client_prefers(
    conditional: TestClient, accept: str, content_type: str
) -> None:
    response = conditional.put("/page", headers={"If-Match": '"old"', "Accept": accept})
    assert response.status_code == 412
    assert response.headers["Content-Type"] == content_type
    # The page's own Vary, Accept (its form was chosen by it), the resource's
    # current version and the cookie the view set; nothing of the body's.
    assert response.headers["Vary"] == "Accept, Cookie"
    assert response.headers["ETag"] == PAGE_ETAG
    assert response.headers["Last-Modified"] == CHANGED
    assert response.headers["Set-Cookie"].startswith("seen=yes")
    assert "Cache-Control" not in response.headers
    assert b"412" in response.data
    assert b"If-Match" in response.data
    if accept == "application/json":
        assert response.json["error"]["status"] == 412


def request_with(headers: dict[str, str], method: str = "GET") -> Request:
    return Request(EnvironBuilder(method=method, headers=headers).get_environ())


def test_make_conditional_changes_the_response_in_place_and_returns_it() -> None:
    response = Response(PAGE)
    assert response.make_conditional(request_with({"If-None-Match": PAGE_ETAG})) is response
    assert (response.status, response.body) == (304, b"")
    failed = Response(PAGE)
    assert failed.make_conditional(request_with({"If-Match": '"old"'})) is failed
    assert failed.status == 412
    assert b"412 Precondition Failed" in failed.body  # type: ignore[operator]


def test_make_conditional_takes_the_environ_as_flask_does() -> None:
    environ = EnvironBuilder(headers={"If-None-Match": PAGE_ETAG}).get_environ()
    assert Response(PAGE).make_conditional(environ).status == 304
    environ = EnvironBuilder(headers={"If-Match": '"old"', "Accept": "application/json"})
    failed = Response(PAGE).make_conditional(environ.get_environ())
    assert (failed.status, failed.content_type) == (412, "application/json")


@pytest.mark.parametrize("status", [201, 204, 301, 404, 500])
def test_only_a_200_is_made_conditional(status: int) -> None:
    response = Response(b"" if status == 204 else b"not the page", status)
    response.make_conditional(request_with({"If-None-Match": "*", "If-Match": '"old"'}))
    assert response.status == status
    assert "ETag" not in response.headers


def test_an_etag_already_set_is_kept_and_compared() -> None:
    def answer(headers: dict[str, str]) -> Response:
        response = Response(PAGE, headers={"ETag": 'W/"v1"'})
        return response.make_conditional(request_with(headers))

    assert answer({}).headers["ETag"] == 'W/"v1"'
    assert answer({"If-None-Match": '"v1"'}).status == 304  # weak comparison
    assert answer({"If-Match": 'W/"v1"'}).status == 412  # strong comparison: weak never matches


def test_without_etag_no_etag_is_made_and_the_date_still_counts() -> None:
    response = Response(PAGE, headers={"Last-Modified": CHANGED})
    response.make_conditional(request_with({"If-Modified-Since": CHANGED}), etag=False)
    assert response.status == 304
    assert "ETag" not in response.headers
    untagged = Response(PAGE).make_conditional(request_with({"If-Match": PAGE_ETAG}), etag=False)
    assert untagged.status == 412  # no ETag matches nothing but *


def test_a_date_check_without_last_modified_is_ignored() -> None:
    response = Response(PAGE).make_conditional(request_with({"If-Modified-Since": AFTER}))
    assert response.status == 200
    assert response.body == PAGE


def test_a_str_body_is_tagged_as_its_utf8_bytes() -> None:
    response = Response("x")
    response.body = "café"
    response.make_conditional(request_with({}))
    assert response.headers["ETag"] == f'"{hashlib.sha1("café".encode()).hexdigest()}"'


def test_a_stream_without_an_etag_is_left_as_it_is(app: App) -> None:
    @app.get("/stream")
    def stream(request: Request) -> Response:
        response = Response(iter([b"one ", b"two"]), content_type="text/plain")
        response.headers["Last-Modified"] = CHANGED
        return response.make_conditional(request)

    response = app.test_client().get(
        "/stream", headers={"If-None-Match": "*", "If-Modified-Since": AFTER}
    )
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert response.data == b"one two"


class Report:
    """A streamed body that holds something to release: the server calls close()."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b"the report"

    def close(self) -> None:
        self.closed = True


def test_a_stream_with_its_etag_is_compared_and_closed_on_a_304(app: App) -> None:
    bodies: list[Report] = []

    @app.get("/report")
    def report(request: Request) -> Response:
        bodies.append(Report())
        response = Response(bodies[-1], headers={"ETag": '"report-7"'})
        return response.make_conditional(request)

    client = app.test_client()
    assert client.get("/report").data == b"the report"
    response = client.get("/report", headers={"If-None-Match": '"report-7"'})
    assert (response.status_code, response.data) == (304, b"")
    assert response.headers["ETag"] == '"report-7"'
    assert bodies[-1].closed


def test_last_modified_reads_and_sets_the_header() -> None:
    response = Response(PAGE)
    assert response.last_modified is None
    response.last_modified = datetime(2025, 1, 1, 0, 0, 0, 123456)  # naive: UTC
    assert response.headers["Last-Modified"] == CHANGED
    assert response.last_modified == datetime(2025, 1, 1, tzinfo=timezone.utc)
    response.last_modified = 0
    assert response.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    response.last_modified = None
    assert "Last-Modified" not in response.headers
