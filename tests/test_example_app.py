"""The example app, a link shortener, through the test client.

Its runs under real servers are in test_e2e_example_app.py (gunicorn),
test_browser.py (Chromium) and test_nginx.py (two instances behind nginx).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import example_app
from example_app.storage import MAX_URL_LENGTH, Links
from framework import App
from framework.testing import TestClient


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """The example app, with a database of its own for each test."""
    saved = example_app.app.links  # type: ignore[attr-defined]
    example_app.app.links = Links(tmp_path / "links.sqlite3")  # type: ignore[attr-defined]
    yield example_app.app
    example_app.app.links = saved  # type: ignore[attr-defined]


def shorten(client: TestClient, url: str) -> str:
    """Shorten ``url`` through the API and return its code."""
    created = client.post("/api/links", json={"url": url})
    assert created.status_code == 201, created.text
    return str(created.json["code"])


def test_home_page_has_the_form_and_the_stylesheet(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<form method="post" action="/">' in page.text
    assert '<link rel="stylesheet" href="/static/style.css">' in page.text
    assert "No links yet." in page.text
    assert client.get("/static/style.css").status_code == 200


def test_shorten_through_the_form_redirects_with_a_flash_shown_once(client: TestClient) -> None:
    posted = client.post("/", data={"url": "https://example.com/a/long/path"})
    assert posted.status_code == 303
    assert posted.headers["Location"] == "/"
    page = client.get("/").text
    [code] = re.findall(r'class="short" href="/(\w+)"', page)
    assert f"Your short link: http://localhost/{code}" in page
    assert '<td class="target">https://example.com/a/long/path</td>' in page
    assert "Your short link" not in client.get("/").text


INVALID = [
    pytest.param("", "Enter a URL to shorten.", id="empty"),
    pytest.param("   ", "Enter a URL to shorten.", id="blank"),
    pytest.param("ftp://example.com/file", "Only http:// and https:// URLs", id="not-http"),
    pytest.param("javascript:alert(1)", "Only http:// and https:// URLs", id="javascript"),
    pytest.param("example.com", "Only http:// and https:// URLs", id="no-scheme"),
    pytest.param(
        "https://example.com/" + "a" * MAX_URL_LENGTH, "longer than 2,000 characters", id="long"
    ),
    pytest.param("https://[::1/", "That URL is not well formed.", id="open-ipv6"),
    pytest.param("https://a.example/\r\nX: y", "characters that a URL cannot", id="line-break"),
    pytest.param("https://a.example/\x00", "characters that a URL cannot", id="nul"),
]


@pytest.mark.parametrize(("url", "message"), INVALID)
def test_invalid_input_rerenders_the_form_with_400(
    client: TestClient, url: str, message: str
) -> None:
    page = client.post("/", data={"url": url})
    assert page.status_code == 400
    assert message in page.text
    assert 'role="alert"' in page.text
    assert "No links yet." in page.text  # nothing was stored


def test_entered_text_comes_back_escaped(client: TestClient) -> None:
    page = client.post("/", data={"url": 'x" onfocus="alert(1)'})
    assert page.status_code == 400
    assert 'value="x&#34; onfocus=&#34;alert(1)"' in page.text


def test_short_link_redirects_and_counts_visits(client: TestClient) -> None:
    code = shorten(client, "https://example.org/target")
    for _ in range(3):
        visit = client.get(f"/{code}")
        assert visit.status_code == 302
        assert visit.headers["Location"] == "https://example.org/target"
    assert client.get(f"/api/links/{code}").json["visits"] == 3
    assert '<td class="visits">3</td>' in client.get("/").text


def test_a_short_link_is_a_deliberate_redirect_off_the_site(client: TestClient) -> None:
    # The link leads to another host: redirect() lets it through only with external=True.
    code = shorten(client, "http://other.example:8080/a%20b?q=1#part")
    visit = client.get(f"/{code}")
    assert visit.status_code == 302
    assert visit.headers["Location"] == "http://other.example:8080/a%20b?q=1#part"


def test_head_on_a_short_link_does_not_count_a_visit(client: TestClient) -> None:
    code = shorten(client, "https://example.org/peek")
    head = client.head(f"/{code}")
    assert (head.status_code, head.headers["Location"]) == (302, "https://example.org/peek")
    assert client.get(f"/api/links/{code}").json["visits"] == 0
    assert client.head("/nosuch").status_code == 404


def test_unknown_code_gets_the_apps_own_404_page(client: TestClient) -> None:
    page = client.get("/nosuch")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert "No short link has the code &#39;nosuch&#39;." in page.text
    as_json = client.get("/nosuch", headers={"Accept": "application/json"})
    assert as_json.status_code == 404
    assert as_json.json["error"]["status"] == 404
    # Accept chose the form: a cache must keep the two apart.
    assert "Accept" in page.headers["Vary"].split(", ")
    assert "Accept" in as_json.headers["Vary"].split(", ")


def test_about_is_a_static_route_beside_the_codes(client: TestClient) -> None:
    page = client.get("/about")
    assert page.status_code == 200
    assert "<h1>About</h1>" in page.text


def test_inspect_shows_the_request_as_html_and_json(client: TestClient) -> None:
    page = client.post(
        "/inspect?x=1", data=b"hello body", headers={"User-Agent": "test-agent/1.0"}
    )
    assert page.status_code == 200
    assert '<dd id="method">POST</dd>' in page.text
    assert '<dd id="path">/inspect?x=1</dd>' in page.text
    assert "<th>User-Agent</th><td>test-agent/1.0</td>" in page.text
    assert '<pre id="body">hello body</pre>' in page.text
    as_json = client.put(
        "/inspect", data=b"{}", headers={"Accept": "application/json", "X-Custom": "yes"}
    ).json
    assert as_json["method"] == "PUT"
    assert as_json["version"] == "HTTP/1.1"
    assert as_json["headers"]["X-Custom"] == "yes"
    assert as_json["body"] == "{}"
    assert "Accept" in page.headers["Vary"].split(", ")
    assert client.get("/inspect", headers={"Accept": "application/json"}).headers["Vary"] == (
        "Accept"
    )


# Methods outside the standard list are checked over the wire (the test client
# validates the environ, and refuses them).
@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PATCH", "DELETE"])
def test_inspect_answers_any_method(client: TestClient, method: str) -> None:
    reply = client.open("/inspect", method=method, headers={"Accept": "application/json"})
    assert reply.status_code == 200
    assert reply.json["method"] == method


def test_api_create_list_show_delete(client: TestClient) -> None:
    created = client.post("/api/links", json={"url": "https://python.org"})
    assert created.status_code == 201
    code = created.json["code"]
    assert created.headers["Location"] == f"/api/links/{code}"
    assert created.json == {
        "code": code,
        "url": "https://python.org",
        "short_url": f"http://localhost/{code}",
        "visits": 0,
        "created_at": created.json["created_at"],
    }
    assert [link["code"] for link in client.get("/api/links").json["links"]] == [code]
    assert client.get(f"/api/links/{code}").json["url"] == "https://python.org"
    deleted = client.delete(f"/api/links/{code}")
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert client.get(f"/{code}").status_code == 404


def test_a_link_has_an_etag_and_an_unchanged_one_is_a_304(client: TestClient) -> None:
    code = client.post("/api/links", json={"url": "https://python.org"}).json["code"]
    first = client.get(f"/api/links/{code}")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: it names these bytes
    unchanged = client.get(f"/api/links/{code}", headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.data) == (304, b"")
    assert unchanged.headers["ETag"] == etag
    client.get(f"/{code}")  # a visit changes the link's count, so its version
    changed = client.get(f"/api/links/{code}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json["visits"] == 1
    assert changed.headers["ETag"] != etag


def test_api_root_and_latest_links(client: TestClient) -> None:
    root = client.get("/api")  # not a code: too short, so the slash redirect applies
    assert (root.status_code, root.headers["Location"]) == (308, "/api/")
    assert client.get("/api/").json == {"links": "/api/links", "latest": "/api/links/latest/10"}
    codes = [shorten(client, f"https://example.com/{n}") for n in range(3)]
    latest = client.get("/api/links/latest/2").json["links"]
    assert [link["code"] for link in latest] == codes[:0:-1]  # newest first
    # "latest" has the shape of a code: without a number, it is looked up as one.
    assert client.get("/api/links/latest").json["error"]["detail"] == (
        "no link has the code 'latest'"
    )


def test_a_path_that_is_not_a_code_gets_the_apps_404(client: TestClient) -> None:
    for path in ("/ab", "/" + "a" * 17, "/a-b-c"):
        page = client.get(path)
        assert page.status_code == 404
        assert "<h1>Not found</h1>" in page.text


API_ERRORS = [
    pytest.param(
        "post",
        "/api/links",
        {"data": "{", "content_type": "application/json"},
        400,
        id="malformed-json",
    ),
    pytest.param(
        "post", "/api/links", {"data": "url=x", "content_type": "text/plain"}, 415, id="not-json"
    ),
    pytest.param("post", "/api/links", {"json": ["https://x.org"]}, 422, id="not-an-object"),
    pytest.param("post", "/api/links", {"json": {"url": "mailto:a@b.c"}}, 422, id="bad-url"),
    pytest.param(
        "post", "/api/links", {"json": {"url": "https://[::1/"}}, 422, id="open-ipv6-url"
    ),
    pytest.param(
        "post",
        "/api/links",
        {"data": '{"url": "https://a.example/\\ud800"}', "content_type": "application/json"},
        400,
        id="lone-surrogate",
    ),
    pytest.param("get", "/api/links/nosuch", {}, 404, id="unknown-code"),
    pytest.param("delete", "/api/links/nosuch", {}, 404, id="delete-unknown"),
    pytest.param("get", "/api/nothing", {}, 404, id="unknown-api-path"),
    pytest.param("get", "/api/links/latest/0", {}, 422, id="latest-zero"),
    pytest.param("get", "/api/links/latest/101", {}, 422, id="latest-too-many"),
    pytest.param("get", "/api/links/latest/ten", {}, 404, id="latest-not-a-number"),
    pytest.param("put", "/api/links", {}, 405, id="wrong-method"),
]


@pytest.mark.parametrize(("method", "path", "options", "status"), API_ERRORS)
def test_api_errors_are_json_whatever_the_accept_header(
    client: TestClient, method: str, path: str, options: dict[str, object], status: int
) -> None:
    response = client.open(path, method=method.upper(), headers={"Accept": "text/html"}, **options)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json["error"]["status"] == status
    assert response.json["error"]["detail"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({}, [{"field": "url", "message": "Field required"}], id="missing"),
        pytest.param(
            {"url": "mailto:a@b.c"},
            [{"field": "url", "message": "Only http:// and https:// URLs can be shortened."}],
            id="not-http",
        ),
        pytest.param(
            {"url": 3},
            [{"field": "url", "message": "Input should be a valid string"}],
            id="number",
        ),
    ],
)
def test_the_api_names_each_invalid_field(
    client: TestClient, body: dict[str, object], fields: list[dict[str, str]]
) -> None:
    response = client.post("/api/links", json=body)
    assert response.status_code == 422
    assert response.json == {
        "error": {
            "status": 422,
            "reason": "Unprocessable Content",
            "detail": "the JSON body has 1 invalid field",
            "fields": fields,
        }
    }


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    response = client.delete("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.put("/api/links").headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_head_is_get_without_a_body(client: TestClient) -> None:
    head = client.head("/about")
    assert head.status_code == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(client.get("/about").data)


def test_routes_of_the_app(app: App) -> None:
    assert [(sorted(r.methods), r.pattern, r.name) for r in app.routes] == [
        (["GET"], "/static/<path:filename>", "static"),
        (["GET"], "/", "index"),
        (["POST"], "/", "shorten"),
        (["GET"], "/about", "about"),
        (["ANY"], "/inspect", "inspect"),
        (["GET"], "/<code:code>", "follow"),
        (["GET"], "/api/", "api.index"),
        (["GET"], "/api/links", "api.list_links"),
        (["GET"], "/api/links/latest/<int:count>", "api.latest_links"),
        (["POST"], "/api/links", "api.create_link"),
        (["GET"], "/api/links/<code:code>", "api.show_link"),
        (["DELETE"], "/api/links/<code:code>", "api.delete_link"),
    ]
    assert app.check_routes() == []
