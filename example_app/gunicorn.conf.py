"""gunicorn's settings for the example app in production.

    gunicorn -c example_app/gunicorn.conf.py example_app:app

Behind a proxy, serve ``example_app:application`` instead (and set
``SHORTENER_TRUSTED_PROXY_IPS``): see docs/deployment.md. Every setting can be
changed from the environment, as below, or on gunicorn's command line.
"""

import datetime
import multiprocessing
import os
import re
from typing import Any

from gunicorn.glogging import Logger

#: Where to listen. Behind nginx, a loopback address; nginx faces the network.
bind = os.environ.get("SHORTENER_BIND", "127.0.0.1:8000")

#: Worker processes: gunicorn's advice is two per CPU, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

#: Threads in each worker: a worker waiting on the database still answers
#: other requests (with PostgreSQL, a worker opens one connection per thread
#: at most). They are no defence against slow clients, which hold a thread
#: each for as long as they like: nginx is (docs/security.md, "Slow clients").
worker_class = "gthread"
threads = int(os.environ.get("SHORTENER_THREADS", "4"))

#: A worker silent for this long is killed and replaced; on SIGTERM, workers
#: get this long to finish the requests they are serving.
timeout = 30
graceful_timeout = 10

#: How long an idle keep-alive connection stays open (behind nginx, which
#: reuses connections to the app).
keepalive = 5

#: Logs to stdout and stderr, where a process manager (systemd, a container
#: runtime) collects them.
accesslog = "-"
errorlog = "-"
loglevel = "info"
#: Each request on one line: gunicorn's usual fields (client, user, time,
#: request line, status, size, Referer, User-Agent), then how long it took and
#: its id: the response's X-Request-ID, nginx's $request_id behind nginx, as
#: in the app's own log lines for that request.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms id=%({x-request-id}o)s'
)

#: Control characters, C0 and C1, and the backslash that starts an escape.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


class EscapingLogger(Logger):  # type: ignore[misc]
    r"""gunicorn's logger, with control characters escaped in the access log.

    Much of an access log line is what the client sent: the request line,
    the User-Agent, the Referer, the user name of a Basic ``Authorization``
    header. A byte such as ESC (``\x1b``) or CSI (``\x9b``) written to a
    terminal starts a command (colours, moving the cursor, rewriting the
    title), so a client could make ``tail -f`` of the log show what it
    likes, or hide its own line. Each one is written as ``\xNN`` instead,
    and a backslash as ``\x5c``, so that an escape in the log is always ours.
    """

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> dict[str, Any]:
        """Return the values of the access log format, control characters escaped."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: CONTROL.sub(_escape, value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match[0]):02x}"


logger_class = EscapingLogger

#: No control socket in the home folder (gunicorn 24 and newer).
control_socket_disable = True


def on_starting(server: object) -> None:
    """Before the first worker starts: the instance folder, the secret key, the tables.

    Workers would make them on their first request anyway; doing it here
    means a fresh deployment shows a broken database path, an unwritable
    folder or an unreachable database server when it starts, not when its
    first visitor arrives. With PostgreSQL, this opens one connection and
    closes it: the workers make their own pools once forked.
    """
    from example_app import settings
    from example_app.storage import open_links

    links = open_links()
    try:
        links.ensure_schema()
        settings.secret_key()
    finally:
        links.close()
