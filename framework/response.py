"""Responses: the status line, the headers and the body the server sends back.

An HTTP response is a status line (``HTTP/1.1 404 Not Found``: version,
status code, reason phrase), header lines, a blank line and the body. A
``Response`` holds exactly those parts; ``framework.wsgi`` hands them to the
WSGI server, which writes them to the socket.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any, Literal, cast

from mypy_extensions import mypyc_attr
from werkzeug.http import dump_cookie, generate_etag, http_date, parse_date, quote_etag

from .conditional import evaluate_preconditions
from .headers import BadHeaderValue as BadHeaderValue
from .headers import HeaderInjectionError as HeaderInjectionError
from .headers import HeaderSource as HeaderSource
from .headers import ResponseHeaders as ResponseHeaders
from .headers import check_header as check_header
from .wsgitypes import Environ

if TYPE_CHECKING:
    from .request import Request

#: What a response body may be: bytes sent as they are (str is encoded as
#: UTF-8), an iterable of chunks for streaming, or a binary file object.
Body = bytes | str | Iterable[bytes] | Iterable[str] | IO[bytes]


#: "404 Not Found" for every status code the standard library knows, built once.
# PERF: bench/instructions.py --workload github-200: 13.1% fewer instructions per request.
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
# RFC 9110's name for 422; Python before 3.13 still says "Unprocessable Entity".
_STATUS_LINES[422] = "422 Unprocessable Content"
#: The same for the final statuses, 200 to 599, the ones a Response may carry:
#: finding the line is checking the status.
_FINAL_STATUS_LINES = {code: line for code, line in _STATUS_LINES.items() if 200 <= code <= 599}
#: The reason phrase of a final status the standard library does not know (299, 599).
UNKNOWN_REASON = "Unknown Status"

#: The Content-Type of an HTML page.
HTML = "text/html; charset=utf-8"
_BINARY = "application/octet-stream"

#: What a reason phrase may not hold: every control character, C0 (tab and
#: line breaks included), DEL and C1.
_REASON_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


#: Responses to these statuses have no body, so they carry no Content-Type,
#: nor a Content-Length: 204 No Content must not (RFC 9110, section 8.6), and
#: a 304's would be the length of the representation it stands for.
NO_BODY_STATUSES = frozenset({204, 304})

#: The headers that describe a body: a 304 sends none, since it stands for
#: the copy the client has (RFC 9110, section 15.4.5). ETag, Last-Modified,
#: Cache-Control, Vary, Date and the rest stay, to refresh that copy.
_BODY_HEADERS = ("Content-Type", "Content-Length", "Content-Encoding", "Content-Language")

#: What a 412 keeps of the response it replaces: the resource's current
#: version (ETag, Last-Modified), the cookies the view set, and the headers
#: the answer depends on (Vary). The rest described a body that is not sent.
_KEPT_BY_A_412 = frozenset({"etag", "last-modified", "set-cookie", "vary"})

#: 205 Reset Content ("clear the form you sent") has no body either, and says
#: so with ``Content-Length: 0`` (RFC 9110, section 15.3.6).
RESET_CONTENT = 205

#: A status code (an int from 200 to 599) and a reason phrase (a str), as callers
#: give them. Any value is let in, so that a wrong one (``"200"``, ``200.0``,
#: ``b"OK"``) reaches the checks below and their errors, in the compiled build
#: too, rather than mypyc's own TypeError at the call.
StatusCode = object
ReasonPhrase = object


def reason_phrase(status: int) -> str:
    """Return the reason phrase for a status code: 404 → ``"Not Found"``."""
    line = _STATUS_LINES.get(status)
    return line[4:] if line is not None else UNKNOWN_REASON


def status_line(status: StatusCode, reason: ReasonPhrase | None = None) -> str:
    """Return a final status as WSGI wants it: ``"404 Not Found"``.

    Without ``reason``, the standard phrase (``"Unknown Status"`` for a code
    the standard library does not know). A status outside 200 to 599, or a
    reason that could not stand on the status line, raises ValueError.
    """
    line = _FINAL_STATUS_LINES.get(status) if type(status) is int else None
    if line is None:
        check_status(status)
        line = f"{status} {UNKNOWN_REASON}"
    if reason is not None:
        line = f"{status} {check_reason(cast(int, status), reason)}"  # an int, checked above
    return line


def check_status(status: object) -> None:
    """Raise ValueError unless ``status`` is a final status code, an int from 200 to 599.

    1xx responses are interim (100 Continue, 103 Early Hints): the server
    sends them before the final response, never instead of it, so an app
    answering 103 would leave the client waiting (RFC 9110, section 15.2).
    Codes of 600 and more do not exist (section 15). A code in range that
    the standard does not name (299) is allowed: clients read it as its
    class, x00 (section 15).
    """
    problem = status_problem(status)
    if problem is not None:
        raise ValueError(problem)


def status_problem(status: object) -> str | None:
    """Say why ``status`` cannot be a response's status, or return None if it can."""
    if type(status) is not int:
        return f"a status code is an int from 200 to 599, got {status!r}"
    if 100 <= status <= 199:
        return (
            f"status {status} is an interim (1xx) response, which the server sends before the "
            "final one; a response needs a final status, from 200 to 599"
        )
    if not 200 <= status <= 599:
        return f"status {status} is not an HTTP status code: they run from 100 to 599"
    return None


