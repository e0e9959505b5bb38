"""Templates: HTML pages rendered from Jinja2 files.

``render(request, "page.html", title="Hi")`` loads ``page.html`` from the
app's template folder, fills it in, and returns a Response. Autoescaping is
on for HTML, XML and SVG templates and for template strings: a value such as
``<script>`` is written as ``&lt;script&gt;``, so text from users cannot
become markup. To put data into a ``<script>``, use the ``tojson`` filter,
which also escapes ``<``, ``>``, ``&`` and ``'``.

Every template sees ``request``, ``url_for``, ``session``,
``get_flashed_messages`` and ``csp_nonce``, the last four bound to the
request being rendered. They are the globals of the one render: no request lives in a
global or a context variable. The session is read only if the template uses
it. Macros that a template imports (``{% from "forms.html" import field %}``),
which Jinja2 renders without the caller's variables, still get the
caller's globals, so they find the same names too.

Jinja2 is imported the first time a template is rendered, so an app that
renders none never pays for it. With ``DEBUG`` on, a template edited on
disk is reloaded on its next use.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .request import needs_request
from .response import HTML, Response
from .sessions import get_flashed_messages

if TYPE_CHECKING:
    import jinja2

    from .request import Request

_AUTOESCAPED = ["html", "htm", "xml", "svg"]


def create_environment(template_folder: str, *, auto_reload: bool = False) -> jinja2.Environment:
    """Build the Jinja2 environment that loads templates from ``template_folder``."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder),
        autoescape=jinja2.select_autoescape(_AUTOESCAPED, default_for_string=True),
        auto_reload=auto_reload,
    )


@needs_request("render(request, template, **context)")
def render(request: Request, template: str, /, **context: Any) -> Response:
    """Render the template file ``template`` with ``context`` into an HTML response."""
    import jinja2

    environment = _environment(request)
    try:
        return _fill(request, environment.get_template(template), context)
    except jinja2.TemplateNotFound as error:  # this one, or one it includes
        raise _explain_not_found(environment, error) from error


@needs_request("render_string(request, source, **context)")
def render_string(request: Request, source: str, /, **context: Any) -> Response:
    """Render a template given as text (autoescaped as HTML) into an HTML response."""
    return _fill(request, _environment(request).from_string(source), context)


def _fill(request: Request, template: jinja2.Template, context: dict[str, Any]) -> Response:
    """Render ``template`` for ``request``, with the request names as its globals.

    Jinja2 hands a template's globals on to the templates it imports, which
    is how imported macros see them. Our variables win over the names, as
    they do over any global.
    """
    from jinja2.runtime import new_context

    environment = template.environment
    names = {**template.globals, **_request_names(request)}
    render_context = new_context(
        environment, template.name, template.blocks, vars=context, globals=names
    )
    try:
        page = environment.concat(template.root_render_func(render_context))
    except Exception:
        # Point the traceback at the template line that failed, as Template.render does.
        environment.handle_exception()
    return Response(page, content_type=HTML)


def _request_names(request: Request) -> dict[str, Any]:
    """Bind the names every template sees to ``request``."""
    from werkzeug.local import LocalProxy

    return {
        "request": request,
        # Read only if the template uses it: a page that does not needs no key,
        # and does not vary with the cookie.
        "session": LocalProxy(lambda: request.session),
        "url_for": request.url_for,
        "get_flashed_messages": functools.partial(get_flashed_messages, request),
        # The nonce of the page's Content-Security-Policy (``CONTENT_SECURITY_POLICY``).
        "csp_nonce": lambda: request.csp_nonce,
    }


def _environment(request: Request) -> jinja2.Environment:
    app = request.app
    if app is None:
        raise RuntimeError("render() needs a request that belongs to an App")
    environment: jinja2.Environment = app.templates
    # Checking a template's file for changes costs a stat() per render:
    # worth it while developing, not in production.
    environment.auto_reload = bool(app.config.get("DEBUG"))
    return environment


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
