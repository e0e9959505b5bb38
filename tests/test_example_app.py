"""The example app, a link shortener, through the test client.

Its runs under real servers are in test_e2e_example_app.py (gunicorn),
test_browser.py (Chromium) and test_nginx.py (two instances behind nginx).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import example_app
from example_app import settings, storage
from example_app.ownership import KEPT_IN_SESSION, LISTED
from example_app.storage import MAX_URL_LENGTH, RESERVED_CODES, describe_host
from example_app.storage_sqlite import SQLiteLinks
from framework import App
from framework.testing import TestClient


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """The example app, with a database of its own for each test."""
    saved = example_app.app.links  # type: ignore[attr-defined]
    example_app.app.links = SQLiteLinks(tmp_path / "links.sqlite3")  # type: ignore[attr-defined]
    yield example_app.app
    example_app.app.links = saved  # type: ignore[attr-defined]


def shorten(client: TestClient, url: str) -> str:
    """Shorten ``url`` through the API and return its code."""
    return create(client, url)[0]


def create(client: TestClient, url: str) -> tuple[str, str]:
    """Shorten ``url`` through the API; return its code and its delete token."""
    created = client.post("/api/links", json={"url": url})
    assert created.status_code == 201, created.text
    return str(created.json["code"]), str(created.json["delete_token"])


#: The flash of a new link, as the page has it: a regular expression, given the URL's.
FLASHED_LINK = r'Your short link: <a class="short-link" href="{}">'


def shorten_in_the_page(client: TestClient, url: str) -> str:
    """Shorten ``url`` through the home page's form, as a browser does; return its code."""
    posted = client.post("/", data={"url": url})
    assert posted.status_code == 303, posted.text
    [code] = re.findall(FLASHED_LINK.format(r"http://localhost/(\w+)"), client.get("/").text)
    return code


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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
    [code] = re.findall(r'class="short" href="http://localhost/(\w+)"', page)
    assert re.search(FLASHED_LINK.format(f"http://localhost/{code}"), page)
    assert f'<button class="copy" type="button" data-copy="http://localhost/{code}">' in page
    assert '<td class="target">https://example.com/a/long/path</td>' in page
    assert "Your short link" not in client.get("/").text


