"""The JSON API, a Router of its own, served under /api.

    GET    /api/                        where everything is (GET /api redirects here)
    GET    /api/links                   the links your token owns: {"links": []} without one
    POST   /api/links                   {"url": "https://..."} -> 201, Location: /api/links/<code>
                                        (checked by a model: a 422 lists each invalid field),
                                        and the link's "delete_token", shown this once
    GET    /api/links/latest/<int:n>    the n newest of the links your token owns, 1 to 100
    GET    /api/links/<code:code>       one link (public: anyone with the code can follow it),
                                        with an ETag (If-None-Match: a 304)
    DELETE /api/links/<code:code>       204 with "Authorization: Bearer <delete token>";
                                        401 without a token, 404 for an unknown code,
                                        403 with another link's token
    GET    /api/links/events            the links this browser makes, as server-sent events

A short link is public, but its list is not: nothing lists other people's
links. See ``ownership.py`` for the tokens.

Its errors are JSON whatever the client's Accept header says: the router's
own error handler answers every HTTPError raised in its part of the site,
and a database that cannot answer now with a 503 and ``Retry-After``.
Front ends on the origins of ``SHORTENER_CORS_ORIGINS`` may call it (CORS).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from framework import (
    Converter,
    Event,
    EventStream,
    HTTPError,
    Request,
    Response,
    Router,
    ValidationFailed,
    abort,
)

from . import ownership, settings
from .ownership import bearer_token
from .storage import InvalidURL, Link, Links, StorageUnavailable, validate_url


class CodeConverter(Converter):
    """A short link's code: 4 to 16 letters and digits (the app makes 6).

    Registered as ``<code:...>`` here and on the app: a path segment of
    another shape is not a code, so ``/api`` can be redirected to ``/api/``
    instead of being looked up as a short link.
    """

    regex = "[A-Za-z0-9]{4,16}"


api = Router(name="api")
api.add_converter("code", CodeConverter)
if settings.cors_origins():
    # Pages of these origins may read the answers, send JSON and a token, send
    # the browser's cookies (its links are its own: the stream of new links),
    # and read where a new link is (Location); a preflight is kept 10 minutes.
    api.cors(
        settings.cors_origins(),
        headers=["Authorization"],
        expose_headers=["Location", "ETag"],
        credentials=True,
        max_age=600,
    )


def link_json(request: Request, link: Link) -> dict[str, Any]:
    """A link as the API shows it: never its delete token, nor the token's hash."""
    host = link.host
    return {
        "code": link.code,
        "url": link.url,
        "short_url": short_url(request, link.code),
        "visits": link.visits,
        "created_at": link.created_at,
        "host": host.ascii,
        "host_unicode": host.unicode,
        "mixed_scripts": host.mixed_scripts,
    }


def short_url(request: Request, code: str) -> str:
    """The full short URL: from ``SHORTENER_BASE_URL``, else as the client reached us.

    Behind a proxy, the scheme and host are the proxy's word (ProxyFix);
    only the hosts of ``SHORTENER_HOSTS`` reach a view.
    """
    path = request.app.url_for("follow", code=code)
    base = settings.base_url()
    if base is not None:
        return f"{base}{path}"
    return f"{request.scheme}://{request.host}{path}"


def links(request: Request) -> Links:
    storage: Links = request.app.links
    return storage


#: The most links one response lists.
MOST_LINKS = 100


@api.get("/")
def index(request: Request) -> dict[str, Any]:
    """The API's root: where its resources are, as URLs a client can follow."""
    url_for = request.app.url_for
    return {"links": url_for("api.list_links"), "latest": url_for("api.latest_links", count=10)}


def owned_links(request: Request) -> list[Link]:
    """The links the request's credentials own, newest first: none without a token."""
    token = bearer_token(request)
    if token is None:
        return []
    return links(request).owned_by(token)


@api.get("/links")
def list_links(request: Request) -> dict[str, Any]:
    """The links your token owns: an empty list without one, never other people's."""
    return {"links": [link_json(request, link) for link in owned_links(request)[:MOST_LINKS]]}


@api.get("/links/latest/<int:count>")
def latest_links(request: Request, count: int) -> dict[str, Any]:
    """Your newest links: the <int:> converter hands the view a number, never "abc"."""
    if not 1 <= count <= MOST_LINKS:
        abort(422, f"ask for 1 to {MOST_LINKS} links, not {count}")
    return {"links": [link_json(request, link) for link in owned_links(request)[:count]]}


class NewLink(BaseModel):
    """What ``POST /api/links`` takes: ``{"url": "https://..."}``, a URL we can shorten."""

    url: str

    @field_validator("url")
    @classmethod
    def shortenable(cls, text: str) -> str:
        try:
            return validate_url(text)
        except InvalidURL as error:  # the message, as the form shows it
            raise PydanticCustomError("invalid_url", str(error)) from None


