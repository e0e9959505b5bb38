"""Redirects: the status, the Location, and never a place an attacker chose."""

from __future__ import annotations

import pytest

from framework import UnsafeRedirect, redirect, safe_redirect


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect(status: int) -> None:
    response = redirect("/next?a=1&b=<2>", status)
    assert response.status == status
    assert response.headers["Location"] == "/next?a=1&b=%3C2%3E"
    assert b'href="/next?a=1&amp;b=%3C2%3E"' in response.body  # type: ignore[operator]


def test_redirect_refuses_other_statuses() -> None:
    with pytest.raises(ValueError, match="301, 302, 303, 307 or 308"):
        redirect("/", 200)


LOCATIONS = [
    pytest.param("/x\r\nSet-Cookie: a=1", "/x%0D%0ASet-Cookie:%20a=1", id="line-break"),
    pytest.param("/caf\u00e9 menu", "/caf%C3%A9%20menu", id="non-ascii-and-space"),
    pytest.param("/already%20encoded?q=%C3%A9", "/already%20encoded?q=%C3%A9", id="encoded"),
    pytest.param("https://example.com/a?b=c#d", "https://example.com/a?b=c#d", id="absolute"),
]


@pytest.mark.parametrize(("location", "sent"), LOCATIONS)
def test_redirect_percent_encodes_what_a_url_may_not_hold(location: str, sent: str) -> None:
    assert redirect(location, external=True).headers["Location"] == sent


#: Locations that leave the site, as browsers read them, and the host they lead to.
OFF_SITE = [
    pytest.param("https://evil.com/", "evil.com", id="absolute"),
    pytest.param("HTTP://EVIL.com/x", "evil.com", id="absolute-uppercase"),
    pytest.param("//evil.com", "evil.com", id="scheme-relative"),
    pytest.param("///evil.com", "evil.com", id="three-slashes"),
    pytest.param("/\\evil.com", "evil.com", id="slash-backslash"),
    pytest.param("\\\\evil.com", "evil.com", id="two-backslashes"),
    pytest.param("/\t/evil.com", "evil.com", id="tab-between-slashes"),
    pytest.param("/\n/evil.com", "evil.com", id="newline-between-slashes"),
    pytest.param(" //evil.com", "evil.com", id="leading-space"),
    pytest.param("\x00\x1f//evil.com", "evil.com", id="leading-controls"),
    pytest.param("https:evil.com", "evil.com", id="scheme-without-slashes"),
    pytest.param("http:/\\/evil.com", "evil.com", id="slash-backslash-slash-after-scheme"),
    pytest.param("https://localhost@evil.com/", "evil.com", id="user-info"),
    pytest.param("http://evil.com\\@localhost/", "evil.com", id="backslash-ends-the-host"),
    pytest.param("https://evil.com:443/", "evil.com", id="default-port"),
    pytest.param("http://evil.com:8080/", "evil.com:8080", id="other-port"),
]


@pytest.mark.parametrize(("location", "host"), OFF_SITE)
def test_redirect_off_site_is_refused(location: str, host: str) -> None:
    with pytest.raises(UnsafeRedirect, match="external=True") as raised:
        redirect(location)
    assert isinstance(raised.value, ValueError)
    assert (raised.value.host, raised.value.location, raised.value.status) == (host, location, 302)


@pytest.mark.parametrize(("location", "host"), OFF_SITE)
def test_redirect_off_site_with_external_passes(location: str, host: str) -> None:
    response = redirect(location, 307, external=True)
    assert response.status == 307
    assert "Location" in response.headers


BAD_SCHEMES = [
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("JavaScript:alert(1)", id="mixed-case"),
    pytest.param("java\tscript:alert(1)", id="tab-inside"),
    pytest.param("jav\r\nascript:alert(1)", id="line-break-inside"),
    pytest.param(" JavaScript:alert(1)", id="leading-space"),
    pytest.param("\x01javascript:alert(1)\x00", id="controls-around"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data"),
    pytest.param("vbscript:msgbox(1)", id="vbscript"),
    pytest.param("file:///etc/passwd", id="file"),
]


@pytest.mark.parametrize("external", [False, True])
@pytest.mark.parametrize("location", BAD_SCHEMES)
def test_redirect_to_another_scheme_is_refused_even_when_external(
    location: str, external: bool
) -> None:
    with pytest.raises(UnsafeRedirect, match="http or https") as raised:
        redirect(location, external=external)
    assert raised.value.host is None


@pytest.mark.parametrize(
    ("location", "sent"),
    [
        pytest.param("/next", "/next", id="path"),
        pytest.param("next/page", "next/page", id="relative-path"),
        pytest.param("../up", "../up", id="parent"),
        pytest.param("?page=2", "?page=2", id="query"),
        pytest.param("#top", "#top", id="fragment"),
        pytest.param("", "", id="empty"),
        pytest.param("/a:b//c", "/a:b//c", id="colon-and-slashes-in-the-path"),
        pytest.param("/\x00/evil.com", "/%00/evil.com", id="nul-is-not-dropped-by-browsers"),
    ],
)
def test_redirect_within_the_site_passes(location: str, sent: str) -> None:
    response = redirect(location)
    assert response.status == 302
    assert response.headers["Location"] == sent


SAFE_TARGETS = [
    pytest.param("/account?tab=1#top", "/account?tab=1#top", id="local-path"),
    pytest.param("//evil.example/x", "/", id="protocol-relative"),
    pytest.param("/\\evil.example", "/", id="backslash"),
    pytest.param("/\t/evil.example", "/", id="tab-dropped-by-browsers"),
    pytest.param("/\n/evil.example", "/", id="newline-dropped-by-browsers"),
    pytest.param(" //evil.example", "/", id="leading-space"),
    pytest.param("\x00//evil.example", "/", id="leading-control"),
    pytest.param("https://evil.example/", "/", id="absolute-url"),
    pytest.param("https:evil.example", "/", id="scheme-without-slashes"),
    pytest.param("javascript:alert(1)", "/", id="javascript"),
    pytest.param("java\tscript:alert(1)", "/", id="javascript-with-a-tab"),
    pytest.param("\\\\evil.example", "/", id="two-backslashes"),
    pytest.param("http:/\\/evil.example", "/", id="slash-backslash-slash-after-scheme"),
    pytest.param("relative/path", "/", id="relative"),
    pytest.param("", "/", id="empty"),
    pytest.param(None, "/", id="missing"),
]


@pytest.mark.parametrize(("target", "location"), SAFE_TARGETS)
def test_safe_redirect_follows_local_paths_only(target: str | None, location: str) -> None:
    response = safe_redirect(target)
    assert response.status == 302
    assert response.headers["Location"] == location


def test_safe_redirect_fallback_and_status() -> None:
    response = safe_redirect("//evil.example", fallback="/home", status=303)
    assert (response.status, response.headers["Location"]) == (303, "/home")
