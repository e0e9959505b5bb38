"""The App: where routes, hooks, error handlers and configuration meet.

``App`` registers things (routes, hooks, error handlers) and dispatches
requests through them. Dispatch is a chain of small steps, each one part of
the request's life::

    dispatch            never raises: every outcome becomes a response
      _respond          the checks, routing, the before_request hooks and the view
        security        before routing: a trusted Host, a clean path (else 400);
                        after: no cross-origin request from a browser (else 403)
        _unrouted       no route for this method and path: 405, 404, 501 or 308
      _handle_error     an exception becomes a response (error handlers, 500)
      _after_request    after_request hooks see every response
      sessions.save     a session that was used adds its cookie headers
      cors              the CORS headers of the request's scope, if it has them
      _protect          the security headers and X-Request-ID the response did not set

Hooks and error handlers belong to scopes (``framework.hooks``): the app's
apply to every request, a router's to the requests routed into it.

The WSGI side (environ in, status and body out) lives in ``framework.wsgi``.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, overload

from mypy_extensions import mypyc_attr
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from . import wsgi
from .commands import Command, CommandFunction, add_command
from .config import Config, ConfigLimits, default_config
from .converters import Converter
from .cors import is_preflight
from .decorators import RouteDecorators
from .environ import cached
from .errors import HTTPError, error_response, from_werkzeug
from .hooks import HookRegistry, cors_policy, find_handler, find_status_handler, run_before_request
from .names import function_name
from .pointers import AppNames
from .proxies import TrustedProxies
from .redirects import UnsafeRedirect, redirect, slash_redirect
from .request import Request
from .requestids import REQUEST_ID_HEADER
from .response import BadHeaderValue, Response, add_vary
from .returns import make_response
from .routes import STANDARD_METHODS
from .routing import Match, MethodNotAllowed, Mount, NotFound, Route, Router, View
from .security import (
    SAFE_METHODS,
    ResponseHeaderPolicy,
    cross_origin_error,
    cross_origin_refusal,
    log_text,
    refuse_unclean_request,
)
from .sessions import CookieSessions, session_was_used
from .static import static_view
from .story import STORY_KEY
from .urls import URLBuildError, absolute_name, origin_of, root_of, with_anchor
from .wsgitypes import Environ, StartResponse, WSGIApp

if TYPE_CHECKING:
    from .checks import RouteProblem
    from .hooks import Scopes

logger = logging.getLogger("framework")


#: The security headers of a 500 that the settings could not make: the built-in ones.
_BUILT_IN_HEADERS = ResponseHeaderPolicy({})


# Compiled (FRAMEWORK_COMPILE=1), App stays an ordinary Python class (its methods
# are compiled): an app takes attributes of the user's own, app.db = ..., as in Flask.
@mypyc_attr(native_class=False)
class App(HookRegistry, RouteDecorators, AppNames):
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
        #: The app's logger, named after it: ``logging.getLogger(import_name)``.
        self.logger = logging.getLogger(import_name)
        #: The app's commands, by name (``@app.command()``, ``framework command``).
        self.commands: dict[str, Command] = {}
        self.template_folder = template_folder
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: Settings, a Config (a dict): DEBUG, SECRET_KEY, MAX_BODY_SIZE, ...
        self.config = Config(default_config(), root_path=folder_of(import_name, ""))
        #: The app's routing table.
        self.router = Router()
        self.router.hooks.owner = "the app"
        self.router.is_site = True
        #: The app's hooks and error handlers, which apply to every request:
        #: those of its routing table.
        self.hooks = self.router.hooks
        if static_folder is not None:
            folder = folder_of(import_name, static_folder)
            if os.path.isdir(folder):
                self.router.add_route(
                    static_url_path.rstrip("/") + "/<path:filename>",
                    static_view(folder),
                    name="static",
                )

    def __repr__(self) -> str:
        return f"<App {self.import_name!r}>"

    @property
    def routes(self) -> list[Route]:
        """Every route, in registration order."""
        return self.router.routes

    def add_route(
        self,
        pattern: str,
        view: View,
        methods: Iterable[str] = ("GET",),
        name: str | None = None,
        *,
        allow_cross_origin: bool = False,
    ) -> Route:
        """Register a view for some methods on a path pattern and return its Route.

        ``allow_cross_origin=True`` lets browsers send it requests from other sites.
        """
        return self.router.add_route(
            pattern, view, methods, name, allow_cross_origin=allow_cross_origin
        )

    def add_converter(self, name: str, converter: type[Converter]) -> None:
        """Make ``<name:param>`` available in this app's patterns."""
        self.router.add_converter(name, converter)

    def include(self, router: Router, prefix: str = "") -> None:
        """Serve the routes of ``router`` under ``prefix``; names become ``router.name``."""
        self.router.include(router, prefix)

    def mount(
        self,
        prefix: str,
        app: WSGIApp,
        name: str | None = None,
        *,
        allow_cross_origin: bool = False,
    ) -> Mount:
        """Hand every request under ``prefix`` to another WSGI app (a Flask app, another App).

        The mounted app sees ``SCRIPT_NAME`` end with the prefix and
        ``PATH_INFO`` hold the rest, as PEP 3333 says; this app's hooks and
        error handlers do not run for it, but the checks before routing, the
        cross-origin protection and the security headers do.
        """
        return self.router.mount(prefix, app, name, allow_cross_origin=allow_cross_origin)

    def url_for(
        self,
        __name: str,
        *,
        _external: bool = False,
        _scheme: str | None = None,
        _anchor: str | None = None,
        **params: Any,
    ) -> str:
        """Build the URL of a named route; extra keywords become the query string.

        Outside a request the URL starts at ``APPLICATION_ROOT``; with
        ``_external=True`` it names the host too, from ``SERVER_NAME`` and
        ``PREFERRED_URL_SCHEME``. During a request, use ``request.url_for``,
        which knows where the server mounted the app and which host was asked for.
        """
        # ``__name``: positional-only, as Router.url_for says why.
        return self.build_url(__name, params, external=_external, scheme=_scheme, anchor=_anchor)

    def build_url(
        self,
        name: str,
        params: dict[str, Any],
        *,
        request: Request | None = None,
        external: bool = False,
        scheme: str | None = None,
        anchor: str | None = None,
    ) -> str:
        """Build a URL: what ``url_for`` does on the app, on a request and in templates."""
        if scheme is not None and not external:
            raise URLBuildError(
                f"url_for({name!r}, _scheme={scheme!r}): a scheme only goes into an external "
                "URL; add _external=True"
            )
        path = self.router.url_for(absolute_name(name, request), **params)
        url = root_of(request, self.config) + path
        if external:
            url = origin_of(request, self.config, scheme) + url
        return with_anchor(url, anchor)

    def check_routes(self) -> list[RouteProblem]:
        """Return the routing table's problems (unreachable routes, duplicates), by route."""
        from .checks import check_routes

        return check_routes(self.router)

    @cached
    def templates(self) -> Any:
        """The Jinja2 environment ``render`` uses, made on first use (for filters, globals)."""
        from .templating import create_environment

        return create_environment(folder_of(self.import_name, self.template_folder))

    @overload
    def command(self, name: CommandFunction) -> CommandFunction: ...
    @overload
    def command(self, name: str | None = None) -> Callable[[CommandFunction], CommandFunction]: ...
    def command(self, name: str | CommandFunction | None = None) -> Any:
        """Register a function as a command of the app: ``framework command APP NAME``.

        ``@app.command()`` (or ``@app.command``) names it after the function
        (``init_db`` is ``init-db``), ``@app.command("name")`` as given. Its
        parameters are the command's arguments and options, its docstring the
        help (``framework.commands``); a signature no command line can describe is refused.
        """
        if callable(name):  # @app.command, without the parentheses
            return self.command()(name)
        return functools.partial(add_command, self.commands, name)

    def run(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        debug: bool = False,
        *,
        reload: bool = False,
    ) -> None:
        """Serve the app with werkzeug's development server, as ``framework run`` does.

        For development only (``framework serve`` is for production). With
        ``debug``: werkzeug's interactive debugger and the exchange inspector,
        on a loopback address only; ``reload`` restarts on a source change.
        """
        from .serving import serve_for_development

        serve_for_development(self, host, port, debug=debug, reload=reload)

    def test_client(self) -> Any:
        """Return a werkzeug test client that checks every exchange against PEP 3333."""
        from .testing import TestClient

        return TestClient(self)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one WSGI call, ``app(environ, start_response)``: see ``framework.wsgi``."""
        return wsgi.handle(self, environ, start_response)

    @cached
    def body_limits(self) -> ConfigLimits:
        """The body limits of every request: ``request.limits``, as ``config`` sets them."""
        return ConfigLimits(self.config)

    @cached
    def sessions(self) -> CookieSessions:
        """The session layer that opens ``request.session`` and saves it, as ``config`` says."""
        return CookieSessions(self.config)

    @cached
    def trusted_proxies(self) -> TrustedProxies:
        """The proxies whose forwarded headers count (``request.from_trusted_proxy``)."""
        return TrustedProxies(self.config)

    @cached
    def header_policy(self) -> ResponseHeaderPolicy:
        """The security headers every response gets, as ``config`` says."""
        return ResponseHeaderPolicy(self.config)

    def dispatch(self, request: Request) -> Response | WSGIApp:
        """Turn a request into a response, whatever happens on the way."""
        story = request.environ.get(STORY_KEY)
        if story is not None:
            request.story = story  # framework trace or the inspector asks what acted
        try:
            try:
                response = self._respond(request)
            except Exception as error:
                response = self._handle_error(request, error)
            route = request.route
            scopes = route.scopes if route is not None else self._scopes(request)
            # PERF: bench/instructions.py hello and github-200, 4.6% fewer instructions:
            # after_request hooks are looked for before running them (most apps have none).
            for scope in scopes:
                if scope.after:
                    response = self._after_request(request, response)
                    break
            if session_was_used(request):
                response = self.sessions.save(request, response)
            cors = cors_policy(scopes)
            if cors is not None:
                response = cors.add_to(request, response)
            return self._protect(request, response)
        except Exception as error:
            # An error handler, an after_request hook or the session failed.
            if self.config.get("PROPAGATE_EXCEPTIONS"):
                raise
            return self._internal_error(request, error)

    def _respond(self, request: Request) -> Response | WSGIApp:
        """Check and route the request, then run the before_request hooks and the view."""
        story = request.story
        refusal = refuse_unclean_request(request, self.config)
        if story is not None:
            story.check("host and path", refusal.detail if refusal else None)
        if refusal is not None:
            logger.warning("refused %s: %s", _describe(request), refusal.detail)
            return self._handle_error(request, refusal, (self.hooks,))
        result = self.router.match(request.method, request.path)
        if isinstance(result, Match):
            route = result.route
            if story is not None:
                story.route(route)
            if request.method not in SAFE_METHODS:
                self._check_origin(request, route)
            if isinstance(route, Mount):
                if story is not None:
                    story.note(f"handed to the WSGI app {function_name(route.view)}")
                request.route = route  # no scope of ours: its hooks, errors and CORS are its own
                return wsgi.mounted(route.view, route.prefix_length)
            request.route = route
            request.path_params = result.params
            early = run_before_request(route.scopes, request)
            if early is not None:
                return early
            if story is not None:
                story.view(route.view)
            return make_response(route.view(request, **result.params), route.view)
        scopes = self._scopes(request)
        if story is not None:
            story.unrouted(scopes)
        # A preflight carries no cookies or credentials: a hook that asks for a
        # login must not answer it, or the browser never sends the real request.
        if not (is_preflight(request) and cors_policy(scopes) is not None):
            early = run_before_request(scopes, request)
            if early is not None:
                return early
        return self._unrouted(request, result, scopes)

    def _check_origin(self, request: Request, route: Route) -> None:
        """Refuse, with a 403, a request a browser sent from another site to change things."""
        refusal = cross_origin_refusal(request, self.config, route)
        if request.story is not None:
            request.story.check("cross-origin", refusal)
        if refusal is not None:
            if not isinstance(route, Mount):
                request.route = route  # its router's 403 handler answers
            logger.warning(
                "refused a cross-origin %s: %s",
                _describe(request),
                log_text(refusal),
            )
            raise cross_origin_error(refusal, request.method)

    def _protect(self, request: Request, response: Response | WSGIApp) -> Response | WSGIApp:
        """Add the security headers and X-Request-ID the response did not set, and Vary: Accept."""
        policy = self.header_policy
        # PERF: bench/instructions.py --workload hello: 6.2% fewer instructions per request
        # with X-Request-ID added in the security headers' pass than in a pass of its own.
        headers = [*policy.headers_for(request), (REQUEST_ID_HEADER, request.id)]
        if isinstance(response, Response):
            response.headers.add_defaults(headers, policy.names_and_request_id)
            if request.varies_on_accept:
                add_vary(response, "Accept")
            return response
        return wsgi.with_default_headers(response, headers)

    def implements(self, method: str) -> bool:
        """Tell whether the app knows ``method``: a standard one, or one a route takes."""
        return method in STANDARD_METHODS or method in self.router.methods

    @property
    def allow_everywhere(self) -> str:
        """The Allow header of ``OPTIONS *``: every method the app takes anywhere."""
        return ", ".join(sorted(self.router.methods))

    def _unrouted(
        self, request: Request, result: MethodNotAllowed | NotFound, scopes: Scopes
    ) -> Response | WSGIApp:
        """Answer a path no route takes for this method: 405, 404, 501 or a 308 redirect.

        A method no route of the app takes anywhere, and that is not one of
        the standard ones, is a 501 Not Implemented: the server does not
        know it, for any resource (RFC 9110, section 15.6.2). ``OPTIONS *``
        asks about the server itself rather than a resource (section 9.3.7):
        its Allow header lists every method the app takes. Errors go straight
        to the handling a raised HTTPError would reach, without raising it.
        """
        method = request.method
        if not self.implements(method):
            detail = f"this server does not implement the method {method}"
            return self._handle_error(request, HTTPError(501, detail), scopes)
        if method == "OPTIONS" and request.path == "*":
            # No body, but a Content-Type all the same: wsgiref.validate wants one on a 200.
            return Response(status=200, headers={"Allow": self.allow_everywhere})
        if isinstance(result, NotFound) and result.redirect_to and is_preflight(request):
            # A browser fails a redirected preflight: answer it for the slashed path.
            slashed = self.router.match("OPTIONS", result.redirect_to)
            result = slashed if isinstance(slashed, MethodNotAllowed) else result
        if isinstance(result, MethodNotAllowed):
            allow = result.allow_header
            if request.method == "OPTIONS":
                return self._options(request, allow, scopes)
            detail = f"{request.method} is not allowed here; try {allow}"
            error = HTTPError(405, self._with_hints(request, detail), {"Allow": allow})
            return self._handle_error(request, error, scopes)
        if result.redirect_to is not None:
            if request.story is not None:
                request.story.note(f"the trailing-slash redirect: 308 to {result.redirect_to}")
            return slash_redirect(request, result.redirect_to)
        error = HTTPError(404, self._with_hints(request, None))
        return self._handle_error(request, error, scopes)

    def _options(self, request: Request, allow: str, scopes: Scopes) -> Response:
        """Answer OPTIONS for a path: 204 with Allow, and a CORS preflight's answer.

        A browser's preflight asks whether the real request may follow; in a
        CORS scope (``framework.cors``) the answer names the methods the
        routing table serves here and the request headers the page may send.
        """
        headers = {"Allow": allow}
        cors = cors_policy(scopes)
        if cors is not None and is_preflight(request):
            headers.update(cors.preflight_headers(request, allow))
        if request.story is not None:
            answer = "CORS preflight" if len(headers) > 1 else "OPTIONS"
            request.story.note(f"the automatic {answer} answer: 204 with Allow")
        return Response(status=204, headers=headers)

    def _with_hints(self, request: Request, detail: str | None) -> str | None:
        """In DEBUG, add the router's near misses to a 404 or 405 page."""
        if not self.config.get("DEBUG"):
            return detail
        from .explain import explain

        hints = explain(self.router, request.method, request.path).hints
        if not hints:
            return detail
        lead = detail or f"no route matches {request.method} {request.path}"
        return f"{lead}. Near misses: {'; '.join(hints)}"

    def _scopes(self, request: Request) -> Scopes:
        """Return the hooks that apply to this request: its route's, or its path's."""
        if request.route is not None:
            return request.route.scopes
        try:
            path = request.path
        except HTTPError:
            return (self.hooks,)
        return self.router.scopes_for(path)

    def _handle_error(
        self, request: Request, error: Exception, scopes: Scopes | None = None
    ) -> Response | WSGIApp:
        """Answer an exception: the innermost matching error handler, else an error page."""
        if scopes is None:
            scopes = self._scopes(request)
        if isinstance(error, UnsafeRedirect) and error.leads_to(request.host):
            # redirect() had no request to ask: the host is this request's own.
            return redirect(error.location, error.status, external=True)
        error = _as_http_error(request, error)
        handler = find_handler(scopes, error)
        if request.story is not None and (handler is not None or isinstance(error, HTTPError)):
            request.story.handler(handler, error)
        if handler is not None:
            response = make_response(handler(request, error), handler, "error handler", error)
            if isinstance(error, HTTPError) and isinstance(response, Response):
                # A 405 must still say what would work, whoever wrote the page.
                for name, value in error.headers.items():
                    response.headers.setdefault(name, value)
            return response
        if isinstance(error, HTTPError):
            return self._error_page(request, error)
        return self._unhandled(request, error, scopes)

    def _unhandled(self, request: Request, error: Exception, scopes: Scopes) -> Response | WSGIApp:
        """Answer an exception nothing handles: a logged 500, by its handler or the page."""
        if self.config.get("PROPAGATE_EXCEPTIONS"):
            # For a debugger that shows the exception itself (framework run --debug).
            raise error
        logger.error(
            "unhandled exception for %s (request %s)",
            _describe(request),
            request.id,
            exc_info=error,
        )
        http_error = HTTPError(500)
        http_error.__cause__ = error
        http_error.original = error
        handler = find_status_handler(scopes, 500)
        if request.story is not None:
            request.story.handler(handler, http_error, cause=error)
        if handler is not None:
            return make_response(
                handler(request, http_error), handler, "error handler", http_error
            )
        return self._error_page(request, http_error, error)

    def _after_request(self, request: Request, response: Any) -> Any:
        """Run the after_request hooks, innermost scope first, last registered first."""
        for scope in reversed(self._scopes(request)):
            for hook in reversed(scope.after):
                if request.story is not None:
                    request.story.hook("after_request", hook)
                response = hook(request, response)
                if response is None:
                    raise TypeError(
                        f"after_request hook {function_name(hook)} returned None; "
                        "return the response it was given (or a new one)"
                    )
        return response

    def _internal_error(self, request: Request, error: Exception) -> Response:
        logger.error(
            "error while finishing the response to %s (request %s)",
            _describe(request),
            request.id,
            exc_info=error,
        )
        page = self._error_page(request, HTTPError(500), error)
        with suppress(Exception):  # a page of another site may still read the 500
            cors = cors_policy(self._scopes(request))
            if cors is not None:
                cors.add_to(request, page)
        policy = self.header_policy
        try:
            headers = policy.headers_for(request)
        except Exception:
            policy = _BUILT_IN_HEADERS  # the settings may be what failed
            headers = policy.headers_for(request)
        headers = [*headers, (REQUEST_ID_HEADER, request.id)]
        page.headers.add_defaults(headers, policy.names_and_request_id)
        return page

    def _error_page(
        self, request: Request, error: HTTPError, cause: BaseException | None = None
    ) -> Response:
        debug_detail = None
        if cause is not None and self.config.get("DEBUG"):
            debug_detail = "".join(traceback.format_exception(cause))
        return error_response(
            error, accept=request.environ.get("HTTP_ACCEPT"), debug_detail=debug_detail
        )


def folder_of(import_name: str, folder: str) -> str:
    """Return ``folder`` relative to the module or package named ``import_name``."""
    module = sys.modules.get(import_name)
    path = getattr(module, "__file__", None)
    root = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    return os.path.join(root, folder)


def _as_http_error(request: Request, error: Exception) -> Exception:
    """Turn the errors that are the client's doing into the 400s, and werkzeug's into ours.

    A value from the request that would break a response header, or a
    redirect it asks for to another site, is refused, with a warning for
    the developer; the others pass as they are.
    """
    if isinstance(error, BadHeaderValue):
        logger.warning("refused a response header for %s: %s", _describe(request), log_text(error))
        return HTTPError(400, "a value from this request cannot be sent back in a header")
    if isinstance(error, UnsafeRedirect):
        logger.warning("refused a redirect for %s: %s", _describe(request), log_text(error))
        return HTTPError(400, "this request asks to be redirected to another site")
    if isinstance(error, WerkzeugHTTPException) and error.code is not None:
        return from_werkzeug(error)
    return error


def _describe(request: Request) -> str:
    """Name the request in a log line: method and path as sent, escaped."""
    return log_text(f"{request.method} {request.environ.get('PATH_INFO', '')}")
