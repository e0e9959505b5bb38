"""Server-sent events: the Event wire format, and EventStream as the server iterates it."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from framework import App, Event, EventStream, Request, Response
from framework.events import PING


@pytest.fixture(autouse=True)
def _no_thread_left_behind() -> Iterator[None]:
    """Every test ends with no events thread still running."""
    yield
    deadline = time.monotonic() + 5.0
    while any(thread.name == "framework-events" for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "an events thread outlived its stream"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("event", "wire"),
    [
        pytest.param(Event("hello"), b"data: hello\n\n", id="data"),
        pytest.param(Event("a\nb"), b"data: a\ndata: b\n\n", id="lf"),
        pytest.param(Event("a\r\nb\rc"), b"data: a\ndata: b\ndata: c\n\n", id="crlf-and-cr"),
        pytest.param(Event("a\n"), b"data: a\ndata: \n\n", id="trailing-line-break"),
        pytest.param(Event(""), b"data: \n\n", id="empty"),
        pytest.param(
            Event('{"n": 1}', event="count", id="7", retry=2500),
            b'event: count\nid: 7\nretry: 2500\ndata: {"n": 1}\n\n',
            id="every-field",
        ),
        pytest.param(Event("x", id=""), b"id: \ndata: x\n\n", id="empty-id-resets"),
        pytest.param(Event("zoë ✓"), "data: zoë ✓\n\n".encode(), id="utf-8"),
    ],
)
def test_an_event_on_the_wire(event: Event, wire: bytes) -> None:
    assert event.encode() == wire


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        pytest.param({"event": "a\nb"}, ValueError, "event is one line", id="event-lf"),
        pytest.param({"event": "a\rb"}, ValueError, "event is one line", id="event-cr"),
        pytest.param({"id": "1\r\n2"}, ValueError, "id is one line", id="id-crlf"),
        pytest.param({"id": "1\x002"}, ValueError, "id may not hold NUL", id="id-nul"),
        pytest.param({"retry": -1}, ValueError, "0 or more, got -1", id="retry-negative"),
        pytest.param({"retry": 1.5}, ValueError, "whole number of milliseconds", id="retry-float"),
        pytest.param({"retry": "10"}, ValueError, "got '10'", id="retry-str"),
        pytest.param({"retry": True}, ValueError, "got True", id="retry-bool"),
        pytest.param({"id": 7}, TypeError, "id is a str, got 7", id="id-int"),
        pytest.param({"event": b"x"}, TypeError, "event is a str", id="event-bytes"),
        pytest.param({"data": {"n": 1}}, TypeError, "json.dumps it first", id="data-dict"),
    ],
)
def test_a_bad_field_is_refused_naming_it(
    fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments = {"data": "x", **fields}
    with pytest.raises(error, match=message):
        Event(**arguments)


def test_an_event_is_frozen() -> None:
    event = Event("x")
    with pytest.raises(AttributeError):
        event.data = "y"  # type: ignore[misc]


def test_the_stream_is_a_response_with_the_event_stream_headers(app: App) -> None:
    @app.after_request
    def mark(request: Request, response: Response) -> Response:
        response.headers["X-Seen"] = "yes"
        return response

    @app.get("/events")
    def events(request: Request) -> EventStream:
        return EventStream(["one", Event("two", event="second")])

    response = app.test_client().get("/events")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "Content-Length" not in response.headers
    assert response.headers["X-Seen"] == "yes"  # hooks see it as any response
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # so do the security headers
    assert response.data == b"data: one\n\nevent: second\ndata: two\n\n"


def test_headers_given_are_added_and_may_replace_the_cache_control() -> None:
    stream = EventStream([], headers={"Cache-Control": "no-store", "X-Stream": "1"})
    assert stream.headers["Cache-Control"] == "no-store"
    assert stream.headers["X-Stream"] == "1"
    assert stream.headers["X-Accel-Buffering"] == "no"
    assert isinstance(stream, Response)
    assert repr(stream) == "<EventStream 200 OK>"


def slow(delay: float, *items: Event | str | None) -> Iterator[Event | str | None]:
    for item in items:
        time.sleep(delay)
        yield item


def test_pings_are_sent_while_the_events_are_slow_to_come(app: App) -> None:
    @app.get("/slow")
    def events(request: Request) -> EventStream:
        return EventStream(slow(0.3, "late"), ping=0.05)

    data = app.test_client().get("/slow").data
    assert data.endswith(b"data: late\n\n")
    pings = data.count(PING)
    assert pings >= 2, data
    assert data == PING * pings + b"data: late\n\n"


def test_no_ping_while_events_keep_coming(app: App) -> None:
    @app.get("/quick")
    def events(request: Request) -> EventStream:
        return EventStream(slow(0.01, "a", "b", "c"), ping=5.0)

    assert app.test_client().get("/quick").data == b"data: a\n\ndata: b\n\ndata: c\n\n"


def test_none_sends_nothing(app: App) -> None:
    @app.get("/quiet")
    def events(request: Request) -> EventStream:
        return EventStream(iter([None, "a", None, None, "b", None]), ping=5.0)

    assert app.test_client().get("/quiet").data == b"data: a\n\ndata: b\n\n"


def test_without_ping_the_events_run_in_the_servers_thread(app: App) -> None:
    threads = []

    def events() -> Iterator[str | None]:
        threads.append(threading.get_ident())
        yield None
        yield "a"

    @app.get("/plain")
    def view(request: Request) -> EventStream:
        return EventStream(events(), ping=None)

    assert app.test_client().get("/plain").data == b"data: a\n\n"
    assert threads == [threading.get_ident()]


def test_with_ping_the_events_run_in_a_thread_with_the_requests_context(app: App) -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")
    seen = []

    def events() -> Iterator[str]:
        seen.append((threading.current_thread().name, request_id.get()))
        yield "a"

    @app.get("/threaded")
    def view(request: Request) -> EventStream:
        request_id.set("req-1")
        return EventStream(events())

    assert app.test_client().get("/threaded").data == b"data: a\n\n"
    assert seen == [("framework-events", "req-1")]


class Watched:
    """A generator of events, and what became of it: how far it got, whether it ended."""

    def __init__(self) -> None:
        self.sent = 0
        self.finished = threading.Event()

    def events(self, *, wait: float = 0.0) -> Iterator[Event | None]:
        try:
            while True:
                self.sent += 1
                yield Event(f"event {self.sent}", id=str(self.sent))
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    time.sleep(0.01)
                    yield None  # nothing yet: a closed stream ends here
        finally:
            self.finished.set()


@pytest.mark.parametrize(
    "ping", [pytest.param(0.05, id="threaded"), pytest.param(None, id="plain")]
)
def test_closing_the_body_runs_the_generators_finally(app: App, ping: float | None) -> None:
    watched = Watched()

    @app.get("/forever")
    def view(request: Request) -> EventStream:
        return EventStream(watched.events(), ping=ping)

    response = app.test_client().get("/forever", buffered=False)
    chunks = response.iter_encoded()
    assert [next(chunks) for _ in range(3)] == [
        b"",
        b"id: 1\ndata: event 1\n\n",
        b"id: 2\ndata: event 2\n\n",
    ]
    assert not watched.finished.is_set()
    response.close()  # what the server does when the client has gone
    assert watched.finished.is_set()
    assert watched.sent == 2  # nothing ran ahead of what was sent


def test_a_generator_waiting_for_news_is_closed_at_its_next_yield(app: App) -> None:
    watched = Watched()

    @app.get("/waiting")
    def view(request: Request) -> EventStream:
        return EventStream(watched.events(wait=60.0), ping=0.02)

    response = app.test_client().get("/waiting", buffered=False)
    chunks = response.iter_encoded()
    assert next(chunks) == b""
    assert next(chunks) == b"id: 1\ndata: event 1\n\n"
    assert next(chunks) == PING  # the generator is waiting, yielding None
    started = time.monotonic()
    response.close()
    assert watched.finished.wait(2.0)
    assert time.monotonic() - started < 1.0


def test_a_head_request_never_starts_the_events(app: App) -> None:
    started = []

    def events() -> Iterator[str]:
        started.append(True)
        yield "a"

    @app.get("/events")
    def view(request: Request) -> EventStream:
        return EventStream(events())

    response = app.test_client().head("/events")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    assert response.data == b""
    assert started == []


def test_the_client_may_resume_from_the_last_event_id(app: App) -> None:
    @app.get("/numbers")
    def numbers(request: Request) -> EventStream:
        last = request.headers.get("Last-Event-ID")
        start = int(last) + 1 if last and last.isdigit() else 1
        return EventStream(Event(str(n), id=str(n)) for n in range(start, 4))

    client = app.test_client()
    assert client.get("/numbers").data.count(b"data: ") == 3
    resumed = client.get("/numbers", headers={"Last-Event-ID": "2"}).data
    assert resumed == b"id: 3\ndata: 3\n\n"


def test_an_error_in_the_events_reaches_the_server(app: App) -> None:
    def events() -> Iterator[str]:
        yield "a"
        raise RuntimeError("the feed broke")

    @app.get("/broken")
    def view(request: Request) -> EventStream:
        return EventStream(events(), ping=1.0)

    response = app.test_client().get("/broken", buffered=False)
    chunks = response.iter_encoded()
    assert next(chunks) == b""
    assert next(chunks) == b"data: a\n\n"
    # The headers are out: the server gets the error, logs it and drops the
    # connection, so the client sees the stream end and reconnects.
    with pytest.raises(RuntimeError, match="the feed broke"):
        next(chunks)
    response.close()


def test_yielding_something_else_is_a_type_error(app: App) -> None:
    @app.get("/bytes")
    def view(request: Request) -> EventStream:
        return EventStream(iter([b"raw"]), ping=None)  # type: ignore[list-item]

    response = app.test_client().get("/bytes", buffered=False)
    chunks = response.iter_encoded()
    assert next(chunks) == b""
    with pytest.raises(TypeError, match="yields Event or str, got b'raw'"):
        next(chunks)
    response.close()


@pytest.mark.parametrize("ping", [0, -1.0, "15", True, float("inf"), float("nan")])
def test_a_bad_ping_is_refused(ping: Any) -> None:
    with pytest.raises(ValueError, match="ping is a number of seconds above 0"):
        EventStream([], ping=ping)


def test_events_must_be_iterable() -> None:
    with pytest.raises(TypeError):
        EventStream(42)  # type: ignore[arg-type]
