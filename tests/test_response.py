"""Response: status, headers, body, cookies and JSON (redirects: test_redirects.py)."""

from __future__ import annotations

from typing import Any

import pytest

from framework import Response
from framework.response import HeaderInjectionError, ResponseHeaders


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
        Response("x", reason=b"OK")  # type: ignore[arg-type]


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
