"""Server-sent events: one response that stays open, and carries events as they happen.

A browser opens the stream with ``new EventSource("/path")``: a GET whose
answer is ``text/event-stream``, never finished. Each event is a few lines
of text and a blank line (the HTML Living Standard, "Server-sent events")::

    event: price
    id: 42
    data: {"symbol": "ACME", "price": 12.5}

``data`` is the message, a ``data:`` line for each of its lines; ``event``
names its type (``message`` without it); ``id`` is what the browser sends
back in ``Last-Event-ID`` when it reconnects after losing the stream;
``retry`` tells it how many milliseconds to wait before reconnecting. A line
that starts with a colon is a comment, which the browser ignores: sent while
nothing else is (``: ping``), it keeps proxies and load balancers from
closing a connection that looks idle, and lets the server find out that a
client has gone.

``EventStream`` runs the app's iterable of events in a thread of its own, so
that the thread answering the request can send a ping while the iterable is
still waiting for its next event. When the client goes away, the server's
next write fails and it calls the body's ``close()`` (PEP 3333): the
iterable is closed in its thread, so a generator's ``finally`` runs.
"""

from __future__ import annotations

import contextvars
import logging
import math
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .response import HeaderSource, Response

logger = logging.getLogger("framework")

#: A comment line and the blank line that ends it: the browser ignores it.
PING = b": ping\n\n"
#: The line breaks of the event stream format: CRLF, CR or LF.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: How long ``close()`` waits for the events' thread to close them (seconds).
_CLOSE_WAIT = 1.0


@dataclass(frozen=True, slots=True)
class Event:
    """One server-sent event: its data and, if given, its type, id and retry delay.

    ``data`` may hold several lines; each goes on a ``data:`` line of its
    own, and the browser joins them back with LF. ``event`` and ``id`` are
    single lines (a line break would end the field early and start another);
    an ``id`` holding NUL would be ignored by the browser, so it is refused
    too. ``retry`` is a whole number of milliseconds, 0 or more.
    """

    #: The message, the ``data`` of the browser's ``MessageEvent``.
    data: str
    #: The event type, for ``addEventListener(type, ...)``; None is ``message``.
    event: str | None = None
    #: The id the browser sends back in ``Last-Event-ID`` when it reconnects.
    id: str | None = None
    #: How long the browser should wait before reconnecting, in milliseconds.
    retry: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.data, str):
            raise TypeError(f"an event's data is a str, got {self.data!r}; json.dumps it first")
        for name in ("event", "id"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise TypeError(f"an event's {name} is a str, got {value!r}")
            if "\r" in value or "\n" in value:
                raise ValueError(f"an event's {name} is one line: {value!r} holds CR or LF")
        if self.id is not None and "\0" in self.id:
            raise ValueError(f"an event's id may not hold NUL, which browsers ignore: {self.id!r}")
        if self.retry is not None and (
            type(self.retry) is not int or self.retry < 0  # bool is no number of milliseconds
        ):
            raise ValueError(
                "an event's retry is a whole number of milliseconds, 0 or more, "
                f"got {self.retry!r}"
            )

    def encode(self) -> bytes:
        """Return the event as it goes on the wire: its field lines and a blank line."""
        lines = []
        if self.event is not None:
            lines.append(f"event: {self.event}\n")
        if self.id is not None:
            lines.append(f"id: {self.id}\n")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}\n")
        lines.extend(f"data: {line}\n" for line in _LINE_BREAK.split(self.data))
        lines.append("\n")
        return "".join(lines).encode()


def encode_item(item: object) -> bytes:
    """Return what the app yielded, an Event or a str, as event stream bytes."""
    if isinstance(item, Event):
        return item.encode()
    if isinstance(item, str):
        return Event(item).encode()
    raise TypeError(f"an event stream yields Event or str, got {item!r}")


