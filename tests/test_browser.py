"""The example app in a real browser: Debian's Chromium, headless, driven by Playwright.

The app runs under gunicorn; the short link points at a page served by a
second local server, so following it crosses from one site to another as a
real short link does.

Every page (the home page with links in it, /about, /inspect, a 404 and the
form with an error) is opened on a phone's screen (375 by 812) and a desktop's
(1280 by 800): it must fit without scrolling sideways, axe-core (fetched from
the npm registry for the run) must find no serious or critical
accessibility problem in it, and it must log no error and break none of
its Content-Security-Policy. Each is saved as a screenshot, ``home-375.png``,
``home-desktop.png`` and so on, in ``test-artifacts/`` (or
``$FRAMEWORK_ARTIFACTS``).

The exchange inspector is opened the same way, under ``framework run
--debug``: after a few requests its list and its routing tree are checked
and saved as screenshots (``inspector.png``, ``inspector-routes.png``),
which docs/how-http-works.md shows from ``docs/images/``, as
docs/tutorial.md shows the home page's. The test puts them there when they
are missing, or on every run with ``FRAMEWORK_UPDATE_DOCS=1`` (a screenshot
holds the time and a port, so copying it each run would change a committed
file each run).

Without Chromium, Playwright or npm these tests are skipped with a message
that says how to install them; with ``CI=true`` a missing tool fails the run.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from servers import HOST, ROOT, Server, run_development_server, run_gunicorn, run_shortener

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("FRAMEWORK_ARTIFACTS", ROOT / "test-artifacts"))
#: Where the docs keep the screenshots they show, as the tests took them.
DOCS_IMAGES = ROOT / "docs" / "images"
#: A phone's screen (an iPhone's, in CSS pixels) and a desktop's.
VIEWPORTS = {"375": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}


def missing_tool_fails_in_ci(missing: str | None) -> None:
    """Skip the test for a missing tool, or fail it under ``CI=true``, where all must run."""
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI must run the browser tests")
        pytest.skip(missing)


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
    missing_tool_fails_in_ci(_missing_tools())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """Return axe-core 4, the accessibility checker, fetched from the npm registry for this run."""
    npm = shutil.which("npm")
    missing_tool_fails_in_ci(None if npm else "npm is not installed (Debian: apt-get install npm)")
    assert npm is not None
    with tempfile.TemporaryDirectory() as folder:
        # A cache of its own: the run leaves nothing in the home folder or the repository.
        env = {**os.environ, "npm_config_cache": os.path.join(folder, "cache")}
        packed = subprocess.run(
            [npm, "pack", "axe-core@4", "--silent", "--pack-destination", folder],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.split()[-1]
        with tarfile.open(os.path.join(folder, packed)) as tarball:
            script = tarball.extractfile("package/axe.min.js")
            assert script is not None
            return script.read().decode("utf-8")


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


#: Run before any script of every page (Playwright's init scripts are outside the
#: page's policy): keep each Content-Security-Policy violation the page reports.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI}`);
});
"""


@dataclass
class Watched:
    """A page whose console errors and policy violations are kept, to be checked."""

    page: Any
    #: Each error the console showed, with the URL it is about.
    console_errors: list[tuple[str, str]] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__cspViolations")
        return found

    def assert_clean(self, site: str, *, status: int = 200) -> None:
        """No CSP violation, and no console error about ``site``'s pages or files.

        Chromium logs a page answered with an error status as a failed load:
        the page's own ``status`` is expected.
        """
        assert self.csp_violations() == []
        expected = f"Failed to load resource: the server responded with a status of {status} "
        errors = [
            (text, url)
            for text, url in self.console_errors
            if url.startswith(site) and not (text.startswith(expected) and url == self.page.url)
        ]
        assert errors == []


def watch(context: Any) -> Watched:
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    watched = Watched(context.new_page())

    def keep(message: Any) -> None:
        if message.type == "error":
            watched.console_errors.append((message.text, message.location.get("url", "")))

    watched.page.on("console", keep)
    watched.page.on(
        "pageerror", lambda error: watched.console_errors.append((str(error), watched.page.url))
    )
    return watched


