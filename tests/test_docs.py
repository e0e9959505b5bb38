"""Every Python example in the docs and the README runs, and its asserts hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples() -> list[object]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(BLOCK.finditer(text), start=1):
            line = text.count("\n", 0, match.start()) + 2
            found.append(
                pytest.param(match.group(1), id=f"{page.relative_to(ROOT)}:{line}#{number}")
            )
    return found


@pytest.mark.parametrize("code", examples())
def test_example_runs(code: str, pytester: pytest.Pytester) -> None:
    if "def test_" in code:
        # An example test module: run it with pytest, as a user would.
        pytester.makepyfile(code)
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    else:
        exec(compile(code, "<docs example>", "exec"), {"__name__": "docs_example"})


def test_every_page_has_examples() -> None:
    assert len(examples()) >= 10
