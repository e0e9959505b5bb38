"""The example app on several machines: hosts in network namespaces, nginx, PostgreSQL.

``running_site`` starts it all for the multi-host tests (``test_multihost.py``)
and for ``bench/scale.py``: ``count`` hosts (``hosts.py``), each running the
example app under gunicorn with the shipped ``gunicorn.conf.py`` and an
instance folder of its own; PostgreSQL (``postgres.py``) or one SQLite file
for all; nginx in the root namespace with the shipped site configuration,
its upstream listing the hosts. Everything is stopped at the end, by pid.
"""

from __future__ import annotations

import http.client
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from hosts import PORT, Host, Hosts, HostServer, app_hosts, http_request
from nginx import free_port, run_nginx
from postgres import Cluster, postgres_cluster
from servers import HOST, ROOT, Reply

SITE = ROOT / "example_app" / "deploy" / "nginx.conf"
CONFIG = ROOT / "example_app" / "gunicorn.conf.py"
#: How long nginx gets to reload its configuration (SIGHUP).
RELOAD_SECONDS = 1.0


@dataclass
class Site:
    """Three hosts behind nginx: where to send requests, and what to break."""

    hosts: Hosts
    servers: list[HostServer]
    port: int
    env: dict[str, str]
    database: Cluster | None
    nginx: subprocess.Popen[bytes]
    nginx_folder: Path

    def drain(self, index: int | None) -> None:
        """Take host ``index`` out of nginx's upstream (None: put every host back).

        The site file is written again with ``down`` on that server, and nginx
        reloads (SIGHUP): new workers take the new list, the old ones finish
        the requests they hold, so nothing in flight is dropped.
        """
        site = site_config(self.hosts, self.port)
        if index is not None:
            address = self.hosts[index].address
            site = site.replace(
                f"server {address}:{PORT} max_fails=1", f"server {address}:{PORT} down max_fails=1"
            )
        (self.nginx_folder / "site.conf").write_text(site, encoding="utf-8")
        self.nginx.send_signal(signal.SIGHUP)
        time.sleep(RELOAD_SECONDS)  # the new workers are up well within this

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> Reply:
        return http_request(HOST, self.port, method, path, body, headers, timeout)

    def restart(self, index: int) -> None:
        """Start host ``index``'s server again (after a stop or a kill)."""
        self.servers[index] = start_app(self.hosts[index], self.env, index)


def host_env(base: dict[str, str], index: int, folder: Path) -> dict[str, str]:
    return {**base, "SHORTENER_INSTANCE": str(folder / f"instance-{index}")}


def start_app(host: Host, env: dict[str, str], index: int) -> HostServer:
    folder = Path(env["SHORTENER_TESTS_FOLDER"])
    return host.start_gunicorn(
        "example_app:application",
        "-c",
        str(CONFIG),
        workers=None,
        env=host_env(env, index, folder),
        probe_path="/healthz",
    )


def site_config(hosts: Hosts, port: int) -> str:
    """The shipped site configuration, with the three hosts, our port and host names."""
    text = SITE.read_text(encoding="utf-8")
    text = text.replace(
        "    server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;\n"
        "    server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;\n",
        "".join(
            f"    server {address}:{PORT} max_fails=1 fail_timeout=10s;\n"
            for address in hosts.addresses()
        ),
    )
    text = text.replace("listen 8080", f"listen {HOST}:{port}")
    # The HTTPS server needs a certificate: these tests speak plain HTTP only.
    text = text[: text.index("server {\n    # HTTPS")]
    text = text.replace("    listen 8443 ssl default_server;\n", "")
    text = text.replace("    ssl_reject_handshake on;\n", "")
    text = text.replace("server_name short.example;", f"server_name {HOST} localhost;")
    assert hosts.addresses()[-1] in text, "the shipped config changed"
    return text


@contextmanager
def running_site(tmp_path: Path, *, postgres: bool, count: int, prefix: str) -> Iterator[Site]:
    with ExitStack() as stack:
        hosts = stack.enter_context(app_hosts(count, prefix=prefix))
        env = {
            "SHORTENER_TESTS_FOLDER": str(tmp_path),
            # nginx reaches the hosts from the bridge's address: the one proxy to believe.
            "SHORTENER_TRUSTED_PROXY_IPS": hosts.bridge_address,
            "WEB_CONCURRENCY": "2",
            "SHORTENER_THREADS": "4",
            # One key on every machine, as a deployment must give it.
            "SHORTENER_SECRET_KEY": "the-key-every-host-shares-" + "x" * 40,
            # The names the site answers to: through nginx, and each host's own
            # address, where the tests ask hosts directly.
            "SHORTENER_HOSTS": ",".join([HOST, "localhost", *hosts.addresses()]),
            # Well below nginx's 1.5 s: the app says 503 before nginx gives up on it.
            "SHORTENER_DATABASE_TIMEOUT": "0.5",
        }
        database = None
        if postgres:
            database = stack.enter_context(postgres_cluster(["127.0.0.1", hosts.bridge_address]))
            env["SHORTENER_DATABASE_URL"] = database.dsn(hosts.bridge_address)
        else:
            # One host, one SQLite file: the embedded default, on a machine of its own.
            env["SHORTENER_DATABASE"] = str(tmp_path / "links.sqlite3")
        servers = [start_app(host, env, index) for index, host in enumerate(hosts)]
        port = free_port()
        nginx_folder = tmp_path / "nginx"
        nginx_folder.mkdir()
        nginx = stack.enter_context(run_nginx(nginx_folder, site_config(hosts, port), port))
        yield Site(hosts, servers, port, env, database, nginx, nginx_folder)


def is_ready(server: HostServer) -> bool:
    """Tell whether a host's ``/readyz`` answers 200 (its database reads and writes)."""
    try:
        return server.request("GET", "/readyz", timeout=5.0).status == 200
    except (OSError, http.client.HTTPException):
        return False
