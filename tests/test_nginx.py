"""Scale-out: two gunicorn instances of the example app behind Debian's nginx.

The instances are separate processes on separate ports, sharing one
instance folder (the SQLite database and the secret key), as two machines
would share a database server and a key. nginx runs the site configuration
shipped in ``example_app/deploy/nginx.conf``, with only its ports and
certificate paths changed, and the app trusts one proxy hop through
werkzeug's ProxyFix (``example_app:application``).

The same configuration is what protects the app from slow clients
(slowloris): 200 of them held against it do not delay an honest request,
while against a bare gunicorn they do, which is a limit of gunicorn's
workers that the tests keep on record.

Without nginx or openssl these tests are skipped with a message that says
how to install them; with ``CI=true`` a missing tool fails the run.
"""

from __future__ import annotations

import http.client
import json
import re
import resource
import select
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from nginx import free_port, require, run_nginx
from servers import (
    HOST,
    IO_TIMEOUT,
    ROOT,
    Server,
    read_events,
    run_gunicorn,
    run_shortener,
)

SITE = ROOT / "example_app" / "deploy" / "nginx.conf"
#: A loopback address of its own for the client, so the address nginx sees
#: differs from the one the app sees (nginx connects from 127.0.0.1).
CLIENT_ADDRESS = "127.0.0.5"
#: Connections one nginx worker may hold: the slow clients' 200, and two
#: (client and upstream) for each honest request beside them.
WORKER_CONNECTIONS = 512
#: Open files each process needs: the test's own slow sockets, nginx's
#: connections, a gunicorn worker's accepted sockets, each with room to spare.
OPEN_FILES = 2 * WORKER_CONNECTIONS


#: A front end on another origin that the API answers (SHORTENER_CORS_ORIGINS).
FRONT_END = "http://127.0.0.1:9000"


@dataclass
class Site:
    http_port: int
    https_port: int
    instances: list[Server]


def site_config(
    upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path
) -> str:
    """The shipped site configuration, with our ports, host names and certificate."""
    text = SITE.read_text(encoding="utf-8")
    text = text.replace(
        "    server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;\n"
        "    server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;\n",
        "".join(f"    server {HOST}:{port} max_fails=1 fail_timeout=10s;\n" for port in upstreams),
    )
    text = text.replace("listen 8080", f"listen {HOST}:{http_port}")
    text = text.replace("listen 8443 ssl", f"listen {HOST}:{https_port} ssl")
    # The tests ask for the site by address, as a client on this machine would.
    text = text.replace("server_name short.example;", f"server_name {HOST} localhost;")
    text = text.replace("/etc/ssl/certs/shortener.pem", str(cert))
    text = text.replace("/etc/ssl/private/shortener.key", str(key))
    assert str(cert) in text and f"{HOST}:{upstreams[1]}" in text, "the shipped config changed"
    return text


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require("nginx", "nginx")
    openssl = require("openssl", "openssl")
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
    env = {
        "SHORTENER_INSTANCE": str(instance),
        "SHORTENER_TRUSTED_PROXY_IPS": HOST,  # nginx's address, as the app sees it
        "SHORTENER_CORS_ORIGINS": FRONT_END,
    }
    with ExitStack() as stack:
        stack.enter_context(open_files(OPEN_FILES))  # before nginx and gunicorn inherit it
        instances = [
            stack.enter_context(
                run_gunicorn(
                    "example_app:application", "--access-logfile", "-", threads=4, env=env
                )
            )
            for _ in range(2)
        ]
        http_port, https_port = free_port(), free_port()
        ports = [server.port for server in instances]
        site_text = site_config(ports, http_port, https_port, cert, key)
        stack.enter_context(run_nginx(folder, site_text, http_port, WORKER_CONNECTIONS))
        yield Site(http_port, https_port, instances)


