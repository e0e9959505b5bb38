"""Real servers for the end-to-end tests: start, probe, talk to, and always stop.

gunicorn is started as a child process on a free loopback port: the test
binds a socket to port 0 (the OS picks a free port) and hands that very
socket to gunicorn (``--bind fd://N``), so no other process can take the
port in between. Every helper stops what it started, also when a test fails.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
HOST = "127.0.0.1"
START_TIMEOUT = 15.0  # seconds gunicorn gets to come up
STOP_TIMEOUT = 10.0  # seconds gunicorn gets to stop after SIGTERM before SIGKILL
IO_TIMEOUT = 10.0  # bound on every socket operation


@dataclass
class Reply:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Server:
    port: int
    log: IO[bytes]  # gunicorn's stdout and stderr
    pid: int = 0  # the master process

    def workers(self) -> list[int]:
        """The process ids of the master's children, its workers, as Linux lists them."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return sorted(int(child) for child in children)

    def output(self) -> str:
        # pread: gunicorn shares this file's offset, so seeking it would garble the log.
        fd = self.log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", errors="replace")


def gunicorn_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GUNICORN_CMD_ARGS", None)
    paths = [str(ROOT), str(TESTS_DIR)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def probe(port: int, path: str = "/") -> bool:
    """True once the server answers an HTTP request on ``port``."""
    conn = http.client.HTTPConnection(HOST, port, timeout=2.0)
    try:
        conn.request("GET", path)
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    return True


def wait_for(condition: Callable[[], object], what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll ``condition`` until it holds; fail, naming ``what``, after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a server started in a session of its own: ``sig``, then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)
    # The server runs in its own session: take down a worker its master may have orphaned.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def gunicorn_command(
    bind: str,
    app_spec: str,
    *extra_args: str,
    workers: int | None = 1,
    threads: int | None = None,
) -> list[str]:
    """The command line of a test's gunicorn: bound to ``bind``, quick to stop, logging info."""
    kind = ["--worker-class", "sync"]
    if threads is not None:
        kind = ["--worker-class", "gthread", "--threads", str(threads)]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        *(["--workers", str(workers), *kind] if workers else []),
        "--no-control-socket",  # would otherwise create ~/.gunicorn/gunicorn.ctl
        "--graceful-timeout",
        "5",
        "--log-level",
        "info",
        *extra_args,
        app_spec,
    ]


@contextmanager
def run_gunicorn(
    app_spec: str,
    *extra_args: str,
    workers: int | None = 1,
    threads: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Serve ``app_spec`` with a real gunicorn on a free loopback port; always stop it.

    ``env`` adds environment variables for the server (the example app reads its
    settings from there). The workers are sync ones, or gthread ones with
    ``threads`` each; ``workers=None`` leaves the number and kind of workers
    to a config file given in ``extra_args`` (``-c FILE``).
    """

    def command(fd: int) -> list[str]:
        return gunicorn_command(
            f"fd://{fd}", app_spec, *extra_args, workers=workers, threads=threads
        )

    with _serve_on_free_port(command, env) as srv:
        yield srv


@contextmanager
def run_framework_serve(
    app_spec: str, *extra_args: str, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Serve ``app_spec`` with ``framework serve`` (gunicorn in-process) on a free port."""

    def command(fd: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "framework",
            "serve",
            app_spec,
            "--bind",
            f"fd://{fd}",
            "--graceful-timeout",
            "5",
            *extra_args,
        ]

    with _serve_on_free_port(command, env) as srv:
        yield srv


@contextmanager
def _serve_on_free_port(
    command: Callable[[int], list[str]], env: dict[str, str] | None
) -> Iterator[Server]:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener,
        tempfile.TemporaryFile() as log,
    ):
        # Port 0: the OS picks a free port. gunicorn inherits this very socket
        # (--bind fd://N), so no other process can take the port in between.
        listener.bind((HOST, 0))
        port = int(listener.getsockname()[1])
        cmd = command(listener.fileno())
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=gunicorn_env(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
            start_new_session=True,
        )
        listener.close()  # gunicorn holds it now
        srv = Server(port, log, proc.pid)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not probe(port):
                if proc.poll() is not None:
                    pytest.fail(f"gunicorn exited with status {proc.returncode}:\n{srv.output()}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"gunicorn did not answer on port {port} within {START_TIMEOUT}s:\n"
                        f"{srv.output()}"
                    )
                time.sleep(0.05)
            yield srv
        finally:
            stop(proc)


