"""In-process WSGI benchmark: one small "hello" request through five contenders.

Every contender serves the same workload: ``GET /hello/584/test?limit=10&thing=ab``
with a ``User-Agent`` header.  The view reads the User-Agent and the ``limit`` query
parameter, checks them, and answers ``200 OK`` with a fixed 10 KiB ``text/plain`` body
and an extra ``X-Test: Funky Chicken`` header.

The harness does what a WSGI server does for each request -- a fresh environ dict, a
``start_response`` call, joining the body chunks and calling ``close()`` on the
iterable -- with no network and no server in the way, so the numbers are the
framework's own per-request cost (plus a small, constant harness overhead that is
printed separately).  Contenders run interleaved in a rotating order within each round
so that drift in machine speed affects all of them alike.

Run ``python bench/hello.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any, cast
from urllib.parse import parse_qs

Environ = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]
# Loose on purpose: each framework spells the WSGI signature its own way.
WSGIApp = Callable[..., Iterable[bytes]]

PATH = "/hello/584/test"
QUERY = "limit=10&thing=ab"
USER_AGENT = "hello-bench/1.0 (+https://example.invalid)"
TEST_HEADER = ("X-Test", "Funky Chicken")

#: The 10 KiB response body, built once and shared by every contender.
BODY: bytes = (b"Hello, World! The quick brown fox jumps over the lazy dog.\n" * 200)[:10240]
assert len(BODY) == 10 * 1024

#: Template environ; each call gets a shallow copy.  ``wsgi.input`` is shared: it is
#: empty and no contender reads the body of a GET, so there is nothing to rewind.
ENVIRON_TEMPLATE: Environ = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": PATH,
    "QUERY_STRING": QUERY,
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_HOST": "localhost:8000",
    "HTTP_USER_AGENT": USER_AGENT,
    "HTTP_ACCEPT": "*/*",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.input": io.BytesIO(b""),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def _limit_ok(user_agent: str | None, limit: str | None) -> bool:
    """The view's cheap use of its inputs: a User-Agent is present, limit is a positive int."""
    return bool(user_agent) and limit is not None and limit.isdigit() and int(limit) > 0


# Contenders.  Each factory imports its framework lazily and returns a WSGI callable,
# so a missing or broken framework only removes that one contender.


def make_ours() -> WSGIApp:
    """``framework``: the package in this repository."""
    from framework import App, Response

    app = App(__name__)

    @app.get("/hello/<account_id>/test")
    def hello(request: Any, account_id: str) -> Any:
        if not _limit_ok(request.headers.get("User-Agent"), request.query.get("limit")):
            return Response(body=b"bad request", status=400, content_type="text/plain")
        return Response(
            body=BODY,
            status=200,
            headers={"X-Test": "Funky Chicken"},
            content_type="text/plain",
        )

    return cast(WSGIApp, app)


def make_flask() -> WSGIApp:
    """Flask, written the way its documentation suggests."""
    import flask

    app = flask.Flask(__name__)

    @app.get("/hello/<account_id>/test")
    def hello(account_id: str) -> flask.Response:
        req = flask.request
        if not _limit_ok(req.headers.get("User-Agent"), req.args.get("limit")):
            return flask.Response(b"bad request", status=400, mimetype="text/plain")
        return flask.Response(
            BODY, status=200, headers={"X-Test": "Funky Chicken"}, mimetype="text/plain"
        )

    return app


def make_bottle() -> WSGIApp:
    """Bottle, with an explicit ``Bottle()`` instance and its thread-local request/response."""
    import bottle  # type: ignore[import-untyped]

    app = bottle.Bottle()

    @app.get("/hello/<account_id>/test")
    def hello(account_id: str) -> bytes:
        request, response = bottle.request, bottle.response
        response.content_type = "text/plain"
        if not _limit_ok(request.headers.get("User-Agent"), request.query.get("limit")):
            response.status = 400
            return b"bad request"
        response.set_header("X-Test", "Funky Chicken")
        return BODY

    return cast(WSGIApp, app)


def make_falcon() -> WSGIApp:
    """Falcon, the reference (ratio 1.00): a resource class with ``on_get``."""
    import falcon

    class HelloResource:
        def on_get(self, req: falcon.Request, resp: falcon.Response, account_id: str) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            if not _limit_ok(req.user_agent, req.get_param("limit")):
                resp.status = falcon.HTTP_400
                resp.data = b"bad request"
                return
            resp.set_header("X-Test", "Funky Chicken")
            resp.data = BODY

    app = falcon.App()
    app.add_route("/hello/{account_id}/test", HelloResource())
    return app


def make_plain_wsgi() -> WSGIApp:
    """A bare WSGI function: string-split routing and ``urllib.parse.parse_qs``."""
    ok_headers = [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(BODY))),
        TEST_HEADER,
    ]

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        parts = environ.get("PATH_INFO", "").split("/")
        # ["", "hello", "<account_id>", "test"]
        if len(parts) != 4 or parts[1] != "hello" or parts[3] != "test" or not parts[2]:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        limit = query.get("limit")
        if not _limit_ok(environ.get("HTTP_USER_AGENT"), limit[0] if limit else None):
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request"]
        start_response("200 OK", list(ok_headers))
        return [BODY]

    return app


#: name -> (factory, distribution whose version is reported)
CONTENDERS: dict[str, tuple[Callable[[], WSGIApp], str | None]] = {
    "ours": (make_ours, "framework"),
    "flask": (make_flask, "flask"),
    "bottle": (make_bottle, "bottle"),
    "falcon": (make_falcon, "falcon"),
    "wsgi": (make_plain_wsgi, None),
}
REFERENCE = "falcon"


