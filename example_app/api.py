"""The JSON API, a Router of its own, served under /api.

    GET    /api/links          the recent links
    POST   /api/links          {"url": "https://..."} -> 201, Location: /api/links/<code>
    GET    /api/links/<code>   one link
    DELETE /api/links/<code>   204

Its errors are JSON whatever the client's Accept header says: the router's
own error handler answers every HTTPError raised in its part of the site.
"""

from __future__ import annotations

from typing import Any

from framework import HTTPError, Request, Response, Router, abort

from .storage import InvalidURL, Link, Links, validate_url

api = Router(name="api")


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


@api.get("/links")
def list_links(request: Request) -> dict[str, Any]:
    return {"links": [link_json(request, link) for link in links(request).recent(100)]}


@api.post("/links")
def create_link(request: Request) -> Response:
    data = request.json  # 415 unless the body is JSON, 400 if it is malformed
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        abort(
            422, 'send a JSON object with a "url" string, such as {"url": "https://example.com"}'
        )
    try:
        url = validate_url(data["url"])
    except InvalidURL as error:
        abort(422, str(error))
    link = links(request).create(url)
    location = request.app.url_for("api.show_link", code=link.code)
    return Response.json(link_json(request, link), 201, {"Location": location})


@api.get("/links/<code>")
def show_link(request: Request, code: str) -> dict[str, Any]:
    link = links(request).get(code)
    if link is None:
        abort(404, f"no link has the code {code!r}")
    return link_json(request, link)


@api.delete("/links/<code>")
def delete_link(request: Request, code: str) -> Response:
    if not links(request).delete(code):
        abort(404, f"no link has the code {code!r}")
    return Response(status=204)


@api.errorhandler(HTTPError)
def json_error(request: Request, error: HTTPError) -> Response:
    detail = error.detail if error.detail is not None else f"{request.method} {request.path}"
    document = {"error": {"status": error.status, "reason": error.reason, "detail": detail}}
    return Response.json(document, error.status, error.headers)
