"""Converters: how one path parameter is matched, turned into Python, and back.

A pattern such as ``/users/<int:user_id>`` names a converter (``int``) for
its parameter. The converter says three things: which text it accepts (a
regular expression), how that text becomes a Python value (``to_python``),
and how a value becomes text again when a URL is built (``to_url``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import uuid


class Converter:
    """Match, convert and format one path parameter.

    Subclass it to add a converter, then register the subclass with
    ``app.add_converter("name", MyConverter)``. ``to_python`` raising
    ``ValueError`` means "this route does not match here": the router then
    tries the next candidate, so another route may answer the request.
    """

    #: The text this converter accepts, as a regular expression matched
    #: against the whole parameter (no anchors needed).
    regex: ClassVar[str] = r"[^/]+"

    #: True when a value may contain "/" and so span several path segments.
    #: Such a parameter must be the last segment of its pattern.
    spans_segments: ClassVar[bool] = False

    def to_python(self, value: str) -> Any:
        """Turn the matched text into the value the view receives."""
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value back into URL text (before percent-encoding)."""
        return str(value)


class StringConverter(Converter):
    """One non-empty path segment, passed on as text: the default."""


class IntConverter(Converter):
    """A non-negative integer written in decimal digits: ``<int:user_id>``."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        """Turn the digits into an int."""
        return int(value)


class FloatConverter(Converter):
    """A non-negative decimal number, with or without a fraction: ``<float:x>``."""

    regex = r"[0-9]+(?:\.[0-9]+)?"

    def to_python(self, value: str) -> float:
        """Turn the text into a float."""
        return float(value)

    def to_url(self, value: Any) -> str:
        """Write the number as the regex takes it: digits, a point, no exponent."""
        if isinstance(value, float):
            # str(1e16) is "1e+16", which the regex (and so the route) would not
            # take: write the number's shortest exact digits without an exponent.
            from decimal import Decimal

            return format(Decimal(repr(value)), "f")
        return str(value)


class PathConverter(Converter):
    """The rest of the path, slashes included: ``/files/<path:filename>``."""

    # Not starting with "/" keeps "//host"-style values out of the parameter.
    # (?s:...): "." takes line breaks too, so every path that reaches us can match.
    regex = r"[^/](?s:.*)"
    spans_segments = True


class UUIDConverter(Converter):
    """A UUID in its canonical 8-4-4-4-12 hexadecimal form: ``<uuid:id>``."""

    regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        """Turn the text into a ``uuid.UUID``."""
        # Imported here: the uuid module (and the platform module it loads)
        # costs a little start-up time that apps without UUIDs needn't pay.
        from uuid import UUID

        return UUID(value)


#: The converters every router knows; ``add_converter`` adds to a copy.
DEFAULT_CONVERTERS: dict[str, type[Converter]] = {
    "string": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "path": PathConverter,
    "uuid": UUIDConverter,
}
