"""Every example in the docs and the README runs, and shows what it really does.

A fenced block with a title (```html title="templates/page.html"```) is a
file the page's examples use: it is written to the examples' working folder
first. When the title names a file of the repository
(``example_app/storage.py``), the block is an excerpt of it instead, and
must appear in it word for word. Untitled ```python blocks are run; one that
defines ``test_`` functions is run with pytest, as a user would run it.

A ```console block holds a ``$ framework ...`` command and its output; the
output must be exactly what the command prints. After changing a command
or an app, ``python tests/test_docs.py --update`` rewrites the outputs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(
    r'^```(?P<language>[\w-]*)(?: title="(?P<title>[^"]+)")?\n(?P<code>.*?)^```',
    re.MULTILINE | re.DOTALL,
)
#: 2026-12-01 12:00 UTC, the Date every trace on the pages shows.
SHOWN_DATE = "1796126400"
CONSOLE = re.compile(r"^```console\n\$ (?P<command>[^\n]*)\n(?P<output>.*?)^```", re.M | re.S)


def run_command(command: str) -> str:
    """Run a ``framework ...`` command as the page says, and return what it prints.

    Commands about an app in docs/examples run there; the others run from
    the repository root, where example_app lives.
    """
    from framework.cli import main

    argv = shlex.split(command)
    assert argv[0] == "framework", f"not a framework command: {command}"
    app_module = argv[2].split(":")[0]
    folder = EXAMPLES if (EXAMPLES / f"{app_module}.py").exists() else ROOT
    out = io.StringIO()
    previous = os.getcwd()
    os.chdir(folder)
    # The Date header a trace shows, fixed so that the page's output never changes.
    date = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SHOWN_DATE
    try:
        with contextlib.redirect_stdout(out):
            status = main(argv[1:])
    finally:
        os.chdir(previous)
        if date is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = date
    assert status == 0, f"{command} exited with {status}"
    return out.getvalue()


def console_examples() -> list[object]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in CONSOLE.finditer(text):
            if not block["command"].startswith("framework "):
                continue
            line = text.count("\n", 0, block.start()) + 2
            found.append(
                pytest.param(
                    block["command"], block["output"], id=f"{page.relative_to(ROOT)}:{line}"
                )
            )
    return found


@pytest.mark.parametrize(("command", "output"), console_examples())
def test_command_output_is_what_the_page_shows(command: str, output: str) -> None:
    assert run_command(command) == output, "run: python tests/test_docs.py --update"


def update_outputs() -> None:
    """Rewrite the output of every console block from the command's real output."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")

        def fill(block: re.Match[str]) -> str:
            command = block["command"]
            if not command.startswith("framework "):
                return block[0]
            return f"```console\n$ {command}\n{run_command(command)}```"

        page.write_text(CONSOLE.sub(fill, text), encoding="utf-8")


def examples() -> list[object]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks = list(FENCE.finditer(text))
        files = {
            block["title"]: block["code"]
            for block in blocks
            if block["title"] and not (ROOT / block["title"]).exists()
        }
        runnable = [b for b in blocks if b["language"] == "python" and not b["title"]]
        for number, block in enumerate(runnable, start=1):
            line = text.count("\n", 0, block.start()) + 2
            found.append(
                pytest.param(block["code"], files, id=f"{page.relative_to(ROOT)}:{line}#{number}")
            )
    return found


def excerpts() -> list[object]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in FENCE.finditer(text):
            if block["title"] and (ROOT / block["title"]).exists():
                line = text.count("\n", 0, block.start()) + 1
                found.append(
                    pytest.param(
                        block["title"], block["code"], id=f"{page.relative_to(ROOT)}:{line}"
                    )
                )
    return found


@pytest.mark.parametrize(("path", "code"), excerpts())
def test_excerpt_is_in_the_real_file(path: str, code: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    assert code in source, f"this excerpt is no longer in {path}; copy it again from the file"


@pytest.mark.parametrize(("code", "files"), examples())
def test_example_runs(
    code: str, files: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytester has made its own temporary folder the working directory.
    for name, content in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    if "def test_" in code:
        # The example may import the repository's example_app, as the docs do.
        paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
        pytester.makepyfile(test_example=code)
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    else:
        # dont_inherit: the example runs as the reader's own file would, not under
        # this file's ``from __future__ import annotations`` (pydantic and
        # dataclasses would have to resolve its annotations from strings).
        code_object = compile(code, "<docs example>", "exec", dont_inherit=True)
        exec(code_object, {"__name__": "docs_example"})


def test_every_page_has_examples() -> None:
    """Each page shows something the tests check: code that runs, a command, an excerpt."""
    checked = {
        str(param.id).split(":")[0]  # type: ignore[attr-defined]
        for param in [*examples(), *console_examples(), *excerpts()]
    }
    # The API reference is made from the docstrings by mkdocstrings: no examples of its own.
    generated = {"docs/reference.md"}
    assert checked == {str(page.relative_to(ROOT)) for page in PAGES} - generated


def test_the_reference_documents_every_public_name() -> None:
    import framework

    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: framework\.(\w+)$", reference, re.MULTILINE))
    assert set(framework.__all__) - documented == set()


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    sys.path.insert(0, str(ROOT))
    update_outputs()


TEST_ID = re.compile(r"`(tests/test_\w+\.py)::(\w+)(?:\[([^\]`]+)\])?`")


@pytest.mark.parametrize(
    "page", [page for page in PAGES if TEST_ID.search(page.read_text(encoding="utf-8"))]
)
def test_every_test_a_page_cites_exists(page: Path) -> None:
    # docs/security.md proves each defence with a test id: a renamed test must not
    # leave the page pointing at nothing.
    for path, name, parameter in TEST_ID.findall(page.read_text(encoding="utf-8")):
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"{path}::{name} is cited, not defined"
        if parameter:
            assert f'"{parameter}"' in source, f"{path}::{name}[{parameter}] has no such case"
