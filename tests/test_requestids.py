"""Request ids: request.id, X-Request-ID on every response, request_id on every log record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from framework import App, HTTPError, Request, Response
from framework.requestids import (
    NO_REQUEST,
    REQUEST_ID_KEY,
    current_request_id,
    install_log_record_factory,
    is_sane_request_id,
    new_request_id,
)
from framework.testing import TestClient

HEX_ID = re.compile(r"[0-9a-f]{32}")
NGINX_ID = "3f2a9c1e5b7d4f60a8e2c4b6d8f01234"  # $request_id: 32 hex digits
PROXY = {"REMOTE_ADDR": "10.0.0.1"}


@pytest.fixture
def app() -> App:
    app = App("ids_app")
    app.config["TRUSTED_PROXY_IPS"] = ["10.0.0.0/8", "::1"]

    @app.get("/id")
    def show_id(request: Request) -> str:
        return request.id

    return app


def test_a_fresh_id_is_32_hex_digits_and_new_each_time() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(HEX_ID.fullmatch(value) for value in ids)


def test_the_id_is_fresh_without_a_header(client: TestClient) -> None:
    first, second = client.get("/id"), client.get("/id")
    assert HEX_ID.fullmatch(first.text)
    assert first.text != second.text
    assert first.headers["X-Request-ID"] == first.text


def test_a_response_object_returned_again_carries_each_requests_own_id() -> None:
    # A view may hand back the same Response object every time (a prepared
    # constant); the id it is sent with must still be the request's own.
    app = App("shared_response")
    ready = Response("ready", content_type="text/plain")
    app.get("/ready")(lambda request: ready)
    client = app.test_client()
    first, second = client.get("/ready"), client.get("/ready")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert second.headers.getlist("X-Request-ID") == [second.headers["X-Request-ID"]]


@pytest.mark.parametrize(
    "peer", [pytest.param("10.0.0.1", id="ipv4-cidr"), pytest.param("::1", id="ipv6")]
)
def test_a_trusted_proxys_id_is_taken(client: TestClient, peer: str) -> None:
    reply = client.get(
        "/id", headers={"X-Request-ID": NGINX_ID}, environ_base={"REMOTE_ADDR": peer}
    )
    assert reply.text == NGINX_ID
    assert reply.headers["X-Request-ID"] == NGINX_ID


@pytest.mark.parametrize("peer", ["192.0.2.7", "11.0.0.1", "::2", ""])
def test_an_untrusted_peer_cannot_choose_its_id(client: TestClient, peer: str) -> None:
    reply = client.get(
        "/id", headers={"X-Request-ID": NGINX_ID}, environ_base={"REMOTE_ADDR": peer}
    )
    assert HEX_ID.fullmatch(reply.text)
    assert reply.text != NGINX_ID


def test_no_proxy_is_trusted_by_default() -> None:
    app = App("default")

    @app.get("/")
    def index(request: Request) -> str:
        return request.id

    reply = app.test_client().get(
        "/", headers={"X-Request-ID": NGINX_ID}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert reply.text != NGINX_ID


@pytest.mark.parametrize(
    ("value", "sane"),
    [
        ("a", True),
        ("req-42", True),
        ("a.b_c:d-E9", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("", False),
        ("has space", False),
        ("semi;colon", False),
        ("caf\u00e9", False),
        ("line\nbreak", False),
        ("%(message)s", False),
    ],
)
def test_only_a_sane_id_is_taken_from_a_proxy(client: TestClient, value: str, sane: bool) -> None:
    assert is_sane_request_id(value) is sane
    if "\n" in value:
        return  # no client can send it in a header
    reply = client.get(
        "/id", headers={"X-Request-ID": value.encode().decode("latin-1")}, environ_base=PROXY
    )
    assert (reply.text == value) is sane
    if not sane:
        assert HEX_ID.fullmatch(reply.text)


def test_a_server_may_hand_over_the_id_in_the_environ(client: TestClient) -> None:
    assert client.get("/id", environ_base={REQUEST_ID_KEY: "srv-1"}).text == "srv-1"
    assert HEX_ID.fullmatch(client.get("/id", environ_base={REQUEST_ID_KEY: "a b"}).text)


def test_the_id_is_computed_once_per_request() -> None:
    request = Request({"REMOTE_ADDR": "127.0.0.1"})
    assert request.id == request.id


def _kinds(app: App) -> None:
    @app.get("/ok")
    def ok(request: Request) -> str:
        return "ok"

    @app.get("/fails")
    def fails(request: Request) -> str:
        raise RuntimeError("the view failed")

    @app.get("/teapot")
    def teapot(request: Request) -> str:
        raise HTTPError(418)

    @app.get("/own")
    def own(request: Request) -> Response:
        return Response("mine", headers={"X-Request-ID": "the-views-own"})

    @app.get("/stream")
    def stream(request: Request) -> Response:
        return Response(iter([b"a", b"b"]))

    def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"legacy"]

    app.mount("/legacy", legacy)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/ok", 200, id="200"),
        pytest.param("GET", "/nowhere", 404, id="404"),
        pytest.param("POST", "/ok", 405, id="405"),
        pytest.param("GET", "/teapot", 418, id="http-error"),
        pytest.param("GET", "/fails", 500, id="500-from-a-view"),
        pytest.param("GET", "/stream", 200, id="streamed"),
        pytest.param("GET", "/legacy/x", 200, id="mounted"),
        pytest.param("OPTIONS", "/ok", 204, id="options"),
        pytest.param("HEAD", "/ok", 200, id="head"),
    ],
)
def test_every_kind_of_response_says_its_id(
    client: TestClient, app: App, method: str, path: str, status: int
) -> None:
    _kinds(app)
    reply = client.open(path, method=method, headers={"X-Request-ID": "r-1"}, environ_base=PROXY)
    assert reply.status_code == status
    assert reply.headers.getlist("X-Request-ID") == ["r-1"]


def test_a_500_from_a_failing_after_request_hook_says_its_id(app: App) -> None:
    @app.after_request
    def broken(request: Request, response: Response) -> Response:
        raise RuntimeError("the hook failed")

    reply = app.test_client().get("/id", headers={"X-Request-ID": "r-2"}, environ_base=PROXY)
    assert reply.status_code == 500
    assert reply.headers["X-Request-ID"] == "r-2"


def test_a_view_that_sets_the_header_keeps_its_own(client: TestClient, app: App) -> None:
    _kinds(app)
    assert client.get("/own").headers.getlist("X-Request-ID") == ["the-views-own"]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def test_every_record_made_during_a_request_carries_the_id(
    app: App, logs: pytest.LogCaptureFixture
) -> None:
    module_logger = logging.getLogger("ids_app.storage")

    @app.get("/log")
    def log(request: Request) -> str:
        app.logger.info("from app.logger")
        module_logger.info("from a module of the app")
        logging.getLogger("framework").info("from the framework")
        return "ok"

    app.test_client().get("/log", headers={"X-Request-ID": "r-4"}, environ_base=PROXY)
    logging.getLogger("ids_app").info("after the request")
    ids = {record.getMessage(): getattr(record, "request_id", None) for record in logs.records}
    assert ids == {
        "from app.logger": "r-4",
        "from a module of the app": "r-4",
        "from the framework": "r-4",
        "after the request": NO_REQUEST,
    }
    assert current_request_id.get() == NO_REQUEST


def test_the_500_log_line_names_the_id(app: App, logs: pytest.LogCaptureFixture) -> None:
    _kinds(app)
    reply = app.test_client().get("/fails")
    request_id = reply.headers["X-Request-ID"]
    [record] = [r for r in logs.records if r.levelno == logging.ERROR]
    assert record.getMessage() == f"unhandled exception for GET /fails (request {request_id})"
    assert record.request_id == request_id  # type: ignore[attr-defined]


def test_a_failing_after_request_hook_logs_the_id(
    app: App, logs: pytest.LogCaptureFixture
) -> None:
    @app.after_request
    def broken(request: Request, response: Response) -> Response:
        raise RuntimeError("the hook failed")

    request_id = app.test_client().get("/id").headers["X-Request-ID"]
    assert f"error while finishing the response to GET /id (request {request_id})" in logs.text


def test_a_streamed_body_logs_with_the_id(app: App, logs: pytest.LogCaptureFixture) -> None:
    @app.get("/events")
    def events(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            try:
                app.logger.info("first chunk")
                yield b"a"
                app.logger.info("second chunk")
                yield b"b"
            finally:
                app.logger.info("closed")

        return Response(chunks())

    reply = app.test_client().get("/events", headers={"X-Request-ID": "r-5"}, environ_base=PROXY)
    assert reply.data == b"ab"
    assert [(r.getMessage(), r.request_id) for r in logs.records] == [  # type: ignore[attr-defined]
        ("first chunk", "r-5"),
        ("second chunk", "r-5"),
        ("closed", "r-5"),
    ]
    assert current_request_id.get() == NO_REQUEST


def test_the_record_factory_is_installed_once() -> None:
    factory = logging.getLogRecordFactory()
    install_log_record_factory()
    install_log_record_factory()
    assert logging.getLogRecordFactory() is factory
    record = logging.getLogger("x").makeRecord("x", logging.INFO, "f", 1, "m", (), None)
    assert record.request_id == NO_REQUEST  # type: ignore[attr-defined]
