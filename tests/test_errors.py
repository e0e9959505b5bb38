"""HTTPError, abort and the error pages (JSON or HTML by the Accept header)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from framework import App, HTTPError, Request, ValidationFailed, abort
from framework.errors import error_response, wants_json


def test_http_error_carries_status_reason_detail_headers() -> None:
    error = HTTPError(401, "log in first", {"WWW-Authenticate": "Basic"})
    assert error.status == 401
    assert error.reason == "Unauthorized"
    assert error.detail == "log in first"
    assert error.headers == {"WWW-Authenticate": "Basic"}
    assert str(error) == "401 Unauthorized: log in first"


@pytest.mark.parametrize("status", [200, 302, 600, "404"])
def test_http_error_needs_an_error_status(status: object) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        HTTPError(status)  # type: ignore[arg-type]


def test_abort_raises() -> None:
    with pytest.raises(HTTPError) as caught:
        abort(404, "no such user")
    assert (caught.value.status, caught.value.detail) == (404, "no such user")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json", True),
        ("application/json, text/html;q=0.5", True),
        ("text/html, application/json;q=0.5", False),
        ("application/json;q=0.2, text/html;q=0.9", False),
    ],
)
def test_wants_json_follows_accept_preferences(accept: str | None, expected: bool) -> None:
    assert wants_json(accept) is expected


def test_json_error_shape() -> None:
    response = error_response(HTTPError(404, {"id": 3}), accept="application/json")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert json.loads(response.body) == {  # type: ignore[arg-type]
        "error": {"status": 404, "reason": "Not Found", "detail": {"id": 3}}
    }


def test_html_error_page_escapes_the_detail() -> None:
    response = error_response(HTTPError(400, '<script>alert("x")</script>'), accept=None)
    page = response.body.decode()  # type: ignore[union-attr]
    assert response.content_type == "text/html; charset=utf-8"
    assert "<h1>400 Bad Request</h1>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_error_headers_are_sent() -> None:
    response = error_response(HTTPError(405, headers={"Allow": "GET, HEAD"}), accept=None)
    assert response.headers["Allow"] == "GET, HEAD"


def test_debug_detail_is_included_only_when_given() -> None:
    plain = error_response(HTTPError(500), accept="application/json")
    debug = error_response(HTTPError(500), accept="application/json", debug_detail="Trace<>")
    assert "traceback" not in json.loads(plain.body)["error"]  # type: ignore[arg-type]
    assert json.loads(debug.body)["error"]["traceback"] == "Trace<>"  # type: ignore[arg-type]
    page = error_response(HTTPError(500), accept=None, debug_detail="Trace<>").body
    assert b"<pre>Trace&lt;&gt;</pre>" in page  # type: ignore[operator]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        pytest.param(None, "text/html; charset=utf-8", id="html"),
        pytest.param("application/json", "application/json", id="json"),
    ],
)
@pytest.mark.parametrize(
    ("headers", "vary"),
    [
        pytest.param(None, "Accept", id="no-headers"),
        pytest.param({"Allow": "GET"}, "Accept", id="other-headers"),
        pytest.param({"Vary": "Origin"}, "Origin, Accept", id="a-vary-of-its-own"),
        pytest.param({"Vary": "accept"}, "accept", id="accept-listed-already"),
    ],
)
def test_error_pages_vary_on_accept(
    accept: str | None, content_type: str, headers: dict[str, str] | None, vary: str
) -> None:
    # The Accept header chose the page's form: a cache must keep the two apart.
    response = error_response(HTTPError(405, None, headers), accept=accept)
    assert response.content_type == content_type
    assert response.headers.getlist("Vary") == [vary]
    for name, value in (headers or {}).items():
        if name != "Vary":
            assert response.headers[name] == value


def test_the_apps_error_pages_vary_on_accept(app: App) -> None:
    @app.get("/only-get")
    def only_get(request: Request) -> str:
        return "got"

    client = app.test_client()
    assert client.get("/missing").headers["Vary"] == "Accept"
    not_allowed = client.post("/only-get", headers={"Accept": "application/json"})
    assert (not_allowed.status_code, not_allowed.headers["Vary"]) == (405, "Accept")
    assert "Vary" not in client.get("/only-get").headers


def test_wants_json_given_the_request_makes_the_response_vary_on_accept(app: App) -> None:

    @app.get("/either")
    def either(request: Request) -> Any:
        return {"form": "json"} if wants_json(request) else "<p>html</p>"

    app.get("/plain")(lambda request: "<p>no choice</p>")
    client = app.test_client()
    json_answer = client.get("/either", headers={"Accept": "application/json"})
    assert (json_answer.json, json_answer.headers["Vary"]) == ({"form": "json"}, "Accept")
    assert client.get("/either").headers["Vary"] == "Accept"
    assert "Vary" not in client.get("/plain").headers


def test_422_has_rfc_9110s_reason() -> None:
    # Python before 3.13 still says "Unprocessable Entity".
    assert HTTPError(422).reason == "Unprocessable Content"


def test_validation_failed_is_a_422_with_its_fields() -> None:
    failed = ValidationFailed([{"field": "title", "message": "Field required"}])
    assert isinstance(failed, HTTPError)
    assert (failed.status, failed.detail) == (422, "the request has 1 invalid field")
    assert failed.fields == [{"field": "title", "message": "Field required"}]
    response = error_response(failed, accept="application/json")
    assert json.loads(response.body) == {  # type: ignore[arg-type]
        "error": {
            "status": 422,
            "reason": "Unprocessable Content",
            "detail": "the request has 1 invalid field",
            "fields": [{"field": "title", "message": "Field required"}],
        }
    }


def test_the_html_page_of_validation_failed_lists_the_fields_escaped() -> None:
    fields = [{"field": "<b>", "message": "not <i>this</i>"}, {"field": "", "message": "whole"}]
    first = error_response(ValidationFailed(fields, "bad"), accept=None).body
    page = first.decode()  # type: ignore[union-attr]
    assert "<li><strong>&lt;b&gt;</strong>: not &lt;i&gt;this&lt;/i&gt;</li>" in page
    assert "<li>whole</li>" in page
    # Same status and detail, other fields: not a page kept from the first.
    other = [{"field": "year", "message": "too old"}]
    second = error_response(ValidationFailed(other, "bad"), accept=None).body
    assert b"<strong>year</strong>: too old" in second  # type: ignore[operator]
    assert b"&lt;b&gt;" not in second  # type: ignore[operator]
