"""The multi-host test infrastructure: hosts in network namespaces, nginx, PostgreSQL.

hosts.py makes "machines" out of network namespaces on a bridge, and
postgres.py a throwaway PostgreSQL cluster; the example app's multi-host
tests are built on both. These tests show that what they promise holds:
each host is reached at its own address and runs in its own network, nginx
in the root namespace spreads requests over them, a pulled cable and a
killed server each look as they would on real machines, the hosts reach
PostgreSQL at the bridge's address, and nothing is left behind.

They need root and ``ip`` (iproute2), nginx and PostgreSQL's binaries;
without them they are skipped with a message that says what is missing,
and with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import collections
import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from hosts import (
    LINK_TIMEOUT,
    PORT,
    Hosts,
    HostServer,
    answers,
    app_hosts,
    children,
    http_request,
    is_running,
    ours,
)
from nginx import free_port, run_nginx
from postgres import postgres_cluster
from servers import HOST, wait_for

#: A connection attempt that has not been accepted by then counts as failed.
CONNECT_TIMEOUT = 0.5

#: Connect to the DSN in argv[1] and print what the server says; inside a host.
PSYCOPG_PROBE = (
    "import sys, psycopg\n"
    "with psycopg.connect(sys.argv[1], connect_timeout=3) as conn:\n"
    "    print(conn.execute('select host(inet_client_addr()), current_database()').fetchone())\n"
)


@pytest.fixture
def hosts() -> Iterator[Hosts]:
    with app_hosts(3) as made:
        yield made


@pytest.fixture
def servers(hosts: Hosts) -> list[HostServer]:
    """A gunicorn of tests/host_app.py on each host, answering the host's name (h0, h1, h2)."""
    return [
        host.start_gunicorn("host_app:app", env={"HOST_NAME": f"h{host.index}"}) for host in hosts
    ]


def who(server: HostServer) -> str:
    reply = server.request("GET", "/", timeout=2.0)
    assert reply.status == 200
    return str(reply.json()["host"])


def connect_error(address: str, port: int = PORT) -> type[OSError] | None:
    """The kind of error a TCP connection to ``address:port`` meets, or None if it is accepted."""
    try:
        with socket.create_connection((address, port), timeout=CONNECT_TIMEOUT):
            return None
    except OSError as error:
        return type(error)


def test_each_host_answers_at_its_own_address_from_its_own_network(
    hosts: Hosts, servers: list[HostServer]
) -> None:
    assert len(set(hosts.addresses())) == 3
    assert len({host.namespace for host in hosts}) == 3
    for server in servers:
        seen = server.request("GET", "/", timeout=2.0).json()
        assert seen["host"] == f"h{server.host.index}"
        # The server sees only its namespace's interfaces, not the bridge or eth0 of the machine.
        assert seen["interfaces"] == ["eth0", "lo"]
        # Requests from the root namespace come from the bridge's address.
        assert seen["remote_addr"] == hosts.bridge_address
        assert seen["pid"] in server.workers()


def test_a_host_reaches_the_root_namespace_at_the_bridge_address_only(hosts: Hosts) -> None:
    """The bridge's address is the way out of a host; the machine's loopback is not."""
    with socket.socket() as listener:
        listener.bind((hosts.bridge_address, 0))
        listener.listen()
        listener.settimeout(5.0)
        port = listener.getsockname()[1]
        received: list[bytes] = []

        def accept_one() -> None:
            with suppress(TimeoutError):  # the assertions below say what is missing
                conn, _ = listener.accept()
                with conn:
                    conn.settimeout(5.0)
                    received.append(conn.recv(100))

        thread = threading.Thread(target=accept_one)
        thread.start()
        send = (
            "import socket, sys\n"
            "with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3) as s:\n"
            "    s.sendall(b'from ' + sys.argv[3].encode())\n"
        )
        done = hosts[1].call(
            [sys.executable, "-c", send, hosts.bridge_address, str(port), hosts[1].address]
        )
        thread.join(timeout=10.0)
        assert done.returncode == 0, done.stderr
        assert received == [f"from {hosts[1].address}".encode()]
    # 127.0.0.1 inside a host is the host's own loopback: nothing of the root namespace.
    with socket.socket() as outside:
        outside.bind((HOST, 0))
        outside.listen()
        refused = hosts[0].call(
            [
                sys.executable,
                "-c",
                "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2)",
                str(outside.getsockname()[1]),
            ]
        )
        assert refused.returncode != 0
        assert b"ConnectionRefusedError" in refused.stderr