INVALID = [
    pytest.param("", "Enter a URL to shorten.", id="empty"),
    pytest.param("   ", "Enter a URL to shorten.", id="blank"),
    pytest.param("ftp://example.com/file", "Only http:// and https:// URLs", id="not-http"),
    pytest.param("javascript:alert(1)", "Only http:// and https:// URLs", id="javascript"),
    pytest.param("example.com", "Only http:// and https:// URLs", id="no-scheme"),
    pytest.param(
        "https://example.com/" + "a" * MAX_URL_LENGTH, "longer than 2,048 characters", id="long"
    ),
    pytest.param(
        # 1,920 characters as typed, 22,820 as sent: twelve for each emoji.
        "https://example.com/" + "\N{GRINNING FACE}" * 1900,
        "That URL is longer than 2,048 characters as it is sent (percent-encoded, it is 22,820).",
        id="emoji",
    ),
    pytest.param("https://[::1/", "That URL is not well formed.", id="open-ipv6"),
    pytest.param("https://a.example:http/", "That URL is not well formed.", id="bad-port"),
    pytest.param("https://user@/", "That URL has no host name.", id="no-host"),
    pytest.param("https://b\u00fccher..de/", "host name is not a valid domain", id="empty-label"),
    pytest.param("https://xn--zz.example/", "host name is not a valid domain", id="bad-punycode"),
    pytest.param("https://a.example/\r\nX: y", "characters that a URL cannot", id="line-break"),
    pytest.param("https://a.example/\x00", "characters that a URL cannot", id="nul"),
    # ASCII host names are checked too, as a browser parses them (the WHATWG URL standard).
    pytest.param("https://exa mple.com/", "host name is not a valid domain", id="space"),
    pytest.param('https://a"b<c>.com/', "host name is not a valid domain", id="quote-and-angle"),
    pytest.param("https://example..com/", "host name is not a valid domain", id="ascii-empty"),
    pytest.param("https://.example.com/", "host name is not a valid domain", id="leading-dot"),
    pytest.param("https://-a.com/", "host name is not a valid domain", id="leading-hyphen"),
    pytest.param("https://a-.com/", "host name is not a valid domain", id="trailing-hyphen"),
    pytest.param("https://a%zz.com/", "host name is not a valid domain", id="lone-percent-host"),
    # Decoded, "%2F" is a slash: a browser would go to evil.com.
    pytest.param("https://evil.com%2F.example.com/", "not a valid domain", id="encoded-slash"),
    pytest.param("https://%FF.com/", "host name is not a valid domain", id="not-utf-8"),
    pytest.param("https://evil.com\\.example.com/", "holds a backslash", id="backslash"),
    pytest.param("https://evil.com\\@example.com/", "holds a backslash", id="backslash-at"),
    pytest.param("http://127.1/", "host name is not a valid IPv4 address", id="short-ipv4"),
    pytest.param("http://0x7f.0.0.1/", "not a valid IPv4 address", id="hex-ipv4"),
    pytest.param("http://1.2.3.256/", "not a valid IPv4 address", id="big-ipv4"),
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


def test_the_form_ties_its_error_to_the_field_and_focuses_it(client: TestClient) -> None:
    fresh = client.get("/").text
    field = re.search(r"<input id=\"url\"[^>]*>", fresh)
    assert field is not None
    assert 'type="url"' in field[0] and "required" in field[0] and "autofocus" in field[0]
    assert "aria-invalid" not in field[0]  # nothing is wrong yet
    refused = client.post("/", data={"url": "ftp://example.com/file"}).text
    field = re.search(r"<input id=\"url\"[^>]*>", refused)
    assert field is not None
    assert 'aria-invalid="true" aria-describedby="url-error" autofocus' in field[0]
    assert '<p class="error" id="url-error" role="alert">Only http:// and https://' in refused


def test_the_new_link_and_the_table_show_full_short_links(client: TestClient) -> None:
    client.post("/", data={"url": "https://example.com/full"})
    page = client.get("/").text
    [code] = re.findall(r'<tr data-code="(\w+)">', page)
    assert f'<a class="short" href="http://localhost/{code}">http://localhost/{code}</a>' in page
    assert f'data-copy="http://localhost/{code}"' in page
    assert "autofocus" not in page  # the flash is news: the focus stays at the top
    assert '<script src="/static/copy.js" defer></script>' in page
    script = client.get("/static/copy.js")
    assert script.status_code == 200
    assert "navigator.clipboard.writeText" in script.text
    assert client.get("/static/favicon.svg").status_code == 200


def test_entered_text_comes_back_escaped(client: TestClient) -> None:
    page = client.post("/", data={"url": 'x" onfocus="alert(1)'})
    assert page.status_code == 400
    assert 'value="x&#34; onfocus=&#34;alert(1)"' in page.text


def test_short_link_redirects_and_counts_visits(client: TestClient) -> None:
    code = shorten_in_the_page(client, "https://example.org/target")
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
    assert (
        "This page is the route\n<code>/about</code>; every short link is the route "
        "<code>/&lt;code:code&gt;</code>.\nBoth match the path <code>/about</code>"
    ) in page.text
    assert page.text.count("every short link") == 1


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
    code, token = created.json["code"], created.json["delete_token"]
    assert created.headers["Location"] == f"/api/links/{code}"
    assert len(token) == 43  # 32 random bytes, base64url
    shown = {
        "code": code,
        "url": "https://python.org",
        "short_url": f"http://localhost/{code}",
        "visits": 0,
        "created_at": created.json["created_at"],
        "host": "python.org",
        "host_unicode": "python.org",
        "mixed_scripts": [],
    }
    assert created.json == {**shown, "delete_token": token}
    assert created.headers["Cache-Control"] == "no-store"  # it holds the delete token
    assert "Set-Cookie" not in created.headers  # no Origin, so no browser: no session
    assert client.get("/api/links", headers=bearer(token)).json == {"links": [shown]}
    assert client.get(f"/api/links/{code}").json == shown  # public, and without the token
    deleted = client.delete(f"/api/links/{code}", headers=bearer(token))
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert client.get(f"/{code}").status_code == 404
    assert client.delete(f"/api/links/{code}", headers=bearer(token)).status_code == 404


def test_deleting_through_the_api_takes_the_links_own_token(client: TestClient) -> None:
    code, token = create(client, "https://example.com/mine")
    _, other_token = create(client, "https://example.com/theirs")
    for headers in [{}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}]:
        refused = client.delete(f"/api/links/{code}", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert refused.json["error"]["detail"] == (
            "deleting a link takes its delete token: Authorization: Bearer <token>"
        )
    # Who asks comes first: without a token, an unknown code is a 401 too.
    assert client.delete("/api/links/nosuch").status_code == 401
    assert client.delete("/api/links/nosuch", headers=bearer(token)).status_code == 404
    for wrong in [other_token, token[:-1], token + "x", "x" * 43]:
        forbidden = client.delete(f"/api/links/{code}", headers=bearer(wrong))
        assert forbidden.status_code == 403
        assert forbidden.json["error"]["detail"] == f"that is not the delete token of {code!r}"
    assert client.get(f"/api/links/{code}").status_code == 200  # still there
    # The scheme's name is case-insensitive.
    deleted = client.delete(f"/api/links/{code}", headers={"Authorization": f"bearer {token}"})
    assert deleted.status_code == 204


def test_the_api_lists_nothing_without_credentials(client: TestClient) -> None:
    code, token = create(client, "https://example.com/one")
    shorten_in_the_page(client, "https://example.com/two")
    assert client.get("/api/links").json == {"links": []}
    assert client.get("/api/links/latest/10").json == {"links": []}
    assert client.get("/api/links", headers=bearer("x" * 43)).json == {"links": []}
    mine = client.get("/api/links", headers=bearer(token)).json["links"]
    assert [link["code"] for link in mine] == [code]
    latest = client.get("/api/links/latest/1", headers=bearer(token)).json["links"]
    assert [link["code"] for link in latest] == [code]
    for path in ["/api/links", f"/api/links/{code}", "/api/links/latest/10"]:
        assert token not in client.get(path, headers=bearer(token)).text


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
    pytest.param(
        "delete",
        "/api/links/nosuch",
        {"headers": {"Authorization": "Bearer x"}},
        404,
        id="delete-unknown",
    ),
    pytest.param("delete", "/api/links/nosuch", {}, 401, id="delete-without-a-token"),
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
    rest = dict(options)
    headers = {"Accept": "text/html", **rest.pop("headers", {})}  # type: ignore[dict-item]
    response = client.open(path, method=method.upper(), headers=headers, **rest)
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
        (["GET"], "/healthz", "healthz"),
        (["GET"], "/readyz", "readyz"),
        (["GET"], "/<code:code>", "follow"),
        (["POST"], "/<code:code>/delete", "delete"),
        (["GET"], "/api/", "api.index"),
        (["GET"], "/api/links", "api.list_links"),
        (["GET"], "/api/links/latest/<int:count>", "api.latest_links"),
        (["POST"], "/api/links", "api.create_link"),
        (["GET"], "/api/links/events", "api.link_events"),
        (["GET"], "/api/links/<code:code>", "api.show_link"),
        (["DELETE"], "/api/links/<code:code>", "api.delete_link"),
    ]
    assert app.check_routes() == []


