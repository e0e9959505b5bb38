"""The exchange inspector: what it records, what its pages show, and when it is there at all."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from framework import App, Request, Response, Router, abort, redirect
from framework.inspector import (
    KEEP,
    PREVIEW_SIZE,
    Inspector,
    draw_routes,
    sample_path,
)
from framework.testing import TestClient

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def inspected(app: App) -> App:
    app.config["DEBUG"] = True
    app.config["SECRET_KEY"] = "inspector tests only"

    @app.get("/")
    def index(request: Request) -> str:
        return "<h1>Hello</h1>"

    @app.post("/echo")
    def echo(request: Request) -> Response:
        return Response(request.body, 201, {"X-Echo": "yes"}, "text/plain")

    @app.get("/users/<int:user_id>")
    def user(request: Request, user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.get("/big")
    def big(request: Request) -> Response:
        return Response(b"x" * (PREVIEW_SIZE * 3), content_type="text/plain")

    @app.get("/login")
    def login(request: Request) -> Response:
        request.session["user"] = "ann"
        return redirect("/", 303)

    @app.get("/fails")
    def fails(request: Request) -> str:
        raise ZeroDivisionError("division by zero")

    @app.before_request
    def guard(request: Request) -> Response | None:
        return redirect("/", 302) if request.path == "/guarded" else None

    api = Router(name="api")

    @api.get("/files/<path:name>")
    def file(request: Request, name: str) -> str:
        return name

    @api.get("/things/<uuid:thing>")
    def thing(request: Request, thing: str) -> str:
        return "thing"

    @api.get("/image.<any(png, jpg):ext>")
    def image(request: Request, ext: str) -> str:
        return ext

    @api.get("/codes/<string(length=2):code>")
    def code(request: Request, code: str) -> str:
        return code

    @api.get("/pages/<int(min=10):page>")
    def page(request: Request, page: int) -> str:
        return "page"

    app.include(api, prefix="/api")
    return app


@pytest.fixture
def inspector(inspected: App) -> Inspector:
    return Inspector(inspected)


@pytest.fixture
def browser_client(inspector: Inspector) -> TestClient:
    """A client over the inspected app, as the browser on the same machine reaches it."""
    return TestClient(inspector)


def page_text(client: TestClient, path: str = "/_framework/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    text: str = response.get_data(as_text=True)
    return text


def test_an_exchange_is_recorded_with_the_anatomy_of_both_messages(
    inspector: Inspector, browser_client: TestClient
) -> None:
    browser_client.post(
        "/echo?x=1", data=b"hello", headers={"X-Test": "yes", "Content-Type": "text/plain"}
    )
    [exchange] = inspector.exchanges()
    assert exchange.method == "POST"
    assert exchange.target == "/echo?x=1"
    assert exchange.version == "HTTP/1.1"
    assert ("X-Test", "yes") in exchange.request_headers
    assert exchange.request_body.lines() == ["hello"]
    assert (exchange.status_code, exchange.status_message) == ("201", "Created")
    assert ("X-Echo", "yes") in exchange.response_headers
    assert exchange.response_body.lines() == ["hello"]
    assert exchange.finished
    html = page_text(browser_client)
    assert '<span class="method">POST</span> <span class="target">/echo?x=1</span>' in html
    assert '<span class="version">HTTP/1.1</span> <span class="code">201</span>' in html
    assert '<span class="reason">Created</span>' in html
    labels = re.findall(r'<td class="label">([^<]+)</td>', html)
    assert labels[:3] == ["method, path, version", "headers", "blank line"]
    assert "version, status code, status message" in labels
    assert labels.count("body, 5 bytes") == 2
    assert '<span class="name">X-Echo</span>: <span class="value">yes</span>' in html


def test_newest_first_and_only_the_last_100(
    inspector: Inspector, browser_client: TestClient
) -> None:
    for number in range(KEEP + 5):
        browser_client.get(f"/users/{number}")
    exchanges = inspector.exchanges()
    assert len(exchanges) == KEEP
    assert [exchange.target for exchange in exchanges[:2]] == ["/users/104", "/users/103"]
    assert exchanges[-1].target == "/users/5"
    html = page_text(browser_client)
    assert html.count('<li class="exchange"') == KEEP
    assert html.index("GET /users/104") < html.index("GET /users/103")
    assert "GET /users/4<" not in html


def test_the_inspectors_own_pages_are_not_recorded(
    inspector: Inspector, browser_client: TestClient
) -> None:
    browser_client.get("/")
    for path in ["/_framework/", "/_framework/routes", "/_framework/inspector.css"]:
        assert browser_client.get(path).status_code == 200
    assert browser_client.get("/_framework/nothing").status_code == 404
    assert browser_client.get("/_framework").status_code == 308
    assert [exchange.target for exchange in inspector.exchanges()] == ["/"]


def test_the_app_reads_the_body_and_its_limit_still_holds(
    inspected: App, inspector: Inspector, browser_client: TestClient
) -> None:
    inspected.config["MAX_BODY_SIZE"] = 10
    response = browser_client.post("/echo", data=b"x" * 11)
    assert response.status_code == 413
    inspected.config["MAX_BODY_SIZE"] = 100_000
    # The preview ends inside an "é": still text, not binary data.
    body = "a" + "é" * (PREVIEW_SIZE // 2) + "\n" + "y" * 10_000
    response = browser_client.post("/echo", data=body.encode())
    assert response.get_data() == body.encode()  # the app got every byte
    newest, refused = inspector.exchanges()[:2]
    assert refused.status == "413 Request Entity Too Large"
    assert refused.request_body.size == 0  # refused before a byte was read
    assert newest.request_body.size == len(body.encode())
    assert len(newest.request_body.kept) == PREVIEW_SIZE
    shown = newest.response_body.lines()
    assert shown[0].startswith("aéé")
    assert shown[-1] == f"[... {len(body.encode()):,} bytes in all]"


def test_a_body_the_app_does_not_read_is_said_to_be_unread(
    inspector: Inspector, browser_client: TestClient
) -> None:
    browser_client.get("/", data=b"ignored", headers={"Content-Type": "text/plain"})
    [exchange] = inspector.exchanges()
    assert exchange.announced == 7
    assert exchange.request_body.size == 0
    assert "body: 7 bytes announced, 0 read by the app" in page_text(browser_client)


def test_a_large_response_is_previewed_from_its_beginning(
    inspector: Inspector, browser_client: TestClient
) -> None:
    assert len(browser_client.get("/big").get_data()) == PREVIEW_SIZE * 3
    [exchange] = inspector.exchanges()
    assert exchange.response_body.size == PREVIEW_SIZE * 3
    assert len(exchange.response_body.kept) == PREVIEW_SIZE
    assert exchange.response_body.lines()[-1] == f"[... {PREVIEW_SIZE * 3:,} bytes in all]"


def test_a_streamed_body_still_streams(inspected: App, inspector: Inspector) -> None:
    made: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        for chunk in [b"one\n", b"two\n", b"three\n"]:
            made.append(chunk)
            yield chunk

    @inspected.get("/stream")
    def stream(request: Request) -> Response:
        return Response(chunks(), content_type="text/plain")

    client = TestClient(inspector)
    response = client.get("/stream", buffered=False)
    body = iter(response.response)
    assert next(body) == b"one\n"
    assert made == [b"one\n"]  # the second chunk is not made before the first is sent
    [exchange] = inspector.exchanges()
    assert not exchange.finished
    assert "still streaming" in page_text(client)
    assert list(body) == [b"two\n", b"three\n"]
    response.close()
    assert exchange.finished
    assert exchange.response_body.lines() == ["one", "two", "three"]
    assert ("Content-Length", "14") not in exchange.response_headers


def test_the_routing_and_what_acted_are_told(
    inspector: Inspector, browser_client: TestClient
) -> None:
    browser_client.get("/guarded")
    browser_client.get("/users/abc")
    browser_client.get("/login")
    login, missing, guarded = inspector.exchanges()
    assert "guard: answered, so nothing after it ran" in "\n".join(guarded.acts)
    assert not any(act.startswith("view") for act in guarded.acts)
    assert "hint: /users/abc: <int:user_id> rejected 'abc'" in missing.routing
    assert "the default error page: answered 404" in missing.acts
    assert "view test_inspector:inspected.<locals>.login: ran" in login.acts
    assert login.sessions == ["session cookie set: signature valid, {'user': 'ann'}"]
    html = page_text(browser_client)
    assert "&#39;abc&#39;: typed &lt;int:user_id&gt; rejects it" in html
    assert "session cookie set: signature valid" in html


def test_an_exception_is_recorded_and_goes_on_to_the_debugger(
    inspected: App, inspector: Inspector
) -> None:
    inspected.config["PROPAGATE_EXCEPTIONS"] = True  # as framework run --debug sets it
    with pytest.raises(ZeroDivisionError):
        TestClient(inspector).get("/fails")
    [exchange] = inspector.exchanges()
    assert exchange.error == "ZeroDivisionError: division by zero"
    assert exchange.status is None
    html = page_text(TestClient(inspector))
    assert "the app raised ZeroDivisionError: division by zero: the debugger answered" in html


HOSTILE = "<script>alert(1)</script>"


def test_what_the_client_sent_is_escaped(browser_client: TestClient) -> None:
    browser_client.get(
        "/%3Cscript%3Ealert(1)%3C/script%3E?q=<script>",
        headers={"X-Hostile": HOSTILE, "Referer": '"><img src=x onerror=alert(1)>'},
    )
    html = page_text(browser_client)
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    explained = page_text(browser_client, "/_framework/explain?method=<b>&path=/<script>")
    assert "<script>" not in explained and "<b>" not in explained
    assert "&lt;B&gt; /&lt;script&gt;" in explained


def test_the_pages_keep_to_a_strict_content_security_policy(browser_client: TestClient) -> None:
    browser_client.get("/")
    for path in ["/_framework/", "/_framework/routes", "/_framework/explain?path=/"]:
        response = browser_client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'self'; frame-ancestors 'none'")
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        # No inline script or style, which the policy would block: one stylesheet file.
        assert "<script" not in html and "<style" not in html and " style=" not in html
        assert '<link rel="stylesheet" href="/_framework/inspector.css">' in html
    css = browser_client.get("/_framework/inspector.css")
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert b"svg.tree" in css.get_data()


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param("127.0.0.1:5000", 200, id="ipv4-loopback"),
        pytest.param("localhost:5000", 200, id="localhost"),
        pytest.param("[::1]:5000", 200, id="ipv6-loopback"),
        pytest.param("evil.example:5000", 403, id="rebound-name"),
        pytest.param("192.168.1.10:5000", 403, id="lan-address"),
    ],
)
def test_the_pages_answer_only_for_a_loopback_host(
    browser_client: TestClient, host: str, status: int
) -> None:
    response = browser_client.get("/_framework/", headers={"Host": host})
    assert response.status_code == status
    if status == 403:
        assert b"only requests for a loopback host" in response.get_data()


def test_nothing_is_recorded_or_served_with_debug_off(
    inspected: App, inspector: Inspector, browser_client: TestClient
) -> None:
    inspected.config["DEBUG"] = False
    assert browser_client.get("/").status_code == 200
    assert browser_client.get("/_framework/").status_code == 404  # the app's own 404
    assert inspector.exchanges() == []


def test_an_app_in_debug_without_the_inspector_has_no_framework_pages(inspected: App) -> None:
    # Only framework run --debug wraps the app: DEBUG alone serves no inspector.
    assert inspected.test_client().get("/_framework/").status_code == 404


def svg_of(html: str) -> ElementTree.Element:
    """Parse the page's SVG: it must be well-formed XML to be drawn at all."""
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ElementTree.fromstring(html[start:end])