class EventStream(Response):
    """A ``text/event-stream`` response: the events of ``events``, sent as they come.

    ``events`` is an iterable (typically a generator) of ``Event`` or
    ``str``; it may also yield None, which sends nothing, to say "nothing
    yet" while it waits. Every ``ping`` seconds without an event, a comment
    line is sent instead, to keep the connection open through proxies and
    to notice a client that went away; ``ping=None`` sends none, and runs
    ``events`` in the server's own thread.

    The headers say what the stream is: ``Cache-Control: no-cache`` (no
    cache may keep it) and ``X-Accel-Buffering: no`` (nginx passes each
    event on at once instead of filling its buffer first). There is no
    Content-Length: the stream ends when ``events`` does.
    """

    def __init__(
        self,
        events: Iterable[Event | str | None],
        *,
        ping: float | None = 15.0,
        headers: HeaderSource = None,
    ) -> None:
        if ping is not None and (
            isinstance(ping, bool)
            or not isinstance(ping, (int, float))
            or not 0 < ping < math.inf  # a wait without end would never send one
        ):
            raise ValueError(f"ping is a number of seconds above 0, or None, got {ping!r}")
        super().__init__(EventBody(events, ping), 200, headers, content_type="text/event-stream")
        self.headers.setdefault("Cache-Control", "no-cache")
        self.headers.setdefault("X-Accel-Buffering", "no")

    def __repr__(self) -> str:
        return f"<EventStream {self.status_line}>"


class EventBody:
    """The body of an EventStream, as the server iterates it: events and pings, in bytes.

    The first chunk is empty: gunicorn and werkzeug send the headers on
    it, so the browser's ``EventSource`` opens before the first event is
    ready. (PEP 3333 lets a server wait for the first non-empty chunk
    instead: there, the first event or ping.)
    """

    def __init__(self, events: Iterable[Event | str | None], ping: float | None) -> None:
        self._events = iter(events)
        self._ping = ping
        self._feeder: _Feeder | None = None
        self._started = False
        self._finished = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._finished:
            raise StopIteration
        if not self._started:
            self._started = True
            if self._ping is not None:
                self._feeder = _Feeder(self._events)
            return b""
        if self._feeder is None:
            item = None
            while item is None:
                item = next(self._events)
            return encode_item(item)
        try:
            item = self._feeder.next_item(self._ping)
        except queue.Empty:
            return PING
        except BaseException:
            self._finished = True
            raise
        return encode_item(item)

    def close(self) -> None:
        """Stop the events, as the server does when it is done: a generator's ``finally`` runs.

        In a thread of its own, a generator waiting for its next event is
        closed at its next ``yield`` (a None will do); ``close()`` waits a
        moment for that, then leaves it to finish on its own.
        """
        self._finished = True
        if self._feeder is not None:
            self._feeder.stop()
        else:
            _close_iterator(self._events)


class _Feeder:
    """Run an iterator in a thread of its own, one item each time one is asked for.

    Items are computed on demand, as a server iterating the generator
    itself would have them: nothing runs ahead of what the client has
    been sent, and once the stream is stopped, the generator is closed in
    the thread it runs in, the only one that may close it.
    """

    def __init__(self, events: Iterator[Event | str | None]) -> None:
        self._events = events
        #: True: compute the next item; False: stop.
        self._demands: queue.SimpleQueue[bool] = queue.SimpleQueue()
        #: ("item", item), ("end", None) or ("error", exception).
        self._results: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._asked = False
        # The context of the request's thread goes along (context variables a
        # logging filter reads, say), as if the generator ran there.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._run,), name="framework-events", daemon=True
        )
        self._thread.start()

    def next_item(self, timeout: float | None) -> Event | str:
        """Return the next item; queue.Empty after ``timeout`` s, StopIteration at the end."""
        if not self._asked:
            self._demands.put(True)
            self._asked = True
        kind, payload = self._results.get(timeout=timeout)
        self._asked = False
        if kind == "end":
            raise StopIteration
        if kind == "error":
            raise payload
        return payload  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Close the iterator in its thread, and wait a moment for that to be done."""
        self._stopping.set()
        self._demands.put(False)
        self._thread.join(_CLOSE_WAIT)

    def _run(self) -> None:
        try:
            while self._demands.get():
                try:
                    item = next(self._events)
                    while item is None and not self._stopping.is_set():
                        item = next(self._events)
                except StopIteration:
                    self._results.put(("end", None))
                    return
                except BaseException as error:
                    self._results.put(("error", error))
                    return
                if self._stopping.is_set():
                    return
                self._results.put(("item", item))
        finally:
            _close_iterator(self._events)


def _close_iterator(events: Iterator[Any]) -> None:
    close = getattr(events, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:
        # The server is done with the response: nobody else can hear of it.
        logger.exception("error while closing the events of an event stream")
