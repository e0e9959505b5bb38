"""Trace one exchange: a request and its response, as they travel on the wire.

An HTTP message is text with a fixed anatomy. A request is a *request
line* (method, path, version), header lines, a blank line and a body; a
response is a *status line* (version, status code, status message),
header lines, a blank line and a body. ``framework trace`` sends one
request and prints both messages with each part labelled, and between
them what happened inside the app: the routing decision, the checks, the
hooks, the view or error handler that answered.

The app only writes part of the response. The server adds the rest: the
version of the status line (the request's own), ``Date``, ``Connection``,
and for a body of unknown length on HTTP/1.1 the chunked framing
(``Transfer-Encoding: chunked``: each chunk's size in hex, the chunk, and a
last chunk of size 0). In-process, the trace adds them as a server would,
and marks them; with ``--live`` a real server runs the app on a loopback
port and the trace shows the bytes that came back from it.

With ``SOURCE_DATE_EPOCH`` set, an in-process trace prints the same bytes
every time (the docs show such traces): the Date is that time, and the
request's id, otherwise random, is ``FIXED_REQUEST_ID``, handed to the app
as a server hands over an id of its own (``framework.requestids``).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from io import BytesIO
from typing import Any

from werkzeug.test import EnvironBuilder

from .explain import Explanation, app_answer, explain
from .request import Request
from .requestids import REQUEST_ID_KEY
from .routes import Match
from .security import describe_checks
from .story import STORY_KEY, Story

#: Bodies longer than this many characters, or lines, are cut short when shown.
MAX_BODY_CHARS = 1500
MAX_BODY_LINES = 25
#: How long a live server may take to start, and to answer.
LIVE_TIMEOUT = 15.0
#: How --live tells the server's worker which app to load, and where to write what acted.
_APP_VARIABLE = "FRAMEWORK_TRACE_APP"
_STORY_VARIABLE = "FRAMEWORK_TRACE_STORY"

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_STATUS_COLORS = {2: "\x1b[32m", 3: "\x1b[36m", 4: "\x1b[33m", 5: "\x1b[31m"}
_NO_BODY = (204, 304)
#: The request id of a trace under ``SOURCE_DATE_EPOCH``, plainly not a random one.
FIXED_REQUEST_ID = "0" * 32


@dataclass
class Exchange:
    """One request and the response to it, both in their wire form."""

    request: bytes
    response: bytes
    status: int
    #: How the router decided, when the app is a framework App.
    routing: Explanation | None
    #: What acted on the request inside the app, in order (``framework.story``).
    acts: list[str] = field(default_factory=list)
    #: The lower-cased names of the response headers the server added.
    added_by_server: set[str] = field(default_factory=set)
    #: Where the response came from: ``"in-process"`` or the server's name.
    served_by: str = "in-process"


def build_request(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    http_version: str = "1.1",
) -> dict[str, Any]:
    """Build the WSGI environ a server would make of this request."""
    builder = EnvironBuilder(path=target, method=method, headers=list(headers), data=body)
    builder.headers.setdefault("User-Agent", "framework-trace")
    environ = builder.get_environ()
    builder.close()
    environ["SERVER_PROTOCOL"] = f"HTTP/{http_version}"
    environ["wsgi.input"] = BytesIO(body)
    return environ


def request_wire(environ: dict[str, Any]) -> bytes:
    """Return the request's bytes on the wire: request line, headers, blank line, body."""
    body = environ["wsgi.input"].getvalue()
    return Request({**environ, "wsgi.input": BytesIO(body)}).to_wire()


def run_exchange(
    app: Any,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    http_version: str = "1.1",
) -> Exchange:
    """Send the request through ``app`` in-process, and frame the answer as a server would."""
    environ = build_request(method, target, headers, body, http_version)
    wire = request_wire(environ)
    if _fixed_time() is not None:
        environ[REQUEST_ID_KEY] = FIXED_REQUEST_ID
    story = Story()
    environ[STORY_KEY] = story
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
        captured["status"] = status
        captured["headers"] = list(response_headers)
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status_line = captured["status"]
    response, added = _frame(environ, status_line, captured["headers"], chunks)
    exchange = Exchange(wire, response, int(status_line.split(" ", 1)[0]), None, story.acts)
    exchange.added_by_server = added
    _explain_into(exchange, app, Request(environ))
    return exchange