def shorten_in_the_page(page: Any, url: str) -> Any:
    """Type ``url`` into the home page's form and send it, as a user does; return the answer."""
    page.fill("#url", url)
    with page.expect_navigation() as navigation:
        page.click("form button[type=submit]")
    return navigation.value


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_shorten_copy_follow_and_delete_and_another_browser_sees_nothing(
    browser: Any, shortener: Server, target_site: Server, viewport: str
) -> None:
    site = f"http://{HOST}:{shortener.port}"
    home, target = f"{site}/", f"http://{HOST}:{target_site.port}/"
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    other = browser.new_context(viewport=VIEWPORTS[viewport])
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
        watched = watch(context)
        page = watched.page
        page.goto(home)
        assert page.title() == "Short links"
        shorten_in_the_page(page, target)
        assert page.url == home  # POST, then 303 to the home page
        assert page.locator("p.flash").count() == 1
        [code] = re.findall(
            rf"^Your short link: {re.escape(home)}(\w+)$", page.locator("p.flash").inner_text()
        )
        short = f"{home}{code}"
        new_link = page.locator("p.flash a.short-link")
        assert (new_link.inner_text(), new_link.get_attribute("href")) == (short, short)

        copy = page.get_by_role("button", name="Copy link")
        copy.click()
        from playwright.sync_api import expect

        # The clipboard answers when it likes: wait for the live region to say so.
        expect(page.locator(".copy-status[aria-live=polite]")).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == short

        with page.expect_navigation():
            new_link.click()
        assert page.url == target  # followed the 302 to the other site
        assert page.locator("body").inner_text().strip() == "Hello"
        page.goto(home)
        assert page.locator("p.flash").count() == 0  # shown once
        row = page.locator(f"tr[data-code='{code}']")
        assert row.locator("a.short").inner_text() == short  # the whole link
        assert row.locator("td.target").inner_text() == target
        assert row.locator("td.visits").inner_text().endswith("1")

        # Another browser: none of the first one's links in its page, and it cannot
        # delete one, even with the code and a same-origin POST.
        stranger = other.new_page()
        stranger.goto(home)
        assert stranger.locator("tr[data-code]").count() == 0
        assert "No links yet." in stranger.locator("main").inner_text()
        refused = stranger.evaluate(
            "async (url) => (await fetch(url, {method: 'POST'})).status", f"{home}{code}/delete"
        )
        assert refused == 403
        page.reload()
        assert row.count() == 1

        with page.expect_navigation():
            row.locator("button.delete").click()
        assert page.locator(f"tr[data-code='{code}']").count() == 0
        assert page.locator("p.flash").inner_text() == f"Deleted the short link {short}."
        watched.assert_clean(site)
    finally:
        other.close()
        context.close()


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two CSS colours given as ``rgb(r, g, b)``."""

    def luminance(color: str) -> float:
        channels = [int(n) / 255 for n in re.findall(r"\d+", color)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted([luminance(first), luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_stands_out_in_the_header_and_the_page(
    page: Any, shortener: Server
) -> None:
    ring = "getComputedStyle(document.activeElement).outlineColor"
    shown = "document.activeElement.matches(':focus-visible')"
    page.goto(f"http://{HOST}:{shortener.port}/")
    assert page.evaluate("document.activeElement.id") == "url"  # autofocus, in the page
    body = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert page.evaluate(shown)
    assert contrast(page.evaluate(ring), body) >= 3  # WCAG 2.2, 1.4.11
    page.goto(f"http://{HOST}:{shortener.port}/about")
    page.keyboard.press("Tab")  # the keyboard's focus, to the header's first link
    assert page.evaluate("document.activeElement.className") == "brand"
    assert page.evaluate(shown)
    header = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert contrast(page.evaluate(ring), header) >= 3


def test_the_copy_button_says_so_when_the_clipboard_is_refused(
    browser: Any, shortener: Server
) -> None:
    context = browser.new_context()
    try:
        context.add_init_script(
            "navigator.clipboard.writeText = () =>"
            " Promise.reject(new DOMException('refused', 'NotAllowedError'));"
        )
        page = context.new_page()
        page.goto(f"http://{HOST}:{shortener.port}/")
        shorten_in_the_page(page, "https://example.com/no/clipboard")
        page.get_by_role("button", name="Copy link").click()
        from playwright.sync_api import expect

        status = page.locator(".copy-status")
        expect(status).to_have_text(re.compile(r"^Could not copy: the link is selected"))
        short = page.locator("p.flash a.short-link").inner_text()
        assert page.evaluate("window.getSelection().toString()") == short
    finally:
        context.close()


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


#: Run in a page of another origin: POST JSON (so the browser asks first) to a path
#: without the slash its route has; give the status the page reads, or the failure.
POST_WITHOUT_THE_SLASH = """async (url) => {
    try {
        const response = await fetch(url, {
            method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({note: "tea"}),
        });
        return {status: response.status, url: response.url, body: await response.json()};
    } catch (error) {
        return {failed: error.name};
    }
}"""


def test_a_page_on_another_origin_reaches_a_route_through_its_trailing_slash(
    page: Any, target_site: Server
) -> None:
    # The preflight for /open/notes is answered for /open/notes/ (a browser fails
    # a redirected preflight); the POST itself then follows the 308.
    page.goto(f"http://localhost:{target_site.port}/")  # another origin than 127.0.0.1
    answer = page.evaluate(POST_WITHOUT_THE_SLASH, f"http://{HOST}:{target_site.port}/open/notes")
    assert answer == {
        "status": 200,
        "url": f"http://{HOST}:{target_site.port}/open/notes/",
        "body": {"saved": {"note": "tea"}},
    }


def test_inspect_shows_the_browsers_own_user_agent(page: Any, shortener: Server) -> None:
    page.goto(f"http://{HOST}:{shortener.port}/inspect")
    user_agent = page.evaluate("navigator.userAgent")
    assert "Chrome" in user_agent
    header = page.locator("#headers tr", has=page.locator("th", has_text="User-Agent"))
    assert header.locator("td").inner_text() == user_agent
    assert page.locator("#method").inner_text() == "GET"
    assert page.locator("#version").inner_text() == "HTTP/1.1"


@pytest.mark.parametrize(
    ("typed", "invalid"),
    [
        pytest.param("not a url", "typeMismatch", id="not-a-url"),
        pytest.param("", "valueMissing", id="empty"),
    ],
)
def test_the_browser_itself_refuses_what_is_not_a_url(
    page: Any, shortener: Server, typed: str, invalid: str
) -> None:
    home = f"http://{HOST}:{shortener.port}/"
    page.goto(home)
    posted: list[str] = []
    page.on(
        "request", lambda request: posted.append(request.url) if request.method == "POST" else None
    )
    page.fill("#url", typed)
    page.click("form button[type=submit]")
    assert page.evaluate(f"document.querySelector('#url').validity.{invalid}")
    assert page.locator("#url:invalid").count() == 1
    assert page.evaluate("document.activeElement.id") == "url"  # the browser points at it
    page.reload()  # a round trip: a POST sent by the click would be in the list by now
    assert (page.url, posted) == (home, [])


def test_the_server_refuses_what_the_browser_lets_through(page: Any, shortener: Server) -> None:
    # A valid URL to the browser, so the form is sent; not one the app shortens.
    page.goto(f"http://{HOST}:{shortener.port}/")
    page.fill("#url", "ftp://example.com/file")
    with page.expect_navigation() as navigation:
        page.click("form button[type=submit]")
    assert navigation.value.status == 400
    message = "Only http:// and https:// URLs can be shortened."
    assert page.locator("p.error").inner_text() == message
    field = page.locator("#url")
    assert page.input_value("#url") == "ftp://example.com/file"
    assert field.get_attribute("aria-invalid") == "true"
    described_by = field.get_attribute("aria-describedby")
    assert page.locator(f"#{described_by}").inner_text() == message
    assert page.evaluate("document.activeElement.id") == "url"  # focus is on the first error


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


def open_page(page: Any, site: str, name: str) -> Any:
    """Open one of the app's pages as a user gets there; return the response shown."""
    if name in ("home", "form-error"):
        page.goto(f"{site}/")
    if name == "home":
        # A host shown in Unicode beside its punycode, and a long URL that must wrap.
        shorten_in_the_page(page, "https://bücher.example/café")
        long_url = "https://example.com/" + "/".join(["a-rather-long-path-segment"] * 6)
        return shorten_in_the_page(page, long_url + "?with=a&query=string")
    if name == "form-error":
        return shorten_in_the_page(page, "ftp://example.com/file")  # the browser lets it by
    path = {
        "about": "/about",
        "inspect": "/inspect?" + "&".join(f"key{n}=a-long-value-that-must-wrap" for n in range(8)),
        "not-found": "/nowhere",
    }[name]
    return page.goto(f"{site}{path}")


