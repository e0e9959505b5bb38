"""Trace one exchange: a request and its response, as they travel on the wire.

An HTTP message is text with a fixed anatomy. A request is a *request
line* (method, path, version), header lines, a blank line and a body; a
response is a *status line* (version, status code, status message),
header lines, a blank line and a body. ``framework trace`` runs one
request through an app in-process (no network, no server) and prints both
messages with each part labelled, and the routing decision between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from werkzeug.test import EnvironBuilder

from .explain import Explanation, explain
from .request import Request
from .response import Response, ResponseHeaders
from .routes import Match
from .security import describe_checks

#: Bodies longer than this many characters, or lines, are cut short when shown.
MAX_BODY_CHARS = 1500
MAX_BODY_LINES = 25

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_STATUS_COLORS = {2: "\x1b[32m", 3: "\x1b[36m", 4: "\x1b[33m", 5: "\x1b[31m"}


@dataclass
class Exchange:
    """One request and the app's response, both in their wire form."""

    request: bytes
    response: bytes
    status: int
    #: How the router decided, when the app is a framework App.
    routing: Explanation | None


def run_exchange(
    app: Any,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> Exchange:
    """Send ``method target`` with ``headers`` and ``body`` through ``app`` in-process."""
    builder = EnvironBuilder(path=target, method=method, headers=list(headers), data=body)
    builder.headers.setdefault("User-Agent", "framework-trace")
    environ = builder.get_environ()
    builder.close()
    environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    # The wire form reads the body, so it gets a stream of its own.
    seen = Request({**environ, "wsgi.input": BytesIO(body)})
    routing = None
    router = getattr(app, "router", None)
    if router is not None:
        routing = explain(router, seen.method, seen.path)
        route = routing.outcome.route if isinstance(routing.outcome, Match) else None
        routing.checks = describe_checks(seen, app.config, route, refusals_only=True)
    request_wire = seen.to_wire()

    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
        captured["status"] = status
        captured["headers"] = response_headers
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status = int(captured["status"].split(" ", 1)[0])
    response = Response(chunks, status)
    response.headers = ResponseHeaders(captured["headers"])
    return Exchange(request_wire, response.to_wire(), status, routing)


def format_exchange(exchange: Exchange, *, color: bool = False) -> str:
    """Lay the exchange out with each part of both messages labelled."""
    paint = _Painter(color)
    lines = [paint.bold("request")]
    lines += _labelled(exchange.request, "method, path, version", paint, None)
    if exchange.routing is not None:
        lines += ["", paint.bold("routing")]
        lines += [f"  {line}" for line in exchange.routing.summary()]
    lines += ["", paint.bold("response")]
    lines += _labelled(
        exchange.response, "version, status code, status message", paint, exchange.status
    )
    return "\n".join(lines)


def show_body(body: bytes) -> list[str]:
    """Return the body as lines to show: text as it is (cut when long), binary by size."""
    if not body:
        return []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return [f"[{len(body):,} bytes of binary data]"]
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        return [f"[{len(body):,} bytes of binary data]"]
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    shown = lines[:MAX_BODY_LINES]
    cut = len(lines) > MAX_BODY_LINES
    if sum(len(line) + 1 for line in shown) > MAX_BODY_CHARS:
        kept, total = [], 0
        for line in shown:
            if total + len(line) > MAX_BODY_CHARS:
                kept.append(line[: MAX_BODY_CHARS - total])
                break
            kept.append(line)
            total += len(line) + 1
        shown, cut = kept, True
    if cut:
        shown.append(f"[... {len(body):,} bytes in all]")
    return shown


def _labelled(wire: bytes, first_label: str, paint: _Painter, status: int | None) -> list[str]:
    head, _, body = wire.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    first = paint.status(head_lines[0], status) if status else paint.bold(head_lines[0])
    rows: list[tuple[str, str]] = [(first, first_label)]
    for number, header in enumerate(head_lines[1:]):
        rows.append((header, "headers" if number == 0 else ""))
    rows.append(("", "blank line"))
    body_lines = show_body(body)
    size = f"body, {len(body):,} bytes" if body else "body (empty)"
    rows += [(line, size if number == 0 else "") for number, line in enumerate(body_lines)]
    if not body_lines:
        rows.append(("", size))
    width = min(max(_visible_length(text) for text, _ in rows) + 2, 60)
    lines = []
    for text, label in rows:
        padding = " " * max(width - _visible_length(text), 2)
        lines.append(f"  {text}{padding}{paint.dim('<- ' + label)}" if label else f"  {text}")
    return [line.rstrip() for line in lines]


def _visible_length(text: str) -> int:
    """Measure the width of ``text`` on screen, not counting color codes."""
    length, inside = 0, False
    for char in text:
        if char == "\x1b":
            inside = True
        elif inside:
            inside = char != "m"
        else:
            length += 1
    return length


class _Painter:
    """Color for a terminal, nothing for a file or a pipe."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def bold(self, text: str) -> str:
        return self._wrap(_BOLD, text)

    def dim(self, text: str) -> str:
        return self._wrap(_DIM, text)

    def status(self, text: str, status: int) -> str:
        return self._wrap(_BOLD + _STATUS_COLORS.get(status // 100, ""), text)