@contextmanager
def open_files(needed: int) -> Iterator[None]:
    """Let this process, and the servers it starts meanwhile, open ``needed`` files.

    The soft limit is raised as far as the hard limit allows (often 1024 is
    the soft limit and far more the hard one), and put back at the end.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def call(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    https: bool = False,
    timeout: float = IO_TIMEOUT,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request from CLIENT_ADDRESS, over http or https (our self-signed certificate).

    ``timeout`` bounds each socket operation: connecting, sending, each read.
    """
    if https:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        # By name, as a browser asks: the name goes in the handshake (SNI), and
        # a handshake naming no host of the site is refused.
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "localhost", port, timeout=timeout, source_address=(CLIENT_ADDRESS, 0), context=context
        )
    else:
        conn = http.client.HTTPConnection(
            HOST, port, timeout=timeout, source_address=(CLIENT_ADDRESS, 0)
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
    assert re.search(rb'Your short link: <a [^>]*href="http://127\.0\.0\.1:\d+/\w{6}"', page)


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


def test_a_cors_preflight_and_the_request_after_it_pass_through_nginx(site: Site) -> None:
    preflight = {
        "Origin": FRONT_END,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    status, headers, _ = call(site.http_port, "OPTIONS", "/api/links", headers=preflight)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == FRONT_END
    assert headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS, POST"
    assert headers.get_all("Access-Control-Allow-Origin") == [FRONT_END]  # one, not two
    body = json.dumps({"url": "https://example.com/through/nginx"}).encode()
    sent = {"Origin": FRONT_END, "Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}
    status, headers, _ = call(site.http_port, "POST", "/api/links", body=body, headers=sent)
    assert status == 201
    assert headers["Access-Control-Allow-Origin"] == FRONT_END
    assert headers["Vary"] == "Cookie, Origin"  # the link is the browser's: its session


def test_the_stream_of_new_links_passes_through_nginx_as_it_comes(site: Site) -> None:
    # The stream stays open a minute: an event that waited in nginx's buffer
    # would miss the reader's 10 s timeout.
    own = {"Origin": f"http://{HOST}:{site.http_port}", "Content-Type": "application/json"}
    body = json.dumps({"url": "https://example.com/first/through/nginx"}).encode()
    status, headers, _ = call(site.http_port, "POST", "/api/links", body=body, headers=own)
    assert status == 201
    cookie = cookie_of(headers)
    events = read_events(
        site.http_port, cookie, lambda block: "event: link" in block, (CLIENT_ADDRESS, 0)
    )
    assert next(events).startswith("event: hello")
    body = json.dumps({"url": "https://example.com/streamed/through/nginx"}).encode()
    sent = {**own, "Cookie": cookie}
    status, _, created = call(site.http_port, "POST", "/api/links", body=body, headers=sent)
    assert status == 201
    code = json.loads(created)["code"]
    assert f'"code": "{code}"' in next(events)  # made on either instance, streamed by one


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
    assert json.loads(body)["short_url"].startswith(f"https://localhost:{site.https_port}/")
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


#: How many slow clients the tests hold open at once.
SLOW_CLIENTS = 200
#: How a slow client starts: half stop inside a header, half inside a body
#: they announced. Then each sends one more byte a second, and never ends.
SLOW_STARTS = (
    b"GET /about HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
    b"POST /inspect HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 1000\r\n\r\n",
)
#: An honest request answered later than this counts as not answered.
HONEST_DEADLINE = 2.0
#: How long the slow clients are held while honest requests come in.
HOLD = 3.0


@contextmanager
def slow_clients(port: int, count: int = SLOW_CLIENTS) -> Iterator[list[socket.socket]]:
    """Hold ``count`` slowloris connections to ``port`` open; close them all at the end.

    Each sends the start of a request at once, then one byte a second from a
    background thread, so that a server reading it waits, and never sees
    the end of it.
    """
    sockets: list[socket.socket] = []
    done = threading.Event()

    def trickle() -> None:
        while not done.wait(1.0):
            for sock in sockets:
                with suppress(OSError):  # a socket the server closed: the tests look at it
                    sock.send(b"a")

    thread = threading.Thread(target=trickle, daemon=True)
    try:
        for number in range(count):
            sock = socket.create_connection((HOST, port), timeout=IO_TIMEOUT)
            sockets.append(sock)
            sock.sendall(SLOW_STARTS[number % len(SLOW_STARTS)])
        thread.start()
        yield sockets
    finally:
        done.set()
        if thread.ident is not None:
            thread.join()
        for sock in sockets:
            sock.close()


def still_waiting(sockets: list[socket.socket]) -> int:
    """How many of ``sockets`` the server still holds, having neither answered nor closed them."""
    poller = select.poll()
    for sock in sockets:
        poller.register(sock, select.POLLIN)  # an answer, the end of file, or (always) an error
    return len(sockets) - len(poller.poll(0))


def honest_request(port: int) -> int | None:
    """The status of an honest ``GET /about``, or None if not answered within HONEST_DEADLINE."""
    start = time.monotonic()
    try:
        status, _, _ = call(port, "GET", "/about", timeout=HONEST_DEADLINE)
    except TimeoutError:
        return None
    return status if time.monotonic() - start < HONEST_DEADLINE else None


def test_nginx_holds_200_slow_clients_while_honest_requests_are_answered(site: Site) -> None:
    # The two gunicorn instances behind nginx have one sync worker each: two
    # slow clients reaching them would starve them (see the test below).
    with slow_clients(site.http_port) as sockets:
        answers = []
        for _ in range(10):
            answers.append(honest_request(site.http_port))
            time.sleep(HOLD / 10)
        waiting = still_waiting(sockets)
    assert answers == [200] * 10
    # nginx is still waiting for the rest of every slow request: it took
    # them all, and passed none on (client_header_timeout and
    # client_body_timeout end them later).
    assert waiting == SLOW_CLIENTS
    for server in site.instances:
        assert "POST /inspect" not in server.output()


@pytest.mark.parametrize(
    "gunicorn_config",
    [
        pytest.param(None, id="sync"),
        pytest.param("example_app/gunicorn.conf.py", id="gthread"),
    ],
)
def test_bare_gunicorn_is_starved_by_slow_clients_a_known_limit(
    gunicorn_config: str | None, tmp_path: Path
) -> None:
    """gunicorn facing the clients itself: while slow clients are held, nobody else is answered.

    This is a limit of gunicorn's sync and gthread workers, kept on record:
    each of their workers, or threads, reads one request at a time to the
    end. ``sync`` is two sync workers; ``gthread`` is the example app's
    production settings with one worker (WEB_CONCURRENCY=1), so that all
    200 slow clients land on its four threads and the outcome does not
    depend on how the kernel spreads connections over workers (with more
    workers, each still gets far more slow clients than it has threads).
    If this test fails, gunicorn has learnt to cope: say so in
    docs/security.md.
    """
    with open_files(OPEN_FILES), ExitStack() as stack:
        if gunicorn_config is None:
            server = stack.enter_context(run_shortener(tmp_path))
        else:
            env = {"SHORTENER_INSTANCE": str(tmp_path), "WEB_CONCURRENCY": "1"}
            server = stack.enter_context(
                run_gunicorn("example_app:app", "-c", gunicorn_config, workers=None, env=env)
            )
        assert honest_request(server.port) == 200
        with slow_clients(server.port):
            starved = honest_request(server.port)
        assert starved is None, "gunicorn answered beside 200 slow clients"
        # Once they are gone, it answers again: nothing else was wrong.
        assert call(server.port, "GET", "/about")[0] == 200


def test_a_host_the_site_is_not_gets_no_answer(site: Site) -> None:
    # A scanner that knows only the address, or a forged Host: nginx closes
    # the connection (444) and the app never sees the request.
    with pytest.raises(http.client.RemoteDisconnected):
        call(site.http_port, "GET", "/", headers={"Host": "evil.example"})
    status, headers, _ = call(site.http_port, "GET", "/about")
    assert status == 200
    assert headers["Server"] == "nginx"  # and not which version: server_tokens off


def test_nginx_gives_each_request_an_id_and_drops_a_clients_forwarded_host(site: Site) -> None:
    forged = {"X-Request-ID": "forged-by-the-client", "X-Forwarded-Host": "evil.example"}
    status, headers, body = call(
        site.http_port, "GET", "/inspect", headers={"Accept": "application/json", **forged}
    )
    assert status == 200
    seen = json.loads(body)["headers"]
    [given] = [value for name, value in seen.items() if name.lower() == "x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)  # nginx's $request_id, not the client's
    assert headers["X-Request-ID"] == given  # the app took nginx's, a trusted proxy's, as its own
    assert not [name for name in seen if name.lower() == "x-forwarded-host"]
