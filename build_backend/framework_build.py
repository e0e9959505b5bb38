"""The build backend: setuptools', plus mypyc when FRAMEWORK_COMPILE=1 asks for it.

pip installs a backend's requirements in a fresh environment before it
builds. mypyc (which comes with mypy) is needed only for the compiled build, so
it is asked for only then; an editable install is always pure Python, so that
the source a developer edits is the code that runs.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import build_wheel

# What compiling needs: the mypy the compiled build is made and tested with
# (mypyc ships inside mypy), and the run-time dependencies of pyproject.toml,
# whose types mypyc compiles against (tests/test_build.py checks they agree).
COMPILE_REQUIREMENTS = [
    "mypy==2.4.1",
    "werkzeug>=3.0",
    "jinja2>=3.1",
    "itsdangerous>=2.1",
    "mypy_extensions>=1.0",
]

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]


def _compiling() -> bool:
    return os.environ.get("FRAMEWORK_COMPILE") == "1"


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    """Setuptools' requirements, and mypy's when the wheel is compiled.

    Setuptools finds its own by running setup.py, before mypyc is installed:
    that run is told not to compile.
    """
    compiling = _compiling()
    os.environ.pop("FRAMEWORK_COMPILE", None)
    requires = build_meta.get_requires_for_build_wheel(config_settings)
    return [*requires, *COMPILE_REQUIREMENTS] if compiling else requires


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    """The wheel's metadata, which is the same for both builds: nothing is compiled for it."""
    os.environ.pop("FRAMEWORK_COMPILE", None)
    return build_meta.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    """The editable install's metadata: never compiled."""
    os.environ.pop("FRAMEWORK_COMPILE", None)
    return build_meta.prepare_metadata_for_build_editable(metadata_directory, config_settings)


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    """Setuptools' requirements: a source distribution is source, never compiled."""
    os.environ.pop("FRAMEWORK_COMPILE", None)
    return build_meta.get_requires_for_build_sdist(config_settings)


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    """Build the source distribution (with setup.py and this backend in it)."""
    os.environ.pop("FRAMEWORK_COMPILE", None)
    return build_meta.build_sdist(sdist_directory, config_settings)


def get_requires_for_build_editable(
    config_settings: dict[str, Any] | None = None,
) -> list[str]:
    """Setuptools' requirements: an editable install is never compiled."""
    os.environ.pop("FRAMEWORK_COMPILE", None)
    return build_meta.get_requires_for_build_editable(config_settings)


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """Build the editable wheel, pure Python whatever FRAMEWORK_COMPILE says."""
    os.environ.pop("FRAMEWORK_COMPILE", None)
    return build_meta.build_editable(wheel_directory, config_settings, metadata_directory)
