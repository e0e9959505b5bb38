"""framework: a small WSGI web microframework.

The public names live here; each comes from the module that does one job::

    routing.py     the routing table (Router) and its one walk; tree.py its nodes,
                   routes.py its entries (Route, Mount), patterns.py parses patterns
    converters.py  Converter and the built-in <int:...>, <path:...>, ...
    urls.py        url_for's pieces: paths, query, root, external URLs, anchors
    decorators.py  route, get, post, ... shared by App and Router
    request.py     Request, a lazy view of the WSGI environ; environ.py its headers and
                   query, limits.py how much body it may carry
    response.py    Response; headers.py its headers; redirects.py redirect, safe_redirect
                   and the trailing-slash redirect;
                   conditional.py the preconditions of make_conditional (304, 412)
    errors.py      HTTPError, ValidationFailed, abort and error pages
    validation.py  request data into a model (json_as, form_as, query_as), with pydantic
    events.py      server-sent events: Event and the EventStream response
    cors.py        which other sites' pages may read the answers (app.cors, router.cors)
    hooks.py       before/after_request hooks and error handlers, by scope
    wsgi.py        the WSGI adapter; wsgitypes.py names PEP 3333's shapes
    app.py         App: registration and dispatch; config.py its settings, returns.py
                   what a view may return
    security.py    the protections on by default: cross-origin, Host, paths, headers
    story.py       what acted on a request, for trace and the inspector
    templating.py  render and render_string, with Jinja2
    sessions.py    signed-cookie sessions, flash and get_flashed_messages
    static.py      static files
    names.py       how messages name views, hooks and handlers; signatures.py checks
                   them when registered; pointers.py answers Flask's names
    trace.py       one exchange as on the wire; inspector.py the last ones, in a browser
    cli.py         the framework command; serving.py the servers it starts
    build.py       which build is running: pure Python, or compiled with mypyc
"""

from typing import NoReturn

from .app import App
from .build import compiled_build
from .config import Config
from .converters import Converter
from .errors import HTTPError, ValidationFailed, abort
from .events import Event, EventStream
from .pointers import package_name
from .redirects import UnsafeRedirect, redirect, safe_redirect
from .request import Request
from .response import Response
from .routing import Route, Router
from .sessions import flash, get_flashed_messages
from .templating import render, render_string

COMPILED: bool = compiled_build()
"""True when the request path runs compiled (``FRAMEWORK_COMPILE=1 pip install .``).

False for the pure-Python build. ``framework --version`` says which build it
is; docs/compiled.md what is compiled.
"""


def __getattr__(name: str) -> NoReturn:
    """Answer the Flask names (``jsonify``, ``Blueprint``, ...) with what to use here."""
    package_name(name)


__all__ = [
    "COMPILED",
    "App",
    "Config",
    "Converter",
    "Event",
    "EventStream",
    "HTTPError",
    "Request",
    "Response",
    "Route",
    "Router",
    "UnsafeRedirect",
    "ValidationFailed",
    "abort",
    "flash",
    "get_flashed_messages",
    "redirect",
    "render",
    "render_string",
    "safe_redirect",
]
