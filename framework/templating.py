"""Templates: HTML pages rendered from Jinja2 files.

``render(request, "page.html", title="Hi")`` loads ``page.html`` from the
app's template folder, fills it in, and returns a Response. Autoescaping is
on for HTML, XML and SVG templates: a value such as ``<script>`` is written
as ``&lt;script&gt;``, so text from users cannot become markup.

Jinja2 is imported the first time a template is rendered, so an app that
renders none never pays for it.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from .response import Response

if TYPE_CHECKING:
    import jinja2

    from .request import Request


def create_environment(template_folder: str) -> jinja2.Environment:
    """Build the Jinja2 environment that loads templates from ``template_folder``."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "svg"]),
    )


def render(request: Request, template: str, /, **context: Any) -> Response:
    """Render ``template`` with ``context`` into an HTML response.

    Every template also sees ``request`` and ``url_for`` (the app's).
    """
    app = request.app
    if app is None:
        raise RuntimeError("render() needs a request that belongs to an App")
    environment: jinja2.Environment = app.templates
    page = environment.get_template(template).render(
        {"request": request, "url_for": app.url_for, **context}
    )
    return Response(page, content_type="text/html; charset=utf-8")


def folder_of(import_name: str, folder: str) -> str:
    """Return ``folder`` relative to the module or package named ``import_name``."""
    module = sys.modules.get(import_name)
    path = getattr(module, "__file__", None)
    root = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    return os.path.join(root, folder)
