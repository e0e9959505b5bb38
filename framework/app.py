"""The App: where routes, hooks, error handlers and configuration meet.

``App`` registers things (routes, hooks, error handlers) and dispatches
requests through them. Dispatch is a chain of small steps, each one part of
the request's life::

    dispatch            never raises: every outcome becomes a response
      _respond          before_request hooks, then routing and the view
        _route          the routing table's answer: a view, 405, 404 or 308
      _handle_error     an exception becomes a response (error handlers, 500)
      _after_request    after_request hooks see every response

The WSGI side (environ in, status and body out) lives in ``framework.wsgi``.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote

from . import wsgi
from .errors import HTTPError, error_response
from .request import DEFAULT_LIMITS, Request, cached
from .response import Response
from .routing import Match, MethodNotAllowed, NotFound, Route, Router, View

logger = logging.getLogger("framework")

BeforeHook = Callable[[Request], Any]
AfterHook = Callable[[Request, Any], Any]
ErrorHandler = Callable[[Request, Any], Any]
F = TypeVar("F", bound=Callable[..., Any])

#: Characters kept as they are when a decoded path goes back into a URL.
_PATH_SAFE = "/!$&'()*+,;=:@"

_RETURN_TYPES = (
    "a str, bytes, dict, list, Response, (body, status), (body, status, headers), "
    "or a WSGI application"
)


def default_config() -> dict[str, Any]:
    """Return a fresh copy of the default configuration."""
    return {
        "DEBUG": False,
        "SECRET_KEY": None,
        **DEFAULT_LIMITS,
        "SESSION_COOKIE_NAME": "session",
        "SESSION_MAX_AGE": 31 * 24 * 60 * 60,
    }


class App:
    """A web application: a routing table plus hooks, error handlers and config.

    ``App(__name__)`` is the WSGI application too: hand it to any WSGI
    server (``gunicorn module:app``).
    """

    def __init__(
        self,
        import_name: str,
        *,
        template_folder: str = "templates",
        static_folder: str | None = "static",
        static_url_path: str = "/static",
    ) -> None:
        #: The name of the module or package the app lives in (``__name__``).
        self.import_name = import_name
        self.template_folder = template_folder
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: Settings, a plain dict: DEBUG, SECRET_KEY, MAX_BODY_SIZE, ...
        self.config: dict[str, Any] = default_config()
        #: The app's routing table.
        self.router = Router()
        self._before: list[BeforeHook] = []
        self._after: list[AfterHook] = []
        self._status_handlers: dict[int, ErrorHandler] = {}
        self._exception_handlers: dict[type[BaseException], ErrorHandler] = {}

    def __repr__(self) -> str:
        return f"<App {self.import_name!r}>"

    @property
    def routes(self) -> list[Route]:
        """Every route, in registration order."""
        return self.router.routes

    def route(
        self, pattern: str, methods: Iterable[str] = ("GET",), name: str | None = None
    ) -> Callable[[View], View]:
        """Register the decorated function as the view for ``pattern`` and ``methods``."""
        return self.router.route(pattern, methods, name)

    def get(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for GET (and so HEAD) on ``pattern``."""
        return self.router.get(pattern, name)

    def post(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for POST on ``pattern``."""
        return self.router.post(pattern, name)

    def put(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for PUT on ``pattern``."""
        return self.router.put(pattern, name)

    def patch(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for PATCH on ``pattern``."""
        return self.router.patch(pattern, name)

    def delete(self, pattern: str, name: str | None = None) -> Callable[[View], View]:
        """Register the decorated view for DELETE on ``pattern``."""
        return self.router.delete(pattern, name)

    def add_converter(self, name: str, converter: type[Any]) -> None:
        """Make ``<name:param>`` available in this app's patterns."""
        self.router.add_converter(name, converter)

    def include(self, router: Router, prefix: str = "") -> None:
        """Serve the routes of ``router`` under ``prefix``; names become ``router.name``."""
        self.router.include(router, prefix)

    def url_for(self, name: str, /, **params: Any) -> str:
        """Build the path of a named route; extra keywords become the query string."""
        return self.router.url_for(name, **params)

    def before_request(self, hook: F) -> F:
        """Run ``hook(request)`` before each view; a non-None return answers instead."""
        self._before.append(hook)
        return hook

    def after_request(self, hook: F) -> F:
        """Run ``hook(request, response)`` on each response; it returns the response."""
        self._after.append(hook)
        return hook

    def errorhandler(self, key: int | type[BaseException]) -> Callable[[F], F]:
        """Answer an error status (``404``) or an exception class with ``fn(request, error)``.

        For exceptions, the handler of the nearest base class wins.
        """
        if isinstance(key, int) and not isinstance(key, bool) and 400 <= key <= 599:
            table: dict[Any, ErrorHandler] = self._status_handlers
        elif isinstance(key, type) and issubclass(key, Exception):
            table = self._exception_handlers
        else:
            raise TypeError(
                f"errorhandler({key!r}): give a status code from 400 to 599 or an exception class"
            )

        def register(handler: F) -> F:
            if key in table:
                raise ValueError(f"errorhandler({key!r}) is registered twice")
            table[key] = handler
            return handler

        return register

    @cached
    def templates(self) -> Any:
        """The Jinja2 environment ``render`` uses, made on first use (for filters, globals)."""
        from .templating import create_environment, folder_of

        return create_environment(folder_of(self.import_name, self.template_folder))

    def test_client(self) -> Any:
        """Return a werkzeug test client that checks every exchange against PEP 3333."""
        from .testing import TestClient

        return TestClient(self)

    #: The WSGI entry point, ``app(environ, start_response)``: the adapter
    #: itself, bound to this app.
    __call__ = wsgi.handle

    def dispatch(self, request: Request) -> Response | wsgi.WSGIApp:
        """Turn a request into a response, whatever happens on the way."""
        try:
            try:
                response = self._respond(request) if self._before else self._route(request)
            except Exception as error:
                response = self._handle_error(request, error)
            if self._after:
                response = self._after_request(request, response)
            return response
        except Exception as error:
            # An error handler or an after_request hook failed: a bare 500.
            return self._internal_error(request, error)

    def _respond(self, request: Request) -> Response | wsgi.WSGIApp:
        for hook in self._before:
            early = hook(request)
            if early is not None:
                return make_response(early, hook)
        return self._route(request)

    def _route(self, request: Request) -> Response | wsgi.WSGIApp:
        result = self.router.match(request.method, request.path)
        if type(result) is Match:
            request.route = result.route
            request.path_params = result.params
            view = result.route.view
            value = view(request, **result.params)
            return value if type(value) is Response else make_response(value, view)
        if isinstance(result, MethodNotAllowed):
            allow = ", ".join(sorted(result.allowed))
            if request.method == "OPTIONS":
                return Response(status=204, headers={"Allow": allow})
            raise HTTPError(
                405, f"{request.method} is not allowed here; try {allow}", {"Allow": allow}
            )
        if isinstance(result, NotFound) and result.redirect_to is not None:
            return self._slash_redirect(request, result.redirect_to)
        raise HTTPError(404)

    def _slash_redirect(self, request: Request, path: str) -> Response:
        """Send ``/docs`` to ``/docs/`` with a 308, which keeps the method and body."""
        location = quote(request.environ.get("SCRIPT_NAME", "") + path, safe=_PATH_SAFE)
        query = request.environ.get("QUERY_STRING")
        if query:
            location += "?" + quote(query, safe=_PATH_SAFE + "?%")
        return Response(
            f"Moved to {location}\n", 308, {"Location": location}, "text/plain; charset=utf-8"
        )

    def _handle_error(self, request: Request, error: Exception) -> Response | wsgi.WSGIApp:
        """Answer an exception: the matching error handler, else an error page."""
        if isinstance(error, HTTPError):
            handler = self._status_handlers.get(error.status) or self._handler_for(error)
            if handler is None:
                return self._error_page(request, error)
            response = make_response(handler(request, error), handler)
            if isinstance(response, Response):
                for name, value in error.headers.items():
                    response.headers.setdefault(name, value)
            return response
        handler = self._handler_for(error)
        if handler is not None:
            return make_response(handler(request, error), handler)
        logger.error(
            "unhandled exception for %s %s", request.method, _describe(request), exc_info=error
        )
        http_error = HTTPError(500)
        http_error.__cause__ = error
        handler = self._status_handlers.get(500)
        if handler is not None:
            return make_response(handler(request, http_error), handler)
        return self._error_page(request, http_error, error)

    def _handler_for(self, error: Exception) -> ErrorHandler | None:
        for cls in type(error).__mro__:
            handler = self._exception_handlers.get(cls)
            if handler is not None:
                return handler
        return None

    def _after_request(self, request: Request, response: Any) -> Any:
        for hook in reversed(self._after):
            response = hook(request, response)
            if response is None:
                raise TypeError(
                    f"after_request hook {_name(hook)} returned None; "
                    "return the response it was given (or a new one)"
                )
        return response

    def _internal_error(self, request: Request, error: Exception) -> Response:
        logger.error(
            "error while handling an error for %s %s",
            request.method,
            _describe(request),
            exc_info=error,
        )
        return self._error_page(request, HTTPError(500), error)

    def _error_page(
        self, request: Request, error: HTTPError, cause: BaseException | None = None
    ) -> Response:
        debug_detail = None
        if cause is not None and self.config.get("DEBUG"):
            debug_detail = "".join(traceback.format_exception(cause))
        return error_response(
            error, accept=request.environ.get("HTTP_ACCEPT"), debug_detail=debug_detail
        )


def make_response(value: Any, source: Callable[..., Any]) -> Response | wsgi.WSGIApp:
    """Turn what a view (or hook, or error handler) returned into a response.

    ``source`` is the function that returned it, named in the error if the
    value is not one of the kinds a view may return.
    """
    if isinstance(value, Response):
        return value
    if isinstance(value, (str, bytes, dict, list)):
        return _body_response(value, 200)
    if isinstance(value, tuple) and len(value) in (2, 3):
        body, status, *headers = value
        if type(status) is not int or not 100 <= status <= 999:
            raise TypeError(
                f"view {_name(source)} returned a tuple {_abbreviate(value)}; write "
                "(body, status) or (body, status, headers) with an int status from 100 to 999"
            )
        if isinstance(body, Response):
            response = body
            response.status = status
        elif isinstance(body, (str, bytes, dict, list)):
            response = _body_response(body, status)
        else:
            raise TypeError(
                f"view {_name(source)} returned a tuple {_abbreviate(value)}; its body must "
                "be a str, bytes, dict, list or Response"
            )
        if headers:
            response.headers.update(headers[0])
        return response
    if callable(value) and not isinstance(value, type):
        return value  # type: ignore[no-any-return]
    raise TypeError(
        f"view {_name(source)} returned {_abbreviate(value)} ({type(value).__name__}); "
        f"return {_RETURN_TYPES}"
    )


def _body_response(body: str | bytes | dict[Any, Any] | list[Any], status: int) -> Response:
    """A str is HTML, bytes are binary, a dict or list is JSON."""
    if isinstance(body, (dict, list)):
        return Response.json(body, status)
    return Response(body, status)


def _name(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", repr(function))
    return f"{module}.{qualname}" if module else str(qualname)


def _abbreviate(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(request: Request) -> str:
    return str(request.environ.get("PATH_INFO", ""))
