"""The story of one request: what acted on it between the request and the response.

Routing picks a route; the checks pass or refuse; ``before_request`` hooks
run, and one may answer; the view runs, or an error handler answers for
it; ``after_request`` hooks see the response. ``framework trace`` and the
exchange inspector tell that story. They ask for it by putting a ``Story``
in the environ under ``STORY_KEY``; the app then reports each step to it.
An ordinary request carries none, and costs one dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .names import function_name

if TYPE_CHECKING:
    from .hooks import Scopes
    from .routes import Route

#: Where in the environ a Story asks to be told.
STORY_KEY = "framework.story"


@dataclass
class Story:
    """What acted on one request, in order, one line each."""

    acts: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        """Tell that routing found ``route``, whose scopes hold its hooks and handlers."""
        self.acts.append(f"route: {route.name!r} ({route.pattern}), {scope_names(route.scopes)}")

    def unrouted(self, scopes: Scopes) -> None:
        """Tell that no route took the request: the scopes of its path answer it."""
        self.acts.append(f"no route: {scope_names(scopes)} answer")

    def check(self, name: str, refusal: str | None) -> None:
        """Tell whether one of the checks of ``framework.security`` passed or refused."""
        self.acts.append(f"{name}: " + (f"refused ({refusal})" if refusal else "passed"))

    def hook(
        self,
        kind: str,
        hook: Callable[..., Any],
        answered: bool = False,
        raised: BaseException | None = None,
    ) -> None:
        """Tell that a hook ran, and whether it answered (a before_request hook may) or raised."""
        outcome = "answered, so nothing after it ran" if answered else "ran"
        if raised is not None:
            outcome = f"raised {_error_name(raised)}, so nothing after it ran"
        self.acts.append(f"{kind} hook {function_name(hook)}: {outcome}")

    def view(self, view: Callable[..., Any]) -> None:
        """Tell that the view ran."""
        self.acts.append(f"view {function_name(view)}: ran")

    def handler(
        self,
        handler: Callable[..., Any] | None,
        error: BaseException,
        cause: BaseException | None = None,
    ) -> None:
        """Tell which error handler answered ``error`` (None: the default error page).

        ``cause`` is the unhandled exception that a 500 stands for.
        """
        who = f"error handler {function_name(handler)}" if handler else "the default error page"
        why = f" (for the unhandled {type(cause).__name__})" if cause is not None else ""
        self.acts.append(f"{who}: answered {_error_name(error)}{why}")

    def note(self, text: str) -> None:
        """Tell anything else worth telling (a mounted app, a slash redirect)."""
        self.acts.append(text)


def _error_name(error: BaseException) -> str:
    """Name an error as its answer does: ``404`` for an HTTPError, else its class."""
    status = getattr(error, "status", None)
    return str(status) if isinstance(status, int) else type(error).__name__


def scope_names(scopes: Scopes) -> str:
    """Name the scopes whose hooks and handlers apply: ``scopes: the app, router 'api'``."""
    return "scopes: " + (", ".join(scope.owner for scope in scopes) if scopes else "none")
