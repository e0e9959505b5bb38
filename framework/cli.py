"""The ``framework`` command: serve an app, and look inside it.

::

    framework run APP                  werkzeug's development server (--reload, --debug:
                                       the debugger, and the inspector at /_framework/);
                                       reads .env first, with python-dotenv
    framework serve APP                gunicorn, for production
    framework shell APP [-c CODE]      Python with app, client, url_for, explain ready
    framework command APP [NAME ...]   the app's commands (@app.command()): list, run one
    framework routes APP               the routing table (--tree: as a tree), and its problems
    framework match APP METHOD PATH    how the router decides, step by step
    framework trace APP METHOD PATH    one request and its response, as on the wire

``APP`` is ``module:attribute``, or ``module`` for its attribute ``app``,
or ``module:factory()`` for an app factory, as gunicorn takes it; the
current folder is searched first. The command
also runs as ``python -m framework``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote

from .build import version_line
from .loading import CommandError as CommandError
from .loading import load_app as load_app
from .serving import (
    debug_refusal,
    is_app,
    is_loopback,
    load_dotenv,
    log_to_gunicorn,
    serve_for_development,
    workers_message,
)

#: The exit status for a command that could not do its job: a bad APP, a
#: refused option. (argparse uses it for bad arguments too.)
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.command(args)
    except CommandError as error:
        print(f"framework {args.name}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return status


def _framework_app(args: argparse.Namespace) -> Any:
    """Load the app and insist that it is a framework App (routes, match, trace)."""
    app = load_app(args.app, debug=args.debug)
    if not is_app(app):
        raise CommandError(
            f"{args.app} is a WSGI app but not a framework App, so it has no routing "
            f"table to show; {args.name} needs an App"
        )
    if args.debug:
        app.config["DEBUG"] = True
    return app


def run(args: argparse.Namespace) -> int:
    """``framework run``: the development server."""
    if args.debug and not is_loopback(args.host):
        raise CommandError(debug_refusal(args.host))
    load_dotenv(args.app)
    app = load_app(args.app, debug=args.debug)
    serve_for_development(
        app, args.host, args.port, debug=args.debug, reload=args.reload, label=args.app
    )
    return 0


def serve(args: argparse.Namespace) -> int:
    """``framework serve``: gunicorn, started in this process."""
    from gunicorn.app.base import BaseApplication

    app = load_app(args.app, debug=args.debug)
    settings: dict[str, Any] = {
        "bind": args.bind or ["127.0.0.1:8000"],
        "workers": args.workers,
        "threads": args.threads,
        "timeout": args.timeout,
        "graceful_timeout": args.graceful_timeout,
    }
    if args.access_log:
        settings["accesslog"] = "-"

    class Server(BaseApplication):  # type: ignore[misc]
        """gunicorn's application API: our settings, our already imported app."""

        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:
                # Recent gunicorn opens a management socket in the home folder:
                # not something an app server should leave behind unasked.
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            log_to_gunicorn(app)
            return app

    print(workers_message(args.workers, args.threads), flush=True)
    Server().run()
    return 0


def shell(args: argparse.Namespace) -> int:
    """``framework shell``: Python, with the app and a test client at hand."""
    app = _framework_app(args)
    namespace = shell_namespace(app)
    if args.code is not None:
        try:
            exec(compile(args.code, "<framework shell -c>", "exec"), namespace)
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                return stop.code or 0
            print(stop.code, file=sys.stderr)
            return 1
        except Exception:
            traceback.print_exc()
            return 1
        return 0
    import code

    try:
        import readline  # noqa: F401  (line editing and history in the interpreter)
        import rlcompleter  # noqa: F401
    except ImportError:  # pragma: no cover (Windows)
        pass
    banner = (
        f"Python {sys.version.split()[0]}, framework shell for {args.app}\n"
        f"ready: {', '.join(namespace)}"
    )
    code.interact(banner=banner, local=namespace, exitmsg="")
    return 0


def shell_namespace(app: Any) -> dict[str, Any]:
    """Return the names ``framework shell`` starts with: app, client, url_for, explain."""
    from .explain import Explanation
    from .explain import explain as explain_on

    def explain(method: str, path: str) -> Explanation:
        """How the app's router answers ``method path``, step by step."""
        return explain_on(app.router, method.upper(), path)

    return {
        "app": app,
        "client": app.test_client(),
        "url_for": app.url_for,
        "explain": explain,
    }


