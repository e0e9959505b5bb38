"""Every Python example in the docs and the README runs, and its asserts hold.

A fenced block with a title (```html title="templates/page.html"```) is a
file the page's examples use: it is written to the examples' working folder
first. Untitled ```python blocks are run; one that defines ``test_``
functions is run with pytest, as a user would run it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(
    r'^```(?P<language>[\w-]*)(?: title="(?P<title>[^"]+)")?\n(?P<code>.*?)^```',
    re.MULTILINE | re.DOTALL,
)


def examples() -> list[object]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks = list(FENCE.finditer(text))
        files = {block["title"]: block["code"] for block in blocks if block["title"]}
        runnable = [b for b in blocks if b["language"] == "python" and not b["title"]]
        for number, block in enumerate(runnable, start=1):
            line = text.count("\n", 0, block.start()) + 2
            found.append(
                pytest.param(block["code"], files, id=f"{page.relative_to(ROOT)}:{line}#{number}")
            )
    return found


@pytest.mark.parametrize(("code", "files"), examples())
def test_example_runs(code: str, files: dict[str, str], pytester: pytest.Pytester) -> None:
    # pytester has made its own temporary folder the working directory.
    for name, content in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    if "def test_" in code:
        pytester.makepyfile(test_example=code)
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    else:
        exec(compile(code, "<docs example>", "exec"), {"__name__": "docs_example"})


def test_every_page_has_examples() -> None:
    pages_with_examples = {str(param.id).split(":")[0] for param in examples()}  # type: ignore[attr-defined]
    assert pages_with_examples == {str(page.relative_to(ROOT)) for page in PAGES}
