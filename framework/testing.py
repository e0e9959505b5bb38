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

from collections.abc import Iterable
from typing import Any
from wsgiref.validate import validator

import pytest
from werkzeug.test import Client, TestResponse

from .wsgitypes import Environ, StartResponse, WSGIApp

#: The methods wsgiref.validate knows; it warns of every other one.
_VALIDATOR_METHODS = frozenset(
    {"GET", "HEAD", "POST", "OPTIONS", "PATCH", "PUT", "DELETE", "TRACE"}
)
#: Where the request line the validator is not shown waits for the app.
_AS_SENT = "framework.testing.as_sent"


def validated(app: WSGIApp) -> WSGIApp:
    """Wrap ``app`` in ``wsgiref.validate``, for requests it refuses though HTTP allows them.

    The validator is older than RFC 9110: it warns of any method but eight
    (``CONNECT``, WebDAV's ``PROPFIND``, made-up ones) and refuses the
    ``*`` of ``OPTIONS *`` as a path. For such a request it is shown
    ``GET /`` instead, and checks the rest of the exchange as usual; the app
    gets the request as it was sent.
    """

    def as_sent(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ.update(environ.pop(_AS_SENT, ()))
        return app(environ, start_response)

    checked = validator(as_sent)

    def call(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        if method in _VALIDATOR_METHODS and path[:1] in ("", "/"):
            return checked(environ, start_response)
        shown = {**environ, "REQUEST_METHOD": "GET", "PATH_INFO": "/"}
        shown[_AS_SENT] = {"REQUEST_METHOD": method, "PATH_INFO": path}
        return checked(shown, start_response)

    return call


class TestClient(Client):
    """A werkzeug test client over the app, with PEP 3333 checked on every call."""

    __test__ = False  # not a test class, whatever pytest's name patterns say

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(validated(app), **kwargs)
        #: The app under test (``application`` is the validating wrapper).
        self.app = app

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        """Make a request; the body is read whole and its ``close()`` called, as a server would."""
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def client(app: Any) -> TestClient:
    """Return a test client for the ``app`` fixture your tests define."""
    return TestClient(app)
