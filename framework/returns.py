"""What a view may return, and the response made of it.

A view (or a before_request hook, or an error handler) returns a
``Response``; or a body (``str`` for HTML, ``bytes``, a ``dict`` or ``list``
for JSON) with, in a tuple, a status and extra headers; or another WSGI
application. Anything else is a programming mistake, and the ``TypeError``
names the function that returned it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import HTTPError
from .names import function_name
from .response import Response, status_problem
from .wsgitypes import WSGIApp

_RETURN_TYPES = (
    "a str, bytes, dict, list, Response, (body, status), (body, status, headers), "
    "or a WSGI application"
)


def make_response(
    value: Any,
    source: Callable[..., Any],
    role: str = "view",
    error: BaseException | None = None,
) -> Response | WSGIApp:
    """Turn what a view (or hook, or error handler) returned into a response.

    If the value is not one of the kinds a view may return, the TypeError
    names what returned it: ``source``, the function, as ``role`` (``"view"``,
    ``"before_request hook"``, ``"error handler"``), and for an error handler
    the ``error`` it was answering.
    """
    if isinstance(value, Response):
        return value
    if isinstance(value, (str, bytes, dict, list)):
        return _body_response(value, 200)
    if isinstance(value, tuple) and len(value) in (2, 3):
        return _tuple_response(value, source, role, error)
    if callable(value) and not isinstance(value, type):
        return value  # type: ignore[no-any-return]
    raise _wrong_return(
        source,
        role,
        error,
        f"{_abbreviate(value)} ({type(value).__name__})",
        f"return {_RETURN_TYPES}",
    )


def _tuple_response(
    value: tuple[Any, ...], source: Callable[..., Any], role: str, error: BaseException | None
) -> Response:
    """Make ``(body, status)`` or ``(body, status, headers)`` a response."""
    body, status, *headers = value
    if type(status) is not int:
        raise _wrong_return(
            source,
            role,
            error,
            f"a tuple {_abbreviate(value)}",
            "write (body, status) or (body, status, headers) with an int status from 200 to 599",
        )
    problem = status_problem(status)
    if problem is not None:
        raise _wrong_return(
            source, role, error, f"a tuple {_abbreviate(value)}", problem, ValueError
        )
    if isinstance(body, Response):
        response = body
        response.change_status(status)
    elif isinstance(body, (str, bytes, dict, list)):
        response = _body_response(body, status)
    else:
        raise _wrong_return(
            source,
            role,
            error,
            f"a tuple {_abbreviate(value)}",
            "its body must be a str, bytes, dict, list or Response",
        )
    if headers:
        response.headers.update(headers[0])
    return response


def _body_response(body: str | bytes | dict[Any, Any] | list[Any], status: int) -> Response:
    """Make a response of a body: a str is HTML, bytes are binary, a dict or list JSON."""
    if isinstance(body, (dict, list)):
        return Response.json(body, status)
    return Response(body, status)


def _wrong_return(
    source: Callable[..., Any],
    role: str,
    error: BaseException | None,
    returned: str,
    advice: str,
    kind: type[Exception] = TypeError,
) -> Exception:
    """Say what returned a value no response can be made of, and what to return instead.

    ``error handler shop.views:missing for 404 returned None (NoneType); return ...``
    A TypeError unless ``kind`` says otherwise (a ValueError for a status out of range).
    """
    name = f"{role} {function_name(source)}"
    if error is not None:
        key = error.status if isinstance(error, HTTPError) else type(error).__name__
        name = f"{name} for {key}"
    return kind(f"{name} returned {returned}; {advice}")


def _abbreviate(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
