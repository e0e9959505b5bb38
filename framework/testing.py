"""Testing support: a test client and a pytest plugin.

``app.test_client()`` returns werkzeug's test client, which builds a WSGI
environ for each request and calls the app directly, with no network. Ours
puts the standard library's ``wsgiref.validate`` between the two, so every
exchange a test makes is also checked against PEP 3333.

The pytest plugin (registered through the ``pytest11`` entry point, so it
loads when the package is installed) provides a ``client`` fixture built
from an ``app`` fixture that your tests define::

    @pytest.fixture
    def app():
        return create_app()

    def test_home(client):
        assert client.get("/").status_code == 200
"""

from __future__ import annotations

from typing import Any
from wsgiref.validate import validator

import pytest
from werkzeug.test import Client, TestResponse


class TestClient(Client):
    """A werkzeug test client over the app, with PEP 3333 checked on every call."""

    __test__ = False  # not a test class, whatever pytest's name patterns say

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(validator(app), **kwargs)
        #: The app under test (``application`` is the validating wrapper).
        self.app = app

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        """Make a request; the body is read whole and its ``close()`` called, as a server would."""
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def client(app: Any) -> TestClient:
    """Return a test client for the ``app`` fixture your tests define."""
    return TestClient(app)
