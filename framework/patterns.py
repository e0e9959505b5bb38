"""Path patterns: how ``/users/<int:user_id>`` becomes segments the router can match.

A pattern is split at ``/`` into segments, and each segment is of one
*kind*. The kinds are also the order in which matching tries the branches
at one point of the routing tree:

- ``STATIC``: text without ``<``, which a path must repeat exactly;
- ``MIXED``: text and parameters in one segment, ``report-<int:year>.csv``;
- ``TYPED``: one parameter with a converter, ``<int:id>``, ``<uuid:u>``,
  ``<string(length=2):code>``, which takes what the converter's regex
  accepts and hands the view what its ``to_python`` returns;
- ``PLAIN``: one parameter without one, ``<name>``: any non-empty segment;
- ``PATH``: ``<path:rest>``, which takes the rest of the path, ``/`` included.

Patterns are checked here, when a route is added, so a mistake is reported
with the pattern named rather than discovered by a request.
"""

from __future__ import annotations

import ast
import enum
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from mypy_extensions import mypyc_attr

from .converters import ONE_SEGMENT, Converter

#: A piece of a pattern for building URLs: text (already percent-encoded),
#: or (name, converter).
UrlPart = str | tuple[str, Converter]

#: Characters left as they are when text is put into a URL path: RFC 3986
#: allows the sub-delimiters, ":" and "@" in a path segment.
SEGMENT_SAFE = "!$&'()*+,;=:@"

#: A converter's name, and a parameter's: what a pattern can spell.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_PARAMETER = re.compile(
    r"""
    <                                               # a parameter opens with "<"
    (?:
      (?P<converter>[A-Za-z_][A-Za-z0-9_]*)         # an optional converter name,
      (?:\((?P<arguments>(?:[^()"']|"[^"]*"|'[^']*')*)\))?  # its (arguments),
      :                                             # and ":"
    )?
    (?P<name>[A-Za-z_][A-Za-z0-9_]*)                # the name, a Python identifier
    >                                               # and closes with ">"
    """,
    re.VERBOSE,
)

#: Arguments as the pattern wrote them, parsed: (positional, sorted keywords).
Arguments = tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]
_NO_ARGUMENTS: Arguments = ((), ())


# Compiled, an ordinary Python class, open to subclasses (ViewSignatureError): see HTTPError.
@mypyc_attr(native_class=False)
class RouteError(ValueError):
    """A route could not be registered: the message names it and says why."""


class Kind(enum.IntEnum):
    """The kinds of segment, in the order matching tries them at one point."""

    STATIC = 0
    MIXED = 1
    TYPED = 2
    PLAIN = 3
    PATH = 4


class Segment:
    """One ``/``-separated piece of a pattern that holds parameters.

    ``key`` identifies equal segments, so routes that share a prefix such as
    ``/repos/<owner>/<repo>`` share the same branch of the tree; ``shape``
    is the key without the parameters' names, which decides what it matches.
    """

    kind: ClassVar[Kind]
    key: tuple[Any, ...] = ()
    shape: tuple[Any, ...] = ()
    #: The segment as the pattern wrote it, such as ``<int:user_id>``.
    source: str = ""
    #: True for ``<path:...>``: it takes every segment left, not just one.
    spans_segments = False

    def match(self, text: str) -> dict[str, Any] | None:
        """Return the parameters this text gives, by name, or None if it doesn't fit."""
        raise NotImplementedError(f"{type(self).__name__} must define match")

    def sort_key(self) -> tuple[Any, ...]:
        """Order this segment among its siblings: lower is tried first.

        The kind first; then, among typed parameters, the converter's
        weight, and among mixed segments, the most literal text; last the
        text of the segment, so that registration order never decides.
        """
        return (self.kind, 0, 0, self.source)

    def __repr__(self) -> str:
        return f"<{self.kind.name.lower()} segment {self.source}>"


class Parameter(Segment):
    """A whole segment that is one typed parameter: ``<int:id>``."""

    kind = Kind.TYPED

    def __init__(self, name: str, converter: Converter, arguments: Arguments) -> None:
        self.name = name
        self.converter = converter
        self.regex = re.compile(converter.regex)
        self.shape = (self.kind, type(converter), arguments)
        self.key = (*self.shape, name)

    def match(self, text: str) -> dict[str, Any] | None:
        """Return ``{name: value}`` if the converter takes the text, else None."""
        if self.regex.fullmatch(text) is None:
            return None
        try:
            return {self.name: self.converter.to_python(text)}
        except ValueError:
            return None

    def sort_key(self) -> tuple[Any, ...]:
        """Typed parameters go by their converter's weight, then by their text."""
        converter = type(self.converter)
        return (self.kind, converter.weight, 0, self.source, converter.__qualname__)


