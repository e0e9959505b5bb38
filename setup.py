"""Build hook: with FRAMEWORK_COMPILE=1, compile the hot modules with mypyc.

The metadata is in pyproject.toml; this file only decides whether the wheel
carries C extensions. ``FRAMEWORK_COMPILE=1 pip install .`` (or ``python -m
build --wheel``) compiles the modules listed in ``framework/build.py``; the
``.py`` files ship beside them. Without the variable, and for ``pip install
-e .``, nothing is compiled (build_backend/framework_build.py).
"""

import os
import runpy
import shutil
import tempfile

from setuptools import setup

COMPILE = os.environ.get("FRAMEWORK_COMPILE") == "1"

ext_modules = []
options = {}
build_base = None
if COMPILE:
    from mypyc.build import mypycify

    # A fresh build folder each time: setuptools packs whatever its build/lib.*
    # holds, so an extension left there by an earlier build would ship (and run)
    # even after its module left the list. It goes once the wheel is written.
    build_base = tempfile.mkdtemp(prefix="framework-mypyc-")
    options = {"build": {"build_base": build_base}}
    modules = runpy.run_path("framework/build.py")["COMPILED_MODULES"]
    ext_modules = mypycify(
        # Modules that are not compiled are still read for their types, but
        # their own errors are mypy --strict's business in CI, not the build's.
        ["--follow-imports=silent", *(f"framework/{name}.py" for name in modules)],
        opt_level=os.environ.get("FRAMEWORK_COMPILE_OPT", "3"),
        target_dir=os.path.join(build_base, "c"),
    )

try:
    setup(ext_modules=ext_modules, options=options)
finally:
    if build_base is not None:
        shutil.rmtree(build_base, ignore_errors=True)
