"""Path patterns: how a pattern is checked and split into segments."""

from __future__ import annotations

from typing import Any

import pytest

from framework.converters import DEFAULT_CONVERTERS
from framework.patterns import Kind, Mixed, Parameter, Plain, Rest, RouteError, parse_pattern


def test_static_segments_stay_text() -> None:
    segments, url_parts = parse_pattern("/users/me/", DEFAULT_CONVERTERS)
    assert segments == ["users", "me", ""]
    assert url_parts == ["/users/me/"]


def test_each_kind_of_segment() -> None:
    segments, _ = parse_pattern(
        "/a/<name>/<int:id>/report-<int:year>.csv/<path:rest>", DEFAULT_CONVERTERS
    )
    kinds = [type(segment) for segment in segments]
    assert kinds == [str, Plain, Parameter, Mixed, Rest]
    plain, typed, mixed, rest = segments[1:]
    assert [s.kind for s in segments[1:]] == [Kind.PLAIN, Kind.TYPED, Kind.MIXED, Kind.PATH]  # type: ignore[union-attr]
    assert isinstance(plain, Plain) and plain.match("x") == {"name": "x"}
    assert plain.match("") is None
    assert isinstance(typed, Parameter) and typed.match("x") is None
    assert typed.match("42") == {"id": 42}
    assert mixed.match("report-2024.csv") == {"year": 2024}  # type: ignore[union-attr]
    assert mixed.match("report-x.csv") is None  # type: ignore[union-attr]
    assert rest.match("a/b/c") == {"rest": "a/b/c"}  # type: ignore[union-attr]


def test_a_segment_with_several_parameters_only_tries_texts_up_to_a_length() -> None:
    # Failing on a crafted segment (all dashes) costs the regex about n**k / k!
    # steps for k parameters: longer segments are not tried, so no request can
    # keep a worker busy with it.
    [_, three] = parse_pattern("/r/<a>-<b>-<c>.csv", DEFAULT_CONVERTERS)[0]
    assert isinstance(three, Mixed)
    assert three.max_length == 145
    fits = "x-" * 70 + "y.csv"
    assert len(fits) == 145
    assert three.match(fits) == {"a": "x-" * 68 + "x", "b": "x", "c": "y"}
    assert three.match("x" + fits) is None
    [_, two] = parse_pattern("/r/<name>-<int:id>", DEFAULT_CONVERTERS)[0]
    assert two.max_length == 1000  # type: ignore[union-attr]
    # One parameter has no such limit: its regex tries each split once.
    [_, one] = parse_pattern("/r/<name>.txt", DEFAULT_CONVERTERS)[0]
    assert one.max_length is None  # type: ignore[union-attr]
    assert one.match("n" * 5000 + ".txt") == {"name": "n" * 5000}  # type: ignore[union-attr]


def test_priority_ranks_follow_specificity() -> None:
    segments, _ = parse_pattern("/<a>/<int:b>/x-<c>/long-text-<d>/<path:e>", DEFAULT_CONVERTERS)
    plain, typed, short_mixed, long_mixed, rest = segments
    keys: list[Any] = [s.sort_key() for s in (plain, typed, short_mixed, long_mixed, rest)]  # type: ignore[union-attr]
    # Mixed segments first (more literal text first), then typed, plain, rest.
    assert sorted(keys) == [keys[3], keys[2], keys[1], keys[0], keys[4]]


def test_url_parts_keep_text_and_parameters_in_order() -> None:
    _, url_parts = parse_pattern("/files/<name>.<ext>", DEFAULT_CONVERTERS)
    assert url_parts[0] == "/files/"
    assert [part[0] for part in url_parts if not isinstance(part, str)] == ["name", "ext"]
    assert "." in url_parts


BAD_PATTERNS = [
    pytest.param("users", "must be a string starting with '/'", id="no-leading-slash"),
    pytest.param("/a//b", "empty segment", id="empty-segment"),
    pytest.param("/a/<int:id", "malformed parameter", id="unclosed"),
    pytest.param("/a/<1x>", "malformed parameter", id="bad-name"),
    pytest.param("/a/<x>>", "malformed parameter", id="stray-bracket"),
    pytest.param("/a/<nope:x>", "unknown converter 'nope'", id="unknown-converter"),
    pytest.param("/a/<x>/<int:x>", "parameter name 'x' twice", id="duplicate-parameter"),
    pytest.param("/a/<x><y>", "two parameters touch", id="adjacent-parameters"),
    pytest.param("/a/<path:p>/b", "must be the last segment", id="path-not-last"),
    pytest.param("/a/x-<path:p>", "whole segment", id="path-in-mixed-segment"),
]


@pytest.mark.parametrize(("pattern", "message"), BAD_PATTERNS)
def test_bad_patterns_are_refused_with_a_message_naming_them(pattern: str, message: str) -> None:
    with pytest.raises(RouteError, match=message) as caught:
        parse_pattern(pattern, DEFAULT_CONVERTERS)
    assert repr(pattern) in str(caught.value)
