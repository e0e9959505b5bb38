"""Calling a WSGI app in-process, as a server would: the environ it builds, the call.

Shared by the tests that run requests without a server (test_properties,
test_bad_input) and by the fuzz target.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import Any


class StartResponse:
    """A WSGI server's start_response: remembers the status and headers it was given."""

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        self.status = status
        self.headers = list(headers)
        return lambda data: None

    @property
    def code(self) -> int:
        return int(self.status.split(" ", 1)[0])


def environ_for(
    *,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A WSGI environ as a server builds it; CONTENT_LENGTH matches the body unless given."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ.update(headers or {})
    return environ


def call(app: Any, environ: dict[str, Any]) -> tuple[StartResponse, bytes]:
    """Call a WSGI app as a server does: start_response, read the body, close it."""
    start_response = StartResponse()
    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return start_response, body
