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


ARGUMENT_CASES = [
    pytest.param("<int(min=1, max=99):n>", "5", 5, id="int-in-range"),
    pytest.param("<int(min=1, max=99):n>", "0", None, id="int-below-min"),
    pytest.param("<int(min=1, max=99):n>", "100", None, id="int-above-max"),
    pytest.param("<int:n>", "-3", None, id="int-unsigned-by-default"),
    pytest.param("<int(signed=True):n>", "-3", -3, id="int-signed"),
    pytest.param("<float(signed=True):x>", "-2.5", -2.5, id="float-signed"),
    pytest.param("<float(max=1.0):x>", "1.5", None, id="float-above-max"),
    pytest.param("<string(length=2):code>", "fr", "fr", id="string-length"),
    pytest.param("<string(length=2):code>", "fra", None, id="string-too-long"),
    pytest.param("<string(minlength=3, maxlength=8):slug>", "ab", None, id="string-too-short"),
    pytest.param("<string(minlength=3, maxlength=8):slug>", "abcdefgh", "abcdefgh", id="max"),
    pytest.param("<string(minlength=3, maxlength=8):slug>", "abcdefghi", None, id="over-max"),
    pytest.param("<any(png, jpg, gif):ext>", "jpg", "jpg", id="any-one-of"),
    pytest.param("<any(png, jpg, gif):ext>", "bmp", None, id="any-none-of"),
    pytest.param("<any('a.b', c):ext>", "a.b", "a.b", id="any-quoted-word"),
    pytest.param("<any('a.b', c):ext>", "axb", None, id="any-escapes-its-words"),
]


@pytest.mark.parametrize(("parameter", "text", "value"), ARGUMENT_CASES)
def test_converter_arguments_as_werkzeug_writes_them(
    parameter: str, text: str, value: Any
) -> None:
    from framework import Router
    from framework.routing import Match

    router = Router()
    router.add_route(f"/p/{parameter}", lambda request, **params: "", name="p")
    result = router.match("GET", f"/p/{text}")
    if value is None:
        assert not isinstance(result, Match)
    else:
        assert isinstance(result, Match)
        assert list(result.params.values()) == [value]
        # And back: url_for writes what the route takes, and refuses what it would not.
        assert router.url_for("p", **result.params) == f"/p/{text}"


def test_url_for_refuses_values_outside_the_arguments() -> None:
    from framework import Router
    from framework.routing import URLBuildError

    router = Router()
    router.add_route("/p/<int(max=9):n>", lambda request, n: "", name="p")
    assert router.url_for("p", n=9) == "/p/9"
    with pytest.raises(URLBuildError, match="'10' is not a valid value for <n>"):
        router.url_for("p", n=10)


BAD_ARGUMENTS = [
    pytest.param("/a/<int(mn=1):n>", "unexpected keyword argument 'mn'", id="unknown-keyword"),
    pytest.param("/a/<int(min='x'):n>", "min must be a number", id="wrong-type"),
    pytest.param("/a/<string(length=0):s>", "length must be a whole number", id="zero-length"),
    pytest.param("/a/<string(minlength=5, maxlength=2):s>", "maxlength", id="max-below-min"),
    pytest.param("/a/<any():e>", "one or more words", id="any-without-words"),
    pytest.param("/a/<any(a b):e>", "cannot read the converter arguments", id="unreadable"),
    pytest.param("/a/<uuid(4):u>", "takes no arguments", id="no-arguments-taken"),
    pytest.param("/a/<int(max=[1]):n>", "must be a number, a string", id="not-a-literal"),
]


@pytest.mark.parametrize(("pattern", "message"), BAD_ARGUMENTS)
def test_a_bad_converter_argument_is_refused_naming_the_pattern(
    pattern: str, message: str
) -> None:
    from framework import Router
    from framework.routing import RouteError

    with pytest.raises(RouteError, match=message) as caught:
        Router().add_route(pattern, lambda request, **params: "", name="p")
    assert repr(pattern) in str(caught.value)


def test_a_custom_converter_receives_its_arguments() -> None:
    from framework import App

    class Choice(Converter):
        def __init__(self, *words: str, upper: bool = False) -> None:
            self.words = [word.upper() if upper else word for word in words]
            self.regex = "|".join(self.words)

    app = App(__name__)
    app.add_converter("choice", Choice)
    app.get("/c/<choice(red, green, upper=True):colour>")(lambda request, colour: colour)
    client = app.test_client()
    assert client.get("/c/GREEN").text == "GREEN"
    assert client.get("/c/green").status_code == 404
