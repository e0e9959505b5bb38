"""The example app: a small greeting service built with framework.

Run it with gunicorn from the repository root::

    gunicorn --bind 127.0.0.1:8000 example_app:app

A later version grows it into a link shortener; for now it shows the core:
static and dynamic routes, a JSON API, a form, error pages and a hook.
"""

from __future__ import annotations

from html import escape
from typing import Any

from framework import App, Request, Response, abort, redirect

app = App(__name__)

#: Greetings posted through the form or the API, newest last (in memory: one
#: process each, so every gunicorn worker keeps its own list).
greetings: list[str] = []


@app.get("/")
def index(request: Request) -> str:
    items = "".join(f"<li>{escape(text)}</li>" for text in greetings[-10:])
    return (
        "<!doctype html><title>framework example</title>"
        "<h1>Hello from framework</h1>"
        f'<p>Try <a href="{app.url_for("hello", name="world")}">a greeting</a>.</p>'
        f'<form method="post" action="{app.url_for("add_greeting")}">'
        '<input name="text" required> <button>Add</button></form>'
        f"<ul>{items}</ul>"
    )


@app.get("/hello/<name>", name="hello")
def hello(request: Request, name: str) -> str:
    return f"<h1>Hello, {escape(name)}!</h1>"


@app.post("/greetings", name="add_greeting")
def add_greeting(request: Request) -> Response:
    text = request.form.get("text", "").strip()
    if not text:
        abort(400, "a greeting needs some text")
    greetings.append(text)
    return redirect(app.url_for("index"), 303)


@app.get("/api/greetings")
def list_greetings(request: Request) -> dict[str, Any]:
    return {"greetings": greetings}


@app.post("/api/greetings")
def create_greeting(request: Request) -> tuple[dict[str, Any], int]:
    data = request.json
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"]:
        abort(422, 'send {"text": "..."} with a non-empty string')
    greetings.append(data["text"])
    return {"text": data["text"]}, 201


@app.after_request
def identify(request: Request, response: Any) -> Any:
    if isinstance(response, Response):
        response.headers["X-Powered-By"] = "framework"
    return response