def app_command(args: argparse.Namespace) -> int:
    """``framework command``: list the app's commands, or run one."""
    from .commands import list_commands

    app = _framework_app(args)
    commands = app.commands
    if args.command_name is None:
        if not commands:
            print(f"{args.app} has no commands: add one with @app.command()")
        else:
            print(list_commands(commands))
        return 0
    chosen = commands.get(args.command_name)
    if chosen is None:
        known = f"; it has {', '.join(commands)}" if commands else "; it has none"
        raise CommandError(f"{args.app} has no command {args.command_name!r}{known}")
    status: int = chosen.run(args.arguments, prog=f"framework command {args.app} {chosen.name}")
    return status


def routes(args: argparse.Namespace) -> int:
    """``framework routes``: the routing table, and its problems as warnings."""
    from .explain import automatic_methods, match_order
    from .names import function_name

    app = _framework_app(args)
    if args.tree:
        from .explain import draw_tree

        print(draw_tree(app.router))
        for problem in app.check_routes():
            print(f"warning: {problem}", file=sys.stderr)
        return 0
    ordered = match_order(app.router) if args.sort == "match" else list(app.routes)
    rows = []
    for route in ordered:
        automatic = automatic_methods(app.router, route)
        rows.append(
            {
                "methods": sorted(route.methods),
                "automatic": sorted(automatic),
                "pattern": route.pattern,
                "name": route.name,
                "view": function_name(route.view),
            }
        )
    problems = app.check_routes()
    if args.json:
        print(json.dumps({"routes": rows, "problems": [str(p) for p in problems]}, indent=2))
    else:
        print(_table(rows))
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
    return 1 if args.strict and problems else 0


def _table(rows: list[dict[str, Any]]) -> str:
    header = ("METHODS", "PATTERN", "NAME", "VIEW")
    cells = [
        (
            " ".join([*row["methods"], *(f"{method}*" for method in row["automatic"])]),
            row["pattern"],
            row["name"],
            row["view"],
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in [header, *cells]) for column in range(3)]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(line[:3], widths, strict=True))
        + "  "
        + line[3]
        for line in [header, *cells]
    ]
    lines.append("* answered automatically")
    return "\n".join(line.rstrip() for line in lines)


def match(args: argparse.Namespace) -> int:
    """``framework match``: explain the routing decision for one request."""
    from werkzeug.test import EnvironBuilder

    from .explain import app_answer, explain
    from .request import Request
    from .routes import Match
    from .security import describe_checks

    app = _framework_app(args)
    method, path = args.method.upper(), _routed_path(args.path)
    explanation = explain(app.router, method, path)
    route = explanation.outcome.route if isinstance(explanation.outcome, Match) else None
    builder = EnvironBuilder(method=method, headers=[_header(text) for text in args.header])
    environ = builder.get_environ()
    builder.close()
    environ["PATH_INFO"] = path.encode().decode("latin-1")
    request = Request(environ)
    explanation.checks = describe_checks(request, app.config, route)
    explanation.answer = app_answer(app, request)
    print(explanation)
    return 0


def _routed_path(target: str) -> str:
    """Turn a request target into the path routing sees, as a WSGI server would.

    The server cuts off the query and percent-decodes the rest into
    ``PATH_INFO``; the Request reads that as UTF-8.
    """
    path = target.partition("?")[0]
    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise CommandError(f"PATH {target!r}: its percent-escapes are not UTF-8") from None


def trace(args: argparse.Namespace) -> int:
    """``framework trace``: one request through the app, shown as on the wire."""
    from .trace import format_exchange, live_exchange, run_exchange

    app = _framework_app(args)
    headers = [_header(text) for text in args.header]
    body = b""
    if args.json is not None:
        try:
            json.loads(args.json)
        except ValueError as error:
            raise CommandError(f"--json {args.json!r} is not JSON: {error}") from None
        body = args.json.encode()
        headers.append(("Content-Type", "application/json"))
    elif args.data is not None:
        body = _data(args.data)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    method, version = args.method.upper(), args.http_version
    if args.live:
        try:
            exchange = live_exchange(
                args.app, app, method, args.path, headers, body, http_version=version
            )
        except (OSError, RuntimeError) as error:
            raise CommandError(f"--live: {error}") from None
    else:
        exchange = run_exchange(app, method, args.path, headers, body, http_version=version)
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    print(format_exchange(exchange, color=color))
    return 0


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise CommandError(f"-H {text!r}: write a header as 'Name: value'")
    return name.strip(), value.strip()


def _data(text: str) -> bytes:
    if not text.startswith("@"):
        return text.encode()
    try:
        with open(text[1:], "rb") as file:
            return file.read()
    except OSError as error:
        raise CommandError(f"-d {text}: cannot read the file: {error.strerror}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framework",
        description="Serve a framework app, and look inside it.",
        epilog="APP is module:attribute, module:factory() for an app factory, or module "
        "when the attribute is called app.",
    )
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, handler: Any, summary: str, example: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(command=handler, name=name)
        sub.add_argument(
            "app",
            metavar="APP",
            help="module:attribute, module:factory(), or module (for its app)",
        )
        sub.add_argument(
            "--debug",
            action="store_true",
            help="set DEBUG, and show the traceback when the app fails to import",
        )
        return sub

    _add_serving_commands(command)
    _add_tool_commands(command)
    _add_looking_commands(command)
    return parser


