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

from framework import App

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
