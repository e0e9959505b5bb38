"""Faults under a real gunicorn: clients that vanish, bodies that break, workers that die.

Each test starts its own gunicorn (tests/e2e_app.py) so that what one fault
does to a worker cannot hide behind another test, and checks what users
would see: the server keeps answering, correctly.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import struct
import threading
import time
from pathlib import Path

from servers import HOST, IO_TIMEOUT, assert_still_serving, request, run_gunicorn, wait_for

#: How long gunicorn gets to notice and replace a dead or stuck worker.
RECOVERY = 15.0


def abort_connection(sock: socket.socket) -> None:
    """Close with a TCP reset, as a client that crashed or lost its network would."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_client_gone_mid_download_closes_the_body(tmp_path: Path) -> None:
    with run_gunicorn("e2e_app:app", env={"E2E_MARK_DIR": str(tmp_path)}) as server:
        [worker] = server.workers()
        sock = socket.create_connection((HOST, server.port), timeout=IO_TIMEOUT)
        sock.sendall(f"GET /download?mark=gone HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        received = b""
        while len(received) < 200_000:
            received += sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 200 OK\r\n")
        abort_connection(sock)
        # The server's next write fails; it calls close() on the body, and the
        # generator's finally block runs.
        wait_for((tmp_path / "gone").exists, "the body's close() to run")
        assert_still_serving(server)
        assert server.workers() == [worker]


def open_files(pid: int) -> int:
    """How many file descriptors a process holds, as Linux lists them."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_client_gone_mid_upload() -> None:
    with run_gunicorn("e2e_app:app") as server:
        [worker] = server.workers()
        assert_still_serving(server)
        time.sleep(0.2)  # for the worker to close its end of that connection
        before = open_files(worker)
        sock = socket.create_connection((HOST, server.port), timeout=IO_TIMEOUT)
        sock.sendall(
            f"POST /upload HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 900000\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n".encode()
            + b'--b\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'
            + b"x" * 100_000
        )
        # Mid-upload, the worker holds the connection. (The body is read whole
        # before the form parser sees it, so no temporary file is open yet.)
        wait_for(lambda: open_files(worker) > before, "the upload to start", 5)
        abort_connection(sock)
        time.sleep(0.2)
        assert_still_serving(server)
        assert server.workers() == [worker]
        assert "Traceback" not in server.output(), server.output()
        # The connection, and whatever reading the body took, were let go.
        wait_for(lambda: open_files(worker) <= before, "the worker to close what it opened", 5)


def test_an_error_inside_a_streamed_body_is_logged_once() -> None:
    with run_gunicorn("e2e_app:app") as server:
        [worker] = server.workers()
        conn = http.client.HTTPConnection(HOST, server.port, timeout=IO_TIMEOUT)
        conn.request("GET", "/stream-fails")
        response = conn.getresponse()
        assert response.status == 200  # the headers went out before the error
        try:
            body = response.read()
        except http.client.IncompleteRead as error:
            body = error.partial
        conn.close()
        # The client can tell the body is incomplete: the connection closed
        # before the chunked body's end.
        assert body == b"partial"
        assert_still_serving(server)
        wait_for(lambda: "the stream broke" in server.output(), "the error in the log", 5)
        log = server.output()
        assert log.count("RuntimeError: the stream broke after its first chunk") == 1, log
        assert server.workers() == [worker]


def test_a_worker_killed_under_load_is_replaced_and_no_other_request_fails() -> None:
    with run_gunicorn("e2e_app:app", workers=2) as server:
        wait_for(lambda: len(server.workers()) == 2, "both workers to boot")
        workers = server.workers()
        outcomes: list[int | str] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    outcomes.append(request(server, "GET", "/users/7").status)
                except (OSError, http.client.HTTPException) as error:
                    outcomes.append(type(error).__name__)

        clients = [threading.Thread(target=load) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            time.sleep(1.0)
            os.kill(workers[0], signal.SIGKILL)
            wait_for(
                lambda: len(server.workers()) == 2 and workers[0] not in server.workers(),
                "gunicorn to replace the killed worker",
                RECOVERY,
            )
            time.sleep(1.0)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=IO_TIMEOUT)
        failures = [outcome for outcome in outcomes if outcome != 200]
        # At most the requests the killed worker was serving at that moment,
        # one per client connection it held.
        assert len(failures) <= len(clients), failures
        assert len(outcomes) > 100
        assert outcomes[-20:] == [200] * 20
        assert workers[1] in server.workers()


def test_a_view_slower_than_the_timeout_gets_its_worker_replaced() -> None:
    with run_gunicorn("e2e_app:app", "--timeout", "2") as server:
        [worker] = server.workers()
        conn = http.client.HTTPConnection(HOST, server.port, timeout=IO_TIMEOUT)
        conn.request("GET", "/slow?seconds=8")
        try:
            status: int | str = conn.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
        conn.close()
        assert status != 200  # the worker was killed before it could answer
        wait_for(lambda: server.workers() not in ([], [worker]), "a new worker", RECOVERY)
        assert_still_serving(server)
        assert "WORKER TIMEOUT" in server.output()
