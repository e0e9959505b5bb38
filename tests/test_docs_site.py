"""The documentation site: built strictly with MkDocs, then read in headless Chromium.

The build fails on any warning (a broken link, a missing reference). The
built home page and tutorial are served from a local HTTP server and opened
in Debian's Chromium through Playwright, to check that the navigation is
there and that code blocks render as highlighted code.

Without MkDocs, Chromium or Playwright these tests are skipped with a
message that says how to install them; with ``CI=true`` a missing tool
fails the run.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import HOST, ROOT
from test_browser import CHROMIUM, _missing_tools


def _require(missing: str | None) -> None:
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI must build and check the docs")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        _require("MkDocs is not installed (pip install -e '.[docs]')")
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def page(site_url: str) -> Iterator[Any]:
    _require(_missing_tools())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_every_page_is_built(site: Path) -> None:
    pages = {path.parent.name for path in site.glob("*/index.html")}
    expected = {path.stem for path in (ROOT / "docs").glob("*.md")} - {"index"}
    assert expected <= pages
    assert (site / "index.html").exists()
    assert "Register the decorated function" in (site / "reference" / "index.html").read_text()


def test_home_page_has_the_navigation(page: Any, site_url: str) -> None:
    page.goto(f"{site_url}/")
    assert page.title().startswith("framework")
    navigation = page.locator("nav.md-nav--primary")
    for label in (
        "Tutorial",
        "How HTTP and routing work",
        "Guides",
        "Deployment",
        "API reference",
    ):
        assert navigation.get_by_text(label, exact=True).count() >= 1, label
    page.get_by_role("link", name="Tutorial", exact=True).first.click()
    page.wait_for_url(f"{site_url}/tutorial/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "Tutorial: a link shortener"


def test_tutorial_code_blocks_render(page: Any, site_url: str) -> None:
    page.goto(f"{site_url}/tutorial/")
    blocks = page.locator("div.highlight")
    assert blocks.count() >= 15
    first_python = page.locator("div.highlight", has=page.locator("span.filename")).first
    assert first_python.locator("span.filename").inner_text() == "example_app/settings.py"
    code = first_python.locator("code").inner_text()
    assert "def instance_folder() -> Path:" in code
    # Highlighted: the keywords are marked up, not plain text.
    assert first_python.locator("code span.k, code span.kd, code span.kn").count() > 0