def test_the_home_page_lists_only_the_links_made_in_this_browser(app: App) -> None:
    mine, theirs = app.test_client(), app.test_client()
    code = shorten_in_the_page(mine, "https://example.com/mine")
    shorten(mine, "https://example.com/through/the/api")  # no Origin: a program, not a page
    other = shorten_in_the_page(theirs, "https://example.com/theirs")
    page = mine.get("/").text
    assert re.findall(r'<tr data-code="(\w+)">', page) == [code]
    assert "https://example.com/theirs" not in page
    assert "through/the/api" not in page
    assert re.findall(r'<tr data-code="(\w+)">', theirs.get("/").text) == [other]
    assert "No links yet." in app.test_client().get("/").text  # a new browser: nothing


def test_the_delete_button_deletes_the_browsers_own_link(app: App) -> None:
    mine, theirs = app.test_client(), app.test_client()
    code = shorten_in_the_page(mine, "https://example.com/to/delete")
    kept = shorten_in_the_page(mine, "https://example.com/to/keep")
    page = mine.get("/").text
    assert f'<form method="post" action="/{code}/delete">' in page
    assert f'<button class="delete" type="submit">Delete /{code}</button>' in page
    # Another browser, and another site's page in this one, are refused.
    assert theirs.post(f"/{code}/delete").status_code == 403
    forged = mine.post(f"/{code}/delete", headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403
    assert mine.get(f"/api/links/{code}").status_code == 200
    deleted = mine.post(f"/{code}/delete", headers={"Sec-Fetch-Site": "same-origin"})
    assert (deleted.status_code, deleted.headers["Location"]) == (303, "/")
    page = mine.get("/").text
    assert f"Deleted the short link http://localhost/{code}." in page
    assert re.findall(r'<tr data-code="(\w+)">', page) == [kept]
    assert mine.get(f"/{code}").status_code == 404
    again = mine.post(f"/{code}/delete")  # from a page left open in another tab
    assert again.status_code == 303
    assert f"The short link http://localhost/{code} was already deleted." in mine.get("/").text
    assert theirs.post(f"/{kept}/delete").status_code == 403


def test_a_link_deleted_elsewhere_leaves_the_page_and_the_button_says_so(app: App) -> None:
    browser = app.test_client()
    code = shorten_in_the_page(browser, "https://example.com/gone")
    assert app.links.delete(code)  # type: ignore[attr-defined]
    assert "No links yet." in browser.get("/").text  # skipped, not an error
    posted = browser.post(f"/{code}/delete")
    assert posted.status_code == 303
    assert f"The short link http://localhost/{code} was already deleted." in browser.get("/").text


def test_the_page_lists_more_links_than_the_session_keeps_and_deletes_them(app: App) -> None:
    browser, other = app.test_client(), app.test_client()
    codes, cookie = [], ""
    for number in range(LISTED + 5):
        posted = browser.post("/", data={"url": f"https://example.com/{number}"})
        cookie = posted.headers["Set-Cookie"]
        codes.append(re.findall(r"localhost/(\w+)", browser.get("/").text)[0])
    assert (KEPT_IN_SESSION, LISTED) == (20, 50)
    assert len(cookie) < 2500  # browsers keep 4096 bytes: room for flashes and more
    listed = re.findall(r'<tr data-code="(\w+)">', browser.get("/").text)
    assert listed == codes[::-1][:LISTED]  # the newest, first, by the browser's owner id
    # A link older than the session's 20 is still this browser's to delete; not another's.
    oldest = listed[-1]
    assert other.post(f"/{oldest}/delete").status_code == 403
    assert browser.post(f"/{oldest}/delete").status_code == 303
    assert f"Deleted the short link http://localhost/{oldest}." in browser.get("/").text
    assert browser.get(f"/api/links/{oldest}").status_code == 404


def test_the_page_is_never_cached(client: TestClient) -> None:
    assert client.get("/").headers["Cache-Control"] == "private, no-store"
    refused = client.post("/", data={"url": "ftp://example.com/"})
    assert refused.headers["Cache-Control"] == "private, no-store"


def test_a_link_from_before_owner_ids_is_listed_and_deleted_by_its_token(
    app: App, tmp_path: Path
) -> None:
    browser = app.test_client()
    old = shorten_in_the_page(browser, "https://example.com/old")
    new = shorten_in_the_page(browser, "https://example.com/new")
    with closing(sqlite3.connect(tmp_path / "links.sqlite3")) as connection, connection:
        # Made before owner ids: only the session's token says whose it is.
        connection.execute("UPDATE links SET owner_hash = NULL WHERE code = ?", (old,))
    assert re.findall(r'<tr data-code="(\w+)">', browser.get("/").text) == [new, old]
    assert app.test_client().post(f"/{old}/delete").status_code == 403
    assert browser.post(f"/{old}/delete").status_code == 303
    assert re.findall(r'<tr data-code="(\w+)">', browser.get("/").text) == [new]


def test_a_code_drawn_again_for_someone_else_is_not_listed(app: App, tmp_path: Path) -> None:
    browser = app.test_client()
    code = shorten_in_the_page(browser, "https://example.com/mine")
    assert app.links.delete(code)  # type: ignore[attr-defined]
    # The code is free: drawn again for someone else, whose link it now is.
    with closing(sqlite3.connect(tmp_path / "links.sqlite3")) as connection, connection:
        connection.execute(
            "INSERT INTO links (code, url, delete_token_hash, owner_hash)"
            " VALUES (?, 'https://example.com/theirs', 'their-token', 'their-owner')",
            (code,),
        )
    page = browser.get("/").text
    assert "No links yet." in page
    assert "example.com/theirs" not in page
    assert browser.post(f"/{code}/delete").status_code == 403
    assert browser.get(f"/{code}").headers["Location"] == "https://example.com/theirs"


def test_an_old_database_gets_the_later_columns_and_its_links_stay(
    client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "CREATE TABLE links (code TEXT PRIMARY KEY, url TEXT NOT NULL,"
            " created_at TEXT NOT NULL DEFAULT '2024-01-01T00:00:00Z',"
            " visits INTEGER NOT NULL DEFAULT 0)"
        )
        connection.execute(
            "INSERT INTO links (code, url) VALUES ('old123', 'https://old.example/')"
        )
    example_app.app.links = SQLiteLinks(path)  # type: ignore[attr-defined]
    assert client.get("/old123").headers["Location"] == "https://old.example/"
    with closing(sqlite3.connect(path)) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(links)")]
    assert columns[-2:] == ["delete_token_hash", "owner_hash"]
    # Made before delete tokens: no token deletes it through the API.
    assert client.delete("/api/links/old123", headers=bearer("")).status_code == 401
    assert client.delete("/api/links/old123", headers=bearer("x")).status_code == 403
    SQLiteLinks(path).ensure_schema()  # a second process, or a second start: nothing changes


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_inspect_hides_credentials_and_is_not_stored(client: TestClient, accept: str) -> None:
    client.set_cookie("theme", "the-session-cookie")  # the client sends its Cookie header
    secrets = {
        "Authorization": "Bearer the-delete-token",
        "Proxy-Authorization": "Basic the-proxy-password",
    }
    reply = client.get("/inspect", headers={"Accept": accept, "X-Shown": "yes", **secrets})
    secrets["Cookie"] = "theme=the-session-cookie"
    assert reply.headers["Cache-Control"] == "no-store"
    for value in ["the-session-cookie", "the-delete-token", "the-proxy-password"]:
        assert value not in reply.text
    if accept == "application/json":
        headers = reply.json["headers"]
        assert {name: headers[name] for name in secrets} == dict.fromkeys(secrets, "[redacted]")
        assert headers["X-Shown"] == "yes"
    else:
        for name in secrets:
            assert f"<tr><th>{name}</th><td>[redacted]</td></tr>" in reply.text
        assert "<tr><th>X-Shown</th><td>yes</td></tr>" in reply.text


SENT = [
    pytest.param("https://example.com/a%20b?q=1#x", "https://example.com/a%20b?q=1#x", id="ascii"),
    pytest.param(
        "https://example.com/caf\u00e9?q=\u00fc#\u00e0",
        "https://example.com/caf%C3%A9?q=%C3%BC#%C3%A0",
        id="path-query-fragment",
    ),
    pytest.param(
        "https://b\u00fccher.de:8443/", "https://xn--bcher-kva.de:8443/", id="host-and-port"
    ),
    pytest.param("https://fa\u00df.de/", "https://xn--fa-hia.de/", id="idna-2008"),
    pytest.param("HTTPS://B\u00dcCHER.DE/", "https://xn--bcher-kva.de/", id="upper-case"),
    pytest.param("https://example.com/100%/x", "https://example.com/100%25/x", id="lone-percent"),
    pytest.param(
        'https://example.com/a b<c>"', "https://example.com/a%20b%3Cc%3E%22", id="unsafe-ascii"
    ),
    pytest.param(
        "https://j\u00fcrgen:pw@example.com/", "https://j%C3%BCrgen:pw@example.com/", id="user"
    ),
    pytest.param("http://[::1]:8080/", "http://[::1]:8080/", id="ipv6"),
    pytest.param("http://[0:0::1]/", "http://[::1]/", id="ipv6-compressed"),
    pytest.param("http://127.0.0.1:8080/", "http://127.0.0.1:8080/", id="ipv4"),
    # What a browser decodes, and sends as punycode: a Cyrillic "e" (U+0435).
    pytest.param(
        "https://%D0%B5xample.com/login", "https://xn--xample-2of.com/login", id="encoded-host"
    ),
    pytest.param("https://EXAMPLE.com./", "https://example.com./", id="final-dot"),
]


@pytest.mark.parametrize(("typed", "sent"), SENT)
def test_a_link_is_stored_and_followed_as_it_is_sent(
    client: TestClient, typed: str, sent: str
) -> None:
    created = client.post("/api/links", json={"url": typed})
    assert created.json["url"] == sent
    assert client.get(f"/{created.json['code']}").headers["Location"] == sent


def test_the_length_limit_counts_the_url_as_sent(client: TestClient) -> None:
    assert MAX_URL_LENGTH == 2048
    start = "https://example.com/"
    fits = start + "a" * (MAX_URL_LENGTH - len(start))
    assert client.post("/api/links", json={"url": fits}).status_code == 201
    # 683 characters typed; 2,069 sent, as "%C3%A9" each.
    too_long = start + "\u00e9" * ((MAX_URL_LENGTH - len(start)) // 6 + 4)
    refused = client.post("/api/links", json={"url": too_long})
    assert refused.status_code == 422
    [field] = refused.json["error"]["fields"]
    assert field == {
        "field": "url",
        "message": "That URL is longer than 2,048 characters as it is sent"
        " (percent-encoded, it is 2,072).",
    }
    emoji = client.post("/api/links", json={"url": start + "\N{GRINNING FACE}" * 1900})
    assert emoji.status_code == 422
    page = client.post("/", data={"url": start + "\N{GRINNING FACE}" * 1900})
    assert page.status_code == 400
    assert 'id="url-error" role="alert">That URL is longer than 2,048' in page.text


def test_the_length_limit_is_a_setting_read_each_time(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://example.com/" + "a" * 80  # 100 characters
    monkeypatch.setenv("SHORTENER_MAX_URL_LENGTH", "99")
    refused = client.post("/", data={"url": url})
    assert refused.status_code == 400
    assert "That URL is longer than 99 characters as it is sent." in refused.text
    monkeypatch.setenv("SHORTENER_MAX_URL_LENGTH", "100")
    assert client.post("/api/links", json={"url": url}).status_code == 201


def stored_by_hand(tmp_path: Path, code: str, url: str) -> None:
    """A link as an older version stored it: its URL as typed, not as sent."""
    with closing(sqlite3.connect(tmp_path / "links.sqlite3")) as connection, connection:
        connection.execute("INSERT INTO links (code, url) VALUES (?, ?)", (code, url))


def test_an_old_link_is_followed_as_it_is_sent(client: TestClient, tmp_path: Path) -> None:
    client.get("/")  # the table
    stored_by_hand(
        tmp_path, "old123", "https://\u043f\u0440\u0438\u043c\u0435\u0440.com/caf\u00e9"
    )
    for method in (client.get, client.head):
        followed = method("/old123")
        assert followed.status_code == 302
        assert followed.headers["Location"] == "https://xn--e1afmkfd.com/caf%C3%A9"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            "https://example.com/" + "\N{GRINNING FACE}" * 200,
            "it is 2,420 characters as it is sent, more than 2,048.",
            id="too-long-once-sent",
        ),
        pytest.param(
            "https://evil.com\\.example.com/",
            "That URL's host name holds a backslash, which browsers read as /.",
            id="backslash",
        ),
    ],
)
def test_an_old_link_that_cannot_be_sent_is_gone(
    client: TestClient, tmp_path: Path, url: str, reason: str
) -> None:
    client.get("/")
    stored_by_hand(tmp_path, "old123", url)
    gone = client.get("/old123")
    assert gone.status_code == 410
    assert "<h1>This short link cannot be followed</h1>" in gone.text
    assert "Location" not in gone.headers
    assert "The short link /old123 leads to a URL that cannot be followed: " in gone.text
    assert reason.replace("'", "&#39;") in gone.text
    assert client.get("/api/links/old123").json["visits"] == 1  # it was asked for


