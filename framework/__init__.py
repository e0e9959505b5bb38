"""framework: a small WSGI web microframework.

The public names live here; each comes from the module that does one job::

    routing.py   the routing table (Router, Route, Converter)
    request.py   Request, a lazy view of the WSGI environ
    response.py  Response and redirect
    errors.py    HTTPError, abort and error pages
    wsgi.py      the WSGI adapter
    app.py       App: registration and dispatch
    templating.py  render, with Jinja2
"""

from .app import App
from .converters import Converter
from .errors import HTTPError, abort
from .request import Request
from .response import Response, redirect
from .routing import Route, Router
from .templating import render

__all__ = [
    "App",
    "Converter",
    "HTTPError",
    "Request",
    "Response",
    "Route",
    "Router",
    "abort",
    "redirect",
    "render",
]
