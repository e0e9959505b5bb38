"""nginx for the end-to-end tests: run from a temporary folder, always stopped.

Everything nginx writes (its pid file, logs, temporary files) goes into the
folder, nothing into /etc or /var. Without nginx the tests that need it are
skipped with a message that says how to install it; with ``CI=true`` a
missing tool fails the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from servers import HOST, START_TIMEOUT, stop

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: Connections one nginx worker may hold, unless a test needs more.
WORKER_CONNECTIONS = 512


def require(tool: str, install: str) -> str:
    """Return the path of ``tool``, or skip the test (fail it under CI) when it is missing."""
    path = shutil.which(tool) or (NGINX if tool == "nginx" and Path(NGINX).exists() else None)
    if path is None:
        message = f"{tool} is not installed (Debian: apt-get install {install})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the nginx tests")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def main_config(folder: Path, worker_connections: int = WORKER_CONNECTIONS) -> str:
    """The nginx.conf around the site: everything in ``folder``, nothing in /etc or /var."""
    temp = "".join(
        f"    {name}_temp_path {folder / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\n"
        f"events {{ worker_connections {worker_connections}; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}"
        f"    include {folder / 'site.conf'};\n}}\n"
    )


@contextmanager
def run_nginx(
    folder: Path, site: str, port: int, worker_connections: int = WORKER_CONNECTIONS
) -> Iterator[subprocess.Popen[bytes]]:
    """Run nginx with the site configuration ``site``, listening on ``port``; always stop it."""
    nginx = require("nginx", "nginx")
    (folder / "site.conf").write_text(site, encoding="utf-8")
    (folder / "nginx.conf").write_text(main_config(folder, worker_connections), encoding="utf-8")
    log = folder / "error.log"
    process = subprocess.Popen(
        [
            nginx,
            "-c",
            str(folder / "nginx.conf"),
            "-p",
            str(folder),
            "-e",
            str(folder / "error.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(process, port, log)
        yield process
    finally:
        stop(process, signal.SIGQUIT)  # SIGQUIT: nginx's graceful stop


def wait_for_port(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until nginx accepts connections on ``port``; fail with its error log if it exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            errors = log.read_text() if log.exists() else ""
            pytest.fail(f"nginx did not start (status {process.poll()}):\n{errors}")
        time.sleep(0.05)