#: A Cyrillic "er" and "a" (U+0440, U+0430) before Latin letters: it reads "paypal".
LOOK_ALIKE = "\u0440\u0430ypal.com"


def test_an_international_host_is_shown_in_punycode_beside_its_unicode_form(
    client: TestClient,
) -> None:
    shorten_in_the_page(client, "https://b\u00fccher.de/")
    page = client.get("/").text
    assert (
        '<td class="host">xn--bcher-kva.de <span class="unicode">(b\u00fccher.de)</span></td>'
        in (page)
    )
    assert 'class="warning"' not in page
    code = shorten(client, "https://b\u00fccher.de/")
    shown = client.get(f"/api/links/{code}").json
    assert (shown["host"], shown["host_unicode"], shown["mixed_scripts"]) == (
        "xn--bcher-kva.de",
        "b\u00fccher.de",
        [],
    )


def test_a_host_that_mixes_scripts_is_flagged(client: TestClient) -> None:
    code = shorten_in_the_page(client, f"https://{LOOK_ALIKE}/login")
    page = client.get("/").text
    [row] = re.findall(rf'<tr data-code="{code}">.*?</tr>', page, re.S)
    assert "xn--ypal-43d9g.com" in row
    assert (
        '<strong class="warning">mixes Cyrillic and Latin letters: check it is the site you mean'
        "</strong>" in row
    )
    shown = client.get(f"/api/links/{code}").json
    assert (shown["host"], shown["mixed_scripts"]) == ("xn--ypal-43d9g.com", ["Cyrillic", "Latin"])


