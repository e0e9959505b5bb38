"""Path patterns: how ``/users/<int:user_id>`` becomes segments the router can match.

A pattern is split at ``/`` into segments. A segment without ``<`` is
static text that a path must repeat exactly. The others hold parameters:

- ``<name>`` takes any non-empty segment (a *plain* parameter);
- ``<int:id>`` takes what the ``int`` converter's regex accepts, and hands
  the view what its ``to_python`` returns (a *typed* parameter);
- ``report-<int:year>.csv`` mixes text and parameters in one segment;
- ``<path:rest>`` takes the rest of the path, ``/`` included.

Patterns are checked here, when a route is added, so a mistake is reported
with the pattern named rather than discovered by a request.
"""

from __future__ import annotations

import abc
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .converters import Converter

#: A piece of a pattern for building URLs: literal text, or (name, converter).
UrlPart = str | tuple[str, Converter]

_METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")

_PARAMETER = re.compile(
    r"""
    <                                               # a parameter opens with "<"
    (?:(?P<converter>[A-Za-z_][A-Za-z0-9_]*):)?     # an optional converter name and ":"
    (?P<name>[A-Za-z_][A-Za-z0-9_]*)                # the name, a Python identifier
    >                                               # and closes with ">"
    """,
    re.VERBOSE,
)


class RouteError(ValueError):
    """A route could not be registered: the message names it and says why."""


class Segment(abc.ABC):
    """One ``/``-separated piece of a pattern that holds parameters.

    ``key`` identifies equal segments, so routes that share a prefix such as
    ``/repos/<owner>/<repo>`` share the same branch of the tree.
    """

    #: Priority among the dynamic children of a node: lower is tried first.
    rank: int = 0
    key: tuple[Any, ...] = ()
    #: The parameter's name, for segments that are one plain parameter.
    name: str = ""
    #: True for a plain ``<name>``, which takes any non-empty segment.
    plain: bool = False
    #: The segment as the pattern wrote it, such as ``<int:user_id>``.
    source: str = ""

    @abc.abstractmethod
    def match(self, text: str) -> dict[str, Any] | None:
        """Return the parameters this text gives, by name, or None if it doesn't fit."""

    def sort_key(self) -> tuple[int, int]:
        """Order this segment among its siblings: lower is tried first."""
        return (self.rank, 0)


class Parameter(Segment):
    """A whole segment that is one parameter: ``<name>`` or ``<int:id>``."""

    def __init__(self, name: str, converter: Converter) -> None:
        self.name = name
        self.converter = converter
        self.plain = type(converter).regex == Converter.regex and (
            type(converter).to_python is Converter.to_python
        )
        self.regex = re.compile(converter.regex)
        self.rank = 3 if self.plain else 2
        self.key = ("param", name, type(converter))

    def match(self, text: str) -> dict[str, Any] | None:
        """Return ``{name: value}`` if the text fits this parameter, else None."""
        if self.plain:
            # "[^/]+" on a segment, which never holds "/": any non-empty text.
            return {self.name: text} if text else None
        if self.regex.fullmatch(text) is None:
            return None
        try:
            return {self.name: self.converter.to_python(text)}
        except ValueError:
            return None


class Mixed(Segment):
    """A segment mixing text and parameters: ``<name>.<ext>``, ``report-<int:year>.csv``."""

    rank = 1

    def __init__(self, parts: Sequence[UrlPart]) -> None:
        regex = []
        self.parameters: list[tuple[str, str, Converter]] = []
        literal_length = 0
        for part in parts:
            if isinstance(part, str):
                regex.append(re.escape(part))
                literal_length += len(part)
            else:
                name, converter = part
                group = f"p{len(self.parameters)}"
                regex.append(f"(?P<{group}>{converter.regex})")
                self.parameters.append((group, name, converter))
        self.regex = re.compile("".join(regex))
        self.literal_length = literal_length
        self.max_length = _longest_safe_text(len(self.parameters))
        self.key = (
            "mixed",
            tuple(p if isinstance(p, str) else (p[0], type(p[1])) for p in parts),
        )

    def sort_key(self) -> tuple[int, int]:
        """Order mixed segments by their literal text, the longest first."""
        # More literal text is more specific, so it is tried first.
        return (self.rank, -self.literal_length)

    def match(self, text: str) -> dict[str, Any] | None:
        """Return the converted parameters if the text has this shape, else None."""
        if self.max_length is not None and len(text) > self.max_length:
            return None
        found = self.regex.fullmatch(text)
        if found is None:
            return None
        try:
            return {
                name: converter.to_python(found.group(group))
                for group, name, converter in self.parameters
            }
        except ValueError:
            return None


