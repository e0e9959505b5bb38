"""Whole apps in-process: a route table served by framework, Flask, Bottle and Falcon.

Each framework serves every route of a table (GitHub's by default) with its
minimal view, a short text answer. The harness does what a WSGI server does
for each request: a fresh environ, ``start_response``, the body iterated
and ``close()`` called. Three figures, µs per request, median of rounds:

- ``200``: the mean over every route's test path;
- ``404``: a path no route has;
- ``405``: a path that exists, with a method it lacks.

Targets: our 200 at or below Falcon's; our 404 and 405 within 1.5x our own 200.
Run ``python bench/apps.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
if importlib.util.find_spec("framework") is None:  # a checkout, not installed: its source
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routers import to_angle
from tables import REAL_TABLES, TableRoute, load, not_allowed

WSGIApp = Callable[..., Iterable[bytes]]
NOT_FOUND = "/this/path/does/not/exist/anywhere"
ANSWER = b"ok"


def environ(method: str, path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost:8000",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def make_ours(table: list[TableRoute]) -> WSGIApp:
    from framework import App

    app = App(__name__)

    def view(request: Any, **params: Any) -> bytes:
        return ANSWER

    for index, route in enumerate(table):
        app.router.add_route(to_angle(route.pattern), view, [route.method], name=f"r{index}")
    return app


def make_flask(table: list[TableRoute]) -> WSGIApp:
    import flask

    app = flask.Flask(__name__)

    def view(**params: Any) -> bytes:
        return ANSWER

    for index, route in enumerate(table):
        app.add_url_rule(
            to_angle(route.pattern), endpoint=f"r{index}", view_func=view, methods=[route.method]
        )
    return app


def make_bottle(table: list[TableRoute]) -> WSGIApp:
    import bottle

    app = bottle.Bottle()

    def view(**params: Any) -> bytes:
        return ANSWER

    for route in table:
        app.route(to_angle(route.pattern), route.method, view)
    return app


def make_falcon(table: list[TableRoute]) -> WSGIApp:
    import falcon

    app = falcon.App()
    by_template: dict[str, list[str]] = {}
    for route in table:
        by_template.setdefault(route.pattern, []).append(route.method)

    def responder(self: Any, req: Any, resp: Any, **params: Any) -> None:
        resp.data = ANSWER

    for template, methods in by_template.items():
        resource = type("Resource", (), {f"on_{m.lower()}": responder for m in methods})()
        app.add_route(template, resource)
    return app


FACTORIES: dict[str, Callable[[list[TableRoute]], WSGIApp]] = {
    "ours": make_ours,
    "falcon": make_falcon,
    "bottle": make_bottle,
    "flask": make_flask,
}


def _start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
    return None


def serve(app: WSGIApp, method: str, path: str) -> str:
    """Serve one request; return the status line."""
    seen: list[str] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
        seen.append(status)

    consume(app, environ(method, path), start_response)
    return seen[0]


def consume(app: WSGIApp, request: dict[str, Any], start_response: Any) -> None:
    """Call the app as a WSGI server does: the body read whole, then ``close()`` called."""
    result = app(request, start_response)
    try:
        b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def time_requests(app: WSGIApp, requests: list[tuple[str, str]], passes: int) -> float:
    """µs per request for ``passes`` passes over ``requests``."""
    templates = [environ(method, path) for method, path in requests]
    join = b"".join
    start = time.perf_counter()
    for _ in range(passes):
        for template in templates:
            result = app(template.copy(), _start_response)
            try:
                join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
    return (time.perf_counter() - start) / (passes * len(requests)) * 1e6


def measure(table: list[TableRoute], names: list[str], rounds: int) -> dict[str, dict[str, float]]:
    scenarios = {
        "200": [(route.method, route.test_path) for route in table],
        "404": [("GET", NOT_FOUND)],
        "405": [not_allowed(table)],
    }
    apps = {}
    for name in names:
        try:
            app = FACTORIES[name](table)
        except ImportError as error:
            print(f"  {name}: skipped ({error})", file=sys.stderr)
            continue
        statuses = {serve(app, m, p)[:3] for m, p in scenarios["200"]}
        if statuses != {"200"}:
            print(f"  {name}: skipped, 200 scenario gave {statuses}", file=sys.stderr)
            continue
        if serve(app, *scenarios["404"][0])[:3] != "404":
            print(f"  {name}: skipped, 404 scenario failed", file=sys.stderr)
            continue
        if serve(app, *scenarios["405"][0])[:3] != "405":
            print(f"  {name}: skipped, 405 scenario failed", file=sys.stderr)
            continue
        apps[name] = app
    samples: dict[str, dict[str, list[float]]] = {n: {s: [] for s in scenarios} for n in apps}
    for round_number in range(rounds):
        # Rotate the order, so a drift of the machine's speed hits everyone alike.
        order = list(apps)[round_number % len(apps) :] + list(apps)[: round_number % len(apps)]
        for name in order:
            for scenario, requests in scenarios.items():
                passes = max(1, 20000 // len(requests))
                samples[name][scenario].append(time_requests(apps[name], requests, passes))
    return {
        name: {scenario: statistics.median(values) for scenario, values in figures.items()}
        for name, figures in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", default="github", choices=REAL_TABLES)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", help="comma-separated: ours,falcon,bottle,flask")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(FACTORIES)
    table = load(args.table)
    results = measure(table, names, args.rounds)
    print(f"{args.table} table ({len(table)} routes), whole app in-process, µs per request")
    print(f"{'framework':10s}{'200':>10s}{'404':>10s}{'405':>10s}{'404/200':>10s}{'405/200':>10s}")
    for name, figures in results.items():
        print(
            f"{name:10s}{figures['200']:10.2f}{figures['404']:10.2f}{figures['405']:10.2f}"
            f"{figures['404'] / figures['200']:9.2f}x{figures['405'] / figures['200']:9.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