class Plain(Parameter):
    """A whole segment that is one parameter without a converter: ``<name>``."""

    kind = Kind.PLAIN

    def match(self, text: str) -> dict[str, Any] | None:
        """Take any non-empty segment (a segment never holds "/")."""
        return {self.name: text} if text else None


class Rest(Parameter):
    """A last segment whose parameter takes the rest of the path: ``<path:rest>``."""

    kind = Kind.PATH
    spans_segments = True


class Mixed(Segment):
    """A segment mixing text and parameters: ``<name>.<ext>``, ``report-<int:year>.csv``."""

    kind = Kind.MIXED

    def __init__(
        self, parts: Sequence[tuple[str, str | None, Converter, Arguments] | str]
    ) -> None:
        regex = []
        self.parameters: list[tuple[str, str, Converter]] = []
        shape: list[Any] = []
        names: list[str] = []
        for part in parts:
            if isinstance(part, str):
                regex.append(re.escape(part))
                shape.append(part)
                continue
            name, _, converter, arguments = part
            group = f"p{len(self.parameters)}"
            regex.append(f"(?P<{group}>{converter.regex})")
            self.parameters.append((group, name, converter))
            shape.append((type(converter), arguments))
            names.append(name)
        self.regex = re.compile("".join(regex))
        self.literal_length = sum(len(part) for part in parts if isinstance(part, str))
        self.max_length = _longest_safe_text(len(self.parameters))
        self.shape = (self.kind, tuple(shape))
        self.key = (*self.shape, tuple(names))

    def sort_key(self) -> tuple[Any, ...]:
        """More literal text is more specific, so it is tried first."""
        return (self.kind, 0, -self.literal_length, self.source)

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


def check_converter(name: str, converter: Any) -> None:
    """Refuse a converter that no pattern could use, or that would misroute.

    A segment never holds "/", so a regex that can match "/" is a converter
    meant to span segments: it must say so with ``spans_segments = True``.
    """
    if not isinstance(name, str) or _IDENTIFIER.fullmatch(name) is None:
        raise RouteError(
            f"converter name {name!r} could not be written in a pattern: use letters, "
            "digits and '_', not starting with a digit (such as 'slug' or 'iso_date')"
        )
    if not (isinstance(converter, type) and issubclass(converter, Converter)):
        raise TypeError(
            f"add_converter({name!r}, ...) needs a subclass of framework.Converter, "
            f"got {converter!r}"
        )
    _check_regex(f"converter {name!r}", converter)


def _check_regex(owner: str, converter: type[Converter] | Converter) -> None:
    try:
        regex = re.compile(converter.regex)
    except re.error as error:
        raise RouteError(f"{owner}: its regex {converter.regex!r} is invalid: {error}") from None
    if not converter.spans_segments and _can_match_slash(regex):
        raise RouteError(
            f"{owner}: its regex {converter.regex!r} can match '/', but a parameter is one "
            "segment; exclude '/' (such as [^/]+), or set spans_segments = True for a "
            "converter that takes the rest of the path"
        )


def _can_match_slash(regex: re.Pattern[str]) -> bool:
    """Tell whether the regex takes a "/" in any of a few probe texts."""
    probes = ("/", "a/b", "0/1", "a/", "/a", "-/-", "a.b/c.d")
    return any("/" in found.group() for probe in probes for found in regex.finditer(probe))


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
        if piece in (".", ".."):
            raise RouteError(
                f"route pattern {pattern!r} has a {piece!r} segment, which clients resolve "
                "away before sending the request (RFC 3986); write the path without it"
            )
        parts = _parse_segment(pattern, piece, seen, converters)
        url_parts.append("/")
        url_parts.extend(
            quote(part, safe=SEGMENT_SAFE) if isinstance(part, str) else (part[0], part[2])
            for part in parts
        )
        segment = _segment(pattern, piece, parts, last=index == len(pieces) - 1)
        segments.append(segment)
    return segments, merge_text(url_parts)


