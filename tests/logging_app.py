"""A tiny app that logs from its view, for the tests of ``app.logger`` under servers."""

from __future__ import annotations

from framework import App, Request

app = App("logging_app")


@app.get("/")
def index(request: Request) -> str:
    app.logger.info("hello from the view at %s", request.path)
    return "ok"


@app.get("/boom")
def boom(request: Request) -> str:
    raise RuntimeError("the view failed")
