"""The example app: a link shortener built with framework.

You give it a long URL; it gives you a short one, ``http://localhost:8000/<code>``,
that redirects there and counts the visits. Run it with gunicorn::

    gunicorn -c example_app/gunicorn.conf.py example_app:app

or while developing, with reloading on every change::

    framework run example_app --reload

``docs/tutorial.md`` builds it step by step; ``docs/deployment.md`` puts it
behind nginx. The pages are here, the JSON API is in ``api.py``, storage in
``storage.py`` (SQLite in ``storage_sqlite.py``, PostgreSQL in
``storage_postgres.py``), who may see and delete which link in
``ownership.py``, and settings (all from environment variables) in
``settings.py``.
"""

from __future__ import annotations

import functools
from typing import Any

from framework import App, HTTPError, Request, Response, flash, redirect, render
from framework.errors import error_response, wants_json
from framework.proxies import ProxiedApp

from . import ownership, settings
from .api import RETRY_AFTER, CodeConverter, api, short_url, unavailable
from .storage import (
    MAX_URL_LENGTH,
    InvalidURL,
    StorageUnavailable,
    as_sent,
    open_links,
    validate_url,
)

app = App(__name__)
# Cross-origin protection, clean paths and the security headers are on by
# default. On top: pages load nothing but this site's own files (no inline
# script or style, no frames of other sites), and in production only the
# site's own host names are served (SHORTENER_HOSTS; by default, this machine's).
app.config["CONTENT_SECURITY_POLICY"] = (
    "default-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)
app.config["TRUSTED_HOSTS"] = settings.trusted_hosts()
app.config["SECRET_KEY_FALLBACKS"] = settings.secret_key_fallbacks()
if settings.max_body_size() is not None:
    app.config["MAX_BODY_SIZE"] = settings.max_body_size()
if settings.database_url() is not None:
    # Several machines: the key must be given, or the app refuses to start here.
    app.config["SECRET_KEY"] = settings.secret_key()
# The proxies whose X-Forwarded-For, -Proto and X-Request-ID are believed.
app.config["TRUSTED_PROXY_IPS"] = settings.trusted_proxy_ips()
app.add_converter("code", CodeConverter)
#: The link storage, shared by the pages and the API (as ``request.app.links``).
app.links = open_links()

#: The routes a load balancer asks whether this instance is up: no session.
HEALTH_CHECKS = frozenset({"healthz", "readyz"})


@app.before_request
def open_storage(request: Request) -> None:
    """On a process's first request: the secret key, the instance folder, the table."""
    if request.route is not None and request.route.name in HEALTH_CHECKS:
        return
    if app.config["SECRET_KEY"] is None:
        app.config["SECRET_KEY"] = settings.secret_key()
    app.links.ensure_schema()


@app.command()
def init_db() -> None:
    """Create the database: the links table and its indexes, in SQLite or PostgreSQL.

    ``framework command example_app init-db``; running it again changes
    nothing, and several servers may run it at once.
    """
    app.links.ensure_schema()
    print(f"database ready: {app.links.location}")


@app.get("/")
def index(request: Request) -> Response:
    return home_page(request)


@app.post("/", name="shorten")
def shorten(request: Request) -> Any:
    """The form's POST: store the link, then redirect (303) to the page that lists it."""
    text = request.form.get("url", "")
    try:
        url = validate_url(text)
    except InvalidURL as error:
        return home_page(request, error=str(error), url=text), 400
    link, token = app.links.create(url, ownership.browser_owner(request, make=True))
    ownership.remember(request, link.code, token)  # this browser's, to list and delete
    # The category "link" says the message is a URL: base.html makes it a link
    # with a copy button, the URL escaped like any other text.
    flash(request, short_url(request, link.code), "link")
    return redirect(app.url_for("index"), 303)


def home_page(request: Request, *, error: str | None = None, url: str = "") -> Response:
    """The form, and the links made in this browser: never anyone else's.

    ``Cache-Control: private, no-store``: the page is this browser's alone
    (its links, a flash that is shown once), so no cache keeps it.
    """
    owner = ownership.browser_owner(request)
    tokens = ownership.session_tokens(request)  # links from before owner ids
    own = app.links.browser_links(owner, tokens, ownership.LISTED)
    full = functools.partial(short_url, request)  # each link in full, as it is shared
    response = render(request, "index.html", links=own, error=error, url=url, short_url=full)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@app.get("/about")
def about(request: Request) -> Response:
    """A static route beside /<code:code>: static segments are tried first, so it wins."""
    return render(request, "about.html")


#: Headers that carry credentials: /inspect names them and hides their values.
REDACTED_HEADERS = {"cookie", "authorization", "proxy-authorization"}


@app.route("/inspect", methods=["ANY"])
def inspect(request: Request) -> Response:
    """Your own request, taken apart: request line, headers, body.

    Credentials are shown as ``[redacted]``: the session cookie holds the
    browser's delete tokens, and a page is easily screenshotted or shared.
    ``Cache-Control: no-store``: no cache keeps a copy of someone's request.
    """
    body = request.body
    anatomy = {
        "method": request.method,
        "path": request.path,
        "query": request.environ.get("QUERY_STRING", ""),
        "version": request.version,
        "headers": {
            name: "[redacted]" if name.lower() in REDACTED_HEADERS else value
            for name, value in request.headers.items()
        },
        "body": body.decode("utf-8", "replace"),
        "body_size": len(body),
        "scheme": request.scheme,
        "remote_addr": request.remote_addr,
    }
    # The Accept header chooses JSON or HTML; given the request, wants_json
    # notes it, and the response says Vary: Accept for caches.
    if wants_json(request):
        response = Response.json(anatomy)
    else:
        response = render(request, "inspect.html", anatomy=anatomy)
    response.headers["Cache-Control"] = "no-store"
    return response


@app.get("/healthz")
def healthz(request: Request) -> Response:
    """Liveness: the process answers. The database is not asked.

    An orchestrator restarts a process that fails this; a database outage
    is no reason to restart every process, so it does not fail it.
    """
    return Response.json({"status": "ok"}, headers={"Cache-Control": "no-store"})


@app.get("/readyz")
def readyz(request: Request) -> Response:
    """Readiness: the database answers a read and a write, or a 503 says why not.

    A load balancer sends no requests to an instance that fails this,
    until it passes again. Both are static routes: they win over
    ``/<code:code>``, and no link is ever made under their names.
    """
    headers = {"Cache-Control": "no-store"}
    try:
        app.links.check()
    except StorageUnavailable as error:
        app.logger.warning("not ready: %s (%s)", error, error.__cause__)
        body = {"status": "unavailable", "reason": str(error)}
        return Response.json(body, 503, {**headers, "Retry-After": RETRY_AFTER})
    return Response.json({"status": "ok"}, headers=headers)


@app.get("/<code:code>", name="follow")
def follow(request: Request, code: str) -> Response:
    """The short link itself: count the visit and send the browser on (302).

    Leaving the site is the point here, so the redirect says
    ``external=True``. HEAD is a safe method: link checkers and previews
    use it to look without visiting, so it gets the same answer and counts
    nothing.
    """
    if request.method == "HEAD":
        link = app.links.get(code)
        url = link.url if link is not None else None
    else:
        url = app.links.visit(code)
    if url is None:
        raise HTTPError(404, f"No short link has the code {code!r}.")
    return redirect(followable(code, url), 302, external=True)


def followable(code: str, url: str) -> str:
    """The stored URL as it is sent, or a 410 Gone if it cannot be sent.

    A link stored by an older version may hold a URL as it was typed (an
    emoji, a Cyrillic host), which is longer once percent-encoded, or a
    host that browsers read otherwise. A Location header longer than the
    limit would be cut or refused by a proxy on the way, so the link is
    gone for good, and the page says why.
    """
    cannot = f"The short link /{code} leads to a URL that cannot be followed"
    try:
        sent = as_sent(url)
    except InvalidURL as error:
        raise HTTPError(410, f"{cannot}: {error}") from None
    limit = settings.max_url_length(MAX_URL_LENGTH)
    if len(sent) > limit:
        raise HTTPError(
            410, f"{cannot}: it is {len(sent):,} characters as it is sent, more than {limit:,}."
        )
    return sent


@app.post("/<code:code>/delete", name="delete")
def delete(request: Request, code: str) -> Response:
    """A delete button's POST: delete the link if this browser made it.

    The link's owner hash must be this browser's owner id's, or its delete
    token one that the session holds (a link from before owner ids).
    Another site's page cannot make the browser send this: the app refuses
    cross-origin POSTs (a 403) unless a route allows them.
    """
    token = ownership.session_token(request, code)
    allowed = app.links.may_delete(code, token, owner=ownership.browser_owner(request))
    if allowed is False:
        raise HTTPError(
            403, f"This browser did not make the link /{code}, so it cannot delete it."
        )
    shown = short_url(request, code)
    if allowed and app.links.delete(code):
        flash(request, f"Deleted the short link {shown}.", "success")
    else:  # deleted already, through the API or another tab
        flash(request, f"The short link {shown} was already deleted.", "message")
    ownership.forget(request, code)
    return redirect(app.url_for("index"), 303)


@app.errorhandler(404)
def not_found(request: Request, error: HTTPError) -> Response:
    if wants_json(request):
        return error_response(error, accept="application/json")
    return render(request, "404.html", detail=error.detail), 404


@app.errorhandler(410)
def gone(request: Request, error: HTTPError) -> Any:
    """A stored link that cannot be followed: a page of the site's own, saying why."""
    if wants_json(request):
        return error_response(error, accept="application/json")
    return render(request, "410.html", detail=error.detail), 410


@app.errorhandler(StorageUnavailable)
def storage_unavailable(request: Request, error: StorageUnavailable) -> Response:
    """A 503 with Retry-After, as HTML or JSON by Accept (the API's own is JSON)."""
    return error_response(unavailable(request, error), accept=request.headers.get("Accept"))


app.include(api, prefix="/api")

#: What a server behind a proxy runs: the app, believing the X-Forwarded-For
#: and -Proto headers (one hop: nginx's) of a request whose direct peer is a
#: trusted proxy (SHORTENER_TRUSTED_PROXY_IPS), and only of those. The Host
#: is the one nginx passes on; a client's X-Forwarded-Host is never believed.
application = ProxiedApp(app, x_for=1, x_proto=1)