def test_the_routes_picture_has_every_route_and_links_that_explain(
    inspected: App, browser_client: TestClient
) -> None:
    svg = svg_of(page_text(browser_client, "/_framework/routes"))
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    for route in inspected.routes:
        assert f"{','.join(sorted(route.methods))} {route.name}" in labels
    for segment in ["users", "<int:user_id>", "<path:name>", "image.<any(png, jpg):ext>"]:
        assert segment in labels
    links = list(svg.iter(f"{SVG}a"))
    assert len(links) == len(inspected.routes)
    for link in links:
        href = link.get("href", "")
        assert urlsplit(href).path == "/_framework/explain"
        query = parse_qs(urlsplit(href).query)
        [label] = [text.text for text in link.iter(f"{SVG}text")]
        name = str(label).split(" ")[1]
        explained = unescape(page_text(browser_client, href))
        assert f"How the router answers <code>{query['method'][0]} {query['path'][0]}</code>" in (
            explained
        )
        assert f"result: route '{name}'" in explained


def test_the_picture_is_laid_out_row_by_row(inspected: App) -> None:
    picture = draw_routes(inspected.router)
    assert picture.boxes[0].label == "/"
    assert picture.boxes[0].kind == "root"
    kinds = {box.label: box.kind for box in picture.boxes}
    assert kinds["users"] == "static"
    assert kinds["<int:user_id>"] == "typed"
    assert kinds["<path:name>"] == "path"
    assert kinds["image.<any(png, jpg):ext>"] == "mixed"
    rows = [box.y for box in picture.boxes]
    assert rows == sorted(set(rows))  # one box a row
    assert len(picture.lines) == len(picture.boxes) - 1  # every box but the root hangs from one
    assert picture.width > max(link.x + link.width for link in picture.links)


def test_a_mounted_app_is_drawn_as_a_mount(app: App) -> None:
    def legacy(environ: object, start_response: object) -> list[bytes]:
        return []

    app.mount("/legacy", legacy)
    picture = draw_routes(app.router)
    assert [(box.label, box.kind) for box in picture.boxes] == [
        ("/", "root"),
        ("legacy", "mount"),
    ]
    [link] = picture.links
    assert (link.label, link.path) == ("mounted /legacy", "/legacy")


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        pytest.param("/users/<int:user_id>", "/users/1", id="int"),
        pytest.param("/pages/<int(min=10):page>", "/pages/10", id="int-min"),
        pytest.param("/x/<float:x>", "/x/1.5", id="float"),
        pytest.param("/t/<uuid:t>", "/t/12345678-1234-5678-1234-567812345678", id="uuid"),
        pytest.param("/files/<path:name>", "/files/a/b", id="path"),
        pytest.param("/image.<any(png, jpg):ext>", "/image.png", id="any"),
        pytest.param("/codes/<string(length=2):code>", "/codes/ab", id="string-length"),
        pytest.param("/people/<name>", "/people/name", id="plain"),
        pytest.param("/r/<region>-<int:year>.csv", "/r/name-1.csv", id="mixed"),
        pytest.param("/café/<name>", "/café/name", id="encoded-text"),
    ],
)
def test_a_sample_path_for_each_converter(app: App, pattern: str, path: str) -> None:
    route = app.add_route(pattern, lambda request, **params: "", name="sampled")
    assert sample_path(app.router, route) == (path, True)


