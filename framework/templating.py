"""Templates: HTML pages rendered from Jinja2 files.

``render(request, "page.html", title="Hi")`` loads ``page.html`` from the
app's template folder, fills it in, and returns a Response. Autoescaping is
on for HTML, XML and SVG templates and for template strings: a value such as
``<script>`` is written as ``&lt;script&gt;``, so text from users cannot
become markup. To put data into a ``<script>``, use the ``tojson`` filter,
which also escapes ``<``, ``>``, ``&`` and ``'``.

Every template sees ``request``, ``url_for``, ``session`` and
``get_flashed_messages``, the last three bound to the request being
rendered. The session is read only if the template uses it. Macros that a
template imports (``{% from "forms.html" import field %}``), which Jinja2
renders without the caller's variables, find the same four names too.

Jinja2 is imported the first time a template is rendered, so an app that
renders none never pays for it. With ``DEBUG`` on, a template edited on
disk is reloaded on its next use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .response import HTML, Response
from .sessions import get_flashed_messages

if TYPE_CHECKING:
    import jinja2

    from .request import Request

_AUTOESCAPED = ["html", "htm", "xml", "svg"]

#: The request whose page is being rendered, for the names imported macros use.
_rendering: ContextVar[Request] = ContextVar("rendering")


def create_environment(template_folder: str, *, auto_reload: bool = False) -> jinja2.Environment:
    """Build the Jinja2 environment that loads templates from ``template_folder``."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder),
        autoescape=jinja2.select_autoescape(_AUTOESCAPED, default_for_string=True),
        auto_reload=auto_reload,
    )
    environment.context_class = _request_context()
    environment.globals.update(_globals())
    return environment


def _globals() -> dict[str, Any]:
    """Make the four request names global, for templates rendered without our context.

    They follow ``_rendering``, so they always mean the request being rendered.
    """
    from werkzeug.local import LocalProxy

    unbound = "request, session, url_for and get_flashed_messages exist only inside render()"

    def url_for(name: str, /, **values: Any) -> str:
        url: str = _current(unbound).app.url_for(name, **values)
        return url

    def flashed_messages(
        with_categories: bool = False, category_filter: Iterable[str] = ()
    ) -> list[Any]:
        return get_flashed_messages(_current(unbound), with_categories, category_filter)

    return {
        "request": LocalProxy(_rendering, unbound_message=unbound),
        "session": LocalProxy(_rendering, "session", unbound_message=unbound),
        "url_for": url_for,
        "get_flashed_messages": flashed_messages,
    }


def _current(unbound: str) -> Request:
    try:
        return _rendering.get()
    except LookupError:
        raise RuntimeError(unbound) from None


def render(request: Request, template: str, /, **context: Any) -> Response:
    """Render the template file ``template`` with ``context`` into an HTML response."""
    import jinja2

    environment = _environment(request)
    try:
        return _fill(request, environment.get_template(template), context)
    except jinja2.TemplateNotFound as error:  # this one, or one it includes
        raise _explain_not_found(environment, error) from error


def render_string(request: Request, source: str, /, **context: Any) -> Response:
    """Render a template given as text (autoescaped as HTML) into an HTML response."""
    return _fill(request, _environment(request).from_string(source), context)


def _fill(request: Request, template: jinja2.Template, context: dict[str, Any]) -> Response:
    """Render ``template`` for ``request``: the request names are bound while it runs."""
    token = _rendering.set(request)
    try:
        page = template.render(_context(request, context))
    finally:
        _rendering.reset(token)
    return Response(page, content_type=HTML)


def _environment(request: Request) -> jinja2.Environment:
    app = request.app
    if app is None:
        raise RuntimeError("render() needs a request that belongs to an App")
    environment: jinja2.Environment = app.templates
    # Checking a template's file for changes costs a stat() per render:
    # worth it while developing, not in production.
    environment.auto_reload = bool(app.config.get("DEBUG"))
    return environment


def _context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": request,
        "url_for": request.app.url_for,
        "get_flashed_messages": functools.partial(get_flashed_messages, request),
        **context,
    }


def _explain_not_found(
    environment: jinja2.Environment, error: jinja2.TemplateNotFound
) -> jinja2.TemplateNotFound:
    """Say which folders were searched, the first thing to check."""
    import jinja2

    name = str(error.name)
    loader = environment.loader
    folders = getattr(loader, "searchpath", [])
    searched = ", ".join(map(str, folders)) or "(no folder)"
    return jinja2.TemplateNotFound(
        name,
        message=(
            f"template {name!r} not found; searched {searched}. Put the file there, or "
            "pass template_folder= to App(...) (relative to the app's module)"
        ),
    )


@functools.cache
def _request_context() -> type[jinja2.runtime.Context]:
    """Make the template context class: it finds ``session`` on the request when used."""
    from jinja2.runtime import Context
    from jinja2.utils import missing

    class RequestContext(Context):
        def resolve_or_missing(self, key: str) -> Any:
            value = super().resolve_or_missing(key)
            if value is missing and key == "session":
                request = self.parent.get("request")
                session = getattr(request, "session", missing)
                return session
            return value

    return RequestContext
