"""The WSGI adapter: environ in, status line, headers and body out (PEP 3333).

A WSGI server parses the HTTP request into an ``environ`` dict and calls
``app(environ, start_response)``. The application answers in two steps:
it calls ``start_response("200 OK", [("Content-Type", "text/html"), ...])``
with the status line and the headers, then returns an iterable of bytes, the
body. The server writes the headers when the first chunk of body is ready
(or the body ends), and calls the iterable's ``close()`` when it is done,
whether the body was sent whole or the client went away.

This module is the only place that speaks WSGI: it wraps the environ in a
``Request``, asks the app for a ``Response``, and hands that back in WSGI's
terms. It also makes the request's id (``framework.requestids``) the
current one for the log records made while the app answers and while the
body streams; the app puts the id in the response's ``X-Request-ID``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, Protocol, cast

from werkzeug.wsgi import ClosingIterator

from .request import Request
from .requestids import NO_REQUEST, REQUEST_ID_HEADER, current_request_id
from .response import (
    NO_BODY_STATUSES,
    RESET_CONTENT,
    Response,
    ResponseHeaders,
    normalise_body,
    status_line,
)
from .security import DEFAULT_SECURITY_HEADERS
from .wsgitypes import Environ, StartResponse, WSGIApp

logger = logging.getLogger("framework")

_FILE_BLOCK_SIZE = 64 * 1024
_ERROR_STATUS = status_line(500)
#: The bare 500's headers: it carries the built-in security headers too.
_ERROR_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    *((name, value) for name, value in DEFAULT_SECURITY_HEADERS.items() if value),
]
_ERROR_BODY = b"500 Internal Server Error\n"


def _error_headers(request_id: str) -> list[tuple[str, str]]:
    """Return the bare 500's headers, with the request's id when there is one."""
    if request_id == NO_REQUEST:
        return list(_ERROR_HEADERS)
    return [*_ERROR_HEADERS, (REQUEST_ID_HEADER, request_id)]


class Application(Protocol):
    """What the adapter needs of an app: turn a Request into a response."""

    def dispatch(self, request: Request) -> Response | WSGIApp:
        """Answer the request with a Response, or with a WSGI app to call."""


def handle(app: Application, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Serve one WSGI call: build the Request, dispatch it, send the Response.

    The request's id is the current one (``current_request_id``) until the
    app has answered, for every log record made meanwhile. The app puts it
    in the response's ``X-Request-ID`` (with the security headers), and so
    does the bare 500 here.
    """
    request = Request(environ, app)
    request_id = request.id
    token = current_request_id.set(request_id)
    try:
        response = app.dispatch(request)
        if not isinstance(response, Response):
            # Another WSGI application, such as werkzeug's send_file() response.
            body = response(environ, start_response)
        else:
            try:
                body = send(response, environ, start_response)
            except Exception:
                # The response itself is broken (a status set to "404" as text, say):
                # a programming error, so log it and answer a bare 500.
                logger.exception(
                    "could not send the response to %s (request %s)", request, request_id
                )
                start_response(_ERROR_STATUS, _error_headers(request_id), sys.exc_info())
                body = [_ERROR_BODY]
    finally:
        current_request_id.reset(token)
    if request.has_uploads:
        # Uploads stay open until the server is done with the body, which
        # may still read them while streaming.
        return ClosingIterator(body, [request.close])
    return body


