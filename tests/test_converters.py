"""The built-in converters: what text each accepts, and how it converts both ways."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from framework import Converter
from framework.converters import (
    DEFAULT_CONVERTERS,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)

ACCEPTS = [
    pytest.param(StringConverter, "caf\u00e9", True, id="string-any-text"),
    pytest.param(StringConverter, "a/b", False, id="string-no-slash"),
    pytest.param(IntConverter, "007", True, id="int-digits"),
    pytest.param(IntConverter, "-7", False, id="int-no-sign"),
    pytest.param(IntConverter, "\u0661", False, id="int-ascii-digits-only"),
    pytest.param(FloatConverter, "0.5", True, id="float"),
    pytest.param(FloatConverter, ".5", False, id="float-needs-integer-part"),
    pytest.param(PathConverter, "a/b/c.txt", True, id="path-slashes"),
    pytest.param(PathConverter, "/etc", False, id="path-no-leading-slash"),
    pytest.param(UUIDConverter, str(uuid.UUID(int=1)), True, id="uuid"),
    pytest.param(UUIDConverter, "not-a-uuid", False, id="uuid-rejects"),
]


@pytest.mark.parametrize(("converter", "text", "accepted"), ACCEPTS)
def test_regex_accepts(converter: type[Converter], text: str, accepted: bool) -> None:
    assert (re.fullmatch(converter.regex, text) is not None) is accepted


@pytest.mark.parametrize(
    ("converter", "text", "value", "url"),
    [
        (IntConverter, "007", 7, "7"),
        (FloatConverter, "2.50", 2.5, "2.5"),
        (UUIDConverter, "0000000000000000000000000000000A".lower(), uuid.UUID(int=10), None),
        (PathConverter, "a/b", "a/b", "a/b"),
    ],
)
def test_to_python_and_back(
    converter: type[Converter], text: str, value: Any, url: str | None
) -> None:
    instance = converter()
    assert instance.to_python(text) == value
    assert instance.to_url(value) == (url if url is not None else str(value))


def test_only_path_spans_segments() -> None:
    spanning = {name for name, cls in DEFAULT_CONVERTERS.items() if cls.spans_segments}
    assert spanning == {"path"}


@pytest.mark.parametrize("value", [1e16, 1e-7, 0.1, 2.5, 1.7976931348623157e308, 3])
def test_float_urls_have_no_exponent_and_round_trip(value: float) -> None:
    converter = FloatConverter()
    text = converter.to_url(value)
    assert re.fullmatch(converter.regex, text), text
    assert converter.to_python(text) == value
