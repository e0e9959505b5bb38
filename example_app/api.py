"""The JSON API, a Router of its own, served under /api.

    GET    /api/                        where everything is (GET /api redirects here)
    GET    /api/links                   the recent links
    POST   /api/links                   {"url": "https://..."} -> 201, Location: /api/links/<code>
                                        (checked by a model: a 422 lists each invalid field)
    GET    /api/links/latest/<int:n>    the n newest links, 1 to 100
    GET    /api/links/<code:code>       one link, with an ETag (If-None-Match: a 304)
    DELETE /api/links/<code:code>       204

Its errors are JSON whatever the client's Accept header says: the router's
own error handler answers every HTTPError raised in its part of the site.
Front ends on the origins of ``SHORTENER_CORS_ORIGINS`` may call it (CORS).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from framework import Converter, HTTPError, Request, Response, Router, ValidationFailed, abort

from . import settings
from .storage import InvalidURL, Link, Links, validate_url


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
    # Pages of these origins may read the answers, send JSON and a token, and
    # read where a new link is (Location); a browser keeps a preflight 10 minutes.
    api.cors(
        settings.cors_origins(),
        headers=["Authorization"],
        expose_headers=["Location", "ETag"],
        max_age=600,
    )


def link_json(request: Request, link: Link) -> dict[str, Any]:
    return {
        "code": link.code,
        "url": link.url,
        "short_url": short_url(request, link.code),
        "visits": link.visits,
        "created_at": link.created_at,
    }


def short_url(request: Request, code: str) -> str:
    """The full short URL, as the client reached us (behind a proxy, as the proxy says)."""
    return f"{request.scheme}://{request.host}{request.app.url_for('follow', code=code)}"


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


@api.get("/links")
def list_links(request: Request) -> dict[str, Any]:
    return {"links": [link_json(request, link) for link in links(request).recent(MOST_LINKS)]}


@api.get("/links/latest/<int:count>")
def latest_links(request: Request, count: int) -> dict[str, Any]:
    """The newest links: the <int:> converter hands the view a number, never "abc"."""
    if not 1 <= count <= MOST_LINKS:
        abort(422, f"ask for 1 to {MOST_LINKS} links, not {count}")
    return {"links": [link_json(request, link) for link in links(request).recent(count)]}


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
    link = links(request).create(new.url)
    location = request.app.url_for("api.show_link", code=link.code)
    return Response.json(link_json(request, link), 201, {"Location": location})


@api.get("/links/<code:code>")
def show_link(request: Request, code: str) -> Response:
    """One link, with an ETag: a client that has this version gets a bodiless 304."""
    link = links(request).get(code)
    if link is None:
        abort(404, f"no link has the code {code!r}")
    return Response.json(link_json(request, link)).make_conditional(request)


@api.delete("/links/<code:code>")
def delete_link(request: Request, code: str) -> Response:
    if not links(request).delete(code):
        abort(404, f"no link has the code {code!r}")
    return Response(status=204)


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
