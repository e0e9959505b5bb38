"""Server-sent events and conditional responses over a real gunicorn, and through nginx.

tests/sse_app.py is served by one gunicorn with a gthread worker (four
threads), as a stream needs: a sync worker would be taken whole by one
stream. The streams are read off raw sockets, chunk by chunk, so the tests
see when each event arrives, not only that it did. nginx runs the site
configuration that docs/events.md shows, docs/examples/events-nginx.conf,
with only its ports changed; without nginx those tests are skipped (under
``CI=true``, failed).
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from nginx import free_port, run_nginx
from servers import HOST, IO_TIMEOUT, ROOT, Server, request, run_gunicorn, wait_for
from sse_app import PAGE

from framework.events import PING

SITE = ROOT / "docs" / "examples" / "events-nginx.conf"


def number(n: int) -> bytes:
    """Event ``n`` of tests/sse_app.py's stream, as it goes on the wire."""
    return f"event: number\nid: {n}\ndata: event {n}\ndata: line two\n\n".encode()


@dataclass
class Servers:
    gunicorn: Server
    markers: Path  # where a stream's generator leaves a file when it ends


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    markers = tmp_path_factory.mktemp("markers")
    with run_gunicorn(
        "sse_app:app",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        workers=None,
        env={"SSE_MARKERS": str(markers)},
    ) as server:
        yield Servers(server, markers)


class Stream:
    """One HTTP/1.1 response, read off its socket as it comes: the head, then chunk by chunk."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.status, self.headers = self._head()

    def _fill(self) -> None:
        piece = self.sock.recv(65536)
        if not piece:
            raise EOFError("the server closed the connection")
        self.buffer += piece

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        taken = bytes(self.buffer[:size])
        del self.buffer[:size]
        return taken

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        return self._take(self.buffer.index(b"\r\n") + 2)[:-2]

    def _head(self) -> tuple[int, dict[str, str]]:
        status = int(self._line().split()[1])
        headers = {}
        while line := self._line():
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def chunk(self) -> bytes:
        """The next chunk of the body; b"" is the last one."""
        size = int(self._line().split(b";")[0], 16)
        data = self._take(size + 2)
        assert data.endswith(b"\r\n"), data
        return data[:-2]

    def event(self) -> bytes:
        """The next event or comment, however the chunks cut the stream."""
        body = bytearray()
        while not body.endswith(b"\n\n"):
            piece = self.chunk()
            assert piece, f"the stream ended inside an event: {bytes(body)!r}"
            body += piece
        return bytes(body)


@contextmanager
def open_stream(port: int, path: str, timeout: float = IO_TIMEOUT) -> Iterator[Stream]:
    """GET ``path`` as a browser's EventSource does; the socket closes when the block ends."""
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n"
            "Cache-Control: no-cache\r\nConnection: close\r\n\r\n".encode()
        )
        yield Stream(sock)
    finally:
        sock.close()


def test_each_event_is_a_chunk_of_its_own_as_it_happens(servers: Servers) -> None:
    with open_stream(servers.gunicorn.port, "/events/numbers?count=3&delay=0.05") as stream:
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream"
        assert stream.headers["cache-control"] == "no-cache"
        assert stream.headers["x-accel-buffering"] == "no"
        assert stream.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in stream.headers
        assert [stream.chunk() for _ in range(4)] == [number(1), number(2), number(3), b""]


def test_pings_keep_a_quiet_stream_alive(servers: Servers) -> None:
    path = "/events/numbers?count=1&delay=0.6&ping=0.1"
    with open_stream(servers.gunicorn.port, path) as stream:
        chunks = []
        while (chunk := stream.chunk()) != number(1):
            chunks.append(chunk)
        assert stream.chunk() == b""
    assert len(chunks) >= 3
    assert set(chunks) == {PING}


def test_a_client_that_goes_away_ends_the_generator(servers: Servers) -> None:
    marker = servers.markers / "gunicorn"
    path = "/events/numbers?count=0&delay=0.05&ping=0.1&token=gunicorn"
    with open_stream(servers.gunicorn.port, path) as stream:
        assert stream.chunk() == number(1)
        assert stream.chunk() == number(2)
        assert not marker.exists()
    # The socket is closed: gunicorn's next write fails, it closes the body,
    # and the generator's finally runs.
    wait_for(marker.exists, "the generator's finally after the client left", timeout=10.0)
    assert request(servers.gunicorn, "GET", "/page").status == 200


def test_a_304_round_trip_with_the_etag(servers: Servers) -> None:
    first = request(servers.gunicorn, "GET", "/page")
    assert first.status == 200
    assert first.body == PAGE
    etag = first.headers["ETag"]
    assert etag == f'"{hashlib.sha1(PAGE).hexdigest()}"'
    for method in ("GET", "HEAD"):
        again = request(servers.gunicorn, method, "/page", headers={"If-None-Match": etag})
        assert (again.status, again.body) == (304, b"")
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "no-cache"
        assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
        assert again.headers["Content-Length"] is None
        assert again.headers["Content-Type"] is None
    dated = request(
        servers.gunicorn,
        "GET",
        "/page",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert dated.status == 304


def test_a_412_over_the_wire(servers: Servers) -> None:
    reply = request(
        servers.gunicorn,
        "PUT",
        "/page",
        body=b"new",
        headers={"If-Match": '"an old version"', "Accept": "application/json"},
    )
    assert reply.status == 412
    assert reply.json()["error"]["status"] == 412
    assert reply.headers["Content-Length"] == str(len(reply.body))


@pytest.fixture(scope="module")
def nginx_port(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    site = SITE.read_text(encoding="utf-8")
    site = site.replace("server 127.0.0.1:8000;", f"server {HOST}:{servers.gunicorn.port};")
    site = site.replace("listen 8080;", f"listen {HOST}:{port};")
    assert str(servers.gunicorn.port) in site and str(port) in site, "the shown config changed"
    with run_nginx(tmp_path_factory.mktemp("nginx"), site, port):
        yield port


def test_events_come_through_nginx_as_they_happen(nginx_port: int) -> None:
    # A stream that never ends: each event can only have come before the end.
    started = time.monotonic()
    with open_stream(nginx_port, "/events/numbers?count=0&delay=0.2") as stream:
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream"
        assert [stream.event() for _ in range(3)] == [number(1), number(2), number(3)]
    assert time.monotonic() - started < 5.0


def test_an_ordinary_nginx_location_passes_the_events_on_too(nginx_port: int) -> None:
    # location / has proxy_buffering on (nginx's default); the stream says
    # X-Accel-Buffering: no, and its events come as they happen all the same.
    with open_stream(nginx_port, "/buffered/numbers?count=0&delay=0.2") as stream:
        assert [stream.event() for _ in range(2)] == [number(1), number(2)]


def test_a_client_leaving_nginx_ends_the_generator(servers: Servers, nginx_port: int) -> None:
    marker = servers.markers / "nginx"
    path = "/events/numbers?count=0&delay=0.05&ping=0.1&token=nginx"
    with open_stream(nginx_port, path) as stream:
        assert stream.event() == number(1)
        assert not marker.exists()
    wait_for(marker.exists, "the generator's finally after the client left nginx", timeout=10.0)