#: Ways of splitting one segment among its parameters that a regex may try.
SPLIT_BUDGET = 500_000


def _longest_safe_text(parameters: int) -> int | None:
    r"""Return the longest segment a mixed segment with this many parameters tries.

    A regex such as ``(?P<a>[^/]+)-(?P<b>[^/]+)-(?P<c>[^/]+)\.csv`` that fails
    on a segment of n dashes has tried every way to cut it in three: about
    n**3 / 6 of them. A client could send such a segment to keep a worker
    busy for seconds, so longer segments are not tried at all (they get the
    404 any other non-matching path gets). One parameter needs no limit.
    """
    if parameters < 2:
        return None
    length = parameters
    while math.comb(length + 1, parameters) <= SPLIT_BUDGET:
        length += 1
    return length


class Rest(Parameter):
    """A last segment whose parameter takes the rest of the path: ``<path:rest>``."""

    def __init__(self, name: str, converter: Converter) -> None:
        super().__init__(name, converter)
        self.plain = False
        self.rank = 4
        self.key = ("rest", name, type(converter))


def parse_pattern(
    pattern: str, converters: Mapping[str, type[Converter]]
) -> tuple[list[str | Segment], list[UrlPart]]:
    """Split a pattern into tree segments and URL-building parts, checking it.

    ``converters`` maps the names usable as ``<name:...>`` to converter classes.
    """
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise RouteError(f"route pattern {pattern!r} must be a string starting with '/'")
    segments: list[str | Segment] = []
    url_parts: list[UrlPart] = []
    seen: set[str] = set()
    pieces = pattern[1:].split("/")
    for index, piece in enumerate(pieces):
        if piece == "" and index != len(pieces) - 1:
            raise RouteError(
                f"route pattern {pattern!r} has an empty segment ('//'); remove the extra slash"
            )
        parts = _parse_segment(pattern, piece, seen, converters)
        url_parts.append("/")
        url_parts.extend(parts)
        if len(parts) == 1 and not isinstance(parts[0], str):
            name, converter = parts[0]
            if converter.spans_segments:
                if index != len(pieces) - 1:
                    raise RouteError(
                        f"route pattern {pattern!r}: <{name}> takes the rest of the path, "
                        "so it must be the last segment"
                    )
                segment: Segment = Rest(name, converter)
            else:
                segment = Parameter(name, converter)
            segment.source = piece
            segments.append(segment)
        elif all(isinstance(part, str) for part in parts):
            segments.append(piece)
        else:
            for part in parts:
                if not isinstance(part, str) and part[1].spans_segments:
                    raise RouteError(
                        f"route pattern {pattern!r}: <{part[0]}> takes the rest of the "
                        "path, so it must be a whole segment of its own"
                    )
            segment = Mixed(parts)
            segment.source = piece
            segments.append(segment)
    return segments, merge_text(url_parts)


def _parse_segment(
    pattern: str, piece: str, seen: set[str], converters: Mapping[str, type[Converter]]
) -> list[UrlPart]:
    parts: list[UrlPart] = []
    position = 0
    for found in _PARAMETER.finditer(piece):
        text = piece[position : found.start()]
        if "<" in text or ">" in text:
            break
        if text:
            parts.append(text)
        elif parts:
            raise RouteError(
                f"route pattern {pattern!r}: two parameters touch in {piece!r}; put some "
                "text between them so the router knows where one ends"
            )
        name = found["name"]
        if name in seen:
            raise RouteError(
                f"route pattern {pattern!r} uses the parameter name {name!r} twice; rename one"
            )
        seen.add(name)
        converter_name = found["converter"] or "string"
        if converter_name not in converters:
            known = ", ".join(sorted(converters))
            raise RouteError(
                f"route pattern {pattern!r}: unknown converter {converter_name!r} "
                f"(known: {known}); register it with add_converter()"
            )
        parts.append((name, converters[converter_name]()))
        position = found.end()
    rest = piece[position:]
    if "<" in rest or ">" in rest:
        raise RouteError(
            f"route pattern {pattern!r}: malformed parameter in {piece!r}; write "
            "<name> or <converter:name> with a Python identifier as the name"
        )
    if rest:
        parts.append(rest)
    return parts


def merge_text(parts: list[UrlPart]) -> list[UrlPart]:
    """Join neighbouring text parts, so URL building appends fewer pieces."""
    merged: list[UrlPart] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged
