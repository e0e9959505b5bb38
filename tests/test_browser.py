"""The example app in a real browser: Debian's Chromium, headless, driven by Playwright.

The app runs under gunicorn; the short link points at a page served by a
second local server, so following it crosses from one site to another as a
real short link does. A screenshot of the home page is saved as a test
artifact (``test-artifacts/home-page.png``, or ``$FRAMEWORK_ARTIFACTS``).

The exchange inspector is opened the same way, under ``framework run
--debug``: after a few requests its list and its routing tree are checked
and saved as screenshots (``inspector.png``, ``inspector-routes.png``),
which docs/how-http-works.md shows from ``docs/images/``. The test puts
them there when they are missing, or on every run with
``FRAMEWORK_UPDATE_DOCS=1`` (a screenshot holds the time and a port, so
copying it each run would change a committed file each run).

Without Chromium or Playwright these tests are skipped with a message that
says how to install them; with ``CI=true`` a missing tool fails the run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import HOST, ROOT, Server, run_development_server, run_gunicorn, run_shortener

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("FRAMEWORK_ARTIFACTS", ROOT / "test-artifacts"))
#: Where the docs keep the screenshots they show, as the tests took them.
DOCS_IMAGES = ROOT / "docs" / "images"


def _missing_tools() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return "Chromium is not installed (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing_tools()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI must run the browser tests")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def target_site() -> Iterator[Server]:
    """Another site, for the short link to lead to: tests/e2e_app.py, whose / says Hello.

    Its pages are also the front end on another origin that the shortener's
    API answers (``SHORTENER_CORS_ORIGINS``).
    """
    with run_gunicorn("e2e_app:app") as server:
        yield server


@pytest.fixture(scope="module")
def shortener(tmp_path_factory: pytest.TempPathFactory, target_site: Server) -> Iterator[Server]:
    front_end = {"SHORTENER_CORS_ORIGINS": f"http://{HOST}:{target_site.port}"}
    with run_shortener(tmp_path_factory.mktemp("instance"), env=front_end) as server:
        yield server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_shorten_flash_once_and_follow(page: Any, shortener: Server, target_site: Server) -> None:
    home = f"http://{HOST}:{shortener.port}/"
    target = f"http://{HOST}:{target_site.port}/"
    page.goto(home)
    assert page.title() == "Short links"
    page.fill("#url", target)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == home  # POST, then 303 to the home page
    flash = page.locator("p.flash")
    assert flash.count() == 1
    [code] = re.findall(rf"^Your short link: {re.escape(home)}(\w+)$", flash.inner_text())
    page.reload()
    assert page.locator("p.flash").count() == 0  # shown once
    row = page.locator("tr", has=page.locator(f"a[href='/{code}']"))
    assert row.locator("td.target").inner_text() == target
    assert row.locator("td.visits").inner_text() == "0"
    with page.expect_navigation():
        row.locator("a.short").click()
    assert page.url == target  # followed the 302 to the other site
    assert page.locator("body").inner_text().strip() == "Hello"
    page.goto(home)
    assert (
        page.locator("tr", has=page.locator(f"a[href='/{code}']"))
        .locator("td.visits")
        .inner_text()
        == "1"
    )


#: Run in a page of another origin: create a link through the API, as a front end does.
CREATE_THROUGH_THE_API = """async (api) => {
    const response = await fetch(api + "/api/links", {
        method: "POST",
        headers: {"Content-Type": "application/json"},  // not a form's: a preflight first
        body: JSON.stringify({url: "https://example.com/from/a/front/end"}),
    });
    return {
        status: response.status,
        location: response.headers.get("Location"),
        body: await response.json(),
    };
}"""


def test_a_page_on_another_origin_calls_the_api(
    page: Any, shortener: Server, target_site: Server
) -> None:
    api = f"http://{HOST}:{shortener.port}"
    page.goto(f"http://{HOST}:{target_site.port}/")  # the front end's origin
    created = page.evaluate(CREATE_THROUGH_THE_API, api)
    assert created["status"] == 201
    code = created["body"]["code"]
    assert created["location"] == f"/api/links/{code}"  # exposed by Access-Control-Expose-Headers
    read = page.evaluate("async (url) => (await fetch(url)).json()", f"{api}/api/links/{code}")
    assert read["url"] == "https://example.com/from/a/front/end"


#: Run in a page of another origin: open the stream of new links, make one, await its event.
STREAM_A_NEW_LINK = """async (api) => {
    const post = (url) => fetch(api + "/api/links", {
        method: "POST",
        credentials: "include",  // the browser's cookies: its links are its own
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({url}),
    });
    await post("https://example.com/first");  // the browser's first link gives it an owner
    const stream = new EventSource(api + "/api/links/events", {withCredentials: true});
    try {
        await new Promise((resolve, reject) => {
            stream.addEventListener("hello", resolve, {once: true});
            stream.onerror = () => reject(new Error("the stream failed"));
        });
        const made = await (await post("https://example.com/streamed")).json();
        const event = await new Promise((resolve) =>
            stream.addEventListener("link", resolve, {once: true}));
        return {made: made.code, id: event.lastEventId, link: JSON.parse(event.data)};
    } finally {
        stream.close();
    }
}"""


def test_a_page_on_another_origin_reads_the_stream_of_its_new_links(
    page: Any, shortener: Server, target_site: Server
) -> None:
    page.goto(f"http://{HOST}:{target_site.port}/")  # the front end's origin
    seen = page.evaluate(STREAM_A_NEW_LINK, f"http://{HOST}:{shortener.port}")
    assert seen["link"]["code"] == seen["made"]
    assert seen["link"]["url"] == "https://example.com/streamed"
    assert seen["id"].endswith(":" + seen["made"])


def test_a_page_on_an_origin_not_listed_cannot_read_the_api(
    page: Any, shortener: Server, target_site: Server
) -> None:
    api = f"http://{HOST}:{shortener.port}"
    # localhost is another origin than 127.0.0.1, though the same server.
    page.goto(f"http://localhost:{target_site.port}/")
    failure = page.evaluate(
        "async (api) => { try { await fetch(api + '/api/links'); return null }"
        " catch (error) { return error.name } }",
        api,
    )
    assert failure == "TypeError"  # the browser's "Failed to fetch": it may not read the answer
    refused = page.evaluate(
        "async (api) => { try { await (" + CREATE_THROUGH_THE_API + ")(api); return null }"
        " catch (error) { return error.name } }",
        api,
    )
    assert refused == "TypeError"  # the preflight said nothing: the POST was never sent


def test_inspect_shows_the_browsers_own_user_agent(page: Any, shortener: Server) -> None:
    page.goto(f"http://{HOST}:{shortener.port}/inspect")
    user_agent = page.evaluate("navigator.userAgent")
    assert "Chrome" in user_agent
    header = page.locator("#headers tr", has=page.locator("th", has_text="User-Agent"))
    assert header.locator("td").inner_text() == user_agent
    assert page.locator("#method").inner_text() == "GET"
    assert page.locator("#version").inner_text() == "HTTP/1.1"


def test_invalid_input_shows_the_message_in_the_form(page: Any, shortener: Server) -> None:
    page.goto(f"http://{HOST}:{shortener.port}/")
    page.fill("#url", "not a url")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert (
        page.locator("p.error").inner_text() == "Only http:// and https:// URLs can be shortened."
    )
    assert page.input_value("#url") == "not a url"


def test_screenshot_of_the_home_page(page: Any, shortener: Server) -> None:
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(f"http://{HOST}:{shortener.port}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "home-page.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 5000


FORGE = """(action) => {
    const form = document.createElement("form");
    form.method = "POST";
    form.action = action;
    const field = document.createElement("input");
    field.name = "url";
    field.value = "https://forged.example/";
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
}"""


def test_a_form_on_another_site_cannot_post_to_the_app(
    page: Any, shortener: Server, target_site: Server
) -> None:
    # The other site is another port of the same host: same-site, but another origin.
    home = f"http://{HOST}:{shortener.port}/"
    page.goto(f"http://{HOST}:{target_site.port}/")
    with page.expect_navigation() as navigation:
        page.evaluate(FORGE, home)
    response = navigation.value
    assert response.status == 403
    sent = response.request.all_headers()
    assert sent["origin"] == f"http://{HOST}:{target_site.port}"
    assert sent.get("sec-fetch-site", "same-site") == "same-site"
    assert "cross-origin POST refused" in page.locator("body").inner_text()
    page.goto(home)
    assert "forged.example" not in page.content()  # nothing was stored


def test_the_pages_keep_to_their_content_security_policy(page: Any, shortener: Server) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in ["/", "/about", "/inspect", "/nowhere"]:
        response = page.goto(f"http://{HOST}:{shortener.port}{path}")
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.evaluate("getComputedStyle(document.body).margin") != ""  # the stylesheet ran
    assert violations == []


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The example app under ``framework run --debug``: the inspector is at /_framework/."""
    instance = tmp_path_factory.mktemp("debug-instance")
    with run_development_server(
        "example_app", "--debug", env={"SHORTENER_INSTANCE": str(instance)}
    ) as server:
        yield server


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot as a test artifact, and for the docs where asked."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 5000
    shown = DOCS_IMAGES / name
    if os.environ.get("FRAMEWORK_UPDATE_DOCS") == "1" or not shown.exists():
        DOCS_IMAGES.mkdir(exist_ok=True)
        shutil.copyfile(path, shown)


def csp_violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_the_inspector_lists_the_exchange_with_its_anatomy(
    page: Any, debug_server: Server
) -> None:
    site = f"http://{HOST}:{debug_server.port}"
    violations = csp_violations(page)
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(f"{site}/")
    page.fill("#url", "https://example.com/a/long/page")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{site}/about")
    page.goto(f"{site}/_framework/")
    assert page.title() == "exchanges · framework inspector"
    listed = page.locator("li.exchange summary .request-line").all_inner_texts()
    assert listed[0] == "GET /static/style.css"  # newest first: /about's stylesheet
    first_visit = max(number for number, line in enumerate(listed) if line == "GET /")
    assert listed.index("GET /about") < listed.index("POST /") < first_visit
    assert not any(line.startswith("GET /_framework") for line in listed)
    post = page.locator("li.exchange", has=page.locator("summary", has_text="POST /"))
    page.locator("li.exchange details[open] > summary").first.click()  # close the newest
    post.locator("summary").click()  # and open the POST
    request = post.locator(".message.request")
    assert request.locator(".method").inner_text() == "POST"
    assert request.locator(".target").inner_text() == "/"
    assert request.locator(".version").inner_text() == "HTTP/1.1"
    assert request.locator("td.label").first.inner_text() == "method, path, version"
    content_type = request.locator("tr.header", has_text="Content-Type")
    assert content_type.locator(".value").inner_text() == "application/x-www-form-urlencoded"
    body = request.locator("tr.body pre").inner_text()
    assert body.strip() == "url=https%3A%2F%2Fexample.com%2Fa%2Flong%2Fpage"
    response = post.locator(".message.response")
    assert response.locator(".version").inner_text() == "HTTP/1.1"
    assert response.locator(".code").inner_text() == "303"
    assert response.locator(".reason").inner_text() == "See Other"
    assert response.locator("td.label").first.inner_text() == (
        "version, status code, status message"
    )
    location = response.locator("tr.header", has_text="Location")
    assert location.locator(".value").inner_text() == "/"
    assert "result: route 'shorten' (POST /)" in post.locator(".routing pre").inner_text()
    acts = post.locator(".acts li").all_inner_texts()
    assert "view example_app:shorten: ran" in acts
    assert any(act.startswith("session cookie set: signature valid") for act in acts)
    screenshot(page, "inspector.png")
    assert violations == []


def test_the_inspector_draws_the_routing_tree(page: Any, debug_server: Server) -> None:
    from example_app import app
    from framework.explain import draw_tree

    site = f"http://{HOST}:{debug_server.port}"
    violations = csp_violations(page)
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(f"{site}/_framework/routes")
    tree = page.locator("svg.tree")
    # One box for each line framework routes --tree draws.
    assert tree.locator("g.node").count() == len(draw_tree(app.router).splitlines())
    links = tree.locator("a.route")
    labels = links.locator("text").all_text_contents()
    assert len(labels) == len(app.routes)
    assert "POST shorten" in labels
    assert "GET follow" in labels
    screenshot(page, "inspector-routes.png")
    with page.expect_navigation():
        links.filter(has_text="GET api.latest_links").click()
    assert page.locator("h1").inner_text() == "How the router answers GET /api/links/latest/1"
    explanation = page.locator("pre.explanation").inner_text()
    assert "'1': typed <int:count> matches, count=1" in explanation
    assert "result: route 'api.latest_links'" in explanation
    assert violations == []