def test_a_sample_path_avoids_a_route_that_takes_it_first(app: App) -> None:
    app.add_route("/items/name", lambda request: "", name="named")
    route = app.add_route("/items/<name>", lambda request, name: "", name="item")
    assert sample_path(app.router, route) == ("/items/1", True)


def test_a_route_no_sample_reaches_is_still_linked(app: App) -> None:
    # The first <int> branch takes every number, and <tab> below it takes "edit".
    app.add_route("/users/<int:id>/<tab>", lambda request, id, tab: "", name="user_tab")
    app.add_route("/users/<int:user_id>/edit", lambda request, user_id: "", name="edit_user")
    [route] = [route for route in app.routes if route.name == "edit_user"]
    assert sample_path(app.router, route) == ("/users/1/edit", False)
    [link] = [link for link in draw_routes(app.router).links if link.label == "GET edit_user"]
    assert "this sample reaches another route" in link.title


def test_an_error_status_is_listed_with_its_status_line(
    inspected: App, browser_client: TestClient
) -> None:
    @inspected.get("/boom")
    def boom(request: Request) -> str:
        abort(418, "short and stout")

    response = browser_client.get("/boom")
    assert response.status_code == 418
    html = page_text(browser_client)
    assert '<code class="status status-4xx">418 I&#39;m a Teapot</code>' in html
