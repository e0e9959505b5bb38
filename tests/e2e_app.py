"""The application the end-to-end tests serve through real WSGI servers.

gunicorn imports it as ``e2e_app:app`` (with this directory on ``PYTHONPATH``);
``test_e2e_servers.py`` imports the same object in-process.
"""

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from framework import (
    App,
    HTTPError,
    Request,
    Response,
    Router,
    abort,
    redirect,
    render_string,
    safe_redirect,
)

MAX_BODY_SIZE = 1024 * 1024

app = App(__name__, static_folder="e2e_static")
app.config["MAX_BODY_SIZE"] = MAX_BODY_SIZE
app.config["SECRET_KEY"] = "end-to-end tests only"


@app.get("/")
def index(request: Request) -> str:
    return "Hello"


@app.get("/reports/<region>-<year>-<month>.csv")
def report(request: Request, region: str, year: str, month: str) -> dict[str, str]:
    return {"region": region, "year": year, "month": month}


@app.get("/users/<int:user_id>")
def user(request: Request, user_id: int) -> dict[str, Any]:
    return {"id": user_id, "name": f"user-{user_id}"}


@app.route("/items", methods=["GET", "POST"])
def items(request: Request) -> dict[str, Any]:
    return {"method": request.method}


@app.post("/echo/json")
def echo_json(request: Request) -> Response:
    # Response.json so that any JSON document (list, string, number) comes back as JSON.
    return Response.json(request.json)


@app.post("/echo/form")
def echo_form(request: Request) -> dict[str, Any]:
    return {name: request.form.getlist(name) for name in request.form}


@app.post("/echo/size")
def echo_size(request: Request) -> dict[str, Any]:
    return {"size": len(request.body)}


@app.post("/upload")
def upload(request: Request) -> dict[str, Any]:
    files = []
    for field in request.files:
        for storage in request.files.getlist(field):
            data = storage.read()
            files.append(
                {
                    "field": field,
                    "filename": storage.filename,
                    "content_type": storage.content_type,
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "content": data.decode("utf-8", errors="replace"),
                }
            )
    fields = {name: request.form.getlist(name) for name in request.form}
    return {"files": files, "fields": fields}


@app.get("/boom")
def boom(request: Request) -> str:
    raise RuntimeError("kaboom: this message belongs in the server log only")


@app.get("/forbidden")
def forbidden(request: Request) -> str:
    abort(403, "members only")
    return "unreachable"


@app.post("/visits")
def visit(request: Request) -> dict[str, Any]:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return {"visits": request.session["visits"]}


api = Router(name="api")


@api.get("/things/<int:thing_id>")
def thing(request: Request, thing_id: int) -> dict[str, Any]:
    return {"thing": thing_id}


@api.errorhandler(HTTPError)
def api_error(request: Request, error: HTTPError) -> Any:
    return {"api_error": error.status}, error.status


app.include(api, prefix="/api")

# An API any site's pages may call (tests/test_browser.py), with a route whose
# path ends in a slash: a page that leaves the slash out is redirected.
notes = Router(name="notes")


@notes.post("/notes/")
def save_note(request: Request) -> dict[str, Any]:
    return {"saved": request.json}


notes.cors("*", headers=["Content-Type"])
app.include(notes, prefix="/open")


# Routes for the bad-input suite (tests/test_bad_input.py): each reads one
# part of the request, or puts request data into the response.


@app.get("/echo/query")
def echo_query(request: Request) -> dict[str, Any]:
    return {"query": {name: request.query.getlist(name) for name in request.query}}


@app.get("/echo/headers")
def echo_headers(request: Request) -> dict[str, Any]:
    return {
        "headers": dict(request.headers.items()),
        "remote_addr": request.remote_addr,
        "scheme": request.scheme,
        "host": request.host,
        "url": request.url,
    }


@app.get("/echo/cookies")
def echo_cookies(request: Request) -> dict[str, Any]:
    return {"cookies": dict(request.cookies), "session": dict(request.session)}


@app.get("/go")
def go(request: Request) -> Response:
    return safe_redirect(request.query.get("next"))


@app.get("/away")
def away(request: Request) -> Response:
    """Redirect wherever ?to= says, unchecked: redirect() itself must refuse other hosts."""
    return redirect(request.query.get("to", "/"))


@app.get("/header")
def header(request: Request) -> Response:
    return Response("ok", headers={"X-Echo": request.query.get("value", "")})


@app.get("/page")
def page(request: Request) -> Response:
    return render_string(
        request, '<p title="{{ name }}">{{ name }}</p>', name=request.query["name"]
    )


# Routes for the fault tests (tests/test_faults.py).


@app.get("/download")
def download(request: Request) -> Response:
    """A long streamed body; when the server closes it, the generator leaves a mark."""
    mark = request.query.get("mark", "")

    def chunks() -> Iterator[bytes]:
        try:
            for _ in range(10_000):
                yield b"x" * 65536
        finally:
            if mark.isalnum() and os.environ.get("E2E_MARK_DIR"):
                (Path(os.environ["E2E_MARK_DIR"]) / mark).touch()

    return Response(chunks(), content_type="application/octet-stream")


@app.get("/stream-fails")
def stream_fails(request: Request) -> Response:
    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("the stream broke after its first chunk")

    return Response(chunks(), content_type="text/plain")


@app.get("/slow")
def slow(request: Request) -> str:
    seconds = request.query.get("seconds", "1")
    if not seconds.isdigit():
        abort(400, "seconds: a whole number")
    time.sleep(min(int(seconds), 10))
    return "finally"


@app.post("/webhook", allow_cross_origin=True)
def webhook(request: Request) -> str:
    """A route any site may post to (cross-origin protection is on for all others)."""
    return "received"


# Routes for the status line rules (tests/test_e2e_gunicorn.py).


@app.get("/teapot-custom")
def teapot_custom(request: Request) -> Response:
    """A code the standard does not name, with a reason phrase of our own."""
    return Response("x", 299, reason="Custom Thing", content_type="text/plain")


@app.get("/unknown-code")
def unknown_code(request: Request) -> Response:
    return Response("x", 599, content_type="text/plain")


@app.route("/reset", methods=["GET", "POST"])
def reset(request: Request) -> Response:
    """205 Reset Content: whatever body the view gives, none goes out."""
    return Response("this body must not be sent", 205, content_type="text/plain")


@app.get("/interim")
def interim(request: Request) -> Response:
    """A 1xx is no final answer: refused, so the client gets a 500 rather than a hang."""
    return Response("x", 103)


def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Another WSGI app, mounted under /legacy: it says where PEP 3333 put it."""
    body = f"{environ['SCRIPT_NAME']} {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


app.mount("/legacy", legacy)

shop = App("shop")
# The production setting: a Host header naming any other site is a 400.
shop.config["TRUSTED_HOSTS"] = ["127.0.0.1", "localhost"]


@shop.get("/items/<int(min=1):n>")
def shop_item(request: Request, n: int) -> dict[str, Any]:
    return {"n": n, "self": request.url_for("shop_item", n=n, _external=True)}


app.mount("/shop", shop)
