"""Hooks and error handlers, and the part of the site each one covers.

Around the view, an app plugs in code of its own:

- ``before_request`` hooks run before the view, and may answer instead of
  it (a login check that redirects);
- ``after_request`` hooks see every response, error pages included, and
  return it or a replacement (a header added to every page);
- error handlers turn an error status (``404``) or an exception class into
  a response.

Every ``App`` and every ``Router`` holds one ``Hooks``: its *scope*. The
app's scope covers every request. A router's scope covers the routes
registered on it and, once it is included under a prefix, every request
whose path lies under that prefix, so a 404 or 405 there is the router's
too. A request therefore passes through a chain of scopes, from the app
down to the innermost router; ``before_request`` hooks run from the outside
in, ``after_request`` hooks from the inside out, and the innermost scope
with a handler for an error answers it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from mypy_extensions import mypyc_attr

from .cors import CORSPolicy
from .errors import HTTPError
from .returns import make_response
from .signatures import check_hook

if TYPE_CHECKING:
    from .request import Request
    from .response import Response
    from .wsgitypes import WSGIApp

BeforeHook = Callable[..., Any]
AfterHook = Callable[..., Any]
ErrorHandler = Callable[..., Any]
F = TypeVar("F", bound=Callable[..., Any])


class Hooks:
    """The hooks and error handlers of one scope, in registration order."""

    __slots__ = ("after", "before", "cors", "exception_handlers", "owner", "status_handlers")

    def __init__(self, owner: str = "the app") -> None:
        #: Whose scope this is, for ``framework trace``: ``"the app"``, ``"router 'api'"``.
        self.owner = owner
        #: ``fn(request)``, run before the view; a non-None return answers.
        self.before: list[BeforeHook] = []
        #: ``fn(request, response)``, run on every response, last registered first.
        self.after: list[AfterHook] = []
        #: ``fn(request, error)`` for an HTTPError of this status.
        self.status_handlers: dict[int, ErrorHandler] = {}
        #: ``fn(request, error)`` for an exception of this class or a subclass.
        self.exception_handlers: dict[type[BaseException], ErrorHandler] = {}
        #: Which other sites' pages may read this scope's answers (``cors(...)``).
        self.cors: CORSPolicy | None = None

    def handler_for(self, error: BaseException) -> ErrorHandler | None:
        """Return this scope's handler for ``error``, or None.

        A handler for the error's status comes first; then the handler of
        the nearest class in the exception's ancestry.
        """
        if isinstance(error, HTTPError):
            handler = self.status_handlers.get(error.status)
            if handler is not None:
                return handler
        for cls in type(error).__mro__:
            handler = self.exception_handlers.get(cls)
            if handler is not None:
                return handler
        return None


#: The scopes a request passes through, outermost (the app's) first.
Scopes = tuple[Hooks, ...]


def find_handler(scopes: Scopes, error: BaseException) -> ErrorHandler | None:
    """Return the handler of the innermost scope that has one for ``error``."""
    for scope in reversed(scopes):
        if scope.status_handlers or scope.exception_handlers:
            handler = scope.handler_for(error)
            if handler is not None:
                return handler
    return None


def find_status_handler(scopes: Scopes, status: int) -> ErrorHandler | None:
    """Return the innermost handler registered for ``status`` itself."""
    for scope in reversed(scopes):
        handler = scope.status_handlers.get(status)
        if handler is not None:
            return handler
    return None


def cors_policy(scopes: Scopes) -> CORSPolicy | None:
    """Return the CORS policy (``framework.cors``) of the innermost scope that has one."""
    for scope in reversed(scopes):
        if scope.cors is not None:
            return scope.cors
    return None


def run_before_request(scopes: Scopes, request: Request) -> Response | WSGIApp | None:
    """Run the before_request hooks, outer scopes first; the first non-None return answers."""
    for scope in scopes:
        for hook in scope.before:
            try:
                early = hook(request)
            except Exception as error:
                if request.story is not None:
                    request.story.hook("before_request", hook, raised=error)
                raise
            if request.story is not None:
                request.story.hook("before_request", hook, answered=early is not None)
            if early is not None:
                return make_response(early, hook, "before_request hook")
    return None


def _add_error_handler(
    key: int | type[BaseException], table: dict[Any, ErrorHandler], handler: F
) -> F:
    """Put ``handler`` in ``table`` for ``key``, once its signature is checked."""
    check_hook(handler, f"errorhandler({key!r})", ("request", "error"))
    if key in table:
        raise ValueError(f"errorhandler({key!r}) is registered twice")
    table[key] = handler
    return handler


# Compiled, an ordinary Python class (its methods compiled), as App is: see app.py.
@mypyc_attr(native_class=False)
class HookRegistry:
    """The decorators that register hooks, shared by ``App`` and ``Router``."""

    hooks: Hooks

    def before_request(self, hook: F) -> F:
        """Run ``hook(request)`` before each view here; a non-None return answers instead."""
        check_hook(hook, "before_request hook", ("request",))
        self.hooks.before.append(hook)
        return hook

    def after_request(self, hook: F) -> F:
        """Run ``hook(request, response)`` on each response here; it returns the response."""
        check_hook(hook, "after_request hook", ("request", "response"))
        self.hooks.after.append(hook)
        return hook

    def errorhandler(self, key: int | type[BaseException]) -> Callable[[F], F]:
        """Answer an error status (``404``) or an exception class with ``fn(request, error)``.

        For exceptions, the handler of the nearest base class wins.
        """
        if isinstance(key, int) and not isinstance(key, bool) and 400 <= key <= 599:
            table: dict[Any, ErrorHandler] = self.hooks.status_handlers
        elif isinstance(key, type) and issubclass(key, Exception):
            table = self.hooks.exception_handlers
        else:
            raise TypeError(
                f"errorhandler({key!r}): give a status code from 400 to 599 or an exception class"
            )
        return functools.partial(_add_error_handler, key, table)

    def cors(
        self,
        origins: str | Iterable[str],
        *,
        methods: Iterable[str] | None = None,
        headers: str | Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        credentials: bool = False,
        max_age: int | None = None,
    ) -> CORSPolicy:
        """Let pages of other sites read this scope's answers (CORS, ``framework.cors``).

        ``origins`` lists them (``["https://app.example.com"]``), or is
        ``"*"`` for any site, without credentials. Every response here
        carries the CORS headers, error pages included; a preflight is
        answered with the methods the routing table serves (or ``methods``).
        A listed origin may also send POST, PUT, PATCH and DELETE requests
        past the cross-origin protection (``framework.security``). A WSGI app
        mounted with ``mount`` answers for itself, CORS included.
        """
        if self.hooks.cors is not None:
            raise ValueError(f"cors(...) is set twice on {self.hooks.owner}; set it once")
        policy = CORSPolicy(
            origins,
            methods=methods,
            headers=headers,
            expose_headers=expose_headers,
            credentials=credentials,
            max_age=max_age,
        )
        self.hooks.cors = policy
        return policy