def _segment(
    pattern: str,
    piece: str,
    parts: list[tuple[str, str | None, Converter, Arguments] | str],
    *,
    last: bool,
) -> str | Segment:
    """Make the tree segment of one piece of a pattern, of the kind its parts say."""
    if all(isinstance(part, str) for part in parts):
        return piece
    parameters = [part for part in parts if not isinstance(part, str)]
    spanning = [part for part in parameters if part[2].spans_segments]
    segment: Segment
    if len(parts) == 1 and spanning:
        if not last:
            raise RouteError(
                f"route pattern {pattern!r}: <{spanning[0][0]}> takes the rest of the path, "
                "so it must be the last segment"
            )
        name, _, converter, arguments = parameters[0]
        segment = Rest(name, converter, arguments)
    elif spanning:
        raise RouteError(
            f"route pattern {pattern!r}: <{spanning[0][0]}> takes the rest of the path, so "
            "it must be a whole segment of its own"
        )
    elif len(parts) == 1:
        name, converter_name, converter, arguments = parameters[0]
        plain = converter_name is None or (
            converter.regex == ONE_SEGMENT and type(converter).to_python is Converter.to_python
        )
        segment = (Plain if plain else Parameter)(name, converter, arguments)
    else:
        segment = Mixed(parts)
    segment.source = piece
    return segment


def _parse_segment(
    pattern: str, piece: str, seen: set[str], converters: Mapping[str, type[Converter]]
) -> list[tuple[str, str | None, Converter, Arguments] | str]:
    """Split one segment into its text and its (name, converter name, converter, arguments)."""
    parts: list[tuple[str, str | None, Converter, Arguments] | str] = []
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
        converter_name = found["converter"]
        arguments = _parse_arguments(pattern, found["arguments"])
        converter = _make_converter(pattern, found.group(), converter_name, arguments, converters)
        parts.append((name, converter_name, converter, arguments))
        position = found.end()
    rest = piece[position:]
    if "<" in rest or ">" in rest:
        raise RouteError(
            f"route pattern {pattern!r}: malformed parameter in {piece!r}; write "
            "<name>, <converter:name> or <converter(arguments):name> with a Python "
            "identifier as the name"
        )
    if rest:
        parts.append(rest)
    return parts


def _make_converter(
    pattern: str,
    written: str,
    converter_name: str | None,
    arguments: Arguments,
    converters: Mapping[str, type[Converter]],
) -> Converter:
    """Build the converter of one parameter, handing it the pattern's arguments."""
    name = converter_name or "string"
    if name not in converters:
        known = ", ".join(sorted(converters))
        raise RouteError(
            f"route pattern {pattern!r}: unknown converter {name!r} "
            f"(known: {known}); register it with add_converter()"
        )
    cls = converters[name]
    args, kwargs = arguments
    try:
        converter = cls(*args, **dict(kwargs))
    except (TypeError, ValueError) as error:
        raise RouteError(
            f"route pattern {pattern!r}: {written} has bad arguments for {cls.__name__}: {error}"
        ) from None
    if arguments != _NO_ARGUMENTS:
        _check_regex(f"route pattern {pattern!r}: {written}", converter)
    return converter


def _parse_arguments(pattern: str, text: str | None) -> Arguments:
    """Parse ``min=1, max=99`` or ``png, jpg``: Python literals, or bare words as text."""
    if text is None or not text.strip():
        return _NO_ARGUMENTS
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        call = None
    if not isinstance(call, ast.Call):
        raise RouteError(
            f"route pattern {pattern!r}: cannot read the converter arguments ({text}); "
            "write them as in a call, such as (min=1, max=99) or (png, jpg)"
        )
    if any(keyword.arg is None for keyword in call.keywords) or any(
        isinstance(node, ast.Starred) for node in call.args
    ):
        raise RouteError(
            f"route pattern {pattern!r}: converter arguments are written out one by one, "
            f"not unpacked with * or ** ({text})"
        )
    args = tuple(_literal(pattern, node) for node in call.args)
    kwargs = tuple(sorted((str(kw.arg), _literal(pattern, kw.value)) for kw in call.keywords))
    return args, kwargs


def _literal(pattern: str, node: ast.expr) -> Any:
    """Read one argument: a number, string, True, False or None; a bare word is text."""
    if isinstance(node, ast.Name):
        return node.id
    try:
        value = ast.literal_eval(node)
    except ValueError:
        value = None
    else:
        if isinstance(value, (str, int, float, bool)):
            return value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    raise RouteError(
        f"route pattern {pattern!r}: a converter argument must be a number, a string, "
        f"True, False or None, got {ast.unparse(node)}"
    )


def merge_text(parts: list[UrlPart]) -> list[UrlPart]:
    """Join neighbouring text parts, so URL building appends fewer pieces."""
    merged: list[UrlPart] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged
