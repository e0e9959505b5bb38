"""Shared fixtures: ``app`` here; ``client`` comes from framework's own pytest plugin.

The example app keeps its database and secret key in an instance folder
(``SHORTENER_INSTANCE``). For the whole test session that folder is a
temporary one, so that no test, and no server a test starts (they inherit
the environment), writes into the repository; it is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

import framework
from framework import App

# .ci/compiled-tests runs the suite on the compiled build: it must be that one,
# not a pure-Python framework found first on the path.
_EXPECTED_BUILD = os.environ.get("FRAMEWORK_EXPECT_BUILD")
if _EXPECTED_BUILD is not None and (_EXPECTED_BUILD == "compiled") is not framework.COMPILED:
    raise pytest.UsageError(
        f"FRAMEWORK_EXPECT_BUILD={_EXPECTED_BUILD} but framework.COMPILED is "
        f"{framework.COMPILED} (framework from {framework.__file__})"
    )

_INSTANCE = tempfile.mkdtemp(prefix="shortener-instance-")
os.environ["SHORTENER_INSTANCE"] = _INSTANCE
os.environ.pop("SHORTENER_DATABASE", None)
os.environ.pop("SHORTENER_TRUSTED_PROXY_IPS", None)
os.environ.pop("SHORTENER_CORS_ORIGINS", None)
for _name in (
    "SHORTENER_DATABASE_URL",
    "SHORTENER_SECRET_KEY",
    "SHORTENER_HOSTS",
    "SHORTENER_BASE_URL",
):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session", autouse=True)
def _remove_the_instance_folder() -> Iterator[None]:
    yield
    shutil.rmtree(_INSTANCE, ignore_errors=True)


@pytest.fixture
def app() -> App:
    """A fresh app with no routes; tests add the routes they need."""
    return App(__name__)
