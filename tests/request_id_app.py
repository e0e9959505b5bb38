"""An app behind a trusted proxy on loopback, for the request-id tests under gunicorn.

The tests' gunicorn sees them come from 127.0.0.1, as it would see nginx on
the same machine: so the X-Request-ID they send is taken, as nginx's would be.
"""

from __future__ import annotations

from framework import App, Request

app = App("request_id_app")
app.config["TRUSTED_PROXY_IPS"] = ["127.0.0.1", "::1"]


@app.get("/")
def index(request: Request) -> str:
    return request.id


@app.get("/boom")
def boom(request: Request) -> str:
    raise RuntimeError("the view failed")
