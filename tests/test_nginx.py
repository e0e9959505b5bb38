"""Scale-out: two gunicorn instances of the example app behind Debian's nginx.

The instances are separate processes on separate ports, sharing one
instance folder (the SQLite database and the secret key), as two machines
would share a database server and a key. nginx runs the site configuration
shipped in ``example_app/deploy/nginx.conf``, with only its ports and
certificate paths changed, and the app trusts one proxy hop through
werkzeug's ProxyFix (``example_app:application``).

Without nginx or openssl these tests are skipped with a message that says
how to install them; with ``CI=true`` a missing tool fails the run.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from servers import HOST, IO_TIMEOUT, ROOT, START_TIMEOUT, Server, run_gunicorn, stop

SITE = ROOT / "example_app" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: A loopback address of its own for the client, so the address nginx sees
#: differs from the one the app sees (nginx connects from 127.0.0.1).
CLIENT_ADDRESS = "127.0.0.5"


@dataclass
class Site:
    http_port: int
    https_port: int
    instances: list[Server]


def _require(tool: str, install: str) -> str:
    path = shutil.which(tool) or (NGINX if tool == "nginx" and Path(NGINX).exists() else None)
    if path is None:
        message = f"{tool} is not installed (Debian: apt-get install {install})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the nginx tests")
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def site_config(
    upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path
) -> str:
    """The shipped site configuration, with our ports and certificate."""
    text = SITE.read_text(encoding="utf-8")
    text = text.replace(
        "    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;\n",
        "".join(f"    server {HOST}:{port};\n" for port in upstreams),
    )
    text = text.replace("listen 8080;", f"listen {HOST}:{http_port};")
    text = text.replace("listen 8443 ssl;", f"listen {HOST}:{https_port} ssl;")
    text = text.replace("/etc/ssl/certs/shortener.pem", str(cert))
    text = text.replace("/etc/ssl/private/shortener.key", str(key))
    assert str(cert) in text and f"{HOST}:{upstreams[1]}" in text, "the shipped config changed"
    return text


def main_config(folder: Path) -> str:
    """The nginx.conf around the site: everything in ``folder``, nothing in /etc or /var."""
    temp = "".join(
        f"    {name}_temp_path {folder / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}"
        f"    include {folder / 'site.conf'};\n}}\n"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    nginx = _require("nginx", "nginx")
    openssl = _require("openssl", "openssl")
    folder = tmp_path_factory.mktemp("nginx")
    instance = tmp_path_factory.mktemp("instance")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    env = {"SHORTENER_INSTANCE": str(instance), "SHORTENER_TRUSTED_PROXIES": "1"}
    with ExitStack() as stack:
        instances = [
            stack.enter_context(
                run_gunicorn("example_app:application", "--access-logfile", "-", env=env)
            )
            for _ in range(2)
        ]
        http_port, https_port = _free_port(), _free_port()
        ports = [server.port for server in instances]
        (folder / "site.conf").write_text(site_config(ports, http_port, https_port, cert, key))
        (folder / "nginx.conf").write_text(main_config(folder))
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
            _wait_for(process, http_port, folder / "error.log")
            yield Site(http_port, https_port, instances)
        finally:
            stop(process, signal.SIGQUIT)  # SIGQUIT: nginx's graceful stop


def _wait_for(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            errors = log.read_text() if log.exists() else ""
            pytest.fail(f"nginx did not start (status {process.poll()}):\n{errors}")
        time.sleep(0.05)


def call(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    https: bool = False,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request from CLIENT_ADDRESS, over http or https (our self-signed certificate)."""
    if https:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            HOST, port, timeout=IO_TIMEOUT, source_address=(CLIENT_ADDRESS, 0), context=context
        )
    else:
        conn = http.client.HTTPConnection(
            HOST, port, timeout=IO_TIMEOUT, source_address=(CLIENT_ADDRESS, 0)
        )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def inspect(port: int, https: bool = False, headers: dict[str, str] | None = None) -> Any:
    status, _, body = call(
        port,
        "GET",
        "/inspect",
        headers={"Accept": "application/json", **(headers or {})},
        https=https,
    )
    assert status == 200
    return json.loads(body)


def cookie_of(headers: http.client.HTTPMessage) -> str:
    [set_cookie] = headers.get_all("Set-Cookie")
    return set_cookie.split(";")[0]


def test_a_flash_set_through_one_instance_is_shown_through_the_other(site: Site) -> None:
    first, second = (server.port for server in site.instances)
    form = urlencode({"url": "https://example.com/from-the-first"}).encode()
    status, headers, _ = call(
        first,
        "POST",
        "/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    status, _, page = call(second, "GET", "/", headers={"Cookie": cookie_of(headers)})
    assert status == 200
    assert re.search(rb"Your short link: http://127\.0\.0\.1:\d+/\w{6}", page)


def test_a_link_created_through_one_instance_resolves_through_the_other(site: Site) -> None:
    first, second = (server.port for server in site.instances)
    status, _, body = call(
        first,
        "POST",
        "/api/links",
        body=b'{"url": "https://example.com/shared"}',
        headers={"Content-Type": "application/json"},
    )
    assert status == 201
    code = json.loads(body)["code"]
    status, headers, _ = call(second, "GET", f"/{code}")
    assert (status, headers["Location"]) == (302, "https://example.com/shared")


def test_nginx_spreads_requests_over_both_instances(site: Site) -> None:
    for _ in range(6):
        assert call(site.http_port, "GET", "/about")[0] == 200
    for server in site.instances:
        # gunicorn's access log: nginx speaks HTTP/1.1 to the app (proxy_http_version).
        assert server.output().count('"GET /about HTTP/1.1" 200') >= 2, server.output()


def test_the_app_sees_the_client_nginx_saw(site: Site) -> None:
    seen = inspect(site.http_port)
    assert seen["remote_addr"] == CLIENT_ADDRESS  # not nginx's 127.0.0.1
    assert seen["scheme"] == "http"
    assert seen["headers"]["X-Forwarded-For"] == CLIENT_ADDRESS


def test_a_forged_forwarded_for_is_not_believed(site: Site) -> None:
    seen = inspect(site.http_port, headers={"X-Forwarded-For": "6.6.6.6"})
    # nginx appends the address it saw; one trusted hop means only that one counts.
    assert seen["headers"]["X-Forwarded-For"] == f"6.6.6.6, {CLIENT_ADDRESS}"
    assert seen["remote_addr"] == CLIENT_ADDRESS


def test_https_at_nginx_is_https_for_the_app(site: Site) -> None:
    seen = inspect(site.https_port, https=True)
    assert seen["scheme"] == "https"
    assert seen["remote_addr"] == CLIENT_ADDRESS
    status, headers, body = call(
        site.https_port,
        "POST",
        "/api/links",
        body=b'{"url": "https://example.com/secure"}',
        headers={"Content-Type": "application/json"},
        https=True,
    )
    assert status == 201
    assert json.loads(body)["short_url"].startswith(f"https://{HOST}:{site.https_port}/")
    form = urlencode({"url": "https://example.com/x"}).encode()
    status, headers, _ = call(
        site.https_port,
        "POST",
        "/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        https=True,
    )
    assert status == 303
    assert "; Secure" in headers["Set-Cookie"]  # the session cookie never travels unencrypted