def test_a_percent_encoded_look_alike_is_flagged(client: TestClient) -> None:
    created = client.post("/api/links", json={"url": "https://%D0%B5xample.com/login"})
    assert (created.json["host"], created.json["host_unicode"]) == (
        "xn--xample-2of.com",
        "\u0435xample.com",
    )
    assert created.json["mixed_scripts"] == ["Cyrillic", "Latin"]


@pytest.mark.parametrize(
    ("host", "mixed"),
    [
        pytest.param("example.com", [], id="latin"),
        # Modifier letters belong to no script: the Japanese repeat mark, the Hawaiian okina.
        pytest.param("\u4f50\u3005\u6728.jp", [], id="iteration-mark"),
        pytest.param("hawai\u02bbi.com", [], id="okina"),
        pytest.param("\u3072\u3089\u304c\u306a\u30ab\u30bf\u6f22\u5b57abc.jp", [], id="japanese"),
        pytest.param("\ud55c\uad6d\u8a9eabc.kr", [], id="korean"),
        pytest.param("\ud55c\uad6d\u30ab\u30bf.kr", ["Hangul", "Katakana"], id="korean-kana"),
        pytest.param("\u6f22\u043f\u0440\u0438.com", ["CJK", "Cyrillic"], id="cjk-cyrillic"),
        pytest.param("\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", [], id="cyrillic"),
        pytest.param("\u30bd\u30cb\u30fc.jp", [], id="katakana"),
        pytest.param("\u65e5\u672c\u3054sony.jp", [], id="japanese-with-latin"),
        pytest.param("\u03b1pple.com", ["Greek", "Latin"], id="greek-alpha"),
        pytest.param(f"login.{LOOK_ALIKE}", ["Cyrillic", "Latin"], id="in-one-label"),
        # Each label is of one script: a Cyrillic name under a Latin one is no look-alike.
        pytest.param("\u043f\u0440\u0438\u043c\u0435\u0440.com", [], id="label-by-label"),
    ],
)
def test_the_scripts_a_host_mixes(host: str, mixed: list[str]) -> None:
    assert describe_host(f"https://{host}/").mixed_scripts == mixed


