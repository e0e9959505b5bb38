"""Response headers: names, values checked as they are set, several values per name.

A header line is ``Name: value``, ended by CRLF. A name is an HTTP token; a
value may hold no line break (one would end the line early and let whoever
chose the value write headers of their own: response splitting) and must be
latin-1 for WSGI. ``check_header`` says so, and ``ResponseHeaders`` calls
it on every value it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

#: What headers may be given as: a mapping, pairs, or none.
HeaderSource = Mapping[str, Any] | Iterable[tuple[str, Any]] | None

#: A header name is an HTTP token (RFC 9110, section 5.6.2).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: Control characters other than tab, which a header value may not hold (RFC 9110, 5.5).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

#: Header names already found valid: most responses reuse a handful.
# PERF: bench/instructions.py github-405, 7.4% fewer instructions per request,
# with the fast path in ResponseHeaders.__init__ that rests on it.
_checked_names: set[str] = set()


def check_header(name: object, value: Any) -> str:
    """Return ``value`` as a header-safe str, or raise ValueError naming the header.

    A CR or LF in a header value would end the header line early and let
    whoever chose the value write headers of their own (response splitting).
    WSGI headers must also be encodable as latin-1.
    """
    if name not in _checked_names:
        if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
            raise ValueError(f"invalid header name {name!r}: use letters, digits and '-'")
        if len(_checked_names) < 1000:
            _checked_names.add(name)
    text = value if isinstance(value, str) else str(value)
    if "\r" in text or "\n" in text or "\0" in text:
        raise HeaderInjectionError(f"header {name!r}: the value {text!r} holds CR, LF or NUL")
    if _CONTROL.search(text):
        raise BadHeaderValue(
            f"header {name!r}: the value {text!r} holds a control character; only tab is allowed"
        )
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        raise BadHeaderValue(
            f"header {name!r}: the value {text!r} is not latin-1; percent-encode it"
        ) from None
    return text


class BadHeaderValue(ValueError):
    """A header value that cannot be written on a header line.

    Such a value almost always comes from the request (a query parameter
    copied into a header): the app answers the client with a 400, and logs
    a warning naming the header, for the developer to encode the value.
    """


class HeaderInjectionError(BadHeaderValue):
    """A header value held CR, LF or NUL, which would end the header line early.

    Whoever chose the value could otherwise write headers of their own
    (response splitting).
    """


class ResponseHeaders:
    """Response headers: case-insensitive names, several values per name allowed.

    Kept as the list of ``(name, value)`` pairs that WSGI's ``start_response``
    takes, in the order they were added. Every value is checked when set.

    The app adds defaults (``add_defaults``: the security headers and
    X-Request-ID) that the response is sent with unless it sets them
    itself; they are not among its own headers until then. ``lines`` gives
    what is sent: its own headers, the defaults, and Content-Length.
    """

    __slots__ = ("_default_names", "_defaults", "_items")
    _defaults: list[tuple[str, str]]
    _default_names: frozenset[str]

    def __init__(
        self,
        headers: HeaderSource = None,
        content_type: str | None = None,
        *,
        replace_content_type: bool = True,
    ) -> None:
        """Start from a mapping or a list of pairs, and a Content-Type.

        ``content_type`` replaces a Content-Type in ``headers``, or with
        ``replace_content_type=False`` is only a default for when they have none.
        """
        self._items: list[tuple[str, str]] = []
        self._defaults, self._default_names = [], frozenset()  # none until add_defaults
        typed = False
        # PERF: bench/instructions.py --workload github-405: 19.3% fewer instructions per request.
        if type(headers) is dict:
            # A dict's names are distinct already: add without looking for duplicates.
            # Any: a name that is not a str must reach check_header and its ValueError.
            pairs: Iterable[tuple[Any, Any]] = headers.items()
            for name, value in pairs:
                # The fast path of check_header, inlined: a name seen before and
                # printable ASCII, which holds no CR, LF or NUL to break the line.
                # PERF: bench/instructions.py --workload github-405: 4.6% fewer instructions
                # per request (7.4% with _checked_names, on which it rests).
                if not (
                    type(value) is str
                    and value.isascii()
                    and value.isprintable()
                    and name in _checked_names
                ):
                    value = check_header(name, value)
                if name.lower() == "content-type":
                    typed = True
                    if content_type is not None and replace_content_type:
                        continue
                self._items.append((name, value))
        elif headers:
            self.update(headers)
            typed = "Content-Type" in self
            if typed and content_type is not None and replace_content_type:
                del self["Content-Type"]
        if content_type is not None and (replace_content_type or not typed):
            # PERF: bench/instructions.py --workload github-200: 6.6% fewer instructions
            # per request.
            if not (
                type(content_type) is str and content_type.isascii() and content_type.isprintable()
            ):
                content_type = check_header("Content-Type", content_type)
            self._items.append(("Content-Type", content_type))

    def update(self, headers: HeaderSource) -> None:
        """Set each header of a mapping or a list of pairs, replacing earlier values."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
        for name, value in pairs:
            self[name] = value

    def add(self, name: str, value: Any) -> None:
        """Add a header line, keeping the ones already there (as for Set-Cookie)."""
        self._items.append((name, check_header(name, value)))

    def __setitem__(self, name: str, value: Any) -> None:
        text = check_header(name, value)
        if name in self:
            del self[name]
        self._items.append((name, text))

    def add_defaults(self, headers: list[tuple[str, str]], names: frozenset[str]) -> None:
        """Send each of ``headers`` (checked already) that the response does not set itself.

        ``names`` holds the lower-cased names of every header that may be in
        ``headers``. They are added when the response is sent (``lines``),
        so a header the response sets after this still wins.
        """
        self._defaults, self._default_names = headers, names

    def lines(self, content_length: int | None = None) -> list[tuple[str, str]]:
        """Return the header lines to send: these, the defaults not set here, and the length.

        ``content_length``, the length of a body known in advance, replaces
        any Content-Length set here: the length measured is the truth.
        """
        # PERF: bench/instructions.py github-200, 4.8% fewer instructions (hello 4.0%)
        # than adding the defaults in add_defaults and then looking through every
        # header for a Content-Length: one pass over the response's own few headers.
        lines = []
        names = self._default_names
        overridden = False
        for item in self._items:
            name = item[0].lower()
            if name in names:
                overridden = True  # most responses set none of them
            elif name == "content-length" and content_length is not None:
                continue
            lines.append(item)
        if overridden:
            present = {name.lower() for name, _ in self._items}
            lines.extend([item for item in self._defaults if item[0].lower() not in present])
        else:
            lines.extend(self._defaults)
        if content_length is not None:
            lines.append(("Content-Length", str(content_length)))
        return lines

    def setdefault(self, name: str, value: Any) -> str:
        """Set the header unless it is there; return its value."""
        existing = self.get(name)
        if existing is not None:
            return existing
        self[name] = value
        return self[name]

    def __getitem__(self, name: str) -> str:
        lowered = name.lower()
        for key, value in self._items:
            if key.lower() == lowered:
                return value
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of a header, or ``default``."""
        try:
            return self[name]
        except KeyError:
            return default

    def getlist(self, name: str) -> list[str]:
        """Return every value of a header, in order."""
        lowered = name.lower()
        return [value for key, value in self._items if key.lower() == lowered]

    def __delitem__(self, name: str) -> None:
        lowered = name.lower()
        self._items = [item for item in self._items if item[0].lower() != lowered]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        lowered = name.lower()
        return any(key.lower() == lowered for key, _ in self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, str]]:
        """Return the ``(name, value)`` pairs, in order."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"ResponseHeaders({self._items!r})"