def _frame(
    environ: dict[str, Any],
    status_line: str,
    headers: list[tuple[str, str]],
    chunks: list[bytes],
) -> tuple[bytes, set[str]]:
    """Put the app's status, headers and body on the wire as a server does."""
    version = environ["SERVER_PROTOCOL"]
    status = int(status_line.split(" ", 1)[0])
    wants_close = environ.get("HTTP_CONNECTION", "").lower() == "close"
    persistent = version == "HTTP/1.1" and not wants_close
    sized = any(name.lower() == "content-length" for name, _ in headers)
    has_body = status not in _NO_BODY and environ["REQUEST_METHOD"] != "HEAD"
    chunked = has_body and not sized and version == "HTTP/1.1"
    # Without a length or chunks, only the end of the connection ends the body.
    persistent = persistent and (sized or chunked or not has_body)
    added = [
        ("Date", formatdate(_now(), usegmt=True)),
        ("Connection", "keep-alive" if persistent else "close"),
    ]
    if chunked:
        added.append(("Transfer-Encoding", "chunked"))
    lines = [f"{version} {status_line}"]
    lines += [f"{name}: {value}" for name, value in [*added, *headers]]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if chunked:
        framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks if chunk)
        body = framed + b"0\r\n\r\n"
    else:
        body = b"".join(chunks) if has_body else b""
    return head + body, {name.lower() for name, _ in added}


def _now() -> float:
    """Tell the time for the Date header: now, or ``SOURCE_DATE_EPOCH`` (for fixed output)."""
    fixed = _fixed_time()
    return time.time() if fixed is None else fixed