#: Each page, and the status it is answered with.
PAGES = {"home": 200, "about": 200, "inspect": 200, "not-found": 404, "form-error": 400}
#: The screenshots docs/tutorial.md shows.
SHOWN_IN_THE_DOCS = {"home-desktop.png", "home-375.png", "form-error-375.png"}

#: Run axe-core on the page: the serious and critical violations, one line each.
RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations
        .filter((violation) => ["serious", "critical"].includes(violation.impact))
        .map((violation) => `${violation.id} (${violation.impact}): ${violation.help}: `
            + violation.nodes.map((node) => node.target.join(" ")).join(", "));
}"""


def test_the_pages_keep_to_their_content_security_policy(browser: Any, shortener: Server) -> None:
    # No bypass_csp here: the policy is the page's own, and every script and style obeys it.
    site = f"http://{HOST}:{shortener.port}"
    context = browser.new_context()
    try:
        watched = watch(context)
        page = watched.page
        for name, status in PAGES.items():
            response = open_page(page, site, name)
            assert response.status == status
            policy = response.headers["content-security-policy"]
            assert policy.startswith("default-src 'self'")
            assert "unsafe-inline" not in policy
            assert response.headers["x-frame-options"] == "SAMEORIGIN"
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # style.css
            watched.assert_clean(site, status=status)
            watched.console_errors.clear()  # the next page starts afresh, as its window does
        # An inline script, as an injected one would be: the policy refuses it, and says so.
        page.evaluate(
            "() => { const script = document.createElement('script');"
            " script.textContent = 'window.ran = true'; document.body.append(script); }"
        )
        assert page.evaluate("window.ran") is None
        assert watched.csp_violations() == ["script-src-elem refused inline"]
    finally:
        context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_each_page_fits_the_screen_and_passes_axe(
    browser: Any, shortener: Server, axe_source: str, name: str, viewport: str
) -> None:
    site = f"http://{HOST}:{shortener.port}"
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    try:
        watched = watch(context)
        page = watched.page
        response = open_page(page, site, name)
        assert response.status == PAGES[name]
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name} scrolls sideways at {viewport}: {width}"
        screenshot(
            page, f"{name}-{viewport}.png", for_docs=f"{name}-{viewport}.png" in SHOWN_IN_THE_DOCS
        )
        watched.assert_clean(site, status=PAGES[name])
        # Playwright's evaluate runs outside the page's policy: the policy is not loosened.
        page.evaluate(axe_source)
        assert page.evaluate(RUN_AXE) == []
    finally:
        context.close()


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The example app under ``framework run --debug``: the inspector is at /_framework/."""
    instance = tmp_path_factory.mktemp("debug-instance")
    with run_development_server(
        "example_app", "--debug", env={"SHORTENER_INSTANCE": str(instance)}
    ) as server:
        yield server


def screenshot(page: Any, name: str, *, for_docs: bool = True) -> None:
    """Save a full-page screenshot as a test artifact, and for the docs where asked."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 5000
    shown = DOCS_IMAGES / name
    if not for_docs:
        return
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
    # Newest first: /about's own files (the order in which the browser asked for them
    # varies), then /about.
    files = list(itertools.takewhile(lambda line: line.startswith("GET /static/"), listed))
    assert {"GET /static/style.css", "GET /static/copy.js"} <= set(files)
    assert listed[len(files)] == "GET /about"
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
