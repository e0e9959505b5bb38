"""The application the end-to-end tests serve through real WSGI servers.

gunicorn imports it as ``e2e_app:app`` (with this directory on ``PYTHONPATH``);
``test_e2e_servers.py`` imports the same object in-process.
"""

import hashlib
from typing import Any

from framework import App, Request, Response, abort

MAX_BODY_SIZE = 1024 * 1024

app = App(__name__)
app.config["MAX_BODY_SIZE"] = MAX_BODY_SIZE


@app.get("/")
def index(request: Request) -> str:
    return "Hello"


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