def _add_serving_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the commands that serve the app: run and serve."""
    sub = command(
        "run",
        run,
        "Serve the app with werkzeug's development server.",
        "framework run example_app --port 5000 --reload",
    )
    sub.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")
    sub.add_argument("--reload", action="store_true", help="restart when a source file changes")

    sub = command(
        "serve",
        serve,
        "Serve the app with gunicorn, for production.",
        "framework serve example_app --bind 0.0.0.0:8000 --workers 4",
    )
    sub.add_argument("--bind", action="append", help="address:port, repeatable (127.0.0.1:8000)")
    sub.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="worker processes (default: 2 per CPU, plus 1)",
    )
    sub.add_argument("--threads", type=int, default=1, help="threads per worker (default 1)")
    sub.add_argument(
        "--timeout", type=int, default=30, help="seconds before a silent worker is restarted"
    )
    sub.add_argument(
        "--graceful-timeout",
        type=int,
        default=30,
        help="seconds a worker gets to finish its requests on shutdown (default 30)",
    )
    sub.add_argument("--access-log", action="store_true", help="log each request to stdout")


def _add_tool_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the commands that work with the app: shell and its own commands."""
    sub = command(
        "shell",
        shell,
        "Start Python with app, a test client, url_for and explain ready.",
        "framework shell example_app -c 'print(client.get(\"/about\").status)'",
    )
    sub.add_argument(
        "-c",
        dest="code",
        metavar="CODE",
        help="run CODE with those names, instead of the interactive interpreter, and exit",
    )

    sub = command(
        "command",
        app_command,
        "List the app's commands (@app.command()), or run one with its arguments.",
        "framework command example_app init-db",
    )
    sub.add_argument("command_name", metavar="NAME", nargs="?", help="the command to run")
    sub.add_argument(
        "arguments",
        metavar="ARGS",
        nargs=argparse.REMAINDER,
        help="its arguments and options (NAME --help lists them)",
    )


def _add_looking_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the commands that look inside the app: routes, match and trace."""
    _add_routes_command(command)
    _add_match_command(command)
    _add_trace_command(command)


def _add_routes_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    sub = command(
        "routes",
        routes,
        "List the routes, and warn about routes that can never be reached.",
        "framework routes example_app --sort match",
    )
    sub.add_argument(
        "--sort",
        choices=["registration", "match"],
        default="registration",
        help="registration order (default), or the order in which matching meets them",
    )
    sub.add_argument("--json", action="store_true", help="print JSON, for tools")
    sub.add_argument(
        "--tree", action="store_true", help="draw the routing tree that matching walks"
    )
    sub.add_argument("--strict", action="store_true", help="exit with 1 if there are warnings")


def _add_match_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    sub = command(
        "match",
        match,
        "Explain, step by step, how the router answers METHOD PATH.",
        "framework match example_app GET /api/links/abc123",
    )
    sub.add_argument("method", metavar="METHOD")
    sub.add_argument(
        "path",
        metavar="PATH",
        help="the path as a client sends it, such as /users/3 or /a%%20b?page=2 "
        "(decoded as a server would; routing ignores the query)",
    )
    sub.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        help="a request header, 'Name: value' (Origin, Sec-Fetch-Site and Host matter)",
    )


def _add_trace_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    sub = command(
        "trace",
        trace,
        "Run one request through the app and show both messages as on the wire.",
        'framework trace example_app POST /inspect --json \'{"text": "hi"}\'',
    )
    sub.add_argument("method", metavar="METHOD")
    sub.add_argument("path", metavar="PATH", help="the path, with a query string if any")
    sub.add_argument(
        "-H", "--header", action="append", default=[], help="a request header, 'Name: value'"
    )
    body = sub.add_mutually_exclusive_group()
    body.add_argument("-d", "--data", help="the request body, or @file to read it from a file")
    body.add_argument("--json", help="a JSON body (sets Content-Type: application/json)")
    sub.add_argument(
        "--http-version",
        choices=["1.0", "1.1"],
        default="1.1",
        help="the HTTP version of the request (1.0: no chunks, the connection closes)",
    )
    sub.add_argument(
        "--live",
        action="store_true",
        help="serve the app on a free loopback port (gunicorn, else werkzeug), send the "
        "request over TCP and show the bytes that came back",
    )