def _fixed_time() -> float | None:
    """Return ``SOURCE_DATE_EPOCH``, the time of a fixed output, or None when it is not set."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH")
    return float(fixed) if fixed and fixed.isdigit() else None


def _explain_into(exchange: Exchange, app: Any, request: Request) -> None:
    """Add the routing decision, the checks and the session cookies, for a framework App."""
    if getattr(app, "router", None) is None:
        return
    exchange.routing = explain_request(app, request)
    headers = _wire_headers(exchange.response)
    exchange.acts = [*exchange.acts, *session_notes(app, request, headers)]


def explain_request(app: Any, request: Request) -> Explanation:
    """Explain how ``app`` routes ``request``, and what its checks make of it.

    Raises ``HTTPError`` (a 400) for a path that is not UTF-8, which no route can take.
    """
    routing = explain(app.router, request.method, request.path)
    route = routing.outcome.route if isinstance(routing.outcome, Match) else None
    routing.checks = describe_checks(request, app.config, route, refusals_only=True)
    routing.answer = app_answer(app, request)
    return routing


def _wire_headers(wire: bytes) -> list[tuple[str, str]]:
    """Read the header lines of a message on the wire back into (name, value) pairs."""
    head = wire.partition(b"\r\n\r\n")[0].decode("latin-1")
    lines = (line.partition(":") for line in head.split("\r\n")[1:])
    return [(name, value.strip()) for name, _, value in lines]


def session_notes(
    app: Any, request: Request, response_headers: Iterable[tuple[str, str]]
) -> list[str]:
    """Decode the session cookie of the request and of the response, and check their signatures."""
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    notes = []
    sent = request.cookies.get(name)
    if sent:
        notes.append(f"session cookie sent: {_read_session(app, sent)}")
    for header, value in response_headers:
        if header.lower() == "set-cookie" and value.startswith(f"{name}="):
            cookie = value[len(name) + 1 :].split(";", 1)[0]
            notes.append(
                f"session cookie set: {_read_session(app, cookie) if cookie else 'removed'}"
            )
    return notes


def _read_session(app: Any, cookie: str) -> str:
    from .sessions import SessionError

    try:
        data, verdict = app.sessions.read(cookie)
    except SessionError as error:
        return f"cannot be checked ({error})"
    return f"{verdict}, {data!r}" if data is not None else verdict


@contextlib.contextmanager
def live_server(
    app_spec: str, app: Any, story_file: str | None = None
) -> Iterator[tuple[int, str]]:
    """Run the app under a real server on a free loopback port; yield the port and its name.

    gunicorn when it is installed (one sync worker, which answers one
    request per connection), else werkzeug's development server. With
    ``story_file``, the server's app writes what acted on each request
    there (``recording_app``): the bytes on the wire stay the app's own.
    """
    port = _free_port()
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        served = _recording(app, story_file) if story_file else app
        with _werkzeug_server(served, port):
            yield port, "werkzeug"
        return
    if ":" not in app_spec:
        app_spec += ":app"  # as the framework command reads a bare module; gunicorn would not
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    if story_file:
        environ.update({_APP_VARIABLE: app_spec, _STORY_VARIABLE: story_file})
        app_spec = "framework.trace:recording_app()"
    server = subprocess.Popen(
        [*command, "--log-level", "warning", app_spec],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, server)
        try:
            yield port, "gunicorn"
        except OSError as error:
            time.sleep(0.2)
            if server.poll() is not None and server.stderr is not None:
                errors = server.stderr.read().decode(errors="replace").strip()
                raise RuntimeError(f"the server stopped: {errors}") from error
            raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=LIVE_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


def recording_app() -> Any:
    """Load the app named by ``FRAMEWORK_TRACE_APP``, telling its stories to a file.

    What gunicorn serves under ``framework trace --live``, in its worker.
    """
    from .loading import load_app

    return _recording(load_app(os.environ[_APP_VARIABLE]), os.environ[_STORY_VARIABLE])


def _recording(app: Any, story_file: str) -> Any:
    """Wrap a WSGI app so that what acted on each request is written to ``story_file``."""

    def recorded(environ: dict[str, Any], start_response: Any) -> Any:
        story = Story()
        environ[STORY_KEY] = story
        try:
            return app(environ, start_response)
        finally:
            with open(story_file, "w", encoding="utf-8") as file:
                json.dump(story.acts, file)

    return recorded


@contextlib.contextmanager
def _werkzeug_server(app: Any, port: int) -> Iterator[None]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + LIVE_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            errors = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise RuntimeError(f"the server stopped before it answered: {errors.strip()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on port {port} within {LIVE_TIMEOUT:.0f} s")


def send_live(port: int, wire: bytes) -> bytes:
    """Send request bytes to a server on loopback and return every byte of its answer.

    The answer ends where its framing says: after ``Content-Length`` bytes,
    after the last chunk, or when the server closes the connection.
    """
    with socket.create_connection(("127.0.0.1", port), LIVE_TIMEOUT) as connection:
        connection.sendall(wire)
        received = b""
        while not _complete(received, wire):
            data = connection.recv(65536)
            if not data:
                break
            received += data
    return received


def _complete(received: bytes, request: bytes) -> bool:
    """Tell whether ``received`` holds a whole response, by its own framing."""
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    fields = {
        line.partition(":")[0].strip().lower(): line.partition(":")[2].strip()
        for line in lines[1:]
    }
    if status in _NO_BODY or request.startswith(b"HEAD "):
        return True
    if "content-length" in fields:
        return len(body) >= int(fields["content-length"])
    if fields.get("transfer-encoding", "").lower() == "chunked":
        return body.endswith(b"0\r\n\r\n")
    return False  # read to the end of the connection


def live_exchange(
    app_spec: str,
    app: Any,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    http_version: str = "1.1",
) -> Exchange:
    """Run the app under a real server, send the request over TCP, and keep the exact answer."""
    environ = build_request(method, target, headers, body, http_version)
    wire = request_wire(environ)
    with tempfile.TemporaryDirectory() as folder:
        story_file = os.path.join(folder, "story.json")
        with live_server(app_spec, app, story_file) as (port, server_name):
            response = send_live(port, wire)
        acts = _read_acts(story_file)
    status = int(response.split(b" ", 2)[1]) if response else 0
    exchange = Exchange(wire, response, status, None, acts, served_by=server_name)
    exchange.added_by_server = _server_headers(response)
    _explain_into(exchange, app, Request(environ))
    return exchange


def _read_acts(story_file: str) -> list[str]:
    """Read what the server's app wrote down; nothing if it wrote nothing."""
    try:
        with open(story_file, encoding="utf-8") as file:
            acts = json.load(file)
    except (OSError, ValueError):
        return []
    return [str(act) for act in acts] if isinstance(acts, list) else []