# Harness


def _write(data: bytes) -> None:  # the legacy write() callable; nobody should use it
    raise AssertionError("write() callable used")


def start_response(
    status: str, headers: list[tuple[str, str]], exc_info: Any = None
) -> Callable[[bytes], None]:
    """Minimal ``start_response`` used in the timed loop: accept and discard."""
    return _write


def call_once(app: WSGIApp) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run one request through ``app`` and capture status, headers and body."""
    captured: list[Any] = []

    def capturing_start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        captured[:] = [status, list(headers)]
        return _write

    result = app(ENVIRON_TEMPLATE.copy(), capturing_start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not captured:
        raise AssertionError("start_response was never called")
    return captured[0], captured[1], body


def check(app: WSGIApp) -> None:
    """Raise ``AssertionError`` unless ``app`` answers the workload correctly."""
    status, headers, body = call_once(app)
    if status != "200 OK":
        raise AssertionError(f"status {status!r} != '200 OK'")
    if body != BODY:
        raise AssertionError(f"body mismatch ({len(body)} bytes, expected {len(BODY)})")
    lowered: dict[str, list[str]] = {}
    for name, value in headers:
        lowered.setdefault(name.lower(), []).append(value)
    content_type = lowered.get("content-type", [])
    if len(content_type) != 1 or content_type[0].split(";")[0].strip().lower() != "text/plain":
        raise AssertionError(f"Content-Type {content_type!r} is not text/plain")
    if lowered.get("x-test") != [TEST_HEADER[1]]:
        raise AssertionError(f"X-Test {lowered.get('x-test')!r} != {[TEST_HEADER[1]]!r}")


def time_calls(app: WSGIApp, number: int) -> int:
    """Serve ``number`` requests through ``app``; return elapsed nanoseconds.

    The garbage collector stays on: frameworks that allocate more pay for it, as they
    would in production.
    """
    template = ENVIRON_TEMPLATE
    respond = start_response
    join = b"".join
    clock = time.perf_counter_ns
    start = clock()
    for _ in range(number):
        result = app(template.copy(), respond)
        try:
            join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    return clock() - start


def _null_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Does nothing but answer; timing it measures the harness's own overhead."""
    start_response("200 OK", [])
    return [BODY]


def version_of(dist: str | None) -> str:
    if dist is None:
        return "-"
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # e.g. importable from the source tree only
        module = sys.modules.get(dist)
        return str(getattr(module, "__version__", "?"))


def load(names: list[str]) -> dict[str, WSGIApp]:
    """Build and check each contender; report and drop the ones that fail."""
    apps: dict[str, WSGIApp] = {}
    for name in names:
        factory, _ = CONTENDERS[name]
        try:
            app = factory()
            check(app)
        except Exception as exc:
            print(f"skipping {name}: {type(exc).__name__}: {exc}")
            continue
        apps[name] = app
    return apps


def run(apps: dict[str, WSGIApp], number: int, rounds: int) -> dict[str, list[float]]:
    """Return per-contender lists of µs/request, one entry per round."""
    names = list(apps)
    warmup = max(1, min(number, 2000))
    for name in names:
        time_calls(apps[name], warmup)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = time_calls(apps[name], number)
            samples[name].append(elapsed / number / 1000)
    return samples


def report(samples: dict[str, list[float]], overhead_us: float, number: int, rounds: int) -> None:
    impl = platform.python_implementation()
    print(f"Python {impl} {platform.python_version()} on {platform.platform(terse=True)}")
    versions = ", ".join(
        f"{name} {version_of(dist)}" for name, (_, dist) in CONTENDERS.items() if dist
    )
    print(f"versions: {versions}, werkzeug {version_of('werkzeug')}")
    print(f"GET {PATH}?{QUERY}, {len(BODY)} byte body; {rounds} rounds x {number} requests")
    print(f"harness overhead (null app, included below): {overhead_us:.2f} µs/request")
    print()

    reference = statistics.median(samples[REFERENCE]) if REFERENCE in samples else None
    rows = sorted(samples.items(), key=lambda item: statistics.median(item[1]))
    header = f"{'contender':<10} {'median µs':>10} {'min µs':>8} {'req/s':>9} {'vs falcon':>10}"
    print(header)
    print("-" * len(header))
    for name, values in rows:
        median = statistics.median(values)
        ratio = f"{median / reference:.2f}x" if reference else "-"
        print(f"{name:<10} {median:>10.2f} {min(values):>8.2f} {1e6 / median:>9,.0f} {ratio:>10}")
    if reference is None:
        print(f"({REFERENCE} not run, so no ratios)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (default 7)")
    parser.add_argument(
        "--number", type=int, default=20000, help="requests per contender per round"
    )
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated subset of: {', '.join(CONTENDERS)} (default all)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.number < 1:
        parser.error("--rounds and --number must be positive")

    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(CONTENDERS)
    unknown = sorted(set(names) - set(CONTENDERS))
    if unknown:
        parser.error(f"unknown contender(s): {', '.join(unknown)}")

    apps = load(names)
    if not apps:
        print("nothing to run", file=sys.stderr)
        return 1
    overhead_ns = min(time_calls(_null_app, args.number) for _ in range(3))
    samples = run(apps, args.number, args.rounds)
    report(samples, overhead_ns / args.number / 1000, args.number, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
