"""The example app in a real browser: Debian's Chromium, headless, driven by Playwright.

The app runs under gunicorn; the short link points at a page served by a
second local server, so following it crosses from one site to another as a
real short link does. A screenshot of the home page is saved as a test
artifact (``test-artifacts/home-page.png``, or ``$FRAMEWORK_ARTIFACTS``).

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
from servers import HOST, ROOT, Server, run_gunicorn, run_shortener

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("FRAMEWORK_ARTIFACTS", ROOT / "test-artifacts"))


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
def shortener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_shortener(tmp_path_factory.mktemp("instance")) as server:
        yield server


@pytest.fixture(scope="module")
def target_site() -> Iterator[Server]:
    """Another site, for the short link to lead to: tests/e2e_app.py, whose / says Hello."""
    with run_gunicorn("e2e_app:app") as server:
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