@contextmanager
def run_development_server(
    app_spec: str, *extra_args: str, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Serve ``app_spec`` with ``framework run`` (werkzeug's server) on loopback; always stop it.

    ``framework run`` takes a port number, not a socket: a free one is found
    by binding port 0 and letting it go, so another process could take it in
    between (unlikely on loopback, and the start then fails with the log).
    The server is probed at ``/_framework/inspector.css``, which exists under
    ``--debug`` and which the inspector does not record.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
        probe_socket.bind((HOST, 0))
        port = int(probe_socket.getsockname()[1])
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "framework", "run", app_spec, "--port", str(port), *extra_args],
            cwd=ROOT,
            env=gunicorn_env(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        srv = Server(port, log, proc.pid)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not probe(port, "/_framework/inspector.css"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"framework run did not answer on port {port}:\n{srv.output()}")
                time.sleep(0.05)
            yield srv
        finally:
            stop(proc)


def request(
    server: Server,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=IO_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.reason, resp.headers, resp.read())
    finally:
        conn.close()


@contextmanager
def raw_connection(server: Server) -> Iterator[socket.socket]:
    sock = socket.create_connection((HOST, server.port), timeout=IO_TIMEOUT)
    try:
        yield sock
    finally:
        sock.close()


@contextmanager
def run_shortener(
    folder: Path, *, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """The example app under gunicorn, with its instance folder (database, key) in ``folder``."""
    # gthread workers, as in production (gunicorn.conf.py): a stream of events
    # holds one thread, not a whole worker.
    with run_gunicorn(
        "example_app:app",
        workers=workers,
        threads=4,
        env={"SHORTENER_INSTANCE": str(folder), **(env or {})},
    ) as server:
        yield server


def read_reply(sock: socket.socket, method: str) -> Reply:
    """Parse one HTTP response from ``sock`` (framing by Content-Length, chunks or EOF)."""
    resp = http.client.HTTPResponse(sock, method=method)
    try:
        try:
            resp.begin()
            body = resp.read()
        except TimeoutError:
            pytest.fail(
                f"no complete response within {IO_TIMEOUT}s: is the server waiting for body"
                " bytes that will never come?"
            )
        return Reply(resp.status, resp.reason, resp.headers, body)
    finally:
        resp.close()


def read_to_eof(sock: socket.socket) -> bytes:
    data = bytearray()
    while piece := sock.recv(65536):
        data += piece
    return bytes(data)


def assert_still_serving(server: Server) -> None:
    """The same gunicorn answers an ordinary request correctly after a bad one."""
    reply = request(server, "GET", "/users/7")
    assert reply.status == 200
    assert reply.json() == {"id": 7, "name": "user-7"}


def read_events(
    port: int,
    cookie: str,
    until: Callable[[str], bool],
    source_address: tuple[str, int] | None = None,
) -> Iterator[str]:
    """Open the example app's GET /api/links/events; yield each event's text, up to ``until``.

    Each read waits IO_TIMEOUT at most: an event held back (by a buffering
    proxy, say) fails the test instead of hanging it.
    """
    connection = http.client.HTTPConnection(
        HOST, port, timeout=IO_TIMEOUT, source_address=source_address
    )
    try:
        connection.request("GET", "/api/links/events", headers={"Cookie": cookie})
        response = connection.getresponse()
        assert response.status == 200, (response.status, response.read()[:300])
        assert response.headers["Content-Type"] == "text/event-stream"
        block = ""
        while True:
            line = response.readline().decode()
            assert line, "the stream ended before the event came"
            if line != "\n":
                block += line
                continue
            yield block
            if until(block):
                return
            block = ""
    finally:
        connection.close()
