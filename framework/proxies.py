"""Proxies: whose word about the client the app takes.

Behind nginx, the app's direct peer, the ``REMOTE_ADDR`` the server puts in
the environ, is nginx. What nginx knows about the real client arrives in
headers it adds: ``X-Forwarded-For`` (the client's address),
``X-Forwarded-Proto`` (http or https), ``X-Forwarded-Host`` and
``X-Request-ID``. Any client can send the same headers, so they are true
only when the direct peer is our own proxy. ``TRUSTED_PROXY_IPS`` lists the
addresses (or networks) of those proxies; by default none is trusted.

``request.from_trusted_proxy`` asks ``TrustedProxies`` about the request's
peer; ``ProxiedApp`` applies werkzeug's ``ProxyFix`` to the requests of a
trusted peer only, and strips the forwarded headers from everyone else's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from .wsgitypes import Environ, StartResponse, WSGIApp

#: The config key that lists the trusted proxies.
SETTING = "TRUSTED_PROXY_IPS"

#: The headers only a trusted proxy may send: the forwarded ones, and the request id.
PROXY_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_REQUEST_ID",
)

Network = IPv4Network | IPv6Network


def parse_trusted_proxies(setting: str | Iterable[str] | None) -> tuple[Network, ...]:
    """Read ``TRUSTED_PROXY_IPS``: addresses (``"10.0.0.5"``, ``"::1"``) or networks.

    A network (``"10.0.0.0/8"``) trusts each of its addresses; a single str
    is one entry; None trusts no one. A malformed entry is a ``ValueError``
    that names it.
    """
    if setting is None:
        return ()
    entries = [setting] if isinstance(setting, str) else list(setting)
    networks = []
    for entry in entries:
        try:
            if not isinstance(entry, str):
                raise ValueError("not a str")
            networks.append(ip_network(entry.strip()))
        except ValueError as error:
            raise ValueError(
                f"{SETTING} holds {entry!r}, which is not an IP address or network "
                f"({error}); write each as '10.0.0.5', '10.0.0.0/8' or '::1'"
            ) from None
    return tuple(networks)


def address_in(address: str | None, networks: Iterable[Network]) -> bool:
    """Tell whether ``address`` (an IPv4 or IPv6 address as text) is in one of ``networks``.

    An IPv4 client of a dual-stack socket shows as ``::ffff:10.0.0.5``: it
    counts as ``10.0.0.5``. What is not an IP address (the empty peer of a
    Unix socket) is in none.
    """
    if not address:
        return False
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def direct_peer(environ: Environ) -> str | None:
    """Return the address of the direct peer: ``REMOTE_ADDR`` as the server set it.

    werkzeug's ``ProxyFix`` replaces ``REMOTE_ADDR`` with the client's
    address and keeps the original in ``environ["werkzeug.proxy_fix.orig"]``:
    the peer is that one.
    """
    original = environ.get("werkzeug.proxy_fix.orig")
    if original is not None:
        peer: str | None = original.get("REMOTE_ADDR")
        return peer
    return environ.get("REMOTE_ADDR")


class TrustedProxies:
    """The proxies an app trusts, as its ``TRUSTED_PROXY_IPS`` says (``app.trusted_proxies``).

    Parsed again only when the setting changes, so that a question costs a
    comparison of the setting and a look at the address.
    """

    __slots__ = ("_config", "_networks", "_source")

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        #: The setting the networks were parsed from.
        self._source: Any = None
        self._networks: tuple[Network, ...] = ()

    @property
    def networks(self) -> tuple[Network, ...]:
        """The trusted networks (an address is a network of one), parsed from the setting."""
        setting = self._config.get(SETTING)
        if setting != self._source:
            self._networks = parse_trusted_proxies(setting)
            self._source = copy.copy(setting)
        return self._networks

    def trusts(self, address: str | None) -> bool:
        """Tell whether ``address`` is one of the trusted proxies."""
        networks = self.networks
        return bool(networks) and address_in(address, networks)


class ProxiedApp:
    """Apply werkzeug's ``ProxyFix`` to requests from a trusted proxy, and only to those.

    ``ProxyFix`` rewrites the environ from the ``X-Forwarded-*`` headers
    (``x_for=1``: the last address in ``X-Forwarded-For``, the one our proxy
    added), so ``request.remote_addr`` is the client's and
    ``request.scheme`` the one it used. Applied to every request, it would
    believe any client that sends those headers: here a request whose direct
    peer is not in ``trusted_ips`` keeps the environ the server made, minus
    the headers only a proxy may send (``PROXY_HEADERS``, ``X-Request-ID``
    among them), so that nothing behind reads them either.

    ``trusted_ips`` is read as ``TRUSTED_PROXY_IPS`` is; when it is not
    given, ``app`` must be an App, and its ``TRUSTED_PROXY_IPS`` is used
    (changes to it included).
    """

    def __init__(
        self,
        app: WSGIApp,
        trusted_ips: str | Iterable[str] | None = None,
        *,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        #: The app behind.
        self.app = app
        if trusted_ips is not None:
            parse_trusted_proxies(trusted_ips)  # a malformed entry fails here, not at a request
            self.trusted = TrustedProxies({SETTING: trusted_ips})
        else:
            trusted = getattr(app, "trusted_proxies", None)
            if not isinstance(trusted, TrustedProxies):
                raise TypeError(
                    "ProxiedApp(app) reads TRUSTED_PROXY_IPS from a framework App; "
                    "for another WSGI app, pass trusted_ips=[...]"
                )
            self.trusted = trusted
        self._fixed = ProxyFix(
            app, x_for=x_for, x_proto=x_proto, x_host=x_host, x_port=x_port, x_prefix=x_prefix
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Any:
        """Serve one WSGI call, through ``ProxyFix`` if the peer is a trusted proxy."""
        if self.trusted.trusts(environ.get("REMOTE_ADDR")):
            return self._fixed(environ, start_response)
        for key in PROXY_HEADERS:
            environ.pop(key, None)
        return self.app(environ, start_response)
