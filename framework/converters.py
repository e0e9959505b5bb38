"""Converters: how one path parameter is matched, turned into Python, and back.

A pattern such as ``/users/<int:user_id>`` names a converter (``int``) for
its parameter. The converter says three things: which text it accepts (a
regular expression), how that text becomes a Python value (``to_python``),
and how a value becomes text again when a URL is built (``to_url``).

A converter may take arguments, written as in werkzeug:
``<int(min=1, max=99):page>``, ``<string(length=2):country>``,
``<any(png, jpg, gif):ext>``. They are handed to the converter's
``__init__`` when the route is added, so a pattern with arguments gets a
converter of its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

if TYPE_CHECKING:
    import uuid

Number = TypeVar("Number", int, float)

#: What a parameter takes when its converter says nothing else: one
#: non-empty segment.
ONE_SEGMENT: Final = r"[^/]+"


class Converter:
    """Match, convert and format one path parameter.

    Subclass it to add a converter, then register the subclass with
    ``app.add_converter("name", MyConverter)``. ``to_python`` raising
    ``ValueError`` means "this route does not match here": the router then
    tries the next candidate, so another route may answer the request.
    Arguments written in the pattern (``<name(3, strict=True):param>``)
    are passed to ``__init__``, which may set ``self.regex`` from them.
    """

    #: The text this converter accepts, as a regular expression matched
    #: against the whole parameter (no anchors needed). An instance may set
    #: its own, from its arguments.
    regex: str = ONE_SEGMENT

    #: True when a value may contain "/" and so span several path segments.
    #: Such a parameter must be the last segment of its pattern.
    spans_segments: ClassVar[bool] = False

    #: The order among typed parameters at one point of the routing tree:
    #: a lower weight is tried first. Give a converter that accepts less
    #: text a lower weight than one that accepts more (``int`` is tried
    #: before ``float``, since every integer is also a float).
    weight: ClassVar[int] = 100

    def to_python(self, value: str) -> Any:
        """Turn the matched text into the value the view receives."""
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value back into URL text (before percent-encoding)."""
        return str(value)


class StringConverter(Converter):
    """One non-empty path segment, passed on as text: the default.

    ``<string(length=2):code>`` takes exactly two characters;
    ``<string(minlength=3, maxlength=8):slug>`` from three to eight.
    """

    def __init__(
        self, minlength: int = 1, maxlength: int | None = None, length: int | None = None
    ) -> None:
        if length is not None:
            minlength = maxlength = _count("length", length, minimum=1)
        minlength = _count("minlength", minlength, minimum=1)
        if maxlength is None:
            if minlength != 1:
                self.regex = f"[^/]{{{minlength},}}"
            return
        maxlength = _count("maxlength", maxlength, minimum=minlength)
        if minlength == maxlength:
            self.regex = f"[^/]{{{minlength}}}"
        else:
            self.regex = f"[^/]{{{minlength},{maxlength}}}"


class IntConverter(Converter):
    """An integer in decimal digits: ``<int:user_id>``.

    ``<int(signed=True):n>`` also takes a leading ``-``;
    ``<int(min=1, max=99):page>`` takes only numbers in that range.
    """

    regex = r"[0-9]+"
    weight = 40

    def __init__(
        self, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        self.min: int | None = _number("min", min, int)
        self.max: int | None = _number("max", max, int)
        if signed:
            self.regex = r"-?[0-9]+"

    def to_python(self, value: str) -> int:
        """Turn the digits into an int; outside ``min``..``max`` this route does not match."""
        return _in_range(int(value), self.min, self.max)


class FloatConverter(Converter):
    """A decimal number, with or without a fraction: ``<float:x>``.

    ``<float(signed=True):x>`` also takes a leading ``-``; ``min`` and
    ``max`` bound it as for ``int``.
    """

    regex = r"[0-9]+(?:\.[0-9]+)?"
    weight = 50

    def __init__(
        self, min: float | None = None, max: float | None = None, signed: bool = False
    ) -> None:
        self.min: float | None = _number("min", min, float)
        self.max: float | None = _number("max", max, float)
        if signed:
            self.regex = r"-?[0-9]+(?:\.[0-9]+)?"

    def to_python(self, value: str) -> float:
        """Turn the text into a float; outside ``min``..``max`` this route does not match."""
        return _in_range(float(value), self.min, self.max)

    def to_url(self, value: Any) -> str:
        """Write the number as the regex takes it: digits, a point, no exponent."""
        if isinstance(value, float):
            # str(1e16) is "1e+16", which the regex (and so the route) would not
            # take: write the number's shortest exact digits without an exponent.
            from decimal import Decimal

            return format(Decimal(repr(value)), "f")
        return str(value)


class AnyConverter(Converter):
    """One of a fixed set of words: ``<any(png, jpg, gif):ext>``."""

    weight = 30

    def __init__(self, *items: str) -> None:
        if not items or not all(isinstance(item, str) and item for item in items):
            raise ValueError("any() needs one or more words, such as any(png, jpg)")
        if any("/" in item for item in items):
            raise ValueError("the words of any() cannot hold '/'")
        self.items = items
        self.regex = "(?:" + "|".join(re.escape(item) for item in items) + ")"


class PathConverter(Converter):
    """The rest of the path, slashes included: ``/files/<path:filename>``."""

    # Not starting with "/" keeps "//host"-style values out of the parameter.
    # (?s:...): "." takes line breaks too, so every path that reaches us can match.
    regex = r"[^/](?s:.*)"
    spans_segments = True
    weight = 200


class UUIDConverter(Converter):
    """A UUID in its canonical 8-4-4-4-12 hexadecimal form: ``<uuid:id>``."""

    regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    weight = 20

    def to_python(self, value: str) -> uuid.UUID:
        """Turn the text into a ``uuid.UUID``."""
        # Imported here: the uuid module (and the platform module it loads)
        # costs a little start-up time that apps without UUIDs needn't pay.
        from uuid import UUID

        return UUID(value)


def _count(name: str, value: Any, *, minimum: int) -> int:
    if type(value) is not int or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return value


def _number(name: str, value: Any, kind: type[int] | type[float]) -> Any:
    if value is None:
        return None
    if type(value) is bool or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if kind is int and type(value) is not int:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return value


def _in_range(value: Number, low: Number | None, high: Number | None) -> Number:
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{value} is outside the range {low}..{high}")
    return value


#: The converters every router knows; ``add_converter`` adds to a copy.
DEFAULT_CONVERTERS: dict[str, type[Converter]] = {
    "string": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "uuid": UUIDConverter,
}