def send(response: Response, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Call start_response with the status line and headers, and return the body.

    The status line is the response's ``status_line``, reason phrase and
    all. The headers are the response's own, then each default the app gave
    it (``add_defaults``) that it does not set itself; a body of bytes gets
    a Content-Length. A response to HEAD has the
    same headers as the GET one would have, and no body; nor have 204, 205
    and 304 responses, whatever body they were given (a 205 says so with
    ``Content-Length: 0``). A file is sent through the server's
    ``wsgi.file_wrapper`` when it offers one (it may use ``sendfile``); any
    other iterable is streamed chunk by chunk.
    """
    body = response.body
    status = response.status
    line = response.status_line
    headers = response.headers
    no_body = status in NO_BODY_STATUSES or environ["REQUEST_METHOD"] == "HEAD"
    if status == RESET_CONTENT:
        _close(body)  # a 205 has no body to send: release what it was given
        body = b""
    # PERF: bench/instructions.py --workload github-200: 3.8% fewer instructions per request.
    if type(body) is not bytes:
        # A body assigned after the Response was made may still be text.
        body = normalise_body(body)
    if isinstance(body, bytes):
        # A buffered body has a known length: say it, so the client knows
        # where the body ends and the connection can be kept alive.
        length = None if status in NO_BODY_STATUSES else len(body)
        start_response(line, headers.lines(length))
        return [] if no_body else [body]
    if hasattr(body, "read"):
        file = cast(IO[bytes], body)
        return _send_file(line, status, file, headers, no_body, environ, start_response)
    start_response(line, headers.lines())
    if no_body:
        _close(body)
        return []
    return StreamingBody(body, start_response)


def mounted(app: WSGIApp, prefix_length: int) -> WSGIApp:
    """Wrap a WSGI app mounted under a prefix of ``prefix_length`` segments.

    PEP 3333 splits the path in two: ``SCRIPT_NAME`` is where the app is
    mounted, ``PATH_INFO`` the path within it. For ``/legacy/a/b`` under
    ``/legacy``, the mounted app sees ``SCRIPT_NAME`` end with ``/legacy``
    and ``PATH_INFO`` ``/a/b`` (``""`` for ``/legacy`` itself), so the links
    it builds point back under the prefix. It gets a copy of the environ:
    the original stays the Request's.
    """

    def shifted(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        pieces = environ.get("PATH_INFO", "").split("/")
        inner = dict(environ)
        inner["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/".join(
            pieces[: prefix_length + 1]
        )
        rest = pieces[prefix_length + 1 :]
        inner["PATH_INFO"] = "/" + "/".join(rest) if rest else ""
        return app(inner, start_response)

    return shifted


def with_default_headers(app: WSGIApp, headers: list[tuple[str, str]]) -> WSGIApp:
    """Wrap a WSGI app so that its response carries each of ``headers`` it did not set."""

    def answer(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, own: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in own}
            added = [item for item in headers if item[0].lower() not in present]
            return start_response(status, [*own, *added], exc_info)

        return app(environ, start)

    return answer


def _send_file(
    line: str,
    status: int,
    file: IO[bytes],
    headers: ResponseHeaders,
    no_body: bool,
    environ: Environ,
    start_response: StartResponse,
) -> Iterable[bytes]:
    size = _remaining_size(file)
    start_response(line, headers.lines(None if status in NO_BODY_STATUSES else size))
    if no_body:
        file.close()
        return []
    file_wrapper = environ.get("wsgi.file_wrapper")
    if file_wrapper is not None:
        return file_wrapper(file, _FILE_BLOCK_SIZE)  # type: ignore[no-any-return]
    return StreamingBody(iter(lambda: file.read(_FILE_BLOCK_SIZE), b""), start_response, file)


def _remaining_size(file: IO[bytes]) -> int | None:
    """Return how many bytes are left in a regular file, or None if unknown."""
    try:
        return os.fstat(file.fileno()).st_size - file.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _close(body: object) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


class StreamingBody:
    """A streamed body, as the server iterates it: bytes out, ``close()`` passed on.

    str chunks are encoded as UTF-8. If the iterable fails midway, the
    error is handed to ``start_response`` with ``exc_info``, as PEP 3333
    asks: before any byte was sent, the server answers 500 instead (and we
    log the error); after, it re-raises, and the server logs the error and
    closes the connection, so the client can tell the body is incomplete.

    The server iterates the body after the app returned: the request's id,
    taken when the body is made, is the current one again while each chunk
    is made and while the body closes, so a generator's log records carry it.
    """

    def __init__(
        self,
        chunks: Iterable[bytes] | Iterable[str],
        start_response: StartResponse,
        resource: object = None,
    ) -> None:
        self._chunks = chunks
        self._start_response = start_response
        self._resource = resource if resource is not None else chunks
        self._request_id = current_request_id.get()

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(cast("Iterable[bytes | str]", self._chunks))
        failed = False
        while not failed:
            token = current_request_id.set(self._request_id)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except Exception:
                # Once the headers are out, start_response re-raises the error: the
                # server logs it and closes the connection. Log only otherwise, so
                # that an error is logged once.
                headers = _error_headers(self._request_id)
                self._start_response(_ERROR_STATUS, headers, sys.exc_info())
                logger.exception(
                    "error while streaming a response body (request %s)", self._request_id
                )
                chunk, failed = _ERROR_BODY, True
            finally:
                current_request_id.reset(token)
            yield chunk.encode() if isinstance(chunk, str) else chunk

    def close(self) -> None:
        """Release what the body holds (a generator's ``finally``, an open file)."""
        token = current_request_id.set(self._request_id)
        try:
            _close(self._resource)
        finally:
            current_request_id.reset(token)