def test_nginx_in_the_root_namespace_spreads_requests_over_the_hosts(
    hosts: Hosts, servers: list[HostServer], tmp_path: Path
) -> None:
    port = free_port()
    upstreams = "".join(f"    server {address}:{PORT};\n" for address in hosts.addresses())
    site = (
        f"upstream hosts {{\n{upstreams}}}\n"
        f"server {{\n    listen {HOST}:{port};\n"
        "    location / { proxy_pass http://hosts; proxy_connect_timeout 1s; }\n}\n"
    )
    with run_nginx(tmp_path, site, port):
        seen = [http_request(HOST, port, "GET", "/", timeout=5.0).json() for _ in range(9)]
    # One nginx worker, three equal servers: round robin gives each a third.
    assert collections.Counter(reply["host"] for reply in seen) == {"h0": 3, "h1": 3, "h2": 3}
    # nginx connects to the hosts from the bridge's address, like any client in the root namespace.
    assert {reply["remote_addr"] for reply in seen} == {hosts.bridge_address}


def test_a_host_whose_link_is_down_times_out_and_comes_back_with_the_link(
    hosts: Hosts, servers: list[HostServer]
) -> None:
    cut = hosts[1]
    cut.link_down()
    wait_for(lambda: connect_error(cut.address) is not None, "the cut host", LINK_TIMEOUT)
    # No refusal comes back through a pulled cable: the attempt times out.
    assert connect_error(cut.address) is TimeoutError
    assert [who(servers[0]), who(servers[2])] == ["h0", "h2"]
    assert servers[1].running()  # the server itself was never touched
    cut.link_up()
    wait_for(lambda: answers(cut.address, PORT, timeout=1.0), "the host back", LINK_TIMEOUT)
    assert who(servers[1]) == "h1"


def test_a_killed_host_refuses_connections_while_the_others_answer(
    hosts: Hosts, servers: list[HostServer]
) -> None:
    victim = servers[0]
    processes = [victim.pid, *victim.workers()]
    victim.kill()
    assert not any(is_running(pid) for pid in processes), "SIGKILL reaches master and workers"
    # The machine is up, nothing listens: refused at once, unlike a pulled cable.
    assert connect_error(victim.address) is ConnectionRefusedError
    assert [who(servers[1]), who(servers[2])] == ["h1", "h2"]
    restarted = hosts[0].start_gunicorn("host_app:app", env={"HOST_NAME": "h0-again"})
    assert who(restarted) == "h0-again"


def test_postgres_listens_on_the_bridge_for_the_hosts_and_stops_and_starts(
    hosts: Hosts,
) -> None:
    with postgres_cluster([HOST, hosts.bridge_address]) as pg:
        inside = hosts[2]
        found = inside.call([sys.executable, "-c", PSYCOPG_PROBE, pg.dsn(hosts.bridge_address)])
        assert found.returncode == 0, found.stderr
        # PostgreSQL sees the host's own address: the connection crossed the bridge.
        assert found.stdout.decode().strip() == f"('{inside.address}', 'app')"
        assert pg.dsn(HOST) == f"postgresql://app@{HOST}:{pg.port}/app"
        # Stopped: a host's connection fails; started again: it works again.
        pg.stop()
        assert not pg.running()
        gone = inside.call([sys.executable, "-c", PSYCOPG_PROBE, pg.dsn(hosts.bridge_address)])
        assert gone.returncode != 0
        assert b"Connection refused" in gone.stderr
        pg.start()
        back = inside.call([sys.executable, "-c", PSYCOPG_PROBE, pg.dsn(hosts.bridge_address)])
        assert back.returncode == 0, back.stderr


def test_postgres_answers_on_loopback_in_the_root_namespace() -> None:
    import psycopg

    with (
        postgres_cluster() as pg,
        psycopg.connect(pg.dsn(), connect_timeout=3) as conn,
    ):
        conn.execute("create table links (code text primary key, url text not null)")
        conn.execute("insert into links values ('abc123', 'https://example.com/')")
        row = conn.execute("select url from links where code = 'abc123'").fetchone()
        assert row == ("https://example.com/",)
        assert conn.execute("show fsync").fetchone() == ("off",)


def test_nothing_is_left_behind_even_when_the_body_fails() -> None:
    pids: list[int] = []
    with (
        pytest.raises(RuntimeError, match="the test failed"),
        app_hosts(2) as hosts,
        postgres_cluster([HOST, hosts.bridge_address]) as pg,
    ):
        folder = pg.folder
        assert pg.pid is not None
        pids += [pg.pid, *children(pg.pid)]
        for host in hosts:
            server = host.start_gunicorn("host_app:app", env={"HOST_NAME": host.namespace})
            pids += [server.pid, *server.workers()]
        sleeper = hosts[0].run(["sleep", "60"])
        pids.append(sleeper.pid)
        namespaces, links = ours()
        assert {host.namespace for host in hosts} <= set(namespaces)
        assert {hosts.bridge, *(host.veth for host in hosts)} <= set(links)
        raise RuntimeError("the test failed")
    mine = (f"-{os.getpid()}-", f"fwt{os.getpid()}")
    namespaces, links = ours()
    assert not [name for name in namespaces + links if any(tag in name for tag in mine)]
    assert [pid for pid in pids if is_running(pid)] == []
    assert not folder.exists()
    assert all(log.closed for log in hosts.logs)
