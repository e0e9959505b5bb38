"""The preconditions alone, as evaluate_preconditions answers them (see also test_response.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from werkzeug.test import EnvironBuilder

from framework.conditional import evaluate_preconditions

CHANGED = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("method", "headers", "etag", "last_modified", "outcome"),
    [
        pytest.param("GET", {}, '"a"', CHANGED, None, id="unconditional"),
        pytest.param("GET", {"If-None-Match": '"a"'}, '"a"', None, 304, id="inm"),
        pytest.param("DELETE", {"If-None-Match": '"a"'}, '"a"', None, 412, id="inm-unsafe"),
        pytest.param("GET", {"If-None-Match": '"a"'}, None, None, None, id="inm-no-etag"),
        pytest.param("GET", {"If-None-Match": "*"}, None, None, 304, id="inm-star-no-etag"),
        pytest.param("GET", {"If-Match": "*"}, None, None, None, id="im-star-no-etag"),
        pytest.param("GET", {"If-Match": '"a"'}, None, None, 412, id="im-no-etag"),
        pytest.param("GET", {"If-Match": '"a"'}, 'W/"a"', None, 412, id="im-weak-etag"),
        pytest.param("GET", {"If-Match": "  "}, '"a"', None, None, id="im-blank-is-absent"),
        pytest.param(
            "GET",
            {"If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"},
            None,
            None,
            None,
            id="ims-no-last-modified",
        ),
        pytest.param(
            "GET",
            {"If-Unmodified-Since": "Tue, 31 Dec 2024 23:59:59 GMT"},
            None,
            CHANGED,
            412,
            id="ius-a-second-too-early",
        ),
    ],
)
def test_outcome(
    method: str,
    headers: dict[str, str],
    etag: str | None,
    last_modified: datetime | None,
    outcome: int | None,
) -> None:
    environ = EnvironBuilder(method=method, headers=headers).get_environ()
    answer = evaluate_preconditions(environ, etag, last_modified)
    assert (answer[0] if answer else None) == outcome


def test_a_412_says_which_precondition_failed() -> None:
    environ = EnvironBuilder(headers={"If-Match": '"old"'}).get_environ()
    assert evaluate_preconditions(environ, '"new"', None) == (
        412,
        "the resource has changed: its current ETag is not one If-Match names",
    )
