"""pyproject.toml: the metadata as packaging tools want it today, built without warnings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is new in 3.11")


def pyproject() -> dict[str, Any]:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def test_the_license_is_an_spdx_expression() -> None:
    # The table form (license = {text = "MIT"}) is deprecated; setuptools
    # stops accepting it in February 2027.
    project = pyproject()["project"]
    assert project["license"] == "MIT"
    classifiers = project.get("classifiers", [])
    assert not [c for c in classifiers if c.startswith("License ::")], (
        "a license classifier next to an SPDX expression is deprecated"
    )


def test_the_build_needs_a_setuptools_that_reads_spdx_expressions() -> None:
    requires = pyproject()["build-system"]["requires"]
    assert "setuptools>=77" in requires


def copy_of_the_project(source: Path) -> Path:
    """What a build reads: the metadata, the build hooks and the package."""
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "setup.py"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("framework", "build_backend"):
        shutil.copytree(
            ROOT / folder,
            source / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"),
        )
    return source


def test_the_wheel_builds_without_warnings(tmp_path: Path) -> None:
    # Built from a copy, so that no build/ folder is left in the repository
    # (nor an old one read).
    source = copy_of_the_project(tmp_path / "source")
    out = tmp_path / "wheel"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "FRAMEWORK_COMPILE")
    }
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-v", "-w", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0 and "setuptools" in output and "matching distribution" in output:
        pytest.skip("no index to install setuptools>=77 from")
    assert result.returncode == 0, output
    warnings = [line for line in output.splitlines() if "warn" in line.lower()]
    assert warnings == []
    wheel = next(out.glob("framework-*.whl"))
    # Without FRAMEWORK_COMPILE=1 the wheel is pure Python (tests/test_build.py).
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [name for name in names if name.endswith((".so", ".pyd"))]
    assert "framework/py.typed" in names
    assert "framework/inspector_pages/base.html" in names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(wheel).read(metadata).decode()
