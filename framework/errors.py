"""HTTP errors as data, and the one place that turns them into responses.

An ``HTTPError`` carries a status code, an optional detail for the client and
optional headers (a 405 needs ``Allow``, a 401 ``WWW-Authenticate``). Raise it
anywhere below a view; the app catches it and ``error_response`` renders it
as JSON for clients that prefer JSON and as a small HTML page otherwise.
``ValidationFailed`` is the 422 that also lists the invalid fields, each
with its message.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException
from werkzeug.http import parse_accept_header

from .pointers import FlaskName
from .response import HTML, Response, add_vary, reason_phrase

if TYPE_CHECKING:
    from .request import Request


class HTTPError(Exception):
    """An HTTP error response, raised as an exception: ``raise HTTPError(404)``."""

    #: Flask's name for ``original``: reading it says so.
    original_exception = FlaskName("use error.original, the exception behind a 500")

    def __init__(
        self,
        status: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"HTTPError needs a 4xx or 5xx status code, got {status!r}")
        super().__init__(status, detail)
        #: The status code, 4xx for the client's mistakes and 5xx for the server's.
        self.status = status
        #: Text or JSON-serialisable data for the client; escaped in HTML pages.
        self.detail = detail
        #: Extra response headers, such as ``Allow`` for a 405.
        self.headers: dict[str, str] = dict(headers or {})
        #: For the 500 made for an unhandled exception: that exception.
        self.original: BaseException | None = None

    @property
    def reason(self) -> str:
        """The reason phrase of the status code, such as ``"Not Found"``."""
        return reason_phrase(self.status)

    def __str__(self) -> str:
        suffix = f": {self.detail}" if self.detail is not None else ""
        return f"{self.status} {self.reason}{suffix}"


class ValidationFailed(HTTPError):
    """A 422: the request was read, but what it says is not what the view accepts.

    400 means the server could not read the request (JSON that does not
    parse, a malformed form); 422 Unprocessable Content means it could, and
    the content is wrong: a required field missing, ``"abc"`` where a number
    goes. The response lists each problem, so that a client, or a person at
    a form, can fix them all at once. ``request.json_as``, ``form_as`` and
    ``query_as`` raise it; a view may raise it too, for a rule only it knows
    (``ValidationFailed([{"field": "email", "message": "is taken"}])``).
    """

    def __init__(
        self,
        fields: Iterable[Mapping[str, str]],
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        listed = [{"field": str(f["field"]), "message": str(f["message"])} for f in fields]
        if detail is None:
            count = len({f["field"] for f in listed})
            detail = f"the request has {count} invalid field{'' if count == 1 else 's'}"
        super().__init__(422, detail, headers)
        #: Each problem as ``{"field": "tags.1", "message": "..."}``: the field's
        #: path, names and list positions joined with dots (``""`` for the whole
        #: body, form or query string), and what is wrong with it.
        self.fields: list[dict[str, str]] = listed


def abort(status: int, detail: Any = None) -> NoReturn:
    """Stop handling the request and answer with an error: ``abort(404, "no such user")``."""
    raise HTTPError(status, detail)


def from_werkzeug(error: WerkzeugHTTPException) -> HTTPError:
    """Turn an error raised by a werkzeug helper into ours, with the same status.

    The common one: ``request.query["page"]`` when the client sent no
    ``page`` raises werkzeug's ``BadRequestKeyError``, a 400 (as in Flask).
    """
    if isinstance(error, BadRequestKeyError):
        detail = f"the request has no field {error.args[0]!r}" if error.args else None
    else:
        detail = error.description
    http_error = HTTPError(error.code or 500, detail)
    http_error.__cause__ = error
    return http_error


def wants_json(accept: str | Request | None) -> bool:
    """Tell whether a request, or its ``Accept`` header, prefers JSON to HTML.

    Content negotiation: ``Accept: application/json`` (or JSON with the
    higher quality value) gets JSON; browsers, ``*/*`` and no header get HTML.
    A response whose form this chose must say ``Vary: Accept``, so that a
    cache keeps the two forms apart: given the request, ``wants_json(request)``
    notes that, and the app adds the header to the response.
    """
    if accept is not None and not isinstance(accept, str):
        accept.varies_on_accept = True
        accept = accept.environ.get("HTTP_ACCEPT")
    # PERF: bench/instructions.py --workload github-404: 62.2% fewer instructions per request.
    if not accept or "json" not in accept:
        return False
    offers = parse_accept_header(accept, MIMEAccept)
    return offers.best_match(["text/html", "application/json"]) == "application/json"


def error_response(
    error: HTTPError, *, accept: str | None, debug_detail: str | None = None
) -> Response:
    """Render an HTTPError as a JSON or HTML response with its status and headers.

    The form is chosen by the ``Accept`` header, so the response says
    ``Vary: Accept``. ``debug_detail`` (a traceback, in debug mode only) is
    added to the body.
    """
    if wants_json(accept):
        payload: dict[str, Any] = {
            "status": error.status,
            "reason": error.reason,
            "detail": error.detail,
        }
        if isinstance(error, ValidationFailed):
            payload["fields"] = error.fields
        if debug_detail is not None:
            payload["traceback"] = debug_detail
        body = json.dumps({"error": payload}, default=str).encode()
        content_type = "application/json"
    # PERF: bench/instructions.py --workload github-405: 16.6% fewer instructions per request.
    elif (
        debug_detail is None
        and (error.detail is None or type(error.detail) is str)
        and not isinstance(error, ValidationFailed)  # its page lists the fields: not one of a few
    ):
        body, content_type = _cached_html_page(error), HTML
    else:
        body, content_type = _html_page(error, debug_detail).encode(), HTML
    headers = error.headers
    if not headers:
        return Response(body, error.status, _VARY_ACCEPT, content_type)
    if not any(name.lower() == "vary" for name in headers):
        return Response(body, error.status, {**headers, "Vary": "Accept"}, content_type)
    response = Response(body, error.status, headers, content_type)
    add_vary(response, "Accept")  # the error's own Vary, and Accept
    return response


#: The headers of an error page whose error brings none: its form was chosen by Accept.
_VARY_ACCEPT = {"Vary": "Accept"}


#: Error pages already rendered, by (status, detail): most apps answer the
#: same few errors again and again.
_html_pages: dict[tuple[int, str | None], bytes] = {}


def _cached_html_page(error: HTTPError) -> bytes:
    key = (error.status, error.detail)
    page = _html_pages.get(key)
    if page is None:
        page = _html_page(error, None).encode()
        if len(_html_pages) < 256:
            _html_pages[key] = page
    return page


def _html_page(error: HTTPError, debug_detail: str | None) -> str:
    title = html.escape(f"{error.status} {error.reason}")
    parts = [
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">',
        f"<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n",
    ]
    if error.detail is not None:
        parts.append(f"<p>{html.escape(str(error.detail))}</p>\n")
    if isinstance(error, ValidationFailed) and error.fields:
        parts.append("<ul>\n")
        for field in error.fields:
            name = f"<strong>{html.escape(field['field'])}</strong>: " if field["field"] else ""
            parts.append(f"<li>{name}{html.escape(field['message'])}</li>\n")
        parts.append("</ul>\n")
    if debug_detail is not None:
        parts.append(f"<pre>{html.escape(debug_detail)}</pre>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)