@api.post("/links")
def create_link(request: Request) -> Response:
    # 415 unless the body is JSON, 400 if it is malformed, 422 listing each
    # field the model refuses: {"field": "url", "message": "..."}.
    new = request.json_as(NewLink)
    owner = None
    if "Origin" in request.headers:  # sent by a page in a browser: the link is its too
        owner = ownership.browser_owner(request, make=True)
    link, token = links(request).create(new.url, owner)
    if owner is not None:
        ownership.remember(request, link.code, token)
    location = request.app.url_for("api.show_link", code=link.code)
    # The delete token, this once: the table keeps only its hash, and no
    # cache may keep a copy of it (no-store).
    created = {**link_json(request, link), "delete_token": token}
    return Response.json(created, 201, {"Location": location, "Cache-Control": "no-store"})


#: How often the stream looks for new links, in seconds.
POLL_SECONDS = 0.5
#: After a stream ends (``SHORTENER_STREAM_SECONDS``: it holds a server thread
#: while open), the browser reconnects this many milliseconds later.
RECONNECT_MS = 1000
#: An event id as this stream writes them: the link's number and its code.
EVENT_ID = re.compile(r"^([0-9]{1,18}):([A-Za-z0-9]{4,16})$")


@api.get("/links/events")
def link_events(request: Request) -> Response:
    """New links made in this browser, as server-sent events, one ``link`` event each.

    ``new EventSource("/api/links/events", {withCredentials: true})``: the
    session says whose links to send, so a browser sees only its own; one
    with no links yet gets a 204, which tells ``EventSource`` not to come
    back. A browser that lost the stream sends ``Last-Event-ID`` and gets
    the links it missed.
    """
    owner = ownership.browser_owner(request)
    if owner is None:
        return Response(status=204)
    last = EVENT_ID.match(request.headers.get("Last-Event-ID", "").strip())
    start = (int(last[1]), last[2]) if last else links(request).newest()
    return EventStream(new_links(request, owner, start))


def new_links(
    request: Request, owner: str, start: tuple[int, str | None]
) -> Iterator[Event | None]:
    """The events of the links ``owner`` makes after ``start``: the last sent (number, code)."""
    number, code = start
    deadline = time.monotonic() + settings.stream_seconds()
    yield Event("", event="hello", retry=RECONNECT_MS)  # the stream is open; reconnect soon
    while time.monotonic() < deadline:
        try:
            made = links(request).made_by(owner, number)
        except StorageUnavailable:
            return  # the browser comes back in a second, and sends its Last-Event-ID
        for found, link in made:
            if (found, link.code) == (number, code):
                continue  # sent already
            number, code = found, link.code
            yield Event(json.dumps(link_json(request, link)), event="link", id=f"{found}:{code}")
        yield None  # nothing new: a moment for the stream to be closed if the client left
        time.sleep(POLL_SECONDS)


@api.get("/links/<code:code>")
def show_link(request: Request, code: str) -> Response:
    """One link, with an ETag: a client that has this version gets a bodiless 304."""
    link = links(request).get(code)
    if link is None:
        abort(404, f"no link has the code {code!r}")
    return Response.json(link_json(request, link)).make_conditional(request)


@api.delete("/links/<code:code>")
def delete_link(request: Request, code: str) -> Response:
    """Delete a link, given its delete token: ``Authorization: Bearer <token>``.

    Who is asking comes before what they ask for, as in Django REST
    framework: without a token, a 401 whose ``WWW-Authenticate`` names the
    scheme to use (RFC 6750), whether the code exists or not. With one, an
    unknown code is a 404, and another link's token a 403.
    """
    token = bearer_token(request)
    if token is None:
        raise HTTPError(
            401,
            "deleting a link takes its delete token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    allowed = links(request).may_delete(code, token)
    if allowed is None:
        abort(404, f"no link has the code {code!r}")
    if not allowed:
        abort(403, f"that is not the delete token of {code!r}")
    if not links(request).delete(code):  # deleted meanwhile, by another request
        abort(404, f"no link has the code {code!r}")
    return Response(status=204)


#: After a 503, how many seconds a client should wait before it tries again.
RETRY_AFTER = "5"


def unavailable(request: Request, error: StorageUnavailable) -> HTTPError:
    """The 503 for a database that cannot answer now; logged as a warning, not an error."""
    request.app.logger.warning(
        "503 for %s %s: %s (%s)", request.method, request.path, error, error.__cause__
    )
    return HTTPError(
        503,
        f"The links cannot be reached now ({error}). Try again in a few seconds.",
        {"Retry-After": RETRY_AFTER},
    )


@api.errorhandler(StorageUnavailable)
def storage_unavailable(request: Request, error: StorageUnavailable) -> Response:
    return json_error(request, unavailable(request, error))


@api.errorhandler(HTTPError)
def json_error(request: Request, error: HTTPError) -> Response:
    detail = error.detail if error.detail is not None else f"{request.method} {request.path}"
    document: dict[str, Any] = {
        "status": error.status,
        "reason": error.reason,
        "detail": detail,
    }
    if isinstance(error, ValidationFailed):
        document["fields"] = error.fields  # each invalid field, with what is wrong with it
    return Response.json({"error": document}, error.status, error.headers)
