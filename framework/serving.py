"""Serving an app: the development server, gunicorn's workers, and their logging.

``framework run`` and ``app.run()`` serve with werkzeug's development
server (with ``--debug``, its interactive debugger and the exchange
inspector, on a loopback address only); ``framework serve`` with gunicorn,
whose worker processes share no memory. Both make the app's log records
visible where the server shows its own. The command line itself is in
``framework.cli``.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import os
import sys
from typing import Any

from .requestids import NO_REQUEST


def is_app(value: object) -> bool:
    """Tell whether ``value`` is a framework App (rather than another WSGI app)."""
    from .app import App

    return isinstance(value, App)


def warn_about_routes(app: Any) -> None:
    """Print the routing table's problems (unreachable routes, duplicates) as warnings."""
    for problem in app.check_routes():
        print(f"warning: {problem}", file=sys.stderr)


def serve_for_development(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    debug: bool = False,
    reload: bool = False,
    label: str | None = None,
) -> None:
    """Serve ``app`` with werkzeug's development server: ``framework run`` and ``app.run()``.

    With ``debug``: ``DEBUG`` set, exceptions reach werkzeug's interactive
    debugger, and the exchange inspector is at ``/_framework/``; refused
    (ValueError) on an address that is not a loopback one.
    """
    from werkzeug.serving import run_simple

    if debug and not is_loopback(host):
        raise ValueError(debug_refusal(host))
    if is_app(app):
        if debug:
            app.config["DEBUG"] = True
            # Let exceptions reach werkzeug's debugger instead of a 500 page.
            app.config["PROPAGATE_EXCEPTIONS"] = True
        warn_about_routes(app)
    configure_dev_logging()
    served = served_app(app, debug=debug)
    shown = f"[{host}]" if ":" in host else host
    what = label or getattr(app, "import_name", "the app")
    print(f"Serving {what} at http://{shown}:{port}/ (press CTRL+C to quit)", flush=True)
    if served is not app:
        print(f"The exchange inspector: http://{shown}:{port}/_framework/", flush=True)
    run_simple(
        host,
        port,
        served,
        use_reloader=reload,
        use_debugger=debug,
        threaded=True,
    )


def debug_refusal(host: str) -> str:
    """Say why the interactive debugger is not served on ``host``."""
    return (
        f"refusing --debug on {host}: the interactive debugger runs any Python "
        "typed into an error page, so it is only allowed on a loopback address "
        "(127.0.0.1, ::1 or localhost); drop --debug or --host"
    )


#: The format of log records on the terminal under ``framework run``; a record
#: made during a request ends with ``(request <id>)`` (``naming_the_request``).
DEV_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def naming_the_request(record: logging.LogRecord) -> logging.LogRecord:
    """Return ``record``, or a copy whose message ends with ``(request <id>)``.

    For log formats that do not say ``%(request_id)s`` (gunicorn's error log,
    the terminal under ``framework run``): a record made during a request
    names it, unless its message does already (the framework's 500 lines
    do). The record itself is left as it is for the other handlers.
    """
    request_id = getattr(record, "request_id", NO_REQUEST)
    if request_id == NO_REQUEST:
        return record
    message = record.getMessage()
    if request_id in message:
        return record
    named = logging.makeLogRecord(record.__dict__)
    named.msg, named.args = f"{message} (request {request_id})", ()
    return named


class _DevFormatter(logging.Formatter):
    """``DEV_LOG_FORMAT``, with the request's id at the end of a request's records."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(naming_the_request(record))


def configure_dev_logging() -> None:
    """Show INFO and above on the terminal, unless logging is configured already.

    Under ``framework run`` (and ``app.run()``) the app's records
    (``app.logger``) and the framework's reach standard error, each made
    during a request ending with its id. A program that set up logging
    itself (the root logger has a handler) is left alone.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(_DevFormatter(DEV_LOG_FORMAT))
        logging.basicConfig(level=logging.INFO, handlers=[handler])


class _Forward(logging.Handler):
    """Hand each record on to another logger, with that logger's level and handlers."""

    def __init__(self, target: logging.Logger) -> None:
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        if self.target.isEnabledFor(record.levelno):
            self.target.handle(naming_the_request(record))


def log_to_gunicorn(app: Any) -> None:
    """Send the app's records and the framework's to gunicorn's error log.

    gunicorn writes its own records (``gunicorn.error``) to ``--error-logfile``
    in its format; the records of ``app.logger`` and of the ``framework``
    logger go the same way, at gunicorn's log level, those made during a
    request ending with ``(request <id>)``. The handlers are looked up at
    each record, so a log file reopened by gunicorn (SIGUSR1, SIGHUP) is
    followed.
    """
    target = logging.getLogger("gunicorn.error")
    if not target.handlers:
        return  # not under a running gunicorn: nothing to hand records to
    names = ["framework"]
    if is_app(app):
        names.append(app.logger.name)
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, _Forward) for handler in logger.handlers):
            logger.addHandler(_Forward(target))
        if logger.level == logging.NOTSET:
            logger.setLevel(target.level)


def load_dotenv(spec: str) -> str | None:
    """``framework run``: set the variables of the ``.env`` file next to the app.

    The file is looked for in the folder of the app's module (of its
    top-level package, for ``package.module``), found without importing it,
    then in the current folder; it is read before the app is imported, so
    that ``app.config.from_prefixed_env()`` sees it. A variable already in
    the environment is kept. It takes python-dotenv, and says in one line
    what it did; returns the file loaded, or None. ``framework serve`` never
    calls it: in production the environment is what starts the server.
    """
    path = _dotenv_path(spec)
    if path is None:
        return None
    shown = os.path.relpath(path)
    try:
        import dotenv
    except ImportError:
        print(
            f"{shown} is not loaded: python-dotenv is not installed (pip install python-dotenv)",
            flush=True,
        )
        return None
    dotenv.load_dotenv(path, override=False)
    print(f"loaded settings from {shown} (python-dotenv)", flush=True)
    return path


def _dotenv_path(spec: str) -> str | None:
    """Return the ``.env`` file next to the app named by ``spec``, or in the current folder."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    top = spec.partition(":")[0].split(".")[0]
    folders = []
    try:
        found = importlib.util.find_spec(top) if top.isidentifier() else None
    except (ImportError, ValueError):
        found = None
    if found is not None and found.submodule_search_locations:
        folders.extend(found.submodule_search_locations)
    elif found is not None and found.origin and os.path.isfile(found.origin):
        folders.append(os.path.dirname(found.origin))
    folders.append(os.getcwd())
    for folder in folders:
        path = os.path.join(folder, ".env")
        if os.path.isfile(path):
            return path
    return None


def served_app(app: Any, *, debug: bool) -> Any:
    """Return what ``framework run`` serves: under ``--debug``, the app in the inspector.

    The exchange inspector (``framework.inspector``) keeps the last exchanges
    and shows them at ``/_framework/``; ``framework serve`` never serves it.
    """
    if debug and is_app(app):
        from .inspector import Inspector

        return Inspector(app)
    return app


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine only (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: Where the docs explain why workers do not share module-level data.
WORKERS_DOCS = "docs/deployment.md#workers-do-not-share-memory"


def workers_message(workers: int, threads: int = 1) -> str:
    """Say how many worker processes ``framework serve`` starts, and what that means."""
    each = f", {threads} threads each" if threads > 1 else ""
    if workers == 1:
        return f"1 worker process{each}"
    return (
        f"{workers} worker processes{each}; each has its own memory: module-level "
        f"data (a dict, a cache, a counter) is not shared between them (see {WORKERS_DOCS})"
    )
