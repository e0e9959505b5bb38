"""The app the server-sent events and conditional tests serve through gunicorn and nginx.

gunicorn imports it as ``sse_app:app``. ``SSE_MARKERS`` names a folder: a
stream that ends, however it ends, leaves a file there named by its
``token``, so a test can tell that the generator's ``finally`` ran after
its client went away.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from framework import App, Event, EventStream, HTTPError, Request, Response

app = App(__name__)

#: The page the conditional tests fetch: its ETag is the SHA-1 of these bytes.
PAGE = b"a page worth caching\n"


def _seconds(request: Request, name: str, default: float) -> float:
    try:
        value = float(request.query.get(name, default))
    except ValueError:
        raise HTTPError(400, f"{name} is a number of seconds") from None
    if not 0 < value <= 60:
        raise HTTPError(400, f"{name} is from 0 to 60 seconds")
    return value


def _marker(request: Request) -> Path | None:
    folder, token = os.environ.get("SSE_MARKERS"), request.query.get("token", "")
    if folder is None or not token:
        return None
    if not token.isalnum():
        raise HTTPError(400, "a token is letters and digits")
    return Path(folder) / token


def numbers(count: int, delay: float, marker: Path | None) -> Iterator[Event | None]:
    """``count`` events, ``delay`` seconds apart, then the end; forever for ``count`` 0."""
    try:
        number = 0
        while count == 0 or number < count:
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                time.sleep(0.01)
                yield None  # nothing yet: a stream whose client left is closed here
            number += 1
            yield Event(f"event {number}\nline two", event="number", id=str(number))
    finally:
        if marker is not None:
            marker.write_text("closed")


@app.get("/events/numbers")
@app.get("/buffered/numbers", name="buffered_numbers")
def stream(request: Request) -> EventStream:
    """The events: ?count (0: forever), ?delay and ?ping in seconds, ?token for the marker.

    Under ``/buffered/``, nginx serves it through its ordinary location, where
    proxy_buffering is on.
    """
    try:
        count = int(request.query.get("count", "3"))
    except ValueError:
        raise HTTPError(400, "count is a whole number") from None
    delay = _seconds(request, "delay", 0.05)
    ping = _seconds(request, "ping", 15.0)
    return EventStream(numbers(count, delay, _marker(request)), ping=ping)


@app.route("/page", methods=["GET", "PUT"])
def page(request: Request) -> Response:
    response = Response(PAGE, content_type="text/plain; charset=utf-8")
    response.last_modified = 1_735_689_600  # 2025-01-01
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
