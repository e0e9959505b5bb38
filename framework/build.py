"""Which build of framework is running: pure Python, or compiled with mypyc.

The same source is the package either way. ``FRAMEWORK_COMPILE=1 pip install .``
compiles the modules of ``COMPILED_MODULES`` to C extensions with mypyc (see
``setup.py``); Python imports an extension in preference to the ``.py`` file
beside it, so a compiled build runs the compiled code and keeps the source for
reading. Every other install (``pip install .``, ``pip install -e .``) is pure
Python.

This module imports nothing of the package: ``setup.py`` reads the list from it
before the package's dependencies are installed.
"""

from __future__ import annotations

import importlib.machinery
import sys

# The modules on the path of every request: the adapter, the Request, the
# routing table and its patterns, the App's dispatch, the Response, and what
# they call on the way.
COMPILED_MODULES = (
    "app",
    "environ",
    "headers",
    "hooks",
    "limits",
    "patterns",
    "request",
    "requestids",
    "response",
    "returns",
    "routes",
    "routing",
    "security",
    "tree",
    "urls",
    "wsgi",
)


def is_compiled(module_name: str) -> bool:
    """Whether ``framework.<module_name>`` was loaded from a C extension."""
    module = sys.modules.get(f"{__package__}.{module_name}")
    path = getattr(module, "__file__", None) or ""
    return path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def describe(compiled: bool) -> str:
    """Name the build for ``framework --version``: which one, and what it runs."""
    if compiled:
        return f"compiled with mypyc ({len(COMPILED_MODULES)} modules; the rest pure Python)"
    return "pure Python"


def version_line() -> str:
    """``framework 0.1.0, pure Python, on Python 3.11.7``: ``framework --version``."""
    from importlib.metadata import PackageNotFoundError, version

    from . import COMPILED

    try:
        number = version("framework")
    except PackageNotFoundError:  # the source, run without installing it
        number = "(not installed)"
    return f"framework {number}, {describe(COMPILED)}, on Python {sys.version.split()[0]}"


def compiled_build() -> bool:
    """Whether every module of ``COMPILED_MODULES`` is running compiled.

    Imports them first, so the answer is about what a request will run. A
    compiled build with one module missing (a partial install) answers False.
    """
    for name in COMPILED_MODULES:
        __import__(f"{__package__}.{name}")
    return all(is_compiled(name) for name in COMPILED_MODULES)