def check_reason(status: int, reason: ReasonPhrase) -> str:
    """Return ``reason`` if it can stand on the status line, or raise ValueError saying why.

    The reason phrase runs to the end of the status line (RFC 9112, section
    4): a CR or LF would end the line early and let whoever chose the text
    write headers of their own. Other control characters have no place in
    it, and WSGI sends the line as latin-1.
    """
    if not isinstance(reason, str):
        raise TypeError(f"status {status}: the reason phrase must be a str, got {reason!r}")
    if "\r" in reason or "\n" in reason:
        raise ValueError(f"status {status}: the reason phrase {reason!r} holds CR or LF")
    if _REASON_CONTROL.search(reason):
        raise ValueError(
            f"status {status}: the reason phrase {reason!r} holds a control character"
        )
    try:
        reason.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"status {status}: the reason phrase {reason!r} is not latin-1 text; write it in ASCII"
        ) from None
    return reason


def normalise_body(body: Body) -> bytes | Iterable[bytes] | Iterable[str] | IO[bytes]:
    """Encode a str body as UTF-8 and copy a bytearray; leave iterables and files."""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    return body


# Compiled (FRAMEWORK_COMPILE=1), a class is closed to Python subclasses unless it says so.
@mypyc_attr(allow_interpreted_subclasses=True)
class Response:
    """An HTTP response: status, headers and body.

    ``body`` is bytes (a str is encoded as UTF-8), an iterable of bytes or
    str chunks to stream, or a binary file. Without ``content_type`` a str
    body is sent as ``text/html; charset=utf-8`` and anything else as
    ``application/octet-stream``; 204 and 304 responses carry none.

    The status is a final one, 200 to 599 (``check_status`` says why);
    ``reason`` replaces the standard reason phrase on the status line.
    """

    #: The HTTP version of the status line; the server has the last word.
    version = "HTTP/1.1"

    def __init__(
        self,
        body: Body = b"",
        status: StatusCode = 200,
        headers: HeaderSource = None,
        content_type: str | None = None,
        reason: ReasonPhrase | None = None,
    ) -> None:
        # The usual case costs a dict lookup, which checks the status too.
        line = _FINAL_STATUS_LINES.get(status) if type(status) is int else None
        if line is None or reason is not None:
            line = status_line(status, reason)
        self._status = cast(int, status)  # checked, by the lookup or by status_line
        self._status_line = line
        #: The body: bytes, or an iterable of bytes or str chunks, or a binary file.
        # PERF: bench/instructions.py --workload github-200: 3.7% fewer instructions per request.
        self.body: bytes | Iterable[bytes] | Iterable[str] | IO[bytes] = (
            body if type(body) is bytes else normalise_body(body)
        )
        if content_type is not None:
            self.headers = ResponseHeaders(headers, content_type)
        elif status in NO_BODY_STATUSES:
            self.headers = ResponseHeaders(headers)
        else:
            default = HTML if isinstance(body, str) else _BINARY
            self.headers = ResponseHeaders(headers, default, replace_content_type=False)

    @property
    def status(self) -> int:
        """The status code, such as 200 or 404: an int from 200 to 599.

        Setting it checks it, and brings back the standard reason phrase
        of the new code, as werkzeug's ``status_code`` does: a reason set
        for one status seldom suits another.
        """
        return self._status

    # The setter takes any value, so that a wrong one gets our ValueError in the
    # compiled build too. Compiled code must not set the property (mypyc 2.4.1 hands a
    # setter wider than its getter an unboxed int, and crashes): it calls change_status.
    @status.setter
    def status(self, status: StatusCode) -> None:
        check_status(status)
        self.change_status(cast(int, status))  # checked just above

    def change_status(self, status: int) -> None:
        """Give the response another status code, with its standard reason phrase.

        ``response.status = 404`` does the same, after checking the code.
        """
        self._status_line = status_line(status)
        self._status = status

    @property
    def reason(self) -> str:
        """The reason phrase of the status line, such as ``"Not Found"``.

        It is for people reading the exchange; clients go by the code
        (RFC 9110, section 15). Set it to say something else
        (``"599 Network Connect Timeout"``); it holds until the status
        changes. A CR, LF or other control character, or text that is not
        latin-1, raises ValueError.
        """
        return self._status_line[4:]

    @reason.setter
    def reason(self, reason: ReasonPhrase) -> None:  # any value, for our errors: see status
        self._status_line = status_line(self._status, reason)

    @property
    def status_line(self) -> str:
        """Status code and reason phrase, as WSGI wants them: ``"404 Not Found"``.

        This is what the adapter hands the server (``framework.wsgi``), so a
        subclass may override it.
        """
        return self._status_line

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, or None."""
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers["Content-Type"] = value

    @property
    def last_modified(self) -> datetime | None:
        """The Last-Modified header as a datetime in UTC, or None.

        It tells a client when the resource last changed; the client asks
        again with ``If-Modified-Since`` and that date. Set it to a
        datetime (a naive one is taken as UTC), a Unix time or an HTTP
        date; None removes it. HTTP dates count whole seconds.
        """
        return parse_date(self.headers.get("Last-Modified"))

    @last_modified.setter
    def last_modified(self, value: datetime | int | float | str | None) -> None:
        if value is None:
            del self.headers["Last-Modified"]
        else:
            self.headers["Last-Modified"] = value if isinstance(value, str) else http_date(value)

    def make_conditional(self, request: Request | Environ, etag: bool = True) -> Response:
        """Answer a conditional request: a 304 or a 412 in place of this 200, when due.

        A client that has a copy of a page sends its validators back: the
        ETag in ``If-None-Match``, the Last-Modified date in
        ``If-Modified-Since``. If its copy is current, a ``304 Not
        Modified`` with no body is the answer, and the copy is used again.
        A client about to change a resource says which version it saw, in
        ``If-Match`` or ``If-Unmodified-Since``: if the resource has changed
        since, ``412 Precondition Failed``.

        With ``etag`` true, a bytes body without an ETag gets a strong one,
        the SHA-1 of its bytes; an ETag already set is kept. A streamed
        body is never read for one: without an ETag of its own it is left
        as it is. The preconditions are taken in RFC 9110's order (section
        13.2.2), and only a 200 is made conditional: an error, a redirect
        or a 201 for something made is left alone (section 13.2.1).
        ``request`` is the Request, or its WSGI environ (as in Flask). Returns
        the response, changed in place.
        """
        environ = request if isinstance(request, dict) else request.environ
        if self._status != 200:
            return self
        if isinstance(self.body, (str, bytearray, memoryview)):
            self.body = normalise_body(self.body)
        tag = self.headers.get("ETag")
        if tag is None and isinstance(self.body, bytes) and etag:
            tag = quote_etag(generate_etag(self.body))
            self.headers["ETag"] = tag
        if tag is None and not isinstance(self.body, bytes):
            return self
        outcome = evaluate_preconditions(environ, tag, self.last_modified)
        if outcome is not None:
            status, why = outcome
            if status == 304:
                self._not_modified()
            else:
                self._precondition_failed(environ, why)
        return self

    def _not_modified(self) -> None:
        """Become the 304 that stands for this 200: its headers, without the body's own."""
        _close(self.body)
        self.change_status(304)
        self.body = b""
        for name in _BODY_HEADERS:
            del self.headers[name]

    def _precondition_failed(self, environ: Environ, detail: str) -> None:
        """Become the 412 error page, in JSON or HTML as the client's Accept prefers."""
        # errors.py builds on this module, so it is imported when first needed:
        # the one error renderer makes the page, as for a raised HTTPError.
        from .errors import HTTPError, error_response

        page = error_response(HTTPError(412, detail), accept=environ.get("HTTP_ACCEPT"))
        _close(self.body)
        self.change_status(412)
        self.body = page.body
        kept = [
            (name, value)
            for name, value in self.headers.items()
            if name.lower() in _KEPT_BY_A_412  # the version it is, cookies set, Vary
        ]
        self.headers = page.headers
        for name, value in kept:
            if name.lower() == "vary":
                for field in value.split(","):
                    add_vary(self, field.strip())
            else:
                self.headers.add(name, value)

    def to_wire(self) -> bytes:
        """Return the response as it goes on the wire: status line, headers, blank line, body.

        A streamed or file body is read into bytes first, and kept, so the
        response can still be sent. A bytes body gets the Content-Length the
        adapter would add; a 204, 205 or 304 goes without its body, as the
        adapter sends it.
        """
        body = self.body
        status = self.status
        if not isinstance(body, bytes):
            if hasattr(body, "read"):
                body = body.read()
            else:
                body = b"".join(
                    chunk.encode() if isinstance(chunk, str) else chunk for chunk in body
                )
            self.body = body
            if status == RESET_CONTENT:
                self.headers["Content-Length"] = "0"  # a 205 says so, whatever its body was
        elif status not in NO_BODY_STATUSES and "Content-Length" not in self.headers:
            self.headers["Content-Length"] = "0" if status == RESET_CONTENT else str(len(body))
        lines = [f"{self.version} {self.status_line}"]
        lines.extend(f"{name}: {value}" for name, value in self.headers.items())
        head = "\r\n".join(lines) + "\r\n\r\n"
        if status in NO_BODY_STATUSES or status == RESET_CONTENT:
            body = b""
        return head.encode("latin-1") + body

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | timedelta | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = True,
        samesite: Literal["Strict", "Lax", "None"] | None = "Lax",
    ) -> None:
        """Add a Set-Cookie header; HttpOnly and SameSite=Lax unless told otherwise.

        HttpOnly keeps the cookie away from page scripts; SameSite=Lax keeps
        browsers from sending it on cross-site POSTs (a CSRF defence).
        """
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        *,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = True,
        samesite: Literal["Strict", "Lax", "None"] | None = "Lax",
    ) -> None:
        """Tell the browser to drop a cookie: same name and path, expired at once."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: HeaderSource = None) -> Response:
        """Return a response whose body is ``data`` serialised as JSON."""
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(body, status, headers, content_type="application/json")

    def __repr__(self) -> str:
        return f"<Response {self.status_line}>"


def _close(body: object) -> None:
    """Release what a body holds: a generator's ``finally``, an open file."""
    close = getattr(body, "close", None)
    if close is not None:
        close()


def add_vary(response: Response, field: str) -> None:
    """Add ``field`` to the response's Vary header, unless it is listed already.

    Vary names the request headers a response was chosen by (``Accept``,
    ``Cookie``): a cache must not hand it to a request whose headers differ.
    """
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = field
        return
    listed = {item.strip().lower() for item in current.split(",")}
    if field.lower() not in listed and "*" not in listed:
        response.headers["Vary"] = f"{current}, {field}"