def test_the_warning_names_scripts_as_people_write_them() -> None:
    host = describe_host("https://\u6f22\u043f\u0440\u0438.com/")
    assert host.warning == "mixes CJK and Cyrillic letters: check it is the site you mean"


def test_short_links_start_with_the_base_url_when_it_is_set(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTENER_BASE_URL", "https://sho.rt/")
    created = client.post("/api/links", json={"url": "https://example.com/"})
    assert created.json["short_url"] == f"https://sho.rt/{created.json['code']}"
    # A deployment answering to another name too (SHORTENER_HOSTS): its links
    # still start with the base URL, never with the Host a request names.
    hosts = [*example_app.app.config["TRUSTED_HOSTS"], "other.example"]
    monkeypatch.setitem(example_app.app.config, "TRUSTED_HOSTS", hosts)
    other_host = {"Host": "other.example"}
    client.post("/", data={"url": "https://example.com/"}, headers=other_host)
    page = client.get("/", headers=other_host).text
    assert re.search(FLASHED_LINK.format(r"https://sho\.rt/\w{6}"), page)
    [code] = re.findall(r'<tr data-code="(\w+)">', page)
    assert f'<a class="short" href="https://sho.rt/{code}">https://sho.rt/{code}</a>' in page
    client.post(f"/{code}/delete", headers=other_host)
    assert (
        f"Deleted the short link https://sho.rt/{code}."
        in client.get("/", headers=other_host).text
    )
    monkeypatch.delenv("SHORTENER_BASE_URL")
    created = client.post("/api/links", json={"url": "https://example.com/"})
    assert created.json["short_url"] == f"http://localhost/{created.json['code']}"


def test_only_this_machines_names_are_served_unless_shortener_hosts_says(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert example_app.app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert client.get("/about").status_code == 200  # Host: localhost
    assert client.get("/about", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    forged = client.get("/about", headers={"Host": "evil.example"})
    assert forged.status_code == 400  # a forged Host never reaches a link
    monkeypatch.setenv("SHORTENER_BASE_URL", "https://sho.rt/x")
    assert settings.trusted_hosts() == ["localhost", "127.0.0.1", "sho.rt"]
    monkeypatch.setenv("SHORTENER_HOSTS", "short.example, .short.example")
    assert settings.trusted_hosts() == ["short.example", ".short.example"]


def test_the_body_limit_and_key_fallbacks_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHORTENER_MAX_BODY_SIZE", "1024")
    monkeypatch.setenv("SHORTENER_SECRET_KEY_FALLBACKS", "older, oldest")
    assert settings.max_body_size() == 1024
    assert settings.secret_key_fallbacks() == ["older", "oldest"]
    monkeypatch.setenv("SHORTENER_DATABASE_URL", "postgresql://db.internal/links")
    monkeypatch.delenv("SHORTENER_SECRET_KEY", raising=False)
    with pytest.raises(settings.MissingSecretKey, match="each would make its own"):
        settings.secret_key()


# The stream of new links (server-sent events)


def read_stream(client: TestClient, headers: dict[str, str] | None = None) -> list[str]:
    """Open GET /api/links/events and read it to its end; return its events' text blocks."""
    response = client.get("/api/links/events", headers=headers or {}, buffered=False)
    try:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/event-stream"
        body = b"".join(response.response).decode()
    finally:
        response.close()
    return [block for block in body.split("\n\n") if block]


def test_a_browser_with_no_links_is_told_not_to_come_back(app: App) -> None:
    response = app.test_client().get("/api/links/events")
    assert (response.status_code, response.data) == (204, b"")  # EventSource stops on a 204


def test_the_stream_sends_the_links_this_browser_makes_and_no_one_elses(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTENER_STREAM_SECONDS", "1.5")
    mine, theirs = app.test_client(), app.test_client()
    first = shorten_in_the_page(mine, "https://example.com/before")  # gives the browser an owner
    shorten_in_the_page(theirs, "https://example.com/theirs/before")

    def make_links() -> None:
        time.sleep(0.5)
        shorten_in_the_page(theirs, "https://example.com/theirs")
        made.append(shorten_in_the_page(mine, "https://example.com/during"))

    made: list[str] = []
    maker = threading.Thread(target=make_links)
    maker.start()
    try:
        events = read_stream(mine)
    finally:
        maker.join()
    assert events[0] == "event: hello\nretry: 1000\ndata: "
    [link] = [block for block in events if block.startswith("event: link")]
    lines = link.split("\n")
    assert re.fullmatch(rf"id: \d+:{made[0]}", lines[1])
    sent = json.loads(lines[2].removeprefix("data: "))
    assert (sent["code"], sent["url"]) == (made[0], "https://example.com/during")
    assert first not in "".join(events)  # made before the stream: not new
    assert "theirs" not in "".join(events)


def test_a_browser_that_reconnects_gets_the_links_it_missed(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTENER_STREAM_SECONDS", "0.2")
    client = app.test_client()
    codes = [shorten_in_the_page(client, f"https://example.com/{n}") for n in range(3)]
    number = app.links.newest()[0] - 2  # type: ignore[attr-defined]
    events = read_stream(client, {"Last-Event-ID": f"{number}:{codes[0]}"})
    sent = [json.loads(block.split("data: ")[1])["code"] for block in events if "link" in block]
    assert sent == codes[1:]
    # A Last-Event-ID that is not one of ours starts afresh: nothing old.
    assert len(read_stream(client, {"Last-Event-ID": "nonsense\x1b"})) == 1


# A database that cannot answer now: a 503 with Retry-After, never a 500


class ReadOnlyLinks(SQLiteLinks):
    """The same file, opened read-only (``mode=ro``): as root, chmod would not stop a write."""

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=self.timeout)


class FullLinks(SQLiteLinks):
    """The same file, allowed no page more than it has: the next write finds it full."""

    def _open(self) -> sqlite3.Connection:
        connection = super()._open()
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection


def made_links(path: Path, count: int = 1) -> list[str]:
    """A database at ``path`` with ``count`` links in it; their codes."""
    links = SQLiteLinks(path)
    return [links.create(f"https://example.com/{n}")[0].code for n in range(count)]


def assert_unavailable(client: TestClient, code: str, reason: str) -> None:
    """Each write is a 503 with Retry-After: a page, or JSON under /api; /healthz answers."""
    page = client.post("/", data={"url": "https://example.com/new"})
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
    assert page.content_type.startswith("text/html")
    assert f"The links cannot be reached now ({reason}). Try again in a few seconds." in page.text
    created = client.post("/api/links", json={"url": "https://example.com/new"})
    assert (created.status_code, created.headers["Retry-After"]) == (503, "5")
    assert created.json["error"]["status"] == 503
    assert reason in created.json["error"]["detail"]
    visited = client.get(f"/{code}")  # a visit is counted: a write
    assert (visited.status_code, visited.headers["Retry-After"]) == (503, "5")
    as_json = client.get(f"/{code}", headers={"Accept": "application/json"})
    assert as_json.json["error"]["status"] == 503
    ready = client.get("/readyz")
    assert (ready.status_code, ready.headers["Retry-After"]) == (503, "5")
    assert ready.json == {"status": "unavailable", "reason": reason}
    assert client.get("/healthz").json == {"status": "ok"}


def test_a_database_locked_past_its_timeout_is_a_503_and_reads_go_on(
    client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "links.sqlite3"
    [code] = made_links(path)
    example_app.app.links = SQLiteLinks(path, timeout=0.1)  # type: ignore[attr-defined]
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process writes, and takes its time
        started = time.monotonic()
        assert_unavailable(client, code, "the database is locked")
        assert time.monotonic() - started < 5  # each waited 0.1 s, not 5
        # In WAL mode, readers do not wait for a writer.
        assert client.get(f"/api/links/{code}").json["visits"] == 0
        other.execute("ROLLBACK")
    assert "503 for POST /api/links: the database is locked" in caplog.text
    assert [r.levelname for r in caplog.records if r.name == "example_app"] == ["WARNING"] * 5
    assert client.get(f"/{code}").status_code == 302
    assert client.get("/readyz").json == {"status": "ok"}


def test_a_read_only_database_is_a_503_for_writes_and_reads_go_on(
    client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "links.sqlite3"
    [code] = made_links(path)
    example_app.app.links = ReadOnlyLinks(path)  # type: ignore[attr-defined]
    assert_unavailable(client, code, "the database is read-only")
    assert client.get(f"/api/links/{code}").json["url"] == "https://example.com/0"
    assert client.head(f"/{code}").status_code == 302  # HEAD counts nothing: a read


def test_a_full_database_is_a_503(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "links.sqlite3"
    # Enough links that a new one needs a new page.
    codes = made_links(path, 40)
    example_app.app.links = FullLinks(path)  # type: ignore[attr-defined]
    for number in range(200):  # fill the last page
        reply = client.post("/api/links", json={"url": f"https://example.com/{'x' * 500}{number}"})
        if reply.status_code == 503:
            break
        assert reply.status_code == 201
    assert reply.json["error"]["detail"] == (
        "The links cannot be reached now (the database is full). Try again in a few seconds."
    )
    assert client.get(f"/api/links/{codes[0]}").status_code == 200


def test_an_unknown_database_error_is_still_a_500(client: TestClient, tmp_path: Path) -> None:
    # Only "not now" is a 503: a bug, such as a table that is not there, stays a 500.
    path = tmp_path / "links.sqlite3"
    [code] = made_links(path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("ALTER TABLE links RENAME TO gone")
    example_app.app.links = SQLiteLinks(path)  # type: ignore[attr-defined]
    example_app.app.links._ready = True  # type: ignore[attr-defined]
    assert client.get(f"/api/links/{code}").status_code == 500


class TracedLinks(SQLiteLinks):
    """SQLite links that note every statement their connections run."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.statements: list[str] = []

    def _open(self) -> sqlite3.Connection:
        connection = super()._open()
        connection.set_trace_callback(self.statements.append)
        return connection


def test_a_visit_is_one_statement_and_holds_no_lock_once_answered(
    client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "links.sqlite3"
    [code] = made_links(path)
    links = TracedLinks(path)
    links.ensure_schema()
    example_app.app.links = links  # type: ignore[attr-defined]
    for visited, expected in [(code, 302), ("nosuch", 404)]:
        links.statements.clear()
        assert client.get(f"/{visited}").status_code == expected
        assert links.statements == [
            "PRAGMA synchronous=NORMAL",
            "BEGIN ",
            f"UPDATE links SET visits = visits + 1 WHERE code = '{visited}' RETURNING url",
            "COMMIT",
        ]
        # Answered: the write lock is free for anyone, at once.
        with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    assert links.get(code).visits == 1  # type: ignore[union-attr]


def test_visits_from_many_threads_are_all_counted(app: App) -> None:
    code = shorten(app.test_client(), "https://example.com/popular")

    def visit() -> None:
        client = app.test_client()
        for _ in range(20):
            assert client.get(f"/{code}").status_code == 302

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert app.test_client().get(f"/api/links/{code}").json["visits"] == 160


def test_sqlite_runs_in_wal_mode_with_synchronous_normal(tmp_path: Path) -> None:
    links = SQLiteLinks(tmp_path / "links.sqlite3")
    links.ensure_schema()
    with links._connect() as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


# Health checks


class NoDatabase(SQLiteLinks):
    """Storage that fails the test if anything touches it."""

    def ensure_schema(self) -> None:
        raise AssertionError("the database was asked")


def test_healthz_answers_without_the_database(client: TestClient, tmp_path: Path) -> None:
    example_app.app.links = NoDatabase(tmp_path / "never.sqlite3")  # type: ignore[attr-defined]
    for method in (client.get, client.head):
        reply = method("/healthz")
        assert reply.status_code == 200
        assert reply.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in reply.headers
    assert client.get("/healthz").json == {"status": "ok"}
    assert not (tmp_path / "never.sqlite3").exists()


def test_readyz_reads_and_writes_the_database(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "links.sqlite3"
    example_app.app.links = SQLiteLinks(path)  # type: ignore[attr-defined]
    reply = client.get("/readyz")
    assert (reply.status_code, reply.json) == (200, {"status": "ok"})
    assert reply.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in reply.headers
    with closing(sqlite3.connect(path)) as connection:
        [(checked,)] = connection.execute("SELECT value FROM settings WHERE name = 'checked_at'")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", checked)


def test_no_link_is_made_under_the_health_checks_names(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {"healthz", "readyz"} <= RESERVED_CODES
    # The first codes drawn are the reserved ones of six letters: they are drawn again.
    drawn = iter("readyz" + "latest" + "events" + "static" + "abc123")
    monkeypatch.setattr(storage.secrets, "choice", lambda alphabet: next(drawn))
    assert shorten(client, "https://example.com/") == "abc123"
    monkeypatch.undo()
    # A link of that name from elsewhere (made by hand) cannot take the route either.
    path = tmp_path / "links.sqlite3"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("INSERT INTO links (code, url) VALUES ('readyz', 'https://evil/')")
    assert client.get("/readyz").json == {"status": "ok"}
    assert client.get("/healthz").json == {"status": "ok"}
