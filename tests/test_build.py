"""The two builds: pure Python, and compiled with mypyc (framework/build.py, setup.py).

``.ci/run`` runs the whole suite on each; these tests check what tells them
apart: ``framework.COMPILED``, ``framework --version``, and how each is made.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from test_packaging import copy_of_the_project

import framework
from framework import build

ROOT = Path(__file__).resolve().parent.parent


def _loaded_from_an_extension(name: str) -> bool:
    module = sys.modules[f"framework.{name}"]
    return str(module.__file__).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_compiled_says_which_build_runs_the_request_path() -> None:
    compiled = [_loaded_from_an_extension(name) for name in build.COMPILED_MODULES]
    assert framework.COMPILED is all(compiled)
    assert all(compiled) or not any(compiled), "a build half compiled, half not"


def test_the_compiled_modules_are_the_package_modules_named() -> None:
    for name in build.COMPILED_MODULES:
        assert (ROOT / "framework" / f"{name}.py").is_file(), name
    assert "build" not in build.COMPILED_MODULES  # it answers the question; pure either way


def test_version_names_the_build() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "framework", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    build_name = "compiled with mypyc" if framework.COMPILED else "pure Python"
    assert out.startswith("framework ")
    assert build_name in out
    assert f"Python {sys.version.split()[0]}" in out


def test_compiling_installs_the_run_time_dependencies() -> None:
    """mypyc compiles against werkzeug's types: the build must install what pyproject lists."""
    tomllib = pytest.importorskip("tomllib")
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    backend = ast.parse((ROOT / "build_backend" / "framework_build.py").read_text())
    [requirements] = [
        ast.literal_eval(node.value)
        for node in backend.body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", "") == "COMPILE_REQUIREMENTS" for target in node.targets)
    ]
    assert set(dependencies) <= set(requirements)
    assert any(requirement.startswith("mypy==") for requirement in requirements)


def _pip(*args: str, env: dict[str, str], python: str = sys.executable) -> None:
    subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )


def test_an_editable_install_is_pure_python_even_when_asked_to_compile(tmp_path: Path) -> None:
    """The code a developer edits must be the code that runs: no extension beside it."""
    source = copy_of_the_project(tmp_path / "source")  # no build/ left in the repository
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    env = {**os.environ, "FRAMEWORK_COMPILE": "1"}
    _pip("install", "--no-deps", "-e", str(source), env=env, python=python)
    assert not list((source / "framework").glob("*.so"))
    installed = subprocess.run(
        [python, "-m", "pip", "show", "-f", "framework"], capture_output=True, text=True, env=env
    ).stdout
    assert "Editable project location" in installed
    assert ".so" not in installed


def test_an_app_subclass_works_on_the_pure_build_only() -> None:
    """docs/compiled.md: App stays a Python class, but mypyc checks ``self`` is exactly one."""

    class MyApp(framework.App):
        pass

    if framework.COMPILED:
        with pytest.raises(TypeError, match="App object expected"):
            MyApp(__name__)
    else:
        assert MyApp(__name__).test_client().get("/").status_code == 404
