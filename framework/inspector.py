"""The exchange inspector: the last exchanges, and the routing tree, in the browser.

``framework run --debug`` serves the app inside an ``Inspector``, a WSGI
*middleware*: a WSGI app that calls another one, so it stands between the
server and the app and sees each request go in and each response come out.
It keeps the last 100 exchanges and shows them at ``/_framework/`` with the
anatomy of both messages: the request line (method, path, version), the
headers, a blank line and the body; the status line (version, status code,
status message), the headers, a blank line and the body. Between them: how
the router decided, and what acted (hooks, the view, an error handler), as
``framework trace`` tells it. ``/_framework/routes`` draws the routing tree,
each route a link to the explanation of a path it takes.

It only watches: the app reads the request body itself, and the response
body goes on to the server chunk by chunk as the app makes it, so a
streamed body still streams. The inspector keeps a copy of the first few
KiB of each as they go by.

The pages are a small framework App of their own, so the inspector's own
requests are never recorded. They are served only while the app's
``DEBUG`` is on, and only for a loopback host: they show every cookie and
body that went by, and a page of another site that got its name pointed at
127.0.0.1 (DNS rebinding) must not read them.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from .converters import (
    AnyConverter,
    Converter,
    FloatConverter,
    IntConverter,
    UUIDConverter,
)
from .errors import HTTPError
from .explain import describe_route, explain, routes_at, tree_rows
from .request import Request
from .response import Response
from .routes import ANY, Match, Mount
from .story import STORY_KEY, Story
from .templating import render
from .trace import explain_request, session_notes, show_body
from .wsgitypes import Environ, ExcInfo, StartResponse

if TYPE_CHECKING:
    from .app import App
    from .routing import Route, Router

#: Where the inspector's pages live, in front of the app's own paths.
PREFIX = "/_framework"
#: How many exchanges are kept; older ones are forgotten.
KEEP = 100
#: How many bytes of each body are kept to show.
PREVIEW_SIZE = 4096

_PAGES = Path(__file__).parent / "inspector_pages"
_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


class BodyPreview:
    """The first bytes of a body as it goes by, and how many went by in all."""

    def __init__(self) -> None:
        #: The first ``PREVIEW_SIZE`` bytes.
        self.kept = bytearray()
        #: Every byte that went by, counted.
        self.size = 0

    def add(self, chunk: bytes) -> None:
        """Count a chunk, and keep what fits of it."""
        room = PREVIEW_SIZE - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.size += len(chunk)

    def lines(self) -> list[str]:
        """Return the body as lines to show, as ``framework trace`` shows one."""
        return show_body(bytes(self.kept), total=self.size)


@dataclass
class Recorded:
    """One exchange as the inspector saw it pass: both messages, and what happened between."""

    #: The exchange's number, counting from 1 since the server started (0 until listed).
    number: int
    method: str
    #: The request target as the client sent it: the path and the query.
    target: str
    #: The request's HTTP version, such as ``"HTTP/1.1"``.
    version: str
    request_headers: list[tuple[str, str]]
    #: The Content-Length the request announced, if any.
    announced: int | None = None
    #: What the app read of the request body.
    request_body: BodyPreview = field(default_factory=BodyPreview)
    #: How the router decided (``framework match``'s explanation).
    routing: str = ""
    #: What acted on the request: checks, hooks, the view, an error handler.
    acts: list[str] = field(default_factory=list)
    #: The session cookies of both messages, decoded.
    sessions: list[str] = field(default_factory=list)
    #: The status line's code and message as the app gave them, such as ``"404 Not Found"``.
    status: str | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: BodyPreview = field(default_factory=BodyPreview)
    #: The exception that escaped the app (under ``run --debug``, the debugger answers it).
    error: str | None = None
    #: When the request came in (local time), and how long the exchange took.
    arrived: str = field(default_factory=lambda: time.strftime("%H:%M:%S"))
    started: float = field(default_factory=time.perf_counter)
    seconds: float | None = None

    @property
    def status_code(self) -> str:
        """The status code, ``"404"`` (empty while none was given)."""
        return (self.status or "").partition(" ")[0]

    @property
    def status_message(self) -> str:
        """The status message (the reason phrase), ``"Not Found"``."""
        return (self.status or "").partition(" ")[2]

    @property
    def finished(self) -> bool:
        """Whether the server is done with the response body (or the app failed)."""
        return self.seconds is not None

    def finish(self) -> None:
        """Note that the exchange is over."""
        if self.seconds is None:
            self.seconds = time.perf_counter() - self.started

    def fail(self, error: BaseException) -> None:
        """Note the exception that escaped the app, and end the exchange."""
        self.error = f"{type(error).__name__}: {error}"
        self.finish()


class Inspector:
    """Wrap an App: record each exchange, and serve the pages under ``/_framework/``."""

    def __init__(self, app: App, *, keep: int = KEEP) -> None:
        #: The app being watched.
        self.app = app
        self._exchanges: deque[Recorded] = deque(maxlen=keep)
        # The development server answers each request in a thread of its own.
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        #: The inspector's own pages, an App that knows this inspector.
        self.pages = inspector_pages(self)

    def __repr__(self) -> str:
        return f"<Inspector of {self.app!r}>"

    def exchanges(self) -> list[Recorded]:
        """Return the exchanges kept, newest first."""
        with self._lock:
            return list(self._exchanges)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one WSGI call: a page of the inspector, or the app, watched."""
        if not self.app.config.get("DEBUG"):
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.pages(environ, start_response)
        return self._watch(environ, start_response)

    def _watch(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Call the app, keeping a record of the request and the response as they pass."""
        record = _arriving(environ)
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _CopyingInput(environ["wsgi.input"], record.request_body)
        story = Story()
        environ[STORY_KEY] = story
        record.acts = story.acts  # the app fills it in as it goes
        record.routing = _routing(self.app, environ)
        with self._lock:
            record.number = next(self._numbers)
            self._exchanges.appendleft(record)

        def start(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], None]:
            record.status, record.response_headers = status, list(headers)
            record.sessions = session_notes(self.app, Request(environ), headers)
            if exc_info is None:
                write = start_response(status, headers)
            else:
                write = start_response(status, headers, exc_info)

            def write_and_copy(data: bytes) -> None:
                record.response_body.add(data)
                write(data)

            return write_and_copy

        try:
            body = self.app(environ, start)
        except Exception as error:
            record.fail(error)
            raise
        return _CopyingBody(body, record)


def _arriving(environ: Environ) -> Recorded:
    """Record the request line and headers, as the server parsed them into the environ."""
    request = Request(environ)
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not target:
        raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        target = quote(raw.encode("latin-1"), safe="/!$&'()*+,;=:@~")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
    try:
        announced = request.content_length
    except HTTPError:
        announced = None  # a Content-Length that is no number: the app answers it
    return Recorded(
        0,
        request.method,
        target.encode("latin-1", "replace").decode("utf-8", "replace"),
        request.version,
        list(request.headers.items()),
        announced,
    )


def _routing(app: App, environ: Environ) -> str:
    """Explain how the app routes the request, before it does."""
    try:
        return str(explain_request(app, Request(environ, app)))
    except HTTPError as error:
        return f"refused before routing: {error.status} {error.reason}: {error.detail}"


class _CopyingInput:
    """The request body stream, passed on as the app reads it, with a copy kept.

    The body is read once, by the app, so its limits (``MAX_BODY_SIZE``)
    and its errors stay the app's; the inspector sees what the app read.
    """

    def __init__(self, stream: Any, preview: BodyPreview) -> None:
        self.stream = stream
        self.preview = preview

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.stream.read(size)
        self.preview.add(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        line: bytes = self.stream.readline(size)
        self.preview.add(line)
        return line

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines: list[bytes] = self.stream.readlines(hint)
        for line in lines:
            self.preview.add(line)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


class _CopyingBody:
    """The response body, handed to the server chunk by chunk as the app makes it.

    Nothing is gathered first: a streamed body still streams. ``close()``,
    which the server calls when it is done (PEP 3333), closes the app's body
    and ends the record.
    """

    def __init__(self, body: Iterable[bytes], record: Recorded) -> None:
        self.body = body
        self.record = record

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self.body:
                self.record.response_body.add(chunk)
                yield chunk
        except Exception as error:
            self.record.fail(error)
            raise

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.record.finish()


@dataclass(frozen=True)
class Box:
    """A point of the routing tree in the picture: a box with the branch's text."""

    x: int
    y: int
    width: int
    label: str
    #: "root", "static", "mixed", "typed", "plain", "path" or "mount": its color.
    kind: str
    #: What a reader hovering over it is told.
    title: str


@dataclass(frozen=True)
class RouteLink:
    """A route in the picture: a label beside its box, a link to an explanation."""

    x: int
    y: int
    width: int
    label: str
    title: str
    #: The request to explain: a method the route takes and a path it matches.
    method: str
    path: str


@dataclass
class TreePicture:
    """The routing tree laid out for an SVG: boxes, the lines between them, route links."""

    width: int = 0
    height: int = 0
    boxes: list[Box] = field(default_factory=list)
    #: SVG path data, from a box down to each of its branches.
    lines: list[str] = field(default_factory=list)
    links: list[RouteLink] = field(default_factory=list)


# The picture's measures, in pixels; text is 13px monospace, under 8px a character.
_ROW, _HEIGHT, _INDENT, _CHAR, _PAD, _MARGIN, _GAP = 34, 24, 28, 8, 8, 12, 10

_KINDS = {
    "root": "the root: every path starts here",
    "static": "a static segment: the path must say exactly this (one dict lookup)",
    "mixed": "a segment mixing text and parameters, tried first among the dynamic ones",
    "typed": "a parameter with a converter, tried before plain ones",
    "plain": "a plain parameter: any one non-empty segment",
    "path": "a path parameter: the rest of the path, slashes included, tried last",
    "mount": "a mounted WSGI app, which routes the rest of the path itself",
}


def draw_routes(router: Router) -> TreePicture:
    """Lay the routing tree out as a picture: one row per point, indented by depth.

    As ``framework routes --tree`` draws it in text: each branch is a box
    below its parent, a line joins them, and the routes that end at a point
    stand beside its box, each a link to the explanation of a sample path.
    """
    picture = TreePicture()
    parents: list[Box] = []  # the latest box at each depth, for the lines
    for number, row in enumerate(tree_rows(router)):
        x, y = _MARGIN + row.depth * _INDENT, _MARGIN + number * _ROW
        mount = isinstance(row.node.any_route, Mount)
        kind = "mount" if mount else row.kind
        box = Box(x, y, len(row.label) * _CHAR + 2 * _PAD, row.label, kind, _KINDS[kind])
        picture.boxes.append(box)
        del parents[row.depth :]
        if parents:
            parent = parents[-1]
            down, middle = parent.x + _PAD, y + _HEIGHT // 2
            picture.lines.append(f"M{down} {parent.y + _HEIGHT} V{middle} H{x}")
        parents.append(box)
        right = x + box.width + _GAP
        for route in routes_at(row.node):
            link = _route_link(router, route, right, y)
            picture.links.append(link)
            right += link.width + _GAP // 2
        picture.width = max(picture.width, right + _MARGIN)
    picture.height = len(picture.boxes) * _ROW + _MARGIN
    return picture


def _route_link(router: Router, route: Route, x: int, y: int) -> RouteLink:
    if isinstance(route, Mount):
        label = f"mounted {route.pattern}"
    else:
        label = f"{','.join(sorted(route.methods))} {route.name}"
    method = _sample_method(route)
    path, reaches = sample_path(router, route, method)
    title = f"{describe_route(route)}: how the router answers {method} {path}"
    if not reaches:
        title += " (this sample reaches another route: is this one reachable?)"
    return RouteLink(x, y, len(label) * _CHAR + 2 * _PAD, label, title, method, path)


def _sample_method(route: Route) -> str:
    """Pick a method the route takes, to explain: GET where it can."""
    if "GET" in route.methods or ANY in route.methods:
        return "GET"
    return sorted(route.methods)[0]


#: A UUID in canonical form, for ``<uuid:...>``.
SAMPLE_UUID = "12345678-1234-5678-1234-567812345678"
#: Texts tried for any parameter, after its converter's own candidates.
_ANY_TEXT = ["name", "1", "abc123", "ab", "a", "1.5", SAMPLE_UUID, "a/b"]


def sample_path(router: Router, route: Route, method: str = "GET") -> tuple[str, bool]:
    """Make a path that ``route`` matches, and tell whether the router sends it there.

    Each parameter gets a text its converter takes: ``1`` for an int (its
    ``min`` if it has one), a fixed UUID, ``a/b`` for a path, the first word
    of an ``any(...)``, ``name`` for a plain one. When the router sends the
    path to another route (one registered earlier for the same shape), the
    other texts are tried; if none reaches the route, the first path comes
    back with False: the explanation then shows where it goes instead.
    """
    choices = [
        _candidates(part[1]) if not isinstance(part, str) else [unquote(part)]
        for part in route.url_parts
    ]
    first = "".join(texts[0] for texts in choices)
    for attempt in range(max(len(texts) for texts in choices)):
        path = "".join(texts[min(attempt, len(texts) - 1)] for texts in choices)
        outcome = router.match(method, path)
        if isinstance(outcome, Match) and outcome.route is route:
            return path, True
    return first, False


def _candidates(converter: Converter) -> list[str]:
    """List texts for a parameter, those its converter takes first (or all, if none)."""
    own: list[str] = []
    if isinstance(converter, AnyConverter):
        own = list(converter.items)
    elif isinstance(converter, (IntConverter, FloatConverter)):
        own = [converter.to_url(bound) for bound in (converter.min, converter.max) if bound]
        own.append("1" if isinstance(converter, IntConverter) else "1.5")
    elif isinstance(converter, UUIDConverter):
        own = [SAMPLE_UUID]
    elif converter.spans_segments:
        own = ["a/b"]
    texts = list(dict.fromkeys([*own, *_ANY_TEXT]))
    taken = [text for text in texts if _takes(converter, text)]
    return taken or texts


def _takes(converter: Converter, text: str) -> bool:
    if re.fullmatch(converter.regex, text) is None:
        return False
    try:
        converter.to_python(text)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    """Tell whether a Host header names this machine: localhost, 127.x.x.x or ::1."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def inspector_pages(inspector: Inspector) -> App:
    """Build the inspector's pages: a small App whose views read ``inspector``."""
    from .app import App

    pages = App(__name__, template_folder="inspector_pages", static_folder=None)
    pages.config["CONTENT_SECURITY_POLICY"] = _POLICY
    pages.config["SECURITY_HEADERS"] = {
        **pages.config["SECURITY_HEADERS"],
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",  # what went by a minute ago is not what goes by now
    }
    pages.before_request(_loopback_only)
    _add_pages(pages, inspector)
    return pages


def _loopback_only(request: Request) -> None:
    """Refuse a Host that is not this machine: the pages show every cookie and body.

    A page of another site could otherwise reach them through a DNS name
    that points at 127.0.0.1 (DNS rebinding).
    """
    if not _is_loopback(request.host):
        raise HTTPError(
            403,
            "the inspector answers only requests for a loopback host (localhost, "
            "127.0.0.1, [::1]): it shows the cookies and bodies of every request; "
            "open it at http://127.0.0.1:PORT/_framework/",
        )


def _add_pages(pages: App, inspector: Inspector) -> None:
    """Add the views: the exchanges, the routing tree, an explanation, the stylesheet."""
    stylesheet = (_PAGES / "inspector.css").read_bytes()
    router = inspector.app.router

    @pages.get(PREFIX + "/")
    def exchanges(request: Request) -> Response:
        return render(
            request,
            "exchanges.html",
            exchanges=inspector.exchanges(),
            keep=KEEP,
            app=inspector.app,
        )

    @pages.get(PREFIX + "/routes")
    def routes(request: Request) -> Response:
        return render(
            request,
            "routes.html",
            picture=draw_routes(router),
            kinds=_KINDS,
            app=inspector.app,
            height=_HEIGHT,
            pad=_PAD,
        )

    @pages.get(PREFIX + "/explain")
    def explanation(request: Request) -> Response:
        method = request.query.get("method", "GET").strip().upper() or "GET"
        path = request.query.get("path", "/")
        return render(
            request,
            "explain.html",
            method=method,
            path=path,
            explanation=str(explain(router, method, path)),
        )

    @pages.get(PREFIX + "/inspector.css", name="stylesheet")
    def css(request: Request) -> Response:
        return Response(stylesheet, content_type="text/css; charset=utf-8")