def _server_headers(response: bytes) -> set[str]:
    """Find the headers a server added to what the app sent (gunicorn's and werkzeug's)."""
    names = {"date", "server", "connection", "transfer-encoding", "keep-alive"}
    head = response.partition(b"\r\n\r\n")[0].decode("latin-1")
    return {
        n
        for n in (line.partition(":")[0].lower() for line in head.split("\r\n")[1:])
        if n in names
    }


def format_exchange(exchange: Exchange, *, color: bool = False) -> str:
    """Lay the exchange out with each part of both messages labelled."""
    paint = _Painter(color)
    lines = [paint.bold("request")]
    lines += _labelled(exchange.request, "method, path, version", paint, None, set())
    if exchange.routing is not None:
        lines += ["", paint.bold("routing")]
        lines += [f"  {line}" for line in exchange.routing.summary()]
    if exchange.acts:
        lines += ["", paint.bold("what acted")]
        lines += [f"  {act}" for act in exchange.acts]
    served = "" if exchange.served_by == "in-process" else f" (from {exchange.served_by})"
    lines += ["", paint.bold(f"response{served}")]
    lines += _labelled(
        exchange.response,
        "version, status code, status message",
        paint,
        exchange.status,
        exchange.added_by_server,
    )
    return "\n".join(lines)


def show_body(body: bytes, *, total: int | None = None) -> list[str]:
    """Return the body as lines to show: text as it is (cut when long), binary by size.

    ``total`` is the size of the whole body when ``body`` is only its
    beginning (the inspector keeps the first few KiB of each).
    """
    if not body:
        return []
    size = len(body) if total is None else total
    try:
        # A beginning may end inside a character: the decoder keeps those bytes back.
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=size == len(body))
    except UnicodeDecodeError:
        return [f"[{size:,} bytes of binary data]"]
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        return [f"[{size:,} bytes of binary data]"]
    lines = text.replace("\r\n", "\n").split("\n")
    if text.endswith("\n"):
        lines.pop()
    shown = lines[:MAX_BODY_LINES]
    cut = len(lines) > MAX_BODY_LINES or size > len(body)
    if sum(len(line) + 1 for line in shown) > MAX_BODY_CHARS:
        kept, count = [], 0
        for line in shown:
            if count + len(line) > MAX_BODY_CHARS:
                kept.append(line[: MAX_BODY_CHARS - count])
                break
            kept.append(line)
            count += len(line) + 1
        shown, cut = kept, True
    if cut:
        shown.append(f"[... {size:,} bytes in all]")
    return shown


def _labelled(
    wire: bytes, first_label: str, paint: _Painter, status: int | None, added: set[str]
) -> list[str]:
    head, _, body = wire.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    first = paint.status(head_lines[0], status) if status else paint.bold(head_lines[0])
    rows: list[tuple[str, str]] = [(first, first_label)]
    for number, header in enumerate(head_lines[1:]):
        by_server = header.partition(":")[0].lower() in added
        label = "added by the server" if by_server else ""
        if number == 0:
            label = f"headers; {label}" if label else "headers"
        rows.append((header, label))
    rows.append(("", "blank line"))
    body_lines = show_body(body)
    chunked = "transfer-encoding" in added and b"\r\ntransfer-encoding: chunked" in head.lower()
    what = "body, in chunks (size in hex, then the chunk; size 0 ends it)" if chunked else "body"
    size = f"{what}, {len(body):,} bytes" if body else "body (empty)"
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
