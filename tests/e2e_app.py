"""The application the end-to-end tests serve through real WSGI servers.

gunicorn imports it as ``e2e_app:app`` (with this directory on ``PYTHONPATH``);
``test_e2e_servers.py`` imports the same object in-process.
"""

import hashlib
from typing import Any

from framework import App, HTTPError, Request, Response, Router, abort

MAX_BODY_SIZE = 1024 * 1024

app = App(__name__, static_folder="e2e_static")
app.config["MAX_BODY_SIZE"] = MAX_BODY_SIZE
app.config["SECRET_KEY"] = "end-to-end tests only"


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
