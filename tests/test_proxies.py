"""Trusted proxies: TRUSTED_PROXY_IPS, request.from_trusted_proxy and ProxiedApp."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from framework import App, Request
from framework.proxies import ProxiedApp, TrustedProxies, parse_trusted_proxies
from framework.testing import TestClient


@pytest.fixture
def who(app: App) -> App:
    @app.get("/who")
    def who(request: Request) -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "trusted": request.from_trusted_proxy,
            "id": request.id,
        }

    return app


@pytest.mark.parametrize(
    ("setting", "peer", "trusted"),
    [
        pytest.param(None, "127.0.0.1", False, id="none-by-default"),
        pytest.param(["127.0.0.1"], "127.0.0.1", True, id="ipv4"),
        pytest.param(["127.0.0.1"], "127.0.0.2", False, id="ipv4-other"),
        pytest.param(["10.0.0.0/8"], "10.20.30.40", True, id="cidr"),
        pytest.param(["10.0.0.0/8"], "11.0.0.1", False, id="cidr-outside"),
        pytest.param(["::1"], "::1", True, id="ipv6"),
        pytest.param(["fd00::/8"], "fd12:3456::1", True, id="ipv6-cidr"),
        pytest.param(["10.0.0.0/8"], "::ffff:10.1.2.3", True, id="ipv4-mapped"),
        pytest.param("192.168.1.5", "192.168.1.5", True, id="one-str"),
        pytest.param(["127.0.0.1"], "", False, id="unix-socket-peer"),
        pytest.param(["127.0.0.1"], "not an address", False, id="garbage-peer"),
    ],
)
def test_a_peer_is_trusted_only_when_listed(
    who: App, setting: Any, peer: str, trusted: bool
) -> None:
    who.config["TRUSTED_PROXY_IPS"] = setting
    reply = who.test_client().get("/who", environ_base={"REMOTE_ADDR": peer})
    assert reply.json["trusted"] is trusted


def test_a_request_without_an_app_trusts_no_one() -> None:
    assert Request({"REMOTE_ADDR": "127.0.0.1"}).from_trusted_proxy is False


@pytest.mark.parametrize(
    "entry", ["10.0.0.300", "localhost", "10.0.0.1/8", "10.0.0.0/33", "", "1.2.3.4, 5.6.7.8"]
)
def test_a_malformed_entry_is_refused_when_set_naming_it(app: App, entry: str) -> None:
    with pytest.raises(ValueError, match=r"TRUSTED_PROXY_IPS holds .*which is not an IP") as info:
        app.config["TRUSTED_PROXY_IPS"] = ["127.0.0.1", entry]
    assert repr(entry) in str(info.value)
    assert app.config["TRUSTED_PROXY_IPS"] is None  # the setting was not made


def test_an_entry_that_is_not_a_str_is_a_type_error(app: App) -> None:
    with pytest.raises(TypeError, match="TRUSTED_PROXY_IPS"):
        app.config["TRUSTED_PROXY_IPS"] = [10]
    with pytest.raises(TypeError, match="TRUSTED_PROXY_IPS"):
        app.config.from_mapping(TRUSTED_PROXY_IPS=True)


def test_a_list_changed_in_place_is_read_again_and_a_bad_entry_named(who: App) -> None:
    who.config["TRUSTED_PROXY_IPS"] = ["10.0.0.1"]
    client = who.test_client()
    assert client.get("/who", environ_base={"REMOTE_ADDR": "10.0.0.2"}).json["trusted"] is False
    who.config["TRUSTED_PROXY_IPS"].append("10.0.0.2")
    assert client.get("/who", environ_base={"REMOTE_ADDR": "10.0.0.2"}).json["trusted"] is True
    who.config["TRUSTED_PROXY_IPS"].append("ten")
    with pytest.raises(ValueError, match="TRUSTED_PROXY_IPS holds 'ten'"):
        who.trusted_proxies.trusts("10.0.0.2")


def test_the_networks_are_parsed_once() -> None:
    proxies = TrustedProxies({"TRUSTED_PROXY_IPS": ["10.0.0.0/8", "::1"]})
    assert proxies.networks is proxies.networks
    assert [str(network) for network in parse_trusted_proxies(["10.0.0.0/8", "::1"])] == [
        "10.0.0.0/8",
        "::1/128",
    ]


FORGED = {
    "X-Forwarded-For": "6.6.6.6",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Request-ID": "forged-id",
}


def test_proxied_app_ignores_forged_headers_from_an_untrusted_peer(who: App) -> None:
    who.config["TRUSTED_PROXY_IPS"] = ["10.0.0.1"]
    client = TestClient(ProxiedApp(who))
    reply = client.get("/who", headers=FORGED, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert reply.json["remote_addr"] == "192.0.2.7"
    assert reply.json["scheme"] == "http"
    assert reply.json["host"] == "localhost"
    assert reply.json["id"] != "forged-id"
    assert reply.headers["X-Request-ID"] == reply.json["id"]


def test_proxied_app_believes_a_trusted_peer(who: App) -> None:
    who.config["TRUSTED_PROXY_IPS"] = ["10.0.0.0/8"]
    client = TestClient(ProxiedApp(who))
    reply = client.get("/who", headers=FORGED, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert reply.json["remote_addr"] == "6.6.6.6"
    assert reply.json["scheme"] == "https"
    assert reply.json["host"] == "localhost"  # x_host=0: the Host header is nginx's $http_host
    # The peer is the proxy, as the server saw it, though ProxyFix rewrote REMOTE_ADDR.
    assert reply.json["trusted"] is True
    assert reply.json["id"] == "forged-id"
    assert reply.headers["X-Request-ID"] == "forged-id"


def test_proxied_app_takes_its_own_list_for_any_wsgi_app() -> None:
    seen: list[dict[str, Any]] = []

    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(dict(environ))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = ProxiedApp(plain, ["::1"], x_host=1)
    for peer in ("::1", "2001:db8::1"):
        environ = {"REMOTE_ADDR": peer, "HTTP_HOST": "a"}
        environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in FORGED.items()})
        app(environ, lambda status, headers: None)
    trusted, untrusted = seen
    assert (trusted["REMOTE_ADDR"], trusted["HTTP_HOST"]) == ("6.6.6.6", "evil.example")
    assert trusted["HTTP_X_REQUEST_ID"] == "forged-id"
    assert untrusted["REMOTE_ADDR"] == "2001:db8::1"
    assert not any(key.startswith("HTTP_X_") for key in untrusted)


def test_proxied_app_refuses_what_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXY_IPS holds 'nope'"):
        ProxiedApp(App("x"), ["nope"])
    with pytest.raises(TypeError, match="trusted_ips"):
        ProxiedApp(lambda environ, start_response: [])


def test_plain_proxy_fix_keeps_the_peer_the_server_saw(who: App) -> None:
    who.config["TRUSTED_PROXY_IPS"] = ["127.0.0.1"]
    client = TestClient(ProxyFix(who))
    reply = client.get("/who", headers=FORGED, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert reply.json["remote_addr"] == "6.6.6.6"
    assert reply.json["trusted"] is True
